// List commands (Redis's t_list.c), on QuickList values. The blocking pops
// (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are here as what they do when they
// need not wait: pop at once, or answer as timed out (inside MULTI). Waiting,
// on this node or another, is cluster/blocking.ts's; it asks wouldBlock() first
// and runs these handlers when a key is ready. A pop that a blocking or
// multi-key command did is propagated as the plain LPOP/RPOP/LMOVE it became,
// as Redis rewrites its command vector.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import { QuickList } from '../store/quicklist.js';
import type { Store } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { NO_SUCH_KEY, NOT_INTEGER, SYNTAX, WRONGTYPE } from './errors.js';
import { parseLongDouble } from './float-format.js';
import { logEffect } from './propagate.js';
import { clampRange } from './ranges.js';

const LONG_MAX = 9223372036854775807n;

/** The list at `key`: undefined when missing, null when the key holds another type. */
function lookupList(store: Store, key: string): QuickList | undefined | null {
  const v = store.get(key);
  if (v === undefined) return undefined;
  return v instanceof QuickList ? v : null;
}

/** A list emptied by a command goes, as in Redis. */
function dropIfEmpty(store: Store, key: string, l: QuickList): void {
  if (l.length === 0) store.del(key);
}

/** getLongFromObjectOrReply: a long, or Redis's error. */
function parseLong(s: string): number | string {
  const n = parseLongLong(s);
  return n === null ? NOT_INTEGER : Number(n);
}

/** getRangeLongFromObjectOrReply with a message for both failures (getPositiveLong… and the numkeys/count checks). */
function parseRange(s: string, min: bigint, max: bigint, msg: string): number | string {
  const n = parseLongLong(s);
  if (n === null || n < min || n > max) return r.error('ERR ' + msg);
  return Number(n);
}

type End = 'left' | 'right';

function parseEnd(s: string): End | null {
  const w = s.toLowerCase();
  return w === 'left' ? 'left' : w === 'right' ? 'right' : null;
}

function pushAt(l: QuickList, end: End, v: string): void {
  if (end === 'left') l.pushHead(v);
  else l.pushTail(v);
}

function popAt(l: QuickList, end: End): string | undefined {
  return end === 'left' ? l.popHead() : l.popTail();
}

// ---- pushes ----

function push(ctx: Ctx, argv: string[], end: End, onlyIfExists: boolean): r.Reply {
  const store = ctx.node.store;
  const key = argv[1]!;
  let l = lookupList(store, key);
  if (l === null) return WRONGTYPE;
  if (l === undefined) {
    if (onlyIfExists) {
      store.log.noChange();
      return r.ZERO;
    }
    l = new QuickList();
    store.set(key, l);
  }
  for (let i = 2; i < argv.length; i++) pushAt(l, end, argv[i]!);
  store.blocked.signal(key);
  return r.integer(l.length);
}

export const lpush: Handler = (ctx, argv) => push(ctx, argv, 'left', false);
export const rpush: Handler = (ctx, argv) => push(ctx, argv, 'right', false);
export const lpushx: Handler = (ctx, argv) => push(ctx, argv, 'left', true);
export const rpushx: Handler = (ctx, argv) => push(ctx, argv, 'right', true);

export const linsert: Handler = (ctx, argv) => {
  const where = argv[2]!.toLowerCase();
  if (where !== 'before' && where !== 'after') return SYNTAX;
  const store = ctx.node.store;
  const l = lookupList(store, argv[1]!);
  if (l === null) return WRONGTYPE;
  if (l === undefined) {
    store.log.noChange();
    return r.ZERO;
  }
  const pivot = argv[3]!;
  let i = 0;
  for (const v of l) {
    if (v === pivot) {
      l.insert(where === 'before' ? i : i + 1, argv[4]!);
      store.blocked.signal(argv[1]!);
      return r.integer(l.length);
    }
    i++;
  }
  store.log.noChange();
  return r.integer(-1);
};

// ---- reads ----

export const llen: Handler = (ctx, argv) => {
  const l = lookupList(ctx.node.store, argv[1]!);
  if (l === null) return WRONGTYPE;
  return r.integer(l?.length ?? 0);
};

