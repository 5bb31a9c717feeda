// A list value (Redis's quicklist): a deque of nodes of up to 128 elements or
// 8 KB. The two end nodes are open (arrays of strings) so pushes and pops at
// either end are O(1); every node between them is packed into one latin1
// string, each element behind its length as a varint, as a listpack holds it.
// A packed node costs its bytes plus one string header, where an array costs a
// string object and a pointer per element: a list of 1M short elements takes
// about as much memory as Redis's. Index access walks nodes from the nearer end
// (O(n / 128)), then at most one node.

import type { Collection, RdbWriter } from './store.js';

const NODE_MAX_COUNT = 128;
const NODE_MAX_BYTES = 8192;

/** One node: open (items) or packed (one string); `count` and `bytes` either way. */
class ListNode {
  items: string[] | null;
  packed = '';
  count: number;
  bytes: number;

  constructor(items: string[]) {
    this.items = items;
    this.count = items.length;
    let b = 0;
    for (const s of items) b += s.length;
    this.bytes = b;
  }

  /** The elements, in order (a copy when packed). */
  values(): string[] {
    return this.items ?? unpack(this.packed, this.count);
  }

  get(i: number): string {
    if (this.items !== null) return this.items[i]!;
    let pos = 0;
    for (let k = 0; ; k++) {
      let len = 0;
      let shift = 0;
      for (;;) {
        const c = this.packed.charCodeAt(pos++);
        len += (c & 0x7f) * 2 ** shift;
        if (c < 0x80) break;
        shift += 7;
      }
      if (k === i) return this.packed.slice(pos, pos + len);
      pos += len;
    }
  }

  open(): string[] {
    if (this.items === null) {
      this.items = unpack(this.packed, this.count);
      this.packed = '';
    }
    return this.items;
  }

  /** Packs an open node of several elements (one alone gains nothing). */
  close(): void {
    if (this.items === null || this.items.length < 2) return;
    this.packed = pack(this.items);
    this.items = null;
  }

  /** Room for one more element of `len` bytes. */
  fits(len: number): boolean {
    return this.count < NODE_MAX_COUNT && (this.count === 0 || this.bytes + len <= NODE_MAX_BYTES);
  }
}

