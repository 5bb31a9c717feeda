// SORT and SORT_RO (Redis's sort.c) over lists, sets and sorted sets: BY and
// GET patterns (`*` replaced by the element, `key->field` reads a hash field,
// `#` the element itself), LIMIT, ASC|DESC, ALPHA, and STORE into a list.
// Pattern keys are read on this node only: SORT runs on the owner of the sorted
// key, and a pattern that names a key another node owns is refused, where
// Redis Cluster refuses patterns outside the key's slot.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import { QuickList } from '../store/quicklist.js';
import { SetValue } from '../store/set.js';
import { ZSetValue } from '../store/zset.js';
import { Hash } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from './errors.js';
import { strtod } from './doubles.js';

const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

export const NOT_DOUBLE = r.error("ERR One or more scores can't be converted into double");

/** SORT's options as sortCommandGeneric parses them. */
export interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: bigint;
  limitCount: bigint;
  /** The BY pattern, null when absent. */
  by: string | null;
  /** BY without a `*`: nothing to sort (BY nosort). */
  dontSort: boolean;
  gets: string[];
  store: string | null;
}

/** The options of SORT (`readonly` false) or SORT_RO, or an error reply. */
export function parseSortOptions(argv: readonly string[], readonly: boolean): SortOptions | r.Reply {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0n, limitCount: -1n, by: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!.toLowerCase();
    if (a === 'asc') o.desc = false;
    else if (a === 'desc') o.desc = true;
    else if (a === 'alpha') o.alpha = true;
    else if (a === 'limit' && left >= 2) {
      const start = parseLongLong(argv[j + 1]!);
      if (start === null) return NOT_INTEGER;
      const count = parseLongLong(argv[j + 2]!);
      if (count === null) return NOT_INTEGER;
      o.limitStart = start;
      o.limitCount = count;
      j += 2;
    } else if (!readonly && a === 'store' && left >= 1) {
      o.store = argv[++j]!;
    } else if (a === 'by' && left >= 1) {
      o.by = argv[++j]!;
      if (!o.by.includes('*')) o.dontSort = true;
    } else if (a === 'get' && left >= 1) {
      o.gets.push(argv[++j]!);
    } else {
      return SYNTAX;
    }
  }
  return o;
}

/** Where a pattern reads for an element: a key, and a hash field when the pattern has `->field` after its `*`. */
export interface PatternTarget {
  readonly key: string;
  readonly field: string | null;
}

/**
 * lookupKeyByPattern's substitution: the first `*` becomes the element; a
 * `->` after it with something behind it names a hash field. Null for `#`
 * (the element itself) and for a pattern without `*` (it reads nothing).
 */
export function patternTarget(pattern: string, element: string): PatternTarget | null {
  if (pattern === '#') return null;
  const star = pattern.indexOf('*');
  if (star === -1) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow !== -1 && arrow + 2 < pattern.length;
  const rest = hasField ? pattern.slice(star + 1, arrow) : pattern.slice(star + 1);
  return { key: pattern.slice(0, star) + element + rest, field: hasField ? pattern.slice(arrow + 2) : null };
}

/** Byte order (memcmp, then length), as compareStringObjects; strings hold one byte a character. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An element and what it sorts by. */
interface SortEntry {
  readonly element: string;
  score: number;
  /** ALPHA with BY: the value read, null when there was none. */
  by: string | null;
}

/** The elements of a list, set or sorted set in its own order (a sorted set's by score). */
function elementsOf(v: QuickList | SetValue | ZSetValue): string[] {
  if (v instanceof QuickList) return [...v];
  if (v instanceof SetValue) return v.members();
  const out: string[] = [];
  for (let n = v.list.first(); n !== null; n = n.next) out.push(n.member);
  return out;
}

/** SORT key [BY pattern] [LIMIT offset count] [GET pattern …] [ASC|DESC] [ALPHA] [STORE destination]. */
export const sort: Handler = (ctx, argv) => sortGeneric(ctx, argv, false);

/** SORT_RO: SORT without STORE. */
export const sortRo: Handler = (ctx, argv) => sortGeneric(ctx, argv, true);