export const lindex: Handler = (ctx, argv) => {
  const l = lookupList(ctx.node.store, argv[1]!);
  if (l === undefined) return r.nil(ctx.proto);
  if (l === null) return WRONGTYPE;
  const index = parseLong(argv[2]!);
  if (typeof index === 'string') return index;
  return r.bulkOrNil(l.at(index), ctx.proto);
};


export const lrange: Handler = (ctx, argv) => {
  const start = parseLong(argv[2]!);
  if (typeof start === 'string') return start;
  const end = parseLong(argv[3]!);
  if (typeof end === 'string') return end;
  const l = lookupList(ctx.node.store, argv[1]!);
  if (l === undefined) return r.EMPTY_ARRAY;
  if (l === null) return WRONGTYPE;
  const range = clampRange(start, end, l.length);
  return range === null ? r.EMPTY_ARRAY : r.valuesArray(l.range(range[0], range[1]), ctx.proto);
};

export const lpos: Handler = (ctx, argv) => {
  const element = argv[2]!;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankOverflow = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const more = j < argv.length - 1;
    if (opt === 'rank' && more) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return NOT_INTEGER;
      if (n === 0n) {
        return r.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
      }
      // Redis 7.0 negates LLONG_MIN into itself: from the tail, every match counts, COUNT never stops it.
      rankOverflow = n === -LONG_MAX - 1n;
      rank = Number(n);
    } else if (opt === 'count' && more) {
      const n = parseRange(argv[++j]!, 0n, LONG_MAX, "COUNT can't be negative");
      if (typeof n === 'string') return n;
      count = n;
    } else if (opt === 'maxlen' && more) {
      const n = parseRange(argv[++j]!, 0n, LONG_MAX, "MAXLEN can't be negative");
      if (typeof n === 'string') return n;
      maxlen = n;
    } else return SYNTAX;
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const l = lookupList(ctx.node.store, argv[1]!);
  if (l === undefined) return count !== -1 ? r.EMPTY_ARRAY : r.nil(ctx.proto);
  if (l === null) return WRONGTYPE;
  const len = l.length;
  const found: number[] = [];
  let matches = 0;
  let index = 0;
  for (const v of fromTail ? l.reversed() : l) {
    if (maxlen !== 0 && index >= maxlen) break;
    if (v === element) {
      matches++;
      if (rankOverflow || matches >= rank) {
        found.push(fromTail ? len - index - 1 : index);
        if (count === -1 || (count !== 0 && !rankOverflow && matches - rank + 1 >= count)) break;
      }
    }
    index++;
  }
  if (count !== -1) return r.arrayHeader(found.length) + found.map((n) => r.integer(n)).join('');
  return found.length > 0 ? r.integer(found[0]!) : r.nil(ctx.proto);
};

// ---- changes in place ----

export const lset: Handler = (ctx, argv) => {
  const store = ctx.node.store;
  const l = lookupList(store, argv[1]!);
  if (l === undefined) return NO_SUCH_KEY;
  if (l === null) return WRONGTYPE;
  const index = parseLong(argv[2]!);
  if (typeof index === 'string') return index;
  if (!l.set(index, argv[3]!)) return r.error('ERR index out of range');
  return r.OK;
};

export const ltrim: Handler = (ctx, argv) => {
  const start = parseLong(argv[2]!);
  if (typeof start === 'string') return start;
  const end = parseLong(argv[3]!);
  if (typeof end === 'string') return end;
  const store = ctx.node.store;
  const l = lookupList(store, argv[1]!);
  if (l === undefined) {
    store.log.noChange();
    return r.OK;
  }
  if (l === null) return WRONGTYPE;
  const before = l.length;
  const range = clampRange(start, end, l.length);
  if (range === null) l.trim(1, 0);
  else l.trim(range[0], range[1]);
  if (l.length === before) store.log.noChange();
  dropIfEmpty(store, argv[1]!, l);
  return r.OK;
};

export const lrem: Handler = (ctx, argv) => {
  const count = parseLong(argv[2]!);
  if (typeof count === 'string') return count;
  const store = ctx.node.store;
  const l = lookupList(store, argv[1]!);
  if (l === undefined) {
    store.log.noChange();
    return r.ZERO;
  }
  if (l === null) return WRONGTYPE;
  const removed = l.removeEqual(argv[3]!, Math.abs(count), count < 0);
  if (removed === 0) store.log.noChange();
  dropIfEmpty(store, argv[1]!, l);
  return r.integer(removed);
};

