// A sorted set's value (Redis's t_zset.c zset): a Map from member to its node
// in a skip list ordered by (score, member), as Redis pairs a dict with a
// zskiplist, plus an array of the nodes for O(1) random picks (ZRANDMEMBER) and
// a ZSCAN that never skips a member present for the whole scan (it walks the
// array from its end; removal moves the last node into the gap). The encoding
// Redis would use (listpack while small, then skiplist) is tracked for OBJECT
// ENCODING and ZSCAN.

import { SkipList, type ZNode } from './skiplist.js';
import type { Collection, RdbWriter } from './store.js';

/** zset-max-listpack-entries and zset-max-listpack-value. */
export interface ZSetLimits {
  readonly entries: number;
  readonly value: number;
}

/** Redis's defaults, for sorted sets made without a command (an RDB load). */
export const DEFAULT_ZSET_LIMITS: ZSetLimits = { entries: 128, value: 64 };

const RDB_TYPE_ZSET_2 = 5;
const MEMBERS_PER_COMMAND = 64;

/** A score as text that parses back to the same double (AOF rewrite, propagation). */
function scoreText(s: number): string {
  return Number.isFinite(s) ? String(s) : s > 0 ? 'inf' : '-inf';
}

export class ZSetValue implements Collection {
  readonly dict = new Map<string, ZNode>();
  readonly list = new SkipList();
  private slots: ZNode[] = [];
  /** Held as a listpack by Redis's rules: false once converted to a skiplist. */
  private packed: boolean;

  /** `packed`: what zsetTypeCreate chose for the first write (its size and length hints). */
  constructor(packed = true) {
    this.packed = packed;
  }

  get type(): 'zset' {
    return 'zset';
  }

  get size(): number {
    return this.slots.length;
  }

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  /**
   * Adds a member that is not in the set, or moves one that is, to `score`.
   * A listpack stores -0 as the integer 0 (zzlInsertAt's double2ll); a
   * skiplist keeps -0. Returns its node.
   */
  set(member: string, score: number, limits: ZSetLimits): ZNode {
    if (this.packed) score += 0;
    const node = this.dict.get(member);
    if (node !== undefined) {
      if (node.score === score) return node;
      const moved = this.list.updateScore(node, score);
      if (moved !== node) {
        moved.slot = node.slot;
        this.slots[node.slot] = moved;
        this.dict.set(member, moved);
      }
      return moved;
    }
    const added = this.list.insert(score, member);
    added.slot = this.slots.length;
    this.slots.push(added);
    this.dict.set(member, added);
    if (this.packed && (this.slots.length > limits.entries || member.length > limits.value)) this.packed = false;
    return added;
  }

  delete(member: string): boolean {
    const node = this.dict.get(member);
    if (node === undefined) return false;
    this.dict.delete(member);
    this.list.delete(node);
    const last = this.slots.pop()!;
    if (last !== node) {
      last.slot = node.slot;
      this.slots[node.slot] = last;
    }
    return true;
  }

  /** A node chosen uniformly; the set must not be empty. */
  random(): ZNode {
    return this.slots[Math.floor(Math.random() * this.slots.length)]!;
  }

  /**
   * The encoding a sorted set written whole by a command (ZUNIONSTORE,
   * ZRANGESTORE…) ends in: a listpack if it fits (zsetConvertToListpackIfNeeded).
   */
  refit(limits: ZSetLimits): void {
    this.packed = this.slots.length <= limits.entries;
    if (this.packed) for (const n of this.slots) if (n.member.length > limits.value) this.packed = false;
    // Into a listpack, -0 goes as the integer 0; the order is the same.
    if (this.packed) for (const n of this.slots) n.score += 0;
  }

  /** Held as a listpack: small, walked in order by Redis's zzl* functions. */
  get isPacked(): boolean {
    return this.packed;
  }

  /**
   * One ZSCAN step: nodes from the end of the array down; `cursor` 0 starts,
   * otherwise it is how many places are still to visit. A listpack comes back
   * whole, in order, as from Redis.
   */
  scan(cursor: number, count: number): [next: number, nodes: ZNode[]] {
    if (this.packed) {
      const all: ZNode[] = [];
      for (let n = this.list.first(); n !== null; n = n.next) all.push(n);
      return [0, all];
    }
    let from = cursor === 0 ? this.slots.length : Math.min(cursor, this.slots.length);
    const out: ZNode[] = [];
    const to = Math.max(0, from - count);
    while (from > to) out.push(this.slots[--from]!);
    return [from, out];
  }

  clone(): ZSetValue {
    const out = new ZSetValue(this.packed);
    for (let n = this.list.last(); n !== null; n = n.prev) out.set(n.member, n.score, { entries: Infinity, value: Infinity });
    out.packed = this.packed;
    return out;
  }

  encoding(): string {
    return this.packed ? 'listpack' : 'skiplist';
  }

  memoryUsage(): number {
    const n = this.slots.length;
    if (this.packed) {
      let bytes = 7;
      for (const node of this.slots) bytes += node.member.length + 2 + 10;
      return bytes;
    }
    let buckets = 4;
    while (buckets < n) buckets *= 2;
    let bytes = 56 + 8 * buckets + 16 + 32 * 16;
    for (const node of this.slots) bytes += 24 + 3 + node.member.length + 1 + 32 + 16 * node.levels;
    return bytes;
  }

  get rdbType(): number {
    return RDB_TYPE_ZSET_2;
  }

  /** RDB_TYPE_ZSET_2, greatest first as Redis writes it, so a loader inserts each at the head. */
  writeRdb(out: RdbWriter): void {
    out.len(this.slots.length);
    for (let n = this.list.last(); n !== null; n = n.prev) {
      out.string(n.member);
      out.double(n.score);
    }
  }

  rebuild(key: string): string[][] {
    const out: string[][] = [];
    let cmd: string[] = [];
    for (let n = this.list.first(); n !== null; n = n.next) {
      if (cmd.length === 0) cmd = ['ZADD', key];
      cmd.push(scoreText(n.score), n.member);
      if (cmd.length === 2 + 2 * MEMBERS_PER_COMMAND) {
        out.push(cmd);
        cmd = [];
      }
    }
    if (cmd.length > 0) out.push(cmd);
    return out;
  }
}