function varint(n: number): string {
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode(0x80 | n % 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

function pack(items: readonly string[]): string {
  const parts = new Array<string>(items.length * 2);
  for (let i = 0; i < items.length; i++) {
    parts[2 * i] = varint(items[i]!.length);
    parts[2 * i + 1] = items[i]!;
  }
  // join() makes one flat string: concatenation would keep a tree of pieces.
  return parts.join('');
}

function unpack(packed: string, count: number): string[] {
  const out = new Array<string>(count);
  let pos = 0;
  for (let k = 0; k < count; k++) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const c = packed.charCodeAt(pos++);
      len += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    out[k] = packed.slice(pos, pos + len);
    pos += len;
  }
  return out;
}

/** RDB_TYPE_LIST: a length, then each element as a string. Redis 7.0 loads it (into a quicklist). */
const RDB_TYPE_LIST = 1;
/** Elements per RPUSH when a list is rebuilt (AOF rewrite), as Redis's AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_COMMAND = 64;

export class QuickList implements Collection {
  readonly type = 'list';
  readonly rdbType = RDB_TYPE_LIST;
  private nodes: ListNode[] = [];
  private len = 0;

  get length(): number {
    return this.len;
  }

  get size(): number {
    return this.len;
  }

  /** Redis 7.0 holds every list as a quicklist. */
  encoding(): string {
    return 'quicklist';
  }

  writeRdb(out: RdbWriter): void {
    out.len(this.len);
    for (const node of this.nodes) for (const v of node.values()) out.string(v);
  }

  rebuild(key: string): string[][] {
    const out: string[][] = [];
    let cmd: string[] = [];
    for (const v of this) {
      if (cmd.length === 0) cmd = ['RPUSH', key];
      cmd.push(v);
      if (cmd.length === 2 + ITEMS_PER_COMMAND) {
        out.push(cmd);
        cmd = [];
      }
    }
    if (cmd.length > 0) out.push(cmd);
    return out;
  }

  static from(items: readonly string[]): QuickList {
    const l = new QuickList();
    for (const s of items) l.pushTail(s);
    return l;
  }

  /** A list of its own with the same elements (COPY, a snapshot of a key about to change). Packed nodes are shared: strings never change. */
  clone(): QuickList {
    const out = new QuickList();
    out.len = this.len;
    out.nodes = this.nodes.map((n) => {
      const c = new ListNode(n.items === null ? [] : [...n.items]);
      if (n.items === null) {
        c.items = null;
        c.packed = n.packed;
      }
      c.count = n.count;
      c.bytes = n.bytes;
      return c;
    });
    return out;
  }

  pushTail(value: string): void {
    const last = this.nodes[this.nodes.length - 1];
    if (last !== undefined && last.fits(value.length)) {
      last.open().push(value);
      last.count++;
      last.bytes += value.length;
    } else {
      this.nodes.push(new ListNode([value]));
      this.settle(this.nodes.length - 2);
    }
    this.len++;
  }

  pushHead(value: string): void {
    const first = this.nodes[0];
    if (first !== undefined && first.fits(value.length)) {
      first.open().unshift(value);
      first.count++;
      first.bytes += value.length;
    } else {
      this.nodes.unshift(new ListNode([value]));
      this.settle(1);
    }
    this.len++;
  }

  popHead(): string | undefined {
    const first = this.nodes[0];
    if (first === undefined) return undefined;
    const v = first.open().shift()!;
    this.removed(first, 0, v);
    return v;
  }

  popTail(): string | undefined {
    const last = this.nodes[this.nodes.length - 1];
    if (last === undefined) return undefined;
    const v = last.open().pop()!;
    this.removed(last, this.nodes.length - 1, v);
    return v;
  }

  private removed(node: ListNode, at: number, v: string): void {
    node.count--;
    node.bytes -= v.length;
    this.len--;
    if (node.count === 0) this.nodes.splice(at, 1);
  }

  /** Packs node `i` if it is open and not at an end. */
  private settle(i: number): void {
    if (i > 0 && i < this.nodes.length - 1) this.nodes[i]!.close();
  }

  /** The node holding index `i` (0 ≤ i < length) and the offset in it, walking from the nearer end. */
  private locate(i: number): [node: number, offset: number] {
    if (i < this.len / 2) {
      for (let n = 0; ; n++) {
        const c = this.nodes[n]!.count;
        if (i < c) return [n, i];
        i -= c;
      }
    }
    let fromEnd = this.len - 1 - i;
    for (let n = this.nodes.length - 1; ; n--) {
      const c = this.nodes[n]!.count;
      if (fromEnd < c) return [n, c - 1 - fromEnd];
      fromEnd -= c;
    }
  }

  /** The element at index `i` (negative counts from the end), or undefined out of range. */
  at(i: number): string | undefined {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return undefined;
    const [n, off] = this.locate(i);
    return this.nodes[n]!.get(off);
  }

  /** Replaces the element at index `i` (negative from the end); false out of range. */
  set(i: number, value: string): boolean {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return false;
    const [n, off] = this.locate(i);
    const node = this.nodes[n]!;
    const items = node.open();
    node.bytes += value.length - items[off]!.length;
    items[off] = value;
    this.rebalance(n);
    return true;
  }

  /** Inserts `value` so that it becomes index `i` (0 ≤ i ≤ length). */
  insert(i: number, value: string): void {
    if (i <= 0) return this.pushHead(value);
    if (i >= this.len) return this.pushTail(value);
    const [n, off] = this.locate(i);
    const node = this.nodes[n]!;
    node.open().splice(off, 0, value);
    node.count++;
    node.bytes += value.length;
    this.len++;
    this.rebalance(n);
  }

  /** After a change inside node `n`: split it if it grew past its limits, pack it if it sits inside. */
  private rebalance(n: number): void {
    const node = this.nodes[n]!;
    if (node.count > NODE_MAX_COUNT || (node.count > 1 && node.bytes > NODE_MAX_BYTES)) {
      const items = node.open();
      const pieces: ListNode[] = [];
      let cur: string[] = [];
      let bytes = 0;
      for (const s of items) {
        if (cur.length > 0 && (cur.length >= NODE_MAX_COUNT || bytes + s.length > NODE_MAX_BYTES)) {
          pieces.push(new ListNode(cur));
          cur = [];
          bytes = 0;
        }
        cur.push(s);
        bytes += s.length;
      }
      pieces.push(new ListNode(cur));
      this.nodes.splice(n, 1, ...pieces);
      for (let k = n; k < n + pieces.length; k++) this.settle(k);
      return;
    }
    this.settle(n);
  }

  /** Elements from index `start` to `end` inclusive (already clamped to the list). */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    if (start > end || this.len === 0) return out;
    let [n, off] = this.locate(start);
    let left = end - start + 1;
    for (; left > 0; n++, off = 0) {
      const node = this.nodes[n]!;
      const values = node.values();
      const take = Math.min(left, node.count - off);
      for (let k = 0; k < take; k++) out.push(values[off + k]!);
      left -= take;
    }
    return out;
  }

  /** Every element, head to tail. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (const node of this.nodes) yield* node.values();
  }

  /** Every element, tail to head. */
  *reversed(): IterableIterator<string> {
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const values = this.nodes[n]!.values();
      for (let k = values.length - 1; k >= 0; k--) yield values[k]!;
    }
  }

  /** The elements node by node (RDB writes a quicklist node per listpack). */
  chunks(): string[][] {
    return this.nodes.map((n) => n.values());
  }

  /** Keeps indexes `start` to `end` inclusive (already clamped; start > end empties the list). */
  trim(start: number, end: number): void {
    if (start > end || start >= this.len) {
      this.nodes = [];
      this.len = 0;
      return;
    }
    this.removeRange(end + 1, this.len - 1 - end);
    this.removeRange(0, start);
  }

  /** Removes `count` elements from index `start`. */
  removeRange(start: number, count: number): void {
    if (count <= 0) return;
    let [n, off] = this.locate(start);
    let left = count;
    while (left > 0) {
      const node = this.nodes[n]!;
      const take = Math.min(left, node.count - off);
      if (take === node.count) {
        this.nodes.splice(n, 1);
      } else {
        const removed = node.open().splice(off, take);
        node.count -= take;
        for (const s of removed) node.bytes -= s.length;
        n++;
      }
      this.len -= take;
      left -= take;
      off = 0;
    }
    // The nodes now at the ends are open, those inside packed.
    for (let k = 0; k < this.nodes.length; k++) if (this.nodes[k]!.items !== null) this.settle(k);
  }

  /**
   * LREM: removes up to `limit` elements equal to `value` (0: all), from the
   * head (`fromTail` false) or from the tail. Returns how many went.
   */
  removeEqual(value: string, limit: number, fromTail: boolean): number {
    let removed = 0;
    const order = fromTail ? [...this.nodes.keys()].reverse() : [...this.nodes.keys()];
    const emptied: number[] = [];
    for (const n of order) {
      if (limit > 0 && removed >= limit) break;
      const node = this.nodes[n]!;
      const values = node.values();
      if (!values.includes(value)) continue;
      const keep: string[] = [];
      if (fromTail) {
        for (let k = values.length - 1; k >= 0; k--) {
          if (values[k] === value && (limit === 0 || removed < limit)) removed++;
          else keep.push(values[k]!);
        }
        keep.reverse();
      } else {
        for (const v of values) {
          if (v === value && (limit === 0 || removed < limit)) removed++;
          else keep.push(v);
        }
      }
      this.len -= values.length - keep.length;
      if (keep.length === 0) emptied.push(n);
      const fresh = new ListNode(keep);
      this.nodes[n] = fresh;
    }
    for (const n of emptied.sort((a, b) => b - a)) this.nodes.splice(n, 1);
    for (let k = 0; k < this.nodes.length; k++) this.settle(k);
    return removed;
  }

  /** Bytes of element data and an estimate of the structure around it (MEMORY USAGE). */
  memoryUsage(): number {
    let bytes = 16;
    for (const n of this.nodes) bytes += 48 + n.bytes + (n.items === null ? n.count : n.count * 24);
    return bytes;
  }
}