// ---- pops ----

/** Pops up to `count` elements from one end, in pop order; deletes an emptied list. */
function popMany(store: Store, key: string, l: QuickList, end: End, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count && l.length > 0; i++) out.push(popAt(l, end)!);
  dropIfEmpty(store, key, l);
  return out;
}

function pop(ctx: Ctx, argv: string[], end: End): r.AnyReply {
  if (argv.length > 3) return r.error(`ERR wrong number of arguments for '${argv[0]!.toLowerCase()}' command`);
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = parseRange(argv[2]!, 0n, LONG_MAX, 'value is out of range, must be positive');
    if (typeof n === 'string') return n;
    count = n;
  }
  const store = ctx.node.store;
  const key = argv[1]!;
  const l = lookupList(store, key);
  if (l === undefined) {
    store.log.noChange();
    return hasCount ? r.nilArray(ctx.proto) : r.nil(ctx.proto);
  }
  if (l === null) return WRONGTYPE;
  if (hasCount && count === 0) {
    store.log.noChange();
    return r.EMPTY_ARRAY;
  }
  if (!hasCount) return r.bulk(popMany(store, key, l, end, 1)[0]!);
  return r.valuesArray(popMany(store, key, l, end, count), ctx.proto);
}

export const lpop: Handler = (ctx, argv) => pop(ctx, argv, 'left');
export const rpop: Handler = (ctx, argv) => pop(ctx, argv, 'right');

/** LMOVE's work once the source is known to hold a list: pop, push, or WRONGTYPE for the destination. */
function move(ctx: Ctx, src: string, dst: string, from: End, to: End): r.Reply {
  const store = ctx.node.store;
  const s = lookupList(store, src);
  if (s === null) return WRONGTYPE;
  if (s === undefined || s.length === 0) {
    store.log.noChange();
    return r.nil(ctx.proto);
  }
  const d = lookupList(store, dst);
  if (d === null) return WRONGTYPE;
  const v = popAt(s, from)!;
  let target = d;
  if (target === undefined) {
    // The source itself when it is the destination and was just emptied: it stays.
    target = src === dst ? s : new QuickList();
    if (target !== s) store.set(dst, target);
  }
  pushAt(target, to, v);
  if (s.length === 0) store.del(src);
  store.blocked.signal(dst);
  return r.bulk(v);
}

export const lmove: Handler = (ctx, argv) => {
  const from = parseEnd(argv[3]!);
  const to = parseEnd(argv[4]!);
  if (from === null || to === null) return SYNTAX;
  return move(ctx, argv[1]!, argv[2]!, from, to);
};

export const rpoplpush: Handler = (ctx, argv) => move(ctx, argv[1]!, argv[2]!, 'right', 'left');

/** LMPOP/BLMPOP's arguments after the numkeys position: keys, end and count, or an error reply. */
function parseMpop(argv: readonly string[], numkeysAt: number): { keys: string[]; end: End; count: number } | string {
  const numkeys = parseRange(argv[numkeysAt]!, 1n, LONG_MAX, 'numkeys should be greater than 0');
  if (typeof numkeys === 'string') return numkeys;
  const whereAt = numkeysAt + numkeys + 1;
  if (whereAt >= argv.length) return SYNTAX;
  const end = parseEnd(argv[whereAt]!);
  if (end === null) return SYNTAX;
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j < argv.length - 1) {
      const n = parseRange(argv[++j]!, 1n, LONG_MAX, 'count should be greater than 0');
      if (typeof n === 'string') return n;
      count = n;
    } else return SYNTAX;
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), end, count: count === -1 ? 1 : count };
}

/**
 * The pop of LMPOP and BLMPOP: from the first key holding a non-empty list,
 * up to `count` elements, replied as [key, [elements]]; logged as LPOP/RPOP
 * key n. Null when every key is missing.
 */
function mpop(ctx: Ctx, keys: readonly string[], end: End, count: number): r.AnyReply | null {
  const store = ctx.node.store;
  for (const key of keys) {
    const l = lookupList(store, key);
    if (l === undefined) continue;
    if (l === null) return WRONGTYPE;
    if (l.length === 0) continue;
    const n = Math.min(count, l.length);
    logEffect(store, [end === 'left' ? 'LPOP' : 'RPOP', key, String(n)]);
    return r.prefixed(r.arrayHeader(2) + r.bulk(key), r.valuesArray(popMany(store, key, l, end, n), ctx.proto));
  }
  return null;
}

