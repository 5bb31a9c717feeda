// String commands (Redis's t_string.c): GET, SET and its variants, counters, APPEND,
// LCS. A string value is held as a latin1 JS string, one char per byte. The bit
// commands, which read strings as bitmaps, are in bitmaps.ts (Redis's bitops.c).

import { constants } from 'node:buffer';
import * as r from '../protocol/resp.js';
import { LLONG_MAX, LLONG_MIN, parseLongLong } from '../protocol/numbers.js';
import { KEEP_TTL, type Value } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import {
  invalidExpire,
  NAN_OR_INFINITY,
  NOT_FLOAT,
  NOT_INTEGER,
  OVERFLOW,
  STRING_TOO_LONG,
  SYNTAX,
  WRONGTYPE,
  wrongArity,
} from './errors.js';
import { incrByFloat } from './float-format.js';
import { bucketGet } from './buckets.js';

/** Redis's 512 MB, or V8's longest string if that is shorter (a few bytes less on 64-bit). */
export const MAX_STRING = Math.min(512 * 1024 * 1024, constants.MAX_STRING_LENGTH);

/** The string at `key`, undefined when missing, WRONG when another type. */
export function lookupString(ctx: Ctx, key: string): string | undefined | typeof WRONG {
  const v: Value | undefined = ctx.node.store.get(key);
  if (v === undefined || typeof v === 'string') return v;
  return WRONG;
}
export const WRONG = Symbol('wrongtype');

export const get: Handler = (ctx, argv) => {
  // GET bucket field is the guide's bucket form.
  if (argv.length === 3) return bucketGet(ctx, argv);
  if (argv.length !== 2) return wrongArity('get');
  const v = lookupString(ctx, argv[1]!);
  if (v === WRONG) return WRONGTYPE;
  return r.bulkOrNil(v, ctx.proto);
};

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const EX = 16;
const PX = 32;
const EXAT = 64;
const PXAT = 128;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;
const PERSIST = 256;

/**
 * Converts an expire argument to an absolute time in ms, or an error reply
 * (getExpireMillisecondsOrReply in t_string.c).
 */
function expireAtMs(arg: string, unitFlag: number, cmd: string): number | string {
  const n = parseLongLong(arg);
  if (n === null) return NOT_INTEGER;
  let ms = n;
  if (ms <= 0n || ((unitFlag === EX || unitFlag === EXAT) && ms > LLONG_MAX / 1000n)) return invalidExpire(cmd);
  if (unitFlag === EX || unitFlag === EXAT) ms *= 1000n;
  if (unitFlag === EX || unitFlag === PX) ms += BigInt(Date.now());
  if (ms <= 0n || ms > LLONG_MAX) return invalidExpire(cmd);
  return Number(ms);
}

/** The shared body of SET, SETNX, SETEX, PSETEX (setGenericCommand). */
function setGeneric(ctx: Ctx, key: string, value: string, flags: number, expireAt: number | null, abort: string | null): string {
  const store = ctx.node.store;
  let reply: string | null = null;
  if (flags & GET) {
    const old = lookupString(ctx, key);
    if (old === WRONG) return WRONGTYPE;
    reply = r.bulkOrNil(old, ctx.proto);
  }
  // Only NX and XX look at whether the key exists (most SETs do not: skip the lookup).
  if (flags & (NX | XX)) {
    const found = store.has(key);
    if (((flags & NX) && found) || ((flags & XX) && !found)) return reply ?? abort ?? r.nil(ctx.proto);
  }
  if (expireAt !== null) {
    if (expireAt <= Date.now()) store.del(key);
    else store.setUntil(key, value, expireAt);
  } else {
    store.set(key, value, flags & KEEPTTL ? KEEP_TTL : undefined);
  }
  return reply ?? r.OK;
}

function unitOf(opt: string): number {
  return opt === 'ex' ? EX : opt === 'px' ? PX : opt === 'exat' ? EXAT : PXAT;
}

interface StringOptions {
  flags: number;
  /** The unit flag of the expire option given (EX, PX, EXAT or PXAT), or 0. */
  unit: number;
  expireArg: string | null;
}

