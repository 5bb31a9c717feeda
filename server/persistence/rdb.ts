// Redis's RDB format (src/rdb.c, version 10 as Redis 7.0 writes it) for kv's
// types: the value encoding that DUMP and RESTORE carry, and whole snapshots,
// written and read in chunks so a node neither stops nor doubles its memory.
// Sits below the commands (dump.ts) and beside the store: it takes values and
// entries, never the store itself. Reading parses with generators that ask for
// bytes ("need n more"), so the same parser serves a buffer and a file stream.

import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Hash, type RdbWriter, type Value } from '../store/store.js';
import { DEFAULT_MAX_INTSET, SetValue } from '../store/set.js';
import { DEFAULT_ZSET_LIMITS, ZSetValue } from '../store/zset.js';
import { QuickList } from '../store/quicklist.js';
import { Crc64, crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';

/** The format version Redis 7.0 writes; newer files and payloads are refused, as 7.0 refuses them. */
export const RDB_VERSION = 10;

/** One key of a snapshot: expireAtMs is ms since the epoch, 0 for none. */
export type SnapshotEntry = readonly [key: string, value: Value, expireAtMs: number];

/** A snapshot or payload that cannot be read, with the byte offset where it went wrong. */
export class RdbError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** A value of a type kv does not hold (list, set, ...), as opposed to damage. */
    readonly unsupported = false,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'RdbError';
  }
}

const TYPE_STRING = 0;
const TYPE_HASH = 4;
const TYPE_HASH_ZIPMAP = 9;
const TYPE_HASH_ZIPLIST = 13;
const TYPE_HASH_LISTPACK = 16;
const TYPE_SET = 2;
const TYPE_SET_INTSET = 11;
const TYPE_SET_LISTPACK = 20;
const TYPE_ZSET = 3;
const TYPE_ZSET_2 = 5;
const TYPE_ZSET_ZIPLIST = 12;
const TYPE_ZSET_LISTPACK = 17;
const TYPE_LIST = 1;
const TYPE_LIST_ZIPLIST = 10;
const TYPE_LIST_QUICKLIST = 14;
const TYPE_LIST_QUICKLIST_2 = 18;
/** A quicklist 2 node's container: one element alone (a "plain" node), or a listpack. */
const QUICKLIST_NODE_PLAIN = 1;
const QUICKLIST_NODE_PACKED = 2;

const OP_FUNCTION2 = 245;
const OP_FUNCTION = 246;
const OP_MODULE_AUX = 247;
const OP_IDLE = 248;
const OP_FREQ = 249;
const OP_AUX = 250;
const OP_RESIZEDB = 251;
const OP_EXPIRETIME_MS = 252;
const OP_EXPIRETIME = 253;
const OP_SELECTDB = 254;
const OP_EOF = 255;

const ENC_INT8 = 0;
const ENC_INT16 = 1;
const ENC_INT32 = 2;
const ENC_LZF = 3;

/** Names of the types Redis writes that kv does not hold, for the error that refuses them. */
const OTHER_TYPES: ReadonlyMap<number, string> = new Map([
  [6, 'module value'],
  [7, 'module value'],
  [15, 'stream'],
  [19, 'stream'],
  [21, 'stream'],
]);

/**
 * kv's buckets in a snapshot, as aux fields, which Redis and its tools skip by
 * contract: "kv-bucket" <key> before a bucket's hash; "kv-empty-bucket"
 * "<expireAtMs> <key>" for a bucket with no fields, which Redis cannot hold.
 */
const AUX_BUCKET = 'kv-bucket';
const AUX_EMPTY_BUCKET = 'kv-empty-bucket';

/** V8's longest string: a longer value cannot be held by kv at all. */
const MAX_STRING = 0x1fffffe8;

// ---------------------------------------------------------------------------
// Writing

/** Size of the chunks a snapshot is yielded in. */
const CHUNK = 256 * 1024;
/** Redis tries LZF on strings longer than 20 bytes ("unable to compress even aaaaaaaaaaaaaaaaaa" below). */
const COMPRESS_ABOVE = 20;
/**
 * In snapshots, longer strings are written as they are, sliced straight from
 * the value: compressing one needs its bytes and the output at once, twice its
 * size, which a snapshot must not cost. A DUMP payload is built whole anyway,
 * so there every string is compressed, as Redis does.
 */
const SNAPSHOT_COMPRESS_UP_TO = 1 << 20;
/** Scratch space for compressing strings up to this size is kept; larger ones get their own. */
const SCRATCH = 1 << 20;
/** Strings up to this length are copied into a chunk byte by byte. */
const SHORT_STRING = 32;
/** Strings longer than this go out in slices of this size, never copied whole. */
const SLICE = 1 << 20;

export interface EncodeOptions {
  /** LZF-compress strings over 20 bytes when that saves 4 bytes, as Redis does (default true); in snapshots, up to 1 MB. */
  compress?: boolean;
}

const EMPTY = Buffer.alloc(0);

/** A growing chunk of output; full chunks are queued in `ready` for the caller to take. */
class Sink implements RdbWriter {
  private buf = EMPTY;
  private pos = 0;
  readonly ready: Buffer[] = [];
  /** Scratch space for compression: the string's bytes, and the compressed output. */
  private static plain: Buffer | null = null;
  private static packed: Buffer | null = null;

