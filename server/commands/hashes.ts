// Hash commands (Redis's t_hash.c). A bucket is a hash; see buckets.ts for the
// guide's CREATE/PUT/GET/DELETE, which share lookupHash().

import * as r from '../protocol/resp.js';
import { LLONG_MAX, LLONG_MIN, parseLongLong } from '../protocol/numbers.js';
import { Hash } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { NAN_OR_INFINITY, NOT_FLOAT, NOT_INTEGER, OVERFLOW, SYNTAX, WRONGTYPE, wrongArity } from './errors.js';
import { incrByFloat, parseLongDouble } from './float-format.js';
import { globMatch } from './glob.js';
import { INVALID_CURSOR, parseScanArgs, parseScanCursor } from './scan-args.js';
import { tunable } from './config.js';

/**
 * Whether Redis would hold this hash as a listpack: at most hash-max-listpack-entries
 * fields, none of them (or their values) longer than hash-max-listpack-value.
 * HSCAN returns such a hash whole, and OBJECT ENCODING names it.
 */
export function listpackEncoded(ctx: Ctx, h: Hash): boolean {
  if (h.fields.size > Number(tunable(ctx.node, 'hash-max-listpack-entries'))) return false;
  const maxValue = Number(tunable(ctx.node, 'hash-max-listpack-value'));
  for (const [f, v] of h.fields) if (f.length > maxValue || v.length > maxValue) return false;
  return true;
}

/** The hash at `key`: undefined when missing, null when the key holds another type. */
export function lookupHash(ctx: Ctx, key: string): Hash | undefined | null {
  const v = ctx.node.store.get(key);
  if (v === undefined) return undefined;
  return v instanceof Hash ? v : null;
}

/** The hash at `key`, created when missing; null when the key holds another type. */
function hashForWrite(ctx: Ctx, key: string): Hash | null {
  const h = lookupHash(ctx, key);
  if (h !== undefined) return h;
  const created = new Hash();
  ctx.node.store.set(key, created);
  return created;
}

/** A hash left empty by HDEL disappears, as in Redis, unless it is a bucket made by CREATE. */
export function dropIfEmpty(ctx: Ctx, key: string, h: Hash): void {
  if (h.fields.size === 0 && !h.bucket) ctx.node.store.del(key);
}

function setFields(ctx: Ctx, argv: string[], name: string): number | string {
  if (argv.length % 2 === 1) return wrongArity(name);
  const h = hashForWrite(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.fields.has(argv[i]!)) added++;
    h.set(argv[i]!, argv[i + 1]!);
  }
  return added;
}

export const hset: Handler = (ctx, argv) => {
  const n = setFields(ctx, argv, 'hset');
  return typeof n === 'string' ? n : r.integer(n);
};

export const hmset: Handler = (ctx, argv) => {
  const n = setFields(ctx, argv, 'hmset');
  return typeof n === 'string' ? n : r.OK;
};

export const hsetnx: Handler = (ctx, argv) => {
  const h = hashForWrite(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h.fields.has(argv[2]!)) return r.ZERO;
  h.set(argv[2]!, argv[3]!);
  return r.ONE;
};

export const hget: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return r.bulkOrNil(h?.fields.get(argv[2]!), ctx.proto);
};

export const hmget: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  const values = new Array<string | undefined>(argv.length - 2);
  for (let i = 2; i < argv.length; i++) values[i - 2] = h?.fields.get(argv[i]!);
  return r.valuesArray(values, ctx.proto);
};

export const hdel: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) return r.ZERO;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) if (h.fields.delete(argv[i]!)) deleted++;
  dropIfEmpty(ctx, argv[1]!, h);
  return r.integer(deleted);
};

export const hgetall: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  const flat: string[] = [];
  if (h) for (const [f, v] of h.fields) flat.push(f, v);
  return r.valuesMap(flat, ctx.proto);
};

export const hlen: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return r.integer(h?.fields.size ?? 0);
};

export const hexists: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return h?.fields.has(argv[2]!) ? r.ONE : r.ZERO;
};

export const hkeys: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return r.valuesArray(h ? [...h.fields.keys()] : [], ctx.proto);
};

export const hvals: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return r.valuesArray(h ? [...h.fields.values()] : [], ctx.proto);
};

export const hstrlen: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  return r.integer(h?.fields.get(argv[2]!)?.length ?? 0);
};

