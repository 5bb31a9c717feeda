// OBJECT and MEMORY USAGE (Redis's object.c): what a key's value looks like
// inside the server. Values here are JS strings and Maps, not Redis objects, so
// the answers are the ones Redis would give for the same value: the encoding by
// Redis's rules (int / embstr / raw for strings, listpack / hashtable for hashes
// by the hash-max-listpack-* thresholds), sizes from Redis's layout (robj, sds
// headers, dict entries, jemalloc size classes), refcount 1 except Redis's
// shared integers. Tools and Redis's tests read these; nothing depends on them here.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import { Hash, type Value } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { NOT_INTEGER, SYNTAX } from './errors.js';
import { listpackEncoded } from './hashes.js';

/** Redis's OBJ_SHARED_INTEGERS: 0..9999 are shared objects whose refcount is INT_MAX. */
const SHARED_INTEGERS = 10000;
const OBJ_SHARED_REFCOUNT = 2147483647;
/** Strings up to this length are embedded in their robj (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_SIZE_LIMIT = 44;

/** The value as a long, when Redis would store it as one (string2l: canonical decimal, 64 bits). */
function asLong(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !/^(0|-?[1-9]\d*)$/.test(s)) return null;
  return parseLongLong(s);
}

function encoding(ctx: Ctx, v: Value): string {
  if (typeof v === 'string') {
    if (asLong(v) !== null) return 'int';
    return v.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
  }
  if (!(v instanceof Hash)) return v.encoding();
  return listpackEncoded(ctx, v) ? 'listpack' : 'hashtable';
}

/** An OBJECT subcommand: `answer` for the value at the key named by argv[2], nil when there is none. */
function objectSubcommand(answer: (ctx: Ctx, v: Value) => r.Reply): Handler {
  return (ctx, argv) => {
    const v = ctx.node.store.get(argv[2]!);
    return v === undefined ? r.nil(ctx.proto) : answer(ctx, v);
  };
}

export const objectEncoding = objectSubcommand((ctx, v) => r.bulk(encoding(ctx, v)));

export const objectRefcount = objectSubcommand((_ctx, v) => {
  const n = typeof v === 'string' ? asLong(v) : null;
  return r.integer(n !== null && n >= 0n && n < BigInt(SHARED_INTEGERS) ? OBJ_SHARED_REFCOUNT : 1);
});

/** Access times are not kept: every key reads as just used. */
export const objectIdletime = objectSubcommand(() => r.ZERO);

/** Redis tracks access frequency only under an LFU maxmemory-policy; ours is noeviction. */
export const objectFreq = objectSubcommand(() =>
  r.error(
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  ),
);

// ---------------------------------------------------------------------------
// MEMORY USAGE

/** jemalloc's size classes up to 4 KiB, then whole pages: what an allocation really takes. */
function allocated(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  if (n > 4096) return Math.ceil(n / 4096) * 4096;
  // Four classes per doubling: 160, 192, 224, 256, 320, …
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** An sds string: header (by length) + bytes + NUL. */
function sdsSize(len: number): number {
  const header = len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return allocated(header + len + 1);
}

const ROBJ = 16;
const DICT_ENTRY = 24;

/** An entry's size in a listpack: its encoding byte(s), the bytes, and the back-length. */
function listpackEntry(s: string): number {
  if (asLong(s) !== null) return 1 + 8 + 1;
  const header = s.length < 64 ? 1 : s.length < 4096 ? 2 : 5;
  const body = header + s.length;
  return body + (body < 128 ? 1 : body < 16384 ? 2 : 3);
}

function valueSize(ctx: Ctx, v: Value): number {
  if (typeof v === 'string') {
    if (asLong(v) !== null) return ROBJ;
    if (v.length <= EMBSTR_SIZE_LIMIT) return allocated(ROBJ + 3 + v.length + 1);
    return ROBJ + sdsSize(v.length);
  }
  if (!(v instanceof Hash)) return ROBJ + v.memoryUsage();
  if (listpackEncoded(ctx, v)) {
    let bytes = 6 + 1; // header and end byte
    for (const [f, val] of v.fields) bytes += listpackEntry(f) + listpackEntry(val);
    return ROBJ + allocated(bytes);
  }
  // A dict: its struct, a power-of-two bucket array, an entry and two sds per field.
  let buckets = 4;
  while (buckets < v.fields.size) buckets *= 2;
  let size = ROBJ + 56 + 8 * buckets;
  for (const [f, val] of v.fields) size += DICT_ENTRY + sdsSize(f.length) + sdsSize(val.length);
  return size;
}

/** MEMORY USAGE key [SAMPLES count]: the bytes a key and its value take, or nil. Every field is counted (no sampling). */
export const memoryUsage: Handler = (ctx, argv) => {
  for (let j = 3; j < argv.length; j += 2) {
    if (argv[j]!.toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseLongLong(argv[j + 1]!);
      if (n === null || n < 0n) return NOT_INTEGER;
    } else {
      return SYNTAX;
    }
  }
  const v = ctx.node.store.get(argv[2]!);
  if (v === undefined) return r.nil(ctx.proto);
  return r.integer(DICT_ENTRY + sdsSize(argv[2]!.length) + valueSize(ctx, v));
};
