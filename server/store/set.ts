// A set's value (Redis's t_set.c types): members in an array with a Map from
// member to its place, so membership, adding and removing are O(1) and so is a
// random pick (SPOP, SRANDMEMBER). Removal moves the last member into the gap;
// SSCAN walks the array from its end, so a member present for a whole scan is
// never skipped. The encoding Redis would use (intset, then hashtable for good)
// is tracked for OBJECT ENCODING and the order of small integer sets.

import type { Collection, RdbWriter } from './store.js';

/** Redis's default set-max-intset-entries, for sets made without a command (an RDB load). */
export const DEFAULT_MAX_INTSET = 512;

const RDB_TYPE_SET = 2;
const MEMBERS_PER_COMMAND = 64;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** A member an intset can hold: the canonical decimal form of a 64-bit integer (string2ll). */
export function isIntegerMember(m: string): boolean {
  const n = m.length;
  if (n === 0 || n > 20) return false;
  const c0 = m.charCodeAt(0);
  if (c0 === 48) return n === 1;
  let i = 0;
  if (c0 === 45) {
    if (n === 1 || m.charCodeAt(1) === 48) return false;
    i = 1;
  }
  for (; i < n; i++) {
    const c = m.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n < 19) return true;
  const v = BigInt(m);
  return v >= INT64_MIN && v <= INT64_MAX;
}

export class SetValue implements Collection {
  private items: string[] = [];
  private index = new Map<string, number>();
  /** Converted to a hashtable: Redis never turns one back into an intset. */
  private hashtable = false;

  get type(): 'set' {
    return 'set';
  }

  get size(): number {
    return this.items.length;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** Adds a member (setTypeAdd); `maxIntset` is set-max-intset-entries. False when it was there. */
  add(member: string, maxIntset: number): boolean {
    if (this.index.has(member)) return false;
    this.index.set(member, this.items.length);
    this.items.push(member);
    if (!this.hashtable && (this.items.length > maxIntset || !isIntegerMember(member))) this.hashtable = true;
    return true;
  }

  delete(member: string): boolean {
    const at = this.index.get(member);
    if (at === undefined) return false;
    this.index.delete(member);
    const last = this.items.pop()!;
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last, at);
    }
    return true;
  }

  /** A member chosen uniformly; the set must not be empty. */
  random(): string {
    return this.items[Math.floor(Math.random() * this.items.length)]!;
  }

  /**
   * The members in the order Redis gives them: ascending numbers for an
   * intset, otherwise the set's own order. A copy: callers may change the set.
   */
  members(): string[] {
    if (this.hashtable) return this.items.slice();
    return this.items.slice().sort((a, b) => {
      const d = BigInt(a) - BigInt(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
  }

  /** Each member in members() order; a large set is walked without a copy, so `fn` must not change it. */
  forEach(fn: (member: string) => void): void {
    if (!this.hashtable) for (const m of this.members()) fn(m);
    else for (let i = 0; i < this.items.length; i++) fn(this.items[i]!);
  }

  /**
   * One SSCAN step: members from the end of the array down. `cursor` 0 starts;
   * otherwise it is how many places are still to visit. An intset comes back
   * whole, as from Redis.
   */
  scan(cursor: number, count: number): [next: number, members: string[]] {
    if (!this.hashtable) return [0, this.members()];
    let from = cursor === 0 ? this.items.length : Math.min(cursor, this.items.length);
    const out: string[] = [];
    const to = Math.max(0, from - count);
    while (from > to) out.push(this.items[--from]!);
    return [from, out];
  }

  clone(): SetValue {
    const out = new SetValue();
    out.items = this.items.slice();
    out.index = new Map(this.index);
    out.hashtable = this.hashtable;
    return out;
  }

  encoding(): string {
    return this.hashtable ? 'hashtable' : 'intset';
  }

  memoryUsage(): number {
    const n = this.items.length;
    if (!this.hashtable) {
      let width = 2;
      for (const m of this.items) {
        const v = Number(m);
        if (v < -2147483648 || v > 2147483647) width = 8;
        else if (width < 4 && (v < -32768 || v > 32767)) width = 4;
      }
      return 8 + n * width;
    }
    let buckets = 4;
    while (buckets < n) buckets *= 2;
    let bytes = 56 + 8 * buckets;
    for (const m of this.items) bytes += 24 + 3 + m.length + 1;
    return bytes;
  }

  get rdbType(): number {
    return RDB_TYPE_SET;
  }

  writeRdb(out: RdbWriter): void {
    out.len(this.items.length);
    for (const m of this.items) out.string(m);
  }

  rebuild(key: string): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < this.items.length; i += MEMBERS_PER_COMMAND) out.push(['SADD', key, ...this.items.slice(i, i + MEMBERS_PER_COMMAND)]);
    return out;
  }
}
