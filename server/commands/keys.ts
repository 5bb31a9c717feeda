// Generic keyspace commands (Redis's db.c and expire.c): DEL, EXISTS, TYPE, the
// EXPIRE family, KEYS, SCAN, RENAME, COPY, RANDOMKEY, DBSIZE, FLUSHDB. Each acts on
// this node's store; the routing stage splits multi-key forms by owner and fans
// keyspace-wide ones out to every node.

import * as r from '../protocol/resp.js';
import { LLONG_MAX, LLONG_MIN, parseInteger, parseLongLong } from '../protocol/numbers.js';
import { cloneValue, Hash, typeOf, type Value } from '../store/store.js';
import { BAD_DATA, dumpPayload, parseDumpPayload } from '../persistence/rdb.js';
import type { Handler } from './types.js';
import { invalidExpire, NO_SUCH_KEY, NOT_INTEGER, SYNTAX } from './errors.js';
import { globMatch } from './glob.js';
import { parseScanArgs } from './scan-args.js';

export const del: Handler = (ctx, argv) => {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.node.store.del(argv[i]!)) n++;
  return r.integer(n);
};

export const exists: Handler = (ctx, argv) => {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.node.store.has(argv[i]!)) n++;
  return r.integer(n);
};

export const type: Handler = (ctx, argv) => {
  const v = ctx.node.store.get(argv[1]!);
  return r.simple(v === undefined ? 'none' : typeOf(v));
};

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** expireGenericCommand: `baseMs` is now for EXPIRE/PEXPIRE, 0 for the *AT forms. */
function expireGeneric(name: string, inSeconds: boolean, relative: boolean): Handler {
  return (ctx, argv) => {
    let flags = 0;
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j]!.toLowerCase();
      if (opt === 'nx') flags |= EXPIRE_NX;
      else if (opt === 'xx') flags |= EXPIRE_XX;
      else if (opt === 'gt') flags |= EXPIRE_GT;
      else if (opt === 'lt') flags |= EXPIRE_LT;
      else return r.error(`ERR Unsupported option ${argv[j]!}`);
    }
    if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
      return r.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    }
    if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) return r.error('ERR GT and LT options at the same time are not compatible');
    const parsed = parseLongLong(argv[2]!);
    if (parsed === null) return NOT_INTEGER;
    let when = parsed;
    if (inSeconds) {
      if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) return invalidExpire(name);
      when *= 1000n;
    }
    const base = relative ? BigInt(Date.now()) : 0n;
    if (when > LLONG_MAX - base) return invalidExpire(name);
    when += base;
    const store = ctx.node.store;
    const key = argv[1]!;
    if (!store.has(key)) return r.ZERO;
    if (flags) {
      const current = store.expireTime(key);
      if ((flags & EXPIRE_NX) && current !== -1) return r.ZERO;
      if ((flags & EXPIRE_XX) && current === -1) return r.ZERO;
      if ((flags & EXPIRE_GT) && (current === -1 || when <= BigInt(current))) return r.ZERO;
      if ((flags & EXPIRE_LT) && current !== -1 && when >= BigInt(current)) return r.ZERO;
    }
    store.expireAt(key, Number(when));
    return r.ONE;
  };
}

export const expire = expireGeneric('expire', true, true);
export const pexpire = expireGeneric('pexpire', false, true);
export const expireat = expireGeneric('expireat', true, false);
export const pexpireat = expireGeneric('pexpireat', false, false);

export const ttl: Handler = (ctx, argv) => {
  const ms = ctx.node.store.pttl(argv[1]!);
  return r.integer(ms < 0 ? ms : Math.floor((ms + 500) / 1000));
};

export const pttl: Handler = (ctx, argv) => r.integer(ctx.node.store.pttl(argv[1]!));

export const expiretime: Handler = (ctx, argv) => {
  const at = ctx.node.store.expireTime(argv[1]!);
  return r.integer(at < 0 ? at : Math.floor((at + 500) / 1000));
};

export const pexpiretime: Handler = (ctx, argv) => r.integer(ctx.node.store.expireTime(argv[1]!));

export const persist: Handler = (ctx, argv) => (ctx.node.store.persist(argv[1]!) ? r.ONE : r.ZERO);

export const touch: Handler = exists;

export const keys: Handler = (ctx, argv) => {
  const pattern = argv[1]!;
  const all = ctx.node.store.keys();
  return r.valuesArray(pattern === '*' ? all : all.filter((k) => globMatch(pattern, k)), ctx.proto);
};

export const scan: Handler = (ctx, argv) => {
  const args = parseScanArgs(argv, 1, true);
  if (typeof args === 'string') return args;
  const accept = (k: string, v: Value): boolean =>
    (args.match === null || globMatch(args.match, k)) && (args.type === null || typeOf(v) === args.type);
  const [next, found] = ctx.node.store.scan(args.cursor, args.count, accept);
  return r.arrayHeader(2) + r.bulk(String(next)) + r.bulkArray(found, ctx.proto);
};

/** RENAME and RENAMENX (renameGenericCommand). */
function renameGeneric(nx: boolean): Handler {
  return (ctx, argv) => {
    const store = ctx.node.store;
    const [src, dst] = [argv[1]!, argv[2]!];
    const v = store.get(src);
    if (v === undefined) return NO_SUCH_KEY;
    if (src === dst) return nx ? r.ZERO : r.OK;
    if (nx && store.has(dst)) return r.ZERO;
    // The expiry time itself moves, as in Redis: not the ms left, which may be 0 (none, to set()).
    const at = store.expireTime(src);
    store.del(src);
    if (at > 0) store.setUntil(dst, v, at);
    else store.set(dst, v);
    return nx ? r.ONE : r.OK;
  };
}