export const lmpop: Handler = (ctx, argv) => {
  const parsed = parseMpop(argv, 1);
  if (typeof parsed === 'string') return parsed;
  const reply = mpop(ctx, parsed.keys, parsed.end, parsed.count);
  if (reply !== null) return reply;
  ctx.node.store.log.noChange();
  return r.nilArray(ctx.proto);
};

// ---- blocking pops ----

/**
 * getTimeoutFromObjectOrReply in seconds, as Redis 7.0 computes it:
 * ceill(strtold(s) * 1000) as a long long (an out-of-range value becomes
 * LLONG_MIN on x86, hence "negative"). Milliseconds; 0 waits for ever.
 */
export function parseTimeout(s: string): number | string {
  const ld = parseLongDouble(s);
  if (ld === null) return r.error('ERR timeout is not a float or out of range');
  if (ld.kind === 'inf') return r.error('ERR timeout is negative');
  // m·2^q·1000 rounded to a 64-bit significand (the long double product), then ceil.
  let p = ld.m * 1000n;
  let q = ld.q;
  const bits = p.toString(2).length;
  if (p !== 0n && bits > 64) {
    const drop = BigInt(bits - 64);
    const half = 1n << (drop - 1n);
    const rest = p & ((1n << drop) - 1n);
    p >>= drop;
    if (rest > half || (rest === half && (p & 1n) === 1n)) p += 1n;
    q += Number(drop);
  }
  let whole: bigint;
  let fraction = false;
  if (q >= 0) whole = p << BigInt(q);
  else {
    whole = p >> BigInt(-q);
    fraction = (whole << BigInt(-q)) !== p;
  }
  if (ld.neg) {
    // ceil of a negative value: -floor(x); -0.5 becomes 0, which waits for ever.
    if (whole === 0n) return 0;
    return r.error('ERR timeout is negative');
  }
  if (fraction) whole += 1n;
  if (whole > LONG_MAX) return r.error('ERR timeout is negative');
  return Number(whole);
}

/** What a blocking command waits for, read from its arguments; or the error reply Redis gives before looking at any key. */
export interface BlockingArgs {
  /** The keys it may pop from, in order (BLMOVE and BRPOPLPUSH: the source). */
  readonly keys: string[];
  /** Every key it names (the destination too): all must live on one node. */
  readonly allKeys: string[];
  /** Milliseconds; 0 for ever. */
  readonly timeoutMs: number;
}

export function parseBlocking(argv: readonly string[]): BlockingArgs | string {
  const name = argv[0]!.toLowerCase();
  if (name === 'blpop' || name === 'brpop') {
    const t = parseTimeout(argv[argv.length - 1]!);
    if (typeof t === 'string') return t;
    const keys = argv.slice(1, -1);
    return { keys, allKeys: keys, timeoutMs: t };
  }
  if (name === 'brpoplpush' || name === 'blmove') {
    if (name === 'blmove' && (parseEnd(argv[3]!) === null || parseEnd(argv[4]!) === null)) return SYNTAX;
    const t = parseTimeout(argv[argv.length - 1]!);
    if (typeof t === 'string') return t;
    return { keys: [argv[1]!], allKeys: [argv[1]!, argv[2]!], timeoutMs: t };
  }
  // blmpop timeout numkeys key… LEFT|RIGHT [COUNT n]: the timeout is read last.
  const parsed = parseMpop(argv, 2);
  if (typeof parsed === 'string') return parsed;
  const t = parseTimeout(argv[1]!);
  if (typeof t === 'string') return t;
  return { keys: parsed.keys, allKeys: parsed.keys, timeoutMs: t };
}

/**
 * True when the command finds nothing to pop and no wrong type on its way:
 * it waits. False when running it now answers (an element, or WRONGTYPE).
 */
export function wouldBlock(store: Store, args: BlockingArgs): boolean {
  for (const key of args.keys) {
    const l = lookupList(store, key);
    if (l === undefined) continue;
    if (l === null || l.length > 0) return false;
  }
  return true;
}