/**
 * The options of SET (from argv[3]) and GETEX (from argv[2]), read as Redis's
 * parseExtendedStringArgumentsOrReply reads both: SET takes NX, XX, GET and
 * KEEPTTL, GETEX takes PERSIST, and both take one expire unit, which may be
 * given again (the last one counts) but not mixed with another.
 */
function parseStringOptions(argv: readonly string[], command: 'set' | 'getex'): StringOptions | string {
  const isSet = command === 'set';
  const o: StringOptions = { flags: 0, unit: 0, expireArg: null };
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const next = j + 1 < argv.length ? argv[j + 1]! : null;
    if (isSet && opt === 'nx' && !(o.flags & XX)) o.flags |= NX;
    else if (isSet && opt === 'xx' && !(o.flags & NX)) o.flags |= XX;
    else if (isSet && opt === 'get') o.flags |= GET;
    else if (isSet && opt === 'keepttl' && !(o.flags & ANY_EXPIRE)) o.flags |= KEEPTTL;
    else if (!isSet && opt === 'persist' && !(o.flags & ANY_EXPIRE)) o.flags |= PERSIST;
    else if ((opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') && next !== null && !(o.flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~unitOf(opt))))) {
      o.unit = unitOf(opt);
      o.flags |= o.unit;
      o.expireArg = next;
      j++;
    } else return SYNTAX;
  }
  return o;
}

export const set: Handler = (ctx, argv) => {
  const o = parseStringOptions(argv, 'set');
  if (typeof o === 'string') return o;
  const { flags, unit, expireArg } = o;
  let at: number | null = null;
  if (expireArg !== null) {
    const v = expireAtMs(expireArg, unit, 'set');
    if (typeof v === 'string') return v;
    at = v;
  }
  return setGeneric(ctx, argv[1]!, argv[2]!, flags, at, null);
};

export const setnx: Handler = (ctx, argv) => setGeneric(ctx, argv[1]!, argv[2]!, NX, null, r.ZERO) === r.OK ? r.ONE : r.ZERO;

export const setex: Handler = (ctx, argv) => {
  const at = expireAtMs(argv[2]!, EX, 'setex');
  return typeof at === 'string' ? at : setGeneric(ctx, argv[1]!, argv[3]!, 0, at, null);
};

export const psetex: Handler = (ctx, argv) => {
  const at = expireAtMs(argv[2]!, PX, 'psetex');
  return typeof at === 'string' ? at : setGeneric(ctx, argv[1]!, argv[3]!, 0, at, null);
};

export const getset: Handler = (ctx, argv) => {
  const old = lookupString(ctx, argv[1]!);
  if (old === WRONG) return WRONGTYPE;
  ctx.node.store.set(argv[1]!, argv[2]!);
  return r.bulkOrNil(old, ctx.proto);
};

export const getdel: Handler = (ctx, argv) => {
  const old = lookupString(ctx, argv[1]!);
  if (old === WRONG) return WRONGTYPE;
  if (old !== undefined) ctx.node.store.del(argv[1]!);
  return r.bulkOrNil(old, ctx.proto);
};

export const mget: Handler = (ctx, argv) => {
  const store = ctx.node.store;
  const values = new Array<string | undefined>(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = store.get(argv[i]!);
    values[i - 1] = typeof v === 'string' ? v : undefined;
  }
  return r.valuesArray(values, ctx.proto);
};

export const mset: Handler = (ctx, argv) => {
  if (argv.length % 2 === 0) return wrongArity('mset');
  for (let i = 1; i < argv.length; i += 2) ctx.node.store.set(argv[i]!, argv[i + 1]!);
  return r.OK;
};

export const msetnx: Handler = (ctx, argv) => {
  if (argv.length % 2 === 0) return wrongArity('msetnx');
  for (let i = 1; i < argv.length; i += 2) if (ctx.node.store.has(argv[i]!)) return r.ZERO;
  for (let i = 1; i < argv.length; i += 2) ctx.node.store.set(argv[i]!, argv[i + 1]!);
  return r.ONE;
};