function sortGeneric(ctx: Ctx, argv: string[], readonly: boolean): r.AnyReply {
  const store = ctx.node.store;
  const parsed = parseSortOptions(argv, readonly);
  if (typeof parsed === 'string') return noChange(ctx, parsed);
  const o = parsed;
  const found = store.get(argv[1]!);
  if (found !== undefined && !(found instanceof QuickList || found instanceof SetValue || found instanceof ZSetValue)) return noChange(ctx, WRONGTYPE);
  const value = found ?? new QuickList();
  let { dontSort, alpha, by } = o;
  // A set's own order is its hash table's: what STORE keeps must not depend on it.
  if (dontSort && value instanceof SetValue && o.store !== null) {
    dontSort = false;
    alpha = true;
    by = null;
  }
  const all = elementsOf(value);
  const len = all.length;
  // LIMIT as Redis clamps it.
  let start = Number(o.limitStart < 0n ? 0n : o.limitStart > BigInt(len) ? BigInt(len) : o.limitStart);
  const count = Number(o.limitCount < -1n ? -1n : o.limitCount > BigInt(len) ? BigInt(len) : o.limitCount);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  let entries: SortEntry[];
  if (dontSort && !(value instanceof SetValue)) {
    // A list or sorted set keeps its order, read from the other end for DESC.
    const ordered = o.desc ? all.reverse() : all;
    entries = (end >= start ? ordered.slice(start, end + 1) : []).map((element) => ({ element, score: 0, by: null }));
    end -= start;
    start = 0;
  } else {
    entries = all.map((element) => ({ element, score: 0, by: null }));
  }

  const refusedBy = dontSort || by === null ? null : foreignKeys(ctx, argv[1]!, [by], entries);
  if (refusedBy !== null) return noChange(ctx, refusedBy);

  let notDouble = false;
  if (!dontSort) {
    for (const e of entries) {
      let byValue: string;
      if (by !== null) {
        const v = lookupByPattern(ctx, by, e.element);
        if (v === undefined) continue;
        byValue = v;
      } else {
        byValue = e.element;
      }
      if (alpha) {
        if (by !== null) e.by = byValue;
      } else {
        const { value: score, end: stop, range } = strtod(byValue);
        e.score = score;
        // C's strtod stops at a NUL byte as at the end of the string.
        if ((stop !== byValue.length && byValue.charCodeAt(stop) !== 0) || range || Number.isNaN(score)) notDouble = true;
      }
    }
    const sign = o.desc ? -1 : 1;
    entries.sort((x, y) => sign * compareEntries(x, y, alpha, by !== null));
  }

  if (notDouble) return noChange(ctx, NOT_DOUBLE);
  const picked = end >= start ? entries.slice(start, end + 1) : [];
  const refusedGet = foreignKeys(ctx, argv[1]!, o.gets, picked);
  if (refusedGet !== null) return noChange(ctx, refusedGet);
  if (o.store === null) {
    ctx.node.store.log.noChange();
    if (o.gets.length === 0) return r.valuesArray(picked.map((e) => e.element), ctx.proto);
    const out: (string | undefined)[] = [];
    for (const e of picked) for (const g of o.gets) out.push(lookupByPattern(ctx, g, e.element));
    return r.valuesArray(out, ctx.proto);
  }
  const list = new QuickList();
  for (const e of picked) {
    if (o.gets.length === 0) list.pushTail(e.element);
    else for (const g of o.gets) list.pushTail(lookupByPattern(ctx, g, e.element) ?? '');
  }
  if (list.length > 0) store.set(o.store, list);
  else if (!store.del(o.store)) store.log.noChange();
  return r.integer(list.length);
}

/** sortCompare: numbers, ties by the elements' bytes; ALPHA by the BY values (missing first) or the elements. */
function compareEntries(x: SortEntry, y: SortEntry, alpha: boolean, byPattern: boolean): number {
  if (!alpha) return x.score > y.score ? 1 : x.score < y.score ? -1 : compareBytes(x.element, y.element);
  if (!byPattern) return compareBytes(x.element, y.element);
  if (x.by === null || y.by === null) return x.by === y.by ? 0 : x.by === null ? -1 : 1;
  return compareBytes(x.by, y.by);
}

/** The value a pattern reads for an element: a string key, a hash's field, or the element for `#`. */
function lookupByPattern(ctx: Ctx, pattern: string, element: string): string | undefined {
  if (pattern === '#') return element;
  const t = patternTarget(pattern, element);
  if (t === null) return undefined;
  const store = ctx.node.store;
  store.countLookup(t.key);
  const v = store.get(t.key);
  if (t.field !== null) return v instanceof Hash ? v.fields.get(t.field) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/**
 * The refusal when a pattern would read keys that the table gives to another
 * node than the sorted key's (SORT runs where that key is, on its owner or a
 * replica of it, and reads no other node); null when every key is there.
 */
function foreignKeys(ctx: Ctx, sorted: string, patterns: readonly string[], entries: readonly SortEntry[]): r.Reply | null {
  const ownerOf = ctx.node.ownerByTable;
  if (ownerOf === undefined || patterns.length === 0) return null;
  const home = ownerOf(sorted);
  const others = new Set<string>();
  for (const p of patterns) {
    for (const e of entries) {
      const t = patternTarget(p, e.element);
      if (t === null) break; // `#`, or no `*`: reads nothing
      const owner = ownerOf(t.key);
      if (owner !== home) others.add(owner ?? 'no node');
    }
  }
  if (others.size === 0) return null;
  return r.error(`ERR SORT BY/GET patterns read keys of other nodes (${[...others].join(', ')}), which kv does not do; keep them on the node of the sorted key`);
}

/** An error or a read: nothing for the write log. */
function noChange(ctx: Ctx, reply: r.Reply): r.Reply {
  ctx.node.store.log.noChange();
  return reply;
}