export const rename = renameGeneric(false);
export const renamenx = renameGeneric(true);

/**
 * COPY's options (copyCommand): REPLACE, and DB, which only 0 passes since kv
 * has one keyspace. Returns whether REPLACE was given, or Redis's error reply.
 * The routing stage checks them too before a copy across nodes.
 */
export function parseCopyOptions(argv: readonly string[]): { replace: boolean } | r.Reply {
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && j + 1 < argv.length) {
      const db = parseLongLong(argv[++j]!);
      if (db === null) return NOT_INTEGER;
      if (db < INT_MIN || db > INT_MAX) return r.error(`ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`);
      if (db !== 0n) return r.error('ERR DB index is out of range');
    } else {
      return SYNTAX;
    }
  }
  return { replace };
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;

/** COPY source destination [DB destination-db] [REPLACE]: the value and its expiry time; a bucket stays a bucket. */
export const copy: Handler = (ctx, argv) => {
  const options = parseCopyOptions(argv);
  if (typeof options === 'string') return options;
  const [src, dst] = [argv[1]!, argv[2]!];
  if (src === dst) return r.error('ERR source and destination objects are the same');
  const store = ctx.node.store;
  const v = store.get(src);
  if (v === undefined) return r.ZERO;
  if (!options.replace && store.has(dst)) return r.ZERO;
  const at = store.expireTime(src);
  const value = cloneValue(v);
  if (at > 0) store.setUntil(dst, value, at);
  else store.set(dst, value);
  return r.ONE;
};

export const randomkey: Handler = (ctx) => r.bulkOrNil(ctx.node.store.randomKey(), ctx.proto);

export const dbsize: Handler = (ctx) => r.integer(ctx.node.store.size());

export const flushdb: Handler = (ctx, argv) => {
  if (argv.length > 2 || (argv.length === 2 && !/^(a?sync)$/i.test(argv[1]!))) return SYNTAX;
  ctx.node.store.flush();
  return r.OK;
};

/**
 * KV.DUMP key: the value and TTL of a key as an array, for moving a key to
 * another node (RENAME across nodes): [type, expire-at, value] for a string,
 * [type, expire-at, bucket(0|1), field, value, …] for a hash, ['rdb',
 * expire-at, DUMP payload] for a collection. expire-at is the
 * expiry time in ms since the epoch, as PEXPIRETIME gives it (-1: none), so the
 * key keeps the exact time however long the move takes. Nil when missing.
 */
export const dump: Handler = (ctx, argv) => {
  const store = ctx.node.store;
  const v = store.get(argv[1]!);
  if (v === undefined) return r.nilArray(ctx.proto);
  const ttl = String(store.expireTime(argv[1]!));
  if (typeof v === 'string') return r.valuesArray(['string', ttl, v], ctx.proto);
  if (!(v instanceof Hash)) return r.valuesArray(['rdb', ttl, dumpPayload(v).toString('latin1')], ctx.proto);
  const flat = ['hash', ttl, v.bucket ? '1' : '0'];
  for (const [f, val] of v.fields) flat.push(f, val);
  return r.valuesArray(flat, ctx.proto);
};

/**
 * KV.RESTORE key type expire-at value… : the inverse of KV.DUMP; replaces the
 * key. It comes from a peer, which holds the secret but may still be wrong or
 * out of date: every field is checked before the key is touched, and a bad one
 * is an error naming it.
 */
export const restore: Handler = (ctx, argv) => {
  const [key, kind, expireArg] = [argv[1]!, argv[2]!, argv[3]!];
  const at = parseInteger(expireArg);
  // -1: no expiry; otherwise a time in ms since the epoch, as PEXPIRETIME gives it.
  if (at === null || (at !== -1 && at <= 0)) return malformedRestore(`bad expire time '${expireArg.slice(0, 32)}'`);
  let value: Value;
  if (kind === 'string') {
    if (argv.length !== 5) return malformedRestore(`a string takes one value, got ${argv.length - 4}`);
    value = argv[4]!;
  } else if (kind === 'hash') {
    const bucket = argv[4]!;
    if (bucket !== '0' && bucket !== '1') return malformedRestore(`bad bucket flag '${bucket.slice(0, 32)}'`);
    if (argv.length % 2 === 0) return malformedRestore(`odd field count: ${argv.length - 5} fields and values`);
    // Redis has no empty hash; only a bucket (CREATE) stays when empty.
    if (argv.length === 5 && bucket === '0') return malformedRestore('a hash with no fields');
    const h = new Hash(bucket === '1');
    for (let i = 5; i < argv.length; i += 2) h.set(argv[i]!, argv[i + 1]!);
    value = h;
  } else if (kind === 'rdb') {
    if (argv.length !== 5) return malformedRestore(`a payload is one value, got ${argv.length - 4}`);
    const parsed = parseDumpPayload(Buffer.from(argv[4]!, 'latin1'));
    if ('error' in parsed) return malformedRestore(parsed.error.startsWith(BAD_DATA) ? `bad payload${parsed.error.slice(BAD_DATA.length)}` : 'bad payload');
    value = parsed.value;
  } else {
    return malformedRestore(`unknown type '${kind.slice(0, 32)}'`);
  }
  // A time already past still expires the key, as the source would have.
  if (at > 0) ctx.node.store.setUntil(key, value, at);
  else ctx.node.store.set(key, value);
  return r.OK;
};

function malformedRestore(what: string): r.Reply {
  return r.error(`ERR malformed KV.RESTORE: ${what}`);
}