/** The shared body of INCR, DECR, INCRBY, DECRBY (incrDecrCommand). */
function incrDecr(ctx: Ctx, key: string, by: bigint): string {
  const old = lookupString(ctx, key);
  if (old === WRONG) return WRONGTYPE;
  let value = 0n;
  if (old !== undefined) {
    const parsed = parseLongLong(old);
    if (parsed === null) return NOT_INTEGER;
    value = parsed;
  }
  const next = value + by;
  if (next > LLONG_MAX || next < LLONG_MIN) return OVERFLOW;
  ctx.node.store.set(key, next.toString(), KEEP_TTL);
  return r.integer(next);
}

export const incr: Handler = (ctx, argv) => incrDecr(ctx, argv[1]!, 1n);
export const decr: Handler = (ctx, argv) => incrDecr(ctx, argv[1]!, -1n);

export const incrby: Handler = (ctx, argv) => {
  const by = parseLongLong(argv[2]!);
  return by === null ? NOT_INTEGER : incrDecr(ctx, argv[1]!, by);
};

export const decrby: Handler = (ctx, argv) => {
  const by = parseLongLong(argv[2]!);
  if (by === null) return NOT_INTEGER;
  if (by === LLONG_MIN) return r.error('ERR decrement would overflow');
  return incrDecr(ctx, argv[1]!, -by);
};

export const incrbyfloat: Handler = (ctx, argv) => {
  const old = lookupString(ctx, argv[1]!);
  if (old === WRONG) return WRONGTYPE;
  const sum = incrByFloat(old, argv[2]!);
  if ('error' in sum) return sum.error === 'nan' ? NAN_OR_INFINITY : NOT_FLOAT;
  ctx.node.store.set(argv[1]!, sum.value, KEEP_TTL);
  return r.bulk(sum.value);
};

export const append: Handler = (ctx, argv) => {
  const old = lookupString(ctx, argv[1]!);
  if (old === WRONG) return WRONGTYPE;
  // Checked before joining: past V8's limit the join itself would throw.
  if ((old?.length ?? 0) + argv[2]!.length > MAX_STRING) return STRING_TOO_LONG;
  const next = (old ?? '') + argv[2]!;
  ctx.node.store.set(argv[1]!, next, KEEP_TTL);
  return r.integer(next.length);
};

export const strlen: Handler = (ctx, argv) => {
  const v = lookupString(ctx, argv[1]!);
  if (v === WRONG) return WRONGTYPE;
  return r.integer(v === undefined ? 0 : v.length);
};

const EMPTY_BULK = r.bulk('');

/** GETRANGE (and SUBSTR) key start end: inclusive offsets, negative from the end (getrangeCommand). */
export const getrange: Handler = (ctx, argv) => {
  const from = parseLongLong(argv[2]!);
  const to = parseLongLong(argv[3]!);
  if (from === null || to === null) return NOT_INTEGER;
  const v = lookupString(ctx, argv[1]!);
  if (v === undefined) return EMPTY_BULK;
  if (v === WRONG) return WRONGTYPE;
  const len = BigInt(v.length);
  if (from < 0n && to < 0n && from > to) return EMPTY_BULK;
  let start = from < 0n ? len + from : from;
  let end = to < 0n ? len + to : to;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return EMPTY_BULK;
  return r.bulk(v.slice(Number(start), Number(end) + 1));
};

/** SETRANGE key offset value: overwrites from offset, zero-padding a shorter string; keeps the TTL. */
export const setrange: Handler = (ctx, argv) => {
  const offset = parseLongLong(argv[2]!);
  if (offset === null) return NOT_INTEGER;
  if (offset < 0n) return r.error('ERR offset is out of range');
  const value = argv[3]!;
  const old = lookupString(ctx, argv[1]!);
  if (old === WRONG) return WRONGTYPE;
  // Setting nothing creates nothing, and answers the current length.
  if (value.length === 0) return r.integer(old === undefined ? 0 : old.length);
  if (offset + BigInt(value.length) > BigInt(MAX_STRING)) return STRING_TOO_LONG;
  const at = Number(offset);
  const base = old ?? '';
  const padded = base.length >= at ? base : base + '\0'.repeat(at - base.length);
  const next = padded.slice(0, at) + value + padded.slice(at + value.length);
  ctx.node.store.set(argv[1]!, next, KEEP_TTL);
  return r.integer(next.length);
};

/** GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: GET that also sets or clears the TTL. */
export const getex: Handler = (ctx, argv) => {
  const o = parseStringOptions(argv, 'getex');
  if (typeof o === 'string') return o;
  const { flags, unit, expireArg } = o;
  const key = argv[1]!;
  const v = lookupString(ctx, key);
  if (v === undefined) return r.nil(ctx.proto);
  if (v === WRONG) return WRONGTYPE;
  const store = ctx.node.store;
  if (expireArg !== null) {
    // As in Redis, the time is checked only once the key is known to exist.
    const at = expireAtMs(expireArg, unit, 'getex');
    if (typeof at === 'string') return at;
    if (at <= Date.now()) store.del(key);
    else store.setUntil(key, v, at);
  } else if (flags & PERSIST) {
    store.persist(key);
  }
  return r.bulk(v);
};


/** Redis's default proto-max-bulk-len, for a node whose settings do not say (unit tests). */
const DEFAULT_MAX_BULK = 512 * 1024 * 1024;

/** proto-max-bulk-len as the node has it now (CONFIG SET may change it), in bytes. */
export function maxBulkLen(ctx: Ctx): number {
  const n = Number(ctx.node.config().get('proto-max-bulk-len'));
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_BULK;
}

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
 * common subsequence, by the same dynamic-programming table as lcsCommand,
 * walked back from the end so that IDX lists the matches last to first, as
 * Redis does. Missing keys are empty strings.
 */
export const lcs: Handler = (ctx, argv) => {
  const a = lookupString(ctx, argv[1]!);
  const b = lookupString(ctx, argv[2]!);
  if (a === WRONG || b === WRONG) return r.error('ERR The specified keys must contain string values');
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0n;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j + 1 < argv.length) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return NOT_INTEGER;
      minMatchLen = n < 0n ? 0n : n;
    } else return SYNTAX;
  }
  if (getLen && getIdx) return r.error('ERR If you want both the length and indexes, please just use IDX.');
  const sa = a ?? '';
  const sb = b ?? '';
  const alen = sa.length;
  const blen = sb.length;
  // The table of LCS lengths of every pair of prefixes, 4 bytes a cell, as in Redis.
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > maxBulkLen(ctx)) return r.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    return r.error('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  const row = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ca = sa.charCodeAt(i - 1);
    for (let j = 1; j <= blen; j++) {
      const at = i * row + j;
      if (ca === sb.charCodeAt(j - 1)) table[at] = table[at - row - 1]! + 1;
      else {
        const up = table[at - row]!;
        const left = table[at - 1]!;
        table[at] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * row + blen]!;
  if (getLen) return r.integer(total);

  // Walk back from the end, collecting the common bytes and the ranges of contiguous matches.
  const result = Buffer.allocUnsafe(total);
  const matches: string[] = [];
  let idx = total;
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (sa.charCodeAt(i - 1) === sb.charCodeAt(j - 1)) {
      result[idx - 1] = sa.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      // A range that reached the first byte of either string is complete.
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * row + j]! > table[i * row + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0n || BigInt(matchLen) >= minMatchLen)) {
        const ranges = r.array([r.integer(aStart), r.integer(aEnd)]) + r.array([r.integer(bStart), r.integer(bEnd)]);
        matches.push(withMatchLen ? r.arrayHeader(3) + ranges + r.integer(matchLen) : r.arrayHeader(2) + ranges);
      }
      aStart = alen;
    }
  }
  if (!getIdx) return r.bulk(result.toString('latin1'));
  return r.map(
    [
      [r.bulk('matches'), r.array(matches)],
      [r.bulk('len'), r.integer(total)],
    ],
    ctx.proto,
  );
};