/**
 * The command that serves a waiter from `key`, the key found ready: its own
 * argv narrowed to that key, so an earlier key of another type does not stand
 * in the way (Redis serves a waiter from the key that was signalled).
 */
export function servingArgv(argv: readonly string[], key: string): string[] {
  const name = argv[0]!.toLowerCase();
  if (name === 'blpop' || name === 'brpop') return [argv[0]!, key, '0'];
  if (name === 'blmpop') {
    const parsed = parseMpop(argv, 2) as { end: End; count: number };
    return [argv[0]!, '0', '1', key, parsed.end, 'COUNT', String(parsed.count)];
  }
  return [...argv];
}

/** BLPOP/BRPOP run now: [key, element] from the first non-empty list, logged as LPOP/RPOP; as timed out when there is none. */
function bpop(ctx: Ctx, argv: string[], end: End): r.AnyReply {
  const t = parseTimeout(argv[argv.length - 1]!);
  if (typeof t === 'string') return t;
  const store = ctx.node.store;
  for (let i = 1; i < argv.length - 1; i++) {
    const key = argv[i]!;
    const l = lookupList(store, key);
    if (l === undefined) continue;
    if (l === null) return WRONGTYPE;
    if (l.length === 0) continue;
    logEffect(store, [end === 'left' ? 'LPOP' : 'RPOP', key]);
    const v = popMany(store, key, l, end, 1)[0]!;
    return r.arrayHeader(2) + r.bulk(key) + r.bulk(v);
  }
  store.log.noChange();
  return r.nilArray(ctx.proto);
}

export const blpop: Handler = (ctx, argv) => bpop(ctx, argv, 'left');
export const brpop: Handler = (ctx, argv) => bpop(ctx, argv, 'right');

/** BLMOVE/BRPOPLPUSH run now: LMOVE's work, logged as LMOVE/RPOPLPUSH; a missing source answers nil, as inside MULTI. */
function bmove(ctx: Ctx, argv: string[], from: End, to: End, as: string[]): r.Reply {
  const store = ctx.node.store;
  const s = lookupList(store, argv[1]!);
  if (s === null) return WRONGTYPE;
  if (s === undefined) {
    store.log.noChange();
    return r.nil(ctx.proto);
  }
  const reply = move(ctx, argv[1]!, argv[2]!, from, to);
  // Only once it moved: an effect left behind would be logged for the next command.
  if (reply.charCodeAt(0) === 36 /* $ */) logEffect(store, as);
  return reply;
}

export const blmove: Handler = (ctx, argv) => {
  const from = parseEnd(argv[3]!);
  const to = parseEnd(argv[4]!);
  if (from === null || to === null) return SYNTAX;
  const t = parseTimeout(argv[5]!);
  if (typeof t === 'string') return t;
  return bmove(ctx, argv, from, to, ['LMOVE', argv[1]!, argv[2]!, argv[3]!, argv[4]!]);
};

export const brpoplpush: Handler = (ctx, argv) => {
  const t = parseTimeout(argv[3]!);
  if (typeof t === 'string') return t;
  return bmove(ctx, argv, 'right', 'left', ['RPOPLPUSH', argv[1]!, argv[2]!]);
};

export const blmpop: Handler = (ctx, argv) => {
  const parsed = parseMpop(argv, 2);
  if (typeof parsed === 'string') return parsed;
  const t = parseTimeout(argv[1]!);
  if (typeof t === 'string') return t;
  const reply = mpop(ctx, parsed.keys, parsed.end, parsed.count);
  if (reply !== null) return reply;
  ctx.node.store.log.noChange();
  return r.nilArray(ctx.proto);
};

/** CLIENT UNBLOCK id [TIMEOUT|ERROR] (Redis's networking.c): 1 if that client of this node was blocked. */
export const clientUnblock: Handler = (ctx, argv) => {
  if (argv.length > 4) return r.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try CLIENT HELP.`);
  let error = false;
  if (argv.length === 4) {
    const how = argv[3]!.toLowerCase();
    if (how === 'error') error = true;
    else if (how !== 'timeout') return r.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseLongLong(argv[2]!);
  if (id === null) return NOT_INTEGER;
  return ctx.node.unblockClient?.(Number(id), error) ? r.ONE : r.ZERO;
};