export const hincrby: Handler = (ctx, argv) => {
  const by = parseLongLong(argv[3]!);
  if (by === null) return NOT_INTEGER;
  const h = hashForWrite(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  const old = h.fields.get(argv[2]!);
  let value = 0n;
  if (old !== undefined) {
    const parsed = parseLongLong(old);
    if (parsed === null) return r.error('ERR hash value is not an integer');
    value = parsed;
  }
  const next = value + by;
  if (next > LLONG_MAX || next < LLONG_MIN) return OVERFLOW;
  h.set(argv[2]!, next.toString());
  return r.integer(next);
};

export const hincrbyfloat: Handler = (ctx, argv) => {
  const by = parseLongDouble(argv[3]!);
  if (by === null) return NOT_FLOAT;
  if (by.kind === 'inf') return r.error('ERR value is NaN or Infinity');
  const h = hashForWrite(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  const sum = incrByFloat(h.fields.get(argv[2]!), by);
  if ('error' in sum) return sum.error === 'nan' ? NAN_OR_INFINITY : r.error('ERR hash value is not a float');
  h.set(argv[2]!, sum.value);
  return r.bulk(sum.value);
};

/** What HSCAN answers for a key that does not exist (shared.emptyscan). */
const EMPTY_SCAN = r.arrayHeader(2) + r.bulk('0') + r.arrayHeader(0);

export const hscan: Handler = (ctx, argv) => {
  // As hscanCommand: the cursor, then the key, then the options.
  if (parseScanCursor(argv[2]!) === null) return INVALID_CURSOR;
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) return EMPTY_SCAN;
  const args = parseScanArgs(argv, 2, false);
  if (typeof args === 'string') return args;
  const entries = [...h.fields];
  // Small hashes come back whole, whatever COUNT says, as from a listpack in Redis.
  const whole = listpackEncoded(ctx, h);
  const start = whole ? 0 : args.cursor;
  const end = whole ? entries.length : Math.min(entries.length, start + args.count);
  const flat: string[] = [];
  for (let i = start; i < end; i++) {
    const [f, v] = entries[i]!;
    if (args.match === null || globMatch(args.match, f)) flat.push(f, v);
  }
  const next = end >= entries.length ? 0 : end;
  return r.prefixed(r.arrayHeader(2) + r.bulk(String(next)), r.valuesArray(flat, ctx.proto));
};

/** LONG_MAX/2: past it, HRANDFIELD … WITHVALUES would overflow its reply length (hrandfieldCommand). */
const HALF_LONG_MAX = LLONG_MAX / 2n;

/**
 * The most elements one HRANDFIELD reply may hold. Redis would try any count
 * and run out of memory; a node refuses instead of building it.
 */
const MAX_RANDOM_ELEMENTS = 1 << 24;

/** HRANDFIELD key [count [WITHVALUES]] (hrandfieldCommand): the count and option are checked before the key. */
export const hrandfield: Handler = (ctx, argv) => {
  if (argv.length === 2) {
    const h = lookupHash(ctx, argv[1]!);
    if (h === null) return WRONGTYPE;
    // An empty bucket has no field to give, as a missing key.
    if (h === undefined || h.fields.size === 0) return r.nil(ctx.proto);
    return r.bulk(randomField(h));
  }
  const count = parseLongLong(argv[2]!);
  if (count === null) return NOT_INTEGER;
  if (count < -LLONG_MAX) return r.error(`ERR value is out of range, value must between ${-LLONG_MAX} and ${LLONG_MAX}`);
  if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withvalues')) return SYNTAX;
  const withValues = argv.length === 4;
  if (withValues && (count < -HALF_LONG_MAX || count > HALF_LONG_MAX)) return r.error('ERR value is out of range');
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined || count === 0n || h.fields.size === 0) return r.EMPTY_ARRAY;
  const entries = [...h.fields];
  let picked: [string, string][];
  if (count < 0n) {
    // Negative: exactly |count| fields, each drawn anew, so they may repeat.
    if (-count * (withValues ? 2n : 1n) > BigInt(MAX_RANDOM_ELEMENTS)) return r.error(`ERR HRANDFIELD reply too long: at most ${MAX_RANDOM_ELEMENTS} elements`);
    const n = Number(-count);
    picked = new Array<[string, string]>(n);
    for (let i = 0; i < n; i++) picked[i] = entries[Math.floor(Math.random() * entries.length)]!;
  } else if (count >= BigInt(entries.length)) {
    // The whole hash, in its own order, as Redis gives it.
    picked = entries;
  } else {
    // Distinct fields: the first `count` places of a partial Fisher-Yates shuffle.
    const n = Number(count);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(Math.random() * (entries.length - i));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    picked = entries.slice(0, n);
  }
  if (!withValues) return r.valuesArray(picked.map(([f]) => f), ctx.proto);
  // RESP3 pairs each field with its value; RESP2 flattens them.
  if (ctx.proto === 3) return r.arrayOf(picked.map(([f, v]) => r.valuesArray([f, v], 3)));
  return r.valuesArray(picked.flat(), ctx.proto);
};

/** A field of a non-empty hash, each as likely. A Map has no random access: walk to it. */
function randomField(h: Hash): string {
  let skip = Math.floor(Math.random() * h.fields.size);
  for (const f of h.fields.keys()) if (skip-- === 0) return f;
  throw new Error('randomField: empty hash');
}