  /**
   * compressUpTo: the longest string to try LZF on; 0 for none. chunk: the
   * size of the buffers written into (a DUMP of a small value takes a small one).
   */
  constructor(
    private readonly compressUpTo: number,
    private readonly chunk = CHUNK,
  ) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.chunk));
  }

  /** Queues what was written; the next write takes a fresh buffer. */
  flush(): void {
    if (this.pos === 0) return;
    this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = EMPTY;
    this.pos = 0;
  }

  /** Everything written so far, in order. */
  take(): Buffer[] {
    this.flush();
    return this.ready.splice(0);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** rdbSaveLen. */
  len(n: number): void {
    this.room(9);
    const buf = this.buf;
    if (n < 1 << 6) {
      buf[this.pos++] = n;
    } else if (n < 1 << 14) {
      buf[this.pos++] = 0x40 | (n >> 8);
      buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      buf[this.pos++] = 0x80;
      buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      buf[this.pos++] = 0x81;
      buf.writeUInt32BE(Math.floor(n / 2 ** 32), this.pos);
      buf.writeUInt32BE(n >>> 0, this.pos + 4);
      this.pos += 8;
    }
  }

  /** An int64 in little-endian order (expiry times). */
  int64(n: number): void {
    this.room(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(n)), this.pos);
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue. */
  double(d: number): void {
    this.room(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** rdbSaveRawString: an integer encoding when the string is a small canonical integer, else LZF or as it is. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11) {
      const v = int32Of(s);
      if (v !== null) return this.integer(v);
    }
    if (n > COMPRESS_ABOVE && n <= this.compressUpTo && this.compressed(s)) return;
    this.len(n);
    this.room(n);
    if (n > SHORT_STRING) {
      this.buf.write(s, this.pos, 'latin1');
      this.pos += n;
      return;
    }
    // Most keys and values are short, and copying them here beats a call into Buffer.write.
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  /** rdbEncodeInteger: the smallest of the 8, 16 and 32-bit forms. */
  private integer(v: number): void {
    this.room(5);
    const buf = this.buf;
    if (v >= -128 && v <= 127) {
      buf[this.pos++] = 0xc0 | ENC_INT8;
      buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      buf[this.pos++] = 0xc0 | ENC_INT16;
      buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      buf[this.pos++] = 0xc0 | ENC_INT32;
      buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
  }

  /** rdbSaveLzfStringObject: written only when it saves at least 4 bytes. */
  private compressed(s: string): boolean {
    const n = s.length;
    const plain = n <= SCRATCH ? (Sink.plain ??= Buffer.allocUnsafe(SCRATCH)) : Buffer.allocUnsafe(n);
    const packed = n <= SCRATCH ? (Sink.packed ??= Buffer.allocUnsafe(SCRATCH)) : Buffer.allocUnsafe(n - 4);
    plain.write(s, 0, 'latin1');
    const clen = lzfCompress(plain.subarray(0, n), packed.subarray(0, n - 4));
    if (clen === 0) return false;
    this.byte(0xc0 | ENC_LZF);
    this.len(clen);
    this.len(n);
    this.bytes(packed.subarray(0, clen));
    return true;
  }

  /** A value without its type byte (rdbSaveObject). */
  value(v: Value): void {
    if (typeof v === 'string') return this.string(v);
    if (!(v instanceof Hash)) return v.writeRdb(this);
    this.len(v.fields.size);
    for (const [field, val] of v.fields) {
      this.string(field);
      this.string(val);
    }
  }
}

/** The value as a 32-bit integer when Redis would store it as one: canonical decimal (string2ll), no sign on 0. */
function int32Of(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

function typeByte(v: Value): number {
  return typeof v === 'string' ? TYPE_STRING : v instanceof Hash ? TYPE_HASH : v.rdbType;
}

/**
 * DUMP's payload (createDumpPayload): type byte, the value, the RDB version in
 * 2 bytes and the CRC64 of all that in 8, both little-endian. An empty hash (a
 * bucket with no fields) is a hash of 0 fields: kv restores it as an empty
 * bucket; Redis refuses it as it refuses any empty key ("Bad data format").
 */
export function dumpPayload(value: Value, opts: EncodeOptions = {}): Buffer {
  // A buffer about the value's size: DUMP and bucket migration make one per key.
  let size = 16;
  if (typeof value === 'string') size += value.length;
  else if (!(value instanceof Hash)) size += value.size * 16;
  else for (const [f, v] of value.fields) if ((size += f.length + v.length + 10) >= CHUNK) break;
  const sink = new Sink(opts.compress === false ? 0 : MAX_STRING, Math.min(size, CHUNK));
  sink.byte(typeByte(value));
  sink.value(value);
  sink.byte(RDB_VERSION & 0xff);
  sink.byte(RDB_VERSION >> 8);
  // One copy into the result, not two: a payload may be as large as a value (512 MB).
  const parts = sink.take();
  const crc = new Crc64();
  for (const p of parts) crc.update(p);
  parts.push(crc.bytes());
  return Buffer.concat(parts);
}

export interface SnapshotOptions extends EncodeOptions {
  /** The redis-ver aux field. */
  redisVersion?: string;
  /** The ctime aux field, in seconds (default: now). */
  ctime?: number;
  /** The used-mem aux field (default: this process's heap in use). */
  usedMem?: number;
}

/**
 * A snapshot as Redis 7.0 writes one (rdbSaveRio), in chunks of about 256 KB:
 * "REDIS0010", the aux fields, SELECTDB 0 and RESIZEDB (`sizes` is that hint;
 * both are left out when there are no keys, as Redis does), each entry with its
 * expiry, EOF and the CRC64 of the whole. Each value is encoded when it is
 * reached, at once, so a hash changed later cannot tear; strings over 1 MB are
 * yielded in 1 MB slices of the value itself. Buckets are marked by aux fields
 * (AUX_BUCKET), so Redis loads them as hashes and kv as buckets. The chunks
 * are fresh buffers the caller may keep.
 */
export function* snapshotChunks(
  entries: Iterable<SnapshotEntry>,
  sizes: { keys: number; expires: number },
  opts: SnapshotOptions = {},
): Generator<Buffer, void, void> {
  const crc = new Crc64();
  const sink = new Sink(opts.compress === false ? 0 : SNAPSHOT_COMPRESS_UP_TO);
  const aux = (name: string, value: string): void => {
    sink.byte(OP_AUX);
    sink.string(name);
    sink.string(value);
  };
  sink.bytes(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
  aux('redis-ver', opts.redisVersion ?? '7.0.0');
  aux('redis-bits', '64');
  aux('ctime', String(opts.ctime ?? Math.floor(Date.now() / 1000)));
  aux('used-mem', String(opts.usedMem ?? process.memoryUsage().heapUsed));
  aux('aof-base', '0');
  let first = true;
  for (const [key, value, expireAtMs] of entries) {
    if (first) {
      sink.byte(OP_SELECTDB);
      sink.len(0);
      sink.byte(OP_RESIZEDB);
      sink.len(sizes.keys);
      sink.len(sizes.expires);
      first = false;
    }
    if (value instanceof Hash && value.bucket) {
      if (value.fields.size === 0) {
        // Redis has no empty hash (redis-check-rdb calls one an error): an aux field, which Redis skips.
        aux(AUX_EMPTY_BUCKET, `${expireAtMs} ${key}`);
        continue;
      }
      aux(AUX_BUCKET, key);
    }
    if (expireAtMs > 0) {
      sink.byte(OP_EXPIRETIME_MS);
      sink.int64(expireAtMs);
    }
    sink.byte(typeByte(value));
    sink.string(key);
    if (typeof value === 'string' && value.length > SLICE) {
      sink.len(value.length);
      for (const b of sink.take()) yield crcd(crc, b);
      for (let i = 0; i < value.length; i += SLICE) yield crcd(crc, Buffer.from(value.slice(i, i + SLICE), 'latin1'));
      continue;
    }
    sink.value(value);
    if (sink.ready.length > 0) for (const b of sink.ready.splice(0)) yield crcd(crc, b);
  }
  sink.byte(OP_EOF);
  for (const b of sink.take()) yield crcd(crc, b);
  yield crc.bytes();
}

function crcd(crc: Crc64, b: Buffer): Buffer {
  crc.update(b);
  return b;
}

/**
 * Writes a snapshot to `path` as Redis does: to a temporary file beside it,
 * synced, then renamed over `path` (and the directory synced), so a crash
 * leaves the old file or the new one, whole. Each
 * chunk is awaited, so the event loop keeps serving while it is written.
 */
export async function writeSnapshot(
  path: string,
  entries: Iterable<SnapshotEntry>,
  sizes: { keys: number; expires: number },
  opts: SnapshotOptions = {},
): Promise<{ bytes: number }> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    for (const chunk of snapshotChunks(entries, sizes, opts)) {
      await fh.write(chunk);
      bytes += chunk.length;
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  // The rename itself is durable only once the directory is synced (Redis 7.0's fsyncFileDir).
  const dirHandle = await open(dirname(path), 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return { bytes };
}

/** What writeSnapshot needs of the Store: its public reads. */
export interface StoreReader {
  keys(): string[];
  get(key: string): Value | undefined;
  expireTime(key: string): number;
  /** Keys with a TTL, roughly: enough for the RESIZEDB hint, and saves a pass over every key. */
  volatileCount?(): number;
}

/**
 * The entries of a store for snapshotChunks, with the RESIZEDB hint. The key
 * list is taken now (as SCAN does); each value and expiry is read when its turn
 * comes, so keys deleted meanwhile are skipped and changed ones are written as
 * they are then. Not a point-in-time image: Redis's fork gives that; kv would
 * need copy-on-write in the store.
 */
export function storeEntries(store: StoreReader): { entries: Iterable<SnapshotEntry>; keys: number; expires: number } {
  const keys = store.keys();
  let expires = 0;
  if (store.volatileCount) expires = Math.min(store.volatileCount(), keys.length);
  else for (const k of keys) if (store.expireTime(k) > 0) expires++;
  function* entries(): Generator<SnapshotEntry, void, void> {
    for (const k of keys) {
      const v = store.get(k);
      if (v === undefined) continue;
      const at = store.expireTime(k);
      yield [k, v, at > 0 ? at : 0];
    }
  }
  return { entries: entries(), keys: keys.length, expires };
}

// ---------------------------------------------------------------------------
// Reading

/**
 * The bytes being parsed: buf[pos, end) is unread, buf[0] is byte `base` of the
 * input. A parser generator yields n when it needs n unread bytes; its driver
 * then makes them available, possibly moving them (so parsers keep no offsets
 * or buffers across a yield), or fails as truncated.
 */
class Input {
  /** Bytes before this absolute offset are in `crc`. */
  crcAt = 0;
  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
    public base: number,
    readonly crc: Crc64 | null,
  ) {}

  get offset(): number {
    return this.base + this.pos;
  }

  /** Feeds the CRC the bytes read up to pos. */
  checksumRead(): void {
    if (this.crc === null) return;
    const from = this.crcAt - this.base;
    if (from < this.pos) this.crc.update(this.buf, Math.max(from, 0), this.pos);
    this.crcAt = this.offset;
  }
}

/** A parser step: yields byte counts it needs, returns T. */
type Parse<T> = Generator<number, T, void>;

function corrupt(inp: Input, what: string): RdbError {
  return new RdbError(what, inp.offset);
}

/** rdbLoadLen: a length, or -1 - kind for a specially encoded string (kind 0..63). */
function* readLen(inp: Input): Parse<number> {
  if (inp.end - inp.pos < 1) yield 1;
  const b = inp.buf[inp.pos++]!;
  switch (b >> 6) {
    case 0:
      return b & 0x3f;
    case 1:
      if (inp.end - inp.pos < 1) yield 1;
      return ((b & 0x3f) << 8) | inp.buf[inp.pos++]!;
    case 3:
      return -1 - (b & 0x3f);
  }
  if (b === 0x80) {
    if (inp.end - inp.pos < 4) yield 4;
    const n = inp.buf.readUInt32BE(inp.pos);
    inp.pos += 4;
    return n;
  }
  if (b === 0x81) {
    if (inp.end - inp.pos < 8) yield 8;
    const hi = inp.buf.readUInt32BE(inp.pos);
    const lo = inp.buf.readUInt32BE(inp.pos + 4);
    inp.pos += 8;
    if (hi >= 1 << 21) throw corrupt(inp, 'length beyond 2^53');
    return hi * 2 ** 32 + lo;
  }
  throw corrupt(inp, `unknown length encoding 0x${b.toString(16)}`);
}

/** A length that must be a plain one. */
function* readCount(inp: Input): Parse<number> {
  const n = yield* readLen(inp);
  if (n < 0) throw corrupt(inp, 'an encoded string where a length belongs');
  return n;
}

/** The bytes of an LZF-compressed string (rdbLoadLzfStringObject), decompressed. */
function* readLzf(inp: Input): Parse<Buffer> {
  const clen = yield* readCount(inp);
  const len = yield* readCount(inp);
  if (len > MAX_STRING) throw corrupt(inp, `string of ${len} bytes, longer than kv can hold`);
  // A 3-byte back reference makes at most 264 bytes: a larger claim is damage, not worth allocating for.
  if (len > clen * 88 + 32) throw corrupt(inp, 'invalid LZF compressed string');
  if (inp.end - inp.pos < clen) yield clen;
  const out = lzfDecompress(inp.buf.subarray(inp.pos, inp.pos + clen), len);
  if (out === null) throw corrupt(inp, 'invalid LZF compressed string');
  inp.pos += clen;
  return out;
}

/** An integer-encoded string (rdbLoadIntegerObject), as its decimal text. */
function* readIntString(inp: Input, kind: number): Parse<string> {
  const size = kind === ENC_INT8 ? 1 : kind === ENC_INT16 ? 2 : 4;
  if (inp.end - inp.pos < size) yield size;
  const v = inp.buf.readIntLE(inp.pos, size);
  inp.pos += size;
  return String(v);
}

/** Strings up to this size are read whole from the window; longer ones piece by piece. */
const WHOLE_STRING = 1 << 20;

/** rdbGenericLoadStringObject, as a latin1 string: plain, integer-encoded or LZF. */
function* readString(inp: Input): Parse<string> {
  const n = yield* readLen(inp);
  if (n < 0) {
    const kind = -1 - n;
    if (kind === ENC_LZF) return (yield* readLzf(inp)).toString('latin1');
    if (kind <= ENC_INT32) return yield* readIntString(inp, kind);
    throw corrupt(inp, `unknown string encoding ${kind}`);
  }
  if (n > MAX_STRING) throw corrupt(inp, `string of ${n} bytes, longer than kv can hold`);
  if (n <= WHOLE_STRING) {
    if (inp.end - inp.pos < n) yield n;
    const s = inp.buf.toString('latin1', inp.pos, inp.pos + n);
    inp.pos += n;
    return s;
  }
  // A long value: concatenation keeps the pieces as a rope, with no second copy until V8 flattens it.
  let s = '';
  let left = n;
  while (left > 0) {
    if (inp.end === inp.pos) yield Math.min(left, WHOLE_STRING);
    const take = Math.min(left, inp.end - inp.pos);
    s += inp.buf.toString('latin1', inp.pos, inp.pos + take);
    inp.pos += take;
    left -= take;
  }
  return s;
}

/** A string holding an encoded structure (ziplist, listpack, zipmap): its bytes, valid until the next yield. */
function* readBlob(inp: Input): Parse<Buffer> {
  const n = yield* readLen(inp);
  if (n < 0) {
    if (-1 - n === ENC_LZF) return yield* readLzf(inp);
    throw corrupt(inp, 'an integer where an encoded structure belongs');
  }
  if (inp.end - inp.pos < n) yield n;
  const b = inp.buf.subarray(inp.pos, inp.pos + n);
  inp.pos += n;
  return b;
}

/** rdbLoadObject for the types kv holds; others are refused by name. */
function* readValue(inp: Input, type: number, typeAt: number, bucket = false): Parse<Value> {
  const at = inp.offset;
  switch (type) {
    case TYPE_STRING:
      return yield* readString(inp);
    case TYPE_HASH: {
      const n = yield* readCount(inp);
      const h = new Hash(bucket || n === 0);
      for (let i = 0; i < n; i++) {
        const field = yield* readString(inp);
        const value = yield* readString(inp);
        if (h.fields.has(field)) throw corrupt(inp, 'duplicate hash fields');
        h.set(field, value);
      }
      return h;
    }
    case TYPE_HASH_ZIPMAP:
    case TYPE_HASH_ZIPLIST:
    case TYPE_HASH_LISTPACK: {
      const blob = yield* readBlob(inp);
      const flat = type === TYPE_HASH_LISTPACK ? listpackEntries(blob) : type === TYPE_HASH_ZIPLIST ? ziplistEntries(blob) : zipmapEntries(blob);
      if (typeof flat === 'string') throw new RdbError(`${flat} in a hash`, at);
      if (flat.length % 2 !== 0) throw new RdbError('a hash with an odd number of entries', at);
      const h = new Hash(bucket || flat.length === 0);
      for (let i = 0; i < flat.length; i += 2) {
        if (h.fields.has(flat[i]!)) throw new RdbError('duplicate hash fields', at);
        h.set(flat[i]!, flat[i + 1]!);
      }
      return h;
    }
    case TYPE_SET: {
      const n = yield* readCount(inp);
      const set = new SetValue();
      for (let i = 0; i < n; i++) if (!set.add(yield* readString(inp), DEFAULT_MAX_INTSET)) throw corrupt(inp, 'duplicate set members');
      return set;
    }
    case TYPE_SET_INTSET:
    case TYPE_SET_LISTPACK: {
      const blob = yield* readBlob(inp);
      const members = type === TYPE_SET_INTSET ? intsetEntries(blob) : listpackEntries(blob);
      if (typeof members === 'string') throw new RdbError(`${members} in a set`, at);
      const set = new SetValue();
      for (const m of members) if (!set.add(m, DEFAULT_MAX_INTSET)) throw new RdbError('duplicate set members', at);
      if (set.size === 0) throw new RdbError('an empty set', at);
      return set;
    }
    case TYPE_ZSET:
    case TYPE_ZSET_2: {
      const n = yield* readCount(inp);
      const zset = new ZSetValue();
      for (let i = 0; i < n; i++) {
        const member = yield* readString(inp);
        const score = type === TYPE_ZSET_2 ? yield* readBinaryDouble(inp) : yield* readStringDouble(inp);
        if (Number.isNaN(score)) throw corrupt(inp, 'a NaN score');
        if (zset.dict.has(member)) throw corrupt(inp, 'duplicate sorted set members');
        zset.set(member, score, DEFAULT_ZSET_LIMITS);
      }
      zset.refit(DEFAULT_ZSET_LIMITS);
      return zset;
    }
    case TYPE_ZSET_ZIPLIST:
    case TYPE_ZSET_LISTPACK: {
      const blob = yield* readBlob(inp);
      const flat = type === TYPE_ZSET_LISTPACK ? listpackEntries(blob) : ziplistEntries(blob);
      if (typeof flat === 'string') throw new RdbError(`${flat} in a sorted set`, at);
      if (flat.length % 2 !== 0) throw new RdbError('a sorted set with an odd number of entries', at);
      if (flat.length === 0) throw new RdbError('an empty sorted set', at);
      const zset = new ZSetValue();
      for (let i = 0; i < flat.length; i += 2) {
        const score = packedScore(flat[i + 1]!);
        if (Number.isNaN(score)) throw new RdbError('a bad score in a sorted set', at);
        if (zset.dict.has(flat[i]!)) throw new RdbError('duplicate sorted set members', at);
        zset.set(flat[i]!, score, DEFAULT_ZSET_LIMITS);
      }
      zset.refit(DEFAULT_ZSET_LIMITS);
      return zset;
    }
    case TYPE_LIST: {
      const n = yield* readCount(inp);
      const list = new QuickList();
      for (let i = 0; i < n; i++) list.pushTail(yield* readString(inp));
      return list;
    }
    case TYPE_LIST_ZIPLIST: {
      const flat = ziplistEntries(yield* readBlob(inp));
      if (typeof flat === 'string') throw new RdbError(`${flat} in a list`, at);
      return QuickList.from(flat);
    }
    case TYPE_LIST_QUICKLIST:
    case TYPE_LIST_QUICKLIST_2: {
      // Nodes of ziplists (Redis 3.2–6.2) or, in 7.0, of listpacks and plain single elements.
      const nodes = yield* readCount(inp);
      const list = new QuickList();
      for (let i = 0; i < nodes; i++) {
        const container = type === TYPE_LIST_QUICKLIST_2 ? yield* readCount(inp) : QUICKLIST_NODE_PACKED;
        if (container === QUICKLIST_NODE_PLAIN) {
          list.pushTail(yield* readString(inp));
          continue;
        }
        if (container !== QUICKLIST_NODE_PACKED) throw corrupt(inp, `a quicklist node of unknown container ${container}`);
        const blob = yield* readBlob(inp);
        const entries = type === TYPE_LIST_QUICKLIST_2 ? listpackEntries(blob) : ziplistEntries(blob);
        if (typeof entries === 'string') throw new RdbError(`${entries} in a list`, at);
        for (const e of entries) list.pushTail(e);
      }
      if (list.length === 0) throw new RdbError('an empty list', at);
      return list;
    }
  }
  const name = OTHER_TYPES.get(type);
  if (name !== undefined) throw new RdbError(`a ${name} (RDB type ${type}): kv does not hold this type`, typeAt, true);
  throw new RdbError(`unknown RDB type ${type}`, typeAt);
}

/** rdbLoadBinaryDoubleValue: 8 bytes, little-endian. */
function* readBinaryDouble(inp: Input): Parse<number> {
  if (inp.end - inp.pos < 8) yield 8;
  const d = inp.buf.readDoubleLE(inp.pos);
  inp.pos += 8;
  return d;
}

/** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 NaN, 254 +inf, 255 -inf), then the number as text. */
function* readStringDouble(inp: Input): Parse<number> {
  if (inp.end - inp.pos < 1) yield 1;
  const len = inp.buf[inp.pos++]!;
  if (len === 253) return NaN;
  if (len === 254) return Infinity;
  if (len === 255) return -Infinity;
  if (inp.end - inp.pos < len) yield len;
  const text = inp.buf.toString('latin1', inp.pos, inp.pos + len);
  inp.pos += len;
  return packedScore(text);
}

/** A score as a listpack or ziplist holds it (d2string: "inf", "-inf", or a number); NaN when it is not one. */
function packedScore(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return text === '' || /\s/.test(text) ? NaN : Number(text);
}

/** The members of an intset (src/intset.c) as decimal text; a string says what is wrong. */
function intsetEntries(b: Buffer): string[] | string {
  if (b.length < 8) return 'a truncated intset';
  const width = b.readUInt32LE(0);
  const count = b.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) return `an intset of ${width}-byte integers`;
  if (b.length !== 8 + width * count) return 'an intset of the wrong size';
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    out[i] = width === 8 ? String(b.readBigInt64LE(at)) : String(b.readIntLE(at, width));
  }
  return out;
}

/** The bytes of a listpack entry's back-length field, for an entry of `n` bytes. */
function backlenSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : n < 268435456 ? 4 : 5;
}

/** The entries of a listpack (src/listpack.c), integers as decimal text; a string says what is wrong. */
function listpackEntries(b: Buffer): string[] | string {
  if (b.length < 7 || b.readUInt32LE(0) !== b.length) return 'a listpack of the wrong size';
  const count = b.readUInt16LE(4);
  const out: string[] = [];
  const last = b.length - 1;
  let p = 6;
  for (;;) {
    if (p > last) return 'a listpack without its end mark';
    const c = b[p]!;
    if (c === 0xff) break;
    let size: number;
    let str: number = -1;
    let len = 0;
    if ((c & 0x80) === 0) {
      out.push(String(c));
      size = 1;
    } else if ((c & 0xc0) === 0x80) {
      len = c & 0x3f;
      str = p + 1;
      size = 1 + len;
    } else if ((c & 0xe0) === 0xc0) {
      if (p + 1 >= last) return 'a truncated listpack';
      const v = ((c & 0x1f) << 8) | b[p + 1]!;
      out.push(String(v >= 4096 ? v - 8192 : v));
      size = 2;
    } else if ((c & 0xf0) === 0xe0) {
      if (p + 1 >= last) return 'a truncated listpack';
      len = ((c & 0x0f) << 8) | b[p + 1]!;
      str = p + 2;
      size = 2 + len;
    } else {
      const width = c === 0xf0 ? 4 : c === 0xf1 ? 2 : c === 0xf2 ? 3 : c === 0xf3 ? 4 : c === 0xf4 ? 8 : 0;
      if (width === 0) return `a bad listpack encoding 0x${c.toString(16)}`;
      if (p + width >= last) return 'a truncated listpack';
      if (c === 0xf0) {
        len = b.readUInt32LE(p + 1);
        str = p + 5;
        size = 5 + len;
      } else {
        out.push(c === 0xf4 ? String(b.readBigInt64LE(p + 1)) : String(b.readIntLE(p + 1, width)));
        size = 1 + width;
      }
    }
    if (p + size + backlenSize(size) > last) return 'a truncated listpack';
    if (str >= 0) out.push(b.toString('latin1', str, str + len));
    p += size + backlenSize(size);
  }
  if (p !== last) return 'bytes after a listpack end mark';
  if (count !== 0xffff && count !== out.length) return 'a listpack whose count is wrong';
  return out;
}

/** The entries of a ziplist (src/ziplist.c), integers as decimal text; a string says what is wrong. */
function ziplistEntries(b: Buffer): string[] | string {
  if (b.length < 11 || b.readUInt32LE(0) !== b.length) return 'a ziplist of the wrong size';
  const count = b.readUInt16LE(8);
  const out: string[] = [];
  const last = b.length - 1;
  let p = 10;
  for (;;) {
    if (p > last) return 'a ziplist without its end mark';
    if (b[p] === 0xff) break;
    p += b[p]! < 254 ? 1 : 5; // the previous entry's length
    if (p >= last) return 'a truncated ziplist';
    const c = b[p]!;
    let len = -1;
    let head: number;
    if (c >> 6 === 0) {
      len = c & 0x3f;
      head = 1;
    } else if (c >> 6 === 1) {
      len = ((c & 0x3f) << 8) | b[p + 1]!;
      head = 2;
    } else if (c === 0x80) {
      if (p + 5 > last) return 'a truncated ziplist';
      len = b.readUInt32BE(p + 1);
      head = 5;
    } else {
      const width = c === 0xc0 ? 2 : c === 0xd0 ? 4 : c === 0xe0 ? 8 : c === 0xf0 ? 3 : c === 0xfe ? 1 : c >= 0xf1 && c <= 0xfd ? 0 : -1;
      if (width < 0) return `a bad ziplist encoding 0x${c.toString(16)}`;
      if (p + 1 + width > last) return 'a truncated ziplist';
      if (width === 0) out.push(String((c & 0x0f) - 1));
      else if (width === 8) out.push(String(b.readBigInt64LE(p + 1)));
      else out.push(String(b.readIntLE(p + 1, width)));
      p += 1 + width;
      continue;
    }
    if (p + head + len > last) return 'a truncated ziplist';
    out.push(b.toString('latin1', p + head, p + head + len));
    p += head + len;
  }
  if (p !== last) return 'bytes after a ziplist end mark';
  if (count !== 0xffff && count !== out.length) return 'a ziplist whose count is wrong';
  return out;
}

/** The keys and values of a zipmap (src/zipmap.c, Redis before 2.6); a string says what is wrong. */
function zipmapEntries(b: Buffer): string[] | string {
  const out: string[] = [];
  const last = b.length - 1;
  let p = 1; // the count byte, which is only a hint
  const length = (): number => {
    const c = b[p]!;
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 255 || p + 5 > last) return -1;
    p += 5;
    return b.readUInt32LE(p - 4);
  };
  for (;;) {
    if (p > last) return 'a zipmap without its end mark';
    if (b[p] === 0xff) break;
    const klen = length();
    if (klen < 0 || p + klen > last) return 'a truncated zipmap';
    out.push(b.toString('latin1', p, p + klen));
    p += klen;
    const vlen = length();
    if (vlen < 0 || p + 1 + vlen > last) return 'a truncated zipmap';
    const free = b[p]!;
    p += 1;
    out.push(b.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  return p === last ? out : 'bytes after a zipmap end mark';
}

// DUMP payloads

/** RESTORE's reply to a payload of a newer version or with a bad checksum. */
export const BAD_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
/** RESTORE's reply to a payload that passes those checks but cannot be read. */
export const BAD_DATA = 'ERR Bad data format';

/**
 * The value of a DUMP payload (verifyDumpPayload, then rdbLoadObject), or the
 * error RESTORE replies with: BAD_PAYLOAD, BAD_DATA, or for a type kv does not
 * hold, BAD_DATA followed by which type it is.
 */
export function parseDumpPayload(payload: Uint8Array): { value: Value } | { error: string } {
  const len = payload.length;
  if (len < 10) return { error: BAD_PAYLOAD };
  const version = payload[len - 10]! | (payload[len - 9]! << 8);
  if (version > RDB_VERSION) return { error: BAD_PAYLOAD };
  const buf = Buffer.from(payload.buffer, payload.byteOffset, len);
  if (crc64(buf.subarray(0, len - 8)) !== buf.readBigUInt64LE(len - 8)) return { error: BAD_PAYLOAD };
  const inp = new Input(buf, 1, len - 10, 0, null);
  try {
    const step = readValue(inp, buf[0]!, 0).next();
    // A request for more bytes: the payload ends inside the value.
    if (!step.done) return { error: BAD_DATA };
    return { value: step.value };
  } catch (err) {
    if (err instanceof RdbError) return { error: err.unsupported ? `${BAD_DATA}: ${err.message}` : BAD_DATA };
    throw err;
  }
}

// Snapshots

export interface ReadOptions {
  /** Called with each aux field (redis-ver, ctime, used-mem, ...) except kv's own. */
  onAux?: (name: string, value: string) => void;
  /**
   * Skip function libraries (FUNCTION LOAD code) instead of failing: kv has no
   * functions engine, so loading such a file otherwise stops with an error.
   */
  skipFunctions?: boolean;
}

/** The window a snapshot is read through; it grows only for a larger compressed string or structure. */
const WINDOW = 1 << 20;

/** One parse of a whole snapshot: yields byte counts it needs and the entries it finds. */
function* parseSnapshot(inp: Input, opts: ReadOptions): Generator<number | SnapshotEntry, void, void> {
  if (inp.end - inp.pos < 9) yield 9;
  const magic = inp.buf.toString('latin1', inp.pos, inp.pos + 9);
  if (!/^REDIS\d{4}$/.test(magic)) throw corrupt(inp, 'not an RDB file (no REDIS signature)');
  const version = Number(magic.slice(5));
  if (version < 1 || version > RDB_VERSION) throw corrupt(inp, `RDB format version ${version}; this reader takes 1 to ${RDB_VERSION}`);
  inp.pos += 9;
  let expireAt = 0;
  /** The key an AUX_BUCKET field named: the next key, if it is that one, is a bucket. */
  let bucketKey: string | null = null;
  for (;;) {
    if (inp.end - inp.pos < 1) yield 1;
    const at = inp.offset;
    const op = inp.buf[inp.pos++]!;
    switch (op) {
      case OP_EXPIRETIME_MS: {
        if (inp.end - inp.pos < 8) yield 8;
        // Redis treats an expiry of 0 or less as long past; kv's 0 means none.
        expireAt = Math.max(1, Number(inp.buf.readBigInt64LE(inp.pos)));
        inp.pos += 8;
        break;
      }
      case OP_EXPIRETIME: {
        if (inp.end - inp.pos < 4) yield 4;
        expireAt = Math.max(1, inp.buf.readInt32LE(inp.pos) * 1000);
        inp.pos += 4;
        break;
      }
      case OP_FREQ:
        if (inp.end - inp.pos < 1) yield 1;
        inp.pos += 1;
        break;
      case OP_IDLE:
        yield* readCount(inp);
        break;
      case OP_SELECTDB: {
        const db = yield* readCount(inp);
        if (db !== 0) throw new RdbError(`keys of database ${db}: kv has database 0 only`, at);
        break;
      }
      case OP_RESIZEDB:
        yield* readCount(inp);
        yield* readCount(inp);
        break;
      case OP_AUX: {
        const name = yield* readString(inp);
        const value = yield* readString(inp);
        if (name === AUX_BUCKET) {
          bucketKey = value;
        } else if (name === AUX_EMPTY_BUCKET) {
          const space = value.indexOf(' ');
          const expiry = Number(value.slice(0, space));
          if (space < 1 || !Number.isSafeInteger(expiry) || expiry < 0) throw new RdbError(`a bad ${AUX_EMPTY_BUCKET} field`, at);
          yield [value.slice(space + 1), new Hash(true), expiry];
        } else {
          opts.onAux?.(name, value);
        }
        break;
      }
      case OP_MODULE_AUX:
        throw new RdbError('module data (MODULE_AUX): kv has no modules', at, true);
      case OP_FUNCTION:
        throw new RdbError('a function library in the format of Redis 7.0 release candidates', at, true);
      case OP_FUNCTION2:
        if (!opts.skipFunctions) throw new RdbError('a function library: kv has no functions (skipFunctions loads the keys without it)', at, true);
        yield* readString(inp);
        break;
      case OP_EOF: {
        inp.checksumRead();
        if (version < 5) return;
        if (inp.end - inp.pos < 8) yield 8;
        const expected = inp.buf.readBigUInt64LE(inp.pos);
        // A CRC of 0: written with rdbchecksum no, so there is nothing to check.
        if (expected !== 0n && inp.crc !== null && expected !== inp.crc.value()) {
          throw corrupt(inp, `checksum mismatch: the file says ${expected.toString(16)}, its bytes give ${inp.crc.value().toString(16)}`);
        }
        return;
      }
      default: {
        const key = yield* readString(inp);
        const value = yield* readValue(inp, op, at, key === bucketKey);
        yield [key, value, expireAt];
        expireAt = 0;
        bucketKey = null;
      }
    }
  }
}

/**
 * Reads a snapshot file, a window at a time, and yields its keys in file
 * order: [key, value, expireAtMs or 0]. Keys whose expiry has passed are
 * yielded too; dropping them is the loader's choice (Redis drops them on a
 * primary). Buckets come back as buckets; an empty hash from elsewhere also
 * comes back as an empty bucket, the only empty hash kv has. Fails with an RdbError naming the offset for a type kv does not
 * hold, damage, a bad checksum or a truncated file.
 */
export async function* readSnapshot(path: string, opts: ReadOptions = {}): AsyncGenerator<SnapshotEntry, void, void> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const inp = new Input(Buffer.allocUnsafe(WINDOW), 0, 0, 0, new Crc64());
    const parse = parseSnapshot(inp, opts);
    for (;;) {
      const step = parse.next();
      if (step.done) return;
      const need = step.value;
      if (typeof need !== 'number') {
        yield need;
        continue;
      }
      if (inp.offset + need > size) {
        throw new RdbError(`truncated: ${need} more bytes needed, the file has ${size - inp.offset}`, inp.offset);
      }
      // Keep the unread bytes, in a larger window if they will not fit, and fill the rest.
      inp.checksumRead();
      const unread = inp.end - inp.pos;
      const wanted = Math.max(need, unread, WINDOW);
      if (wanted > inp.buf.length || (inp.buf.length > WINDOW && wanted === WINDOW)) {
        // Grown for one large item, or back to the usual size after it.
        const window = Buffer.allocUnsafe(wanted);
        inp.buf.copy(window, 0, inp.pos, inp.end);
        inp.buf = window;
      } else {
        inp.buf.copyWithin(0, inp.pos, inp.end);
      }
      inp.base += inp.pos;
      inp.pos = 0;
      inp.end = unread;
      while (inp.end < need) {
        const { bytesRead } = await fh.read(inp.buf, inp.end, inp.buf.length - inp.end, inp.base + inp.end);
        if (bytesRead === 0) throw new RdbError('truncated while reading', inp.base + inp.end);
        inp.end += bytesRead;
      }
    }
  } finally {
    await fh.close();
  }
}
