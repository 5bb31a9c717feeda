// Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD and BITFIELD_RO. A bitmap is an ordinary string (strings.ts): bit 0
// is the most significant bit of the first byte, and a string reads as if zero
// bytes followed it forever. Writes grow the string with zero bytes and keep
// the key's TTL; reads never create a key.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import { KEEP_TTL } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { NOT_INTEGER, STRING_TOO_LONG, SYNTAX, WRONGTYPE } from './errors.js';
import { lookupString, MAX_STRING, maxBulkLen, WRONG } from './strings.js';

const BIT_OFFSET = r.error('ERR bit offset is not an integer or out of range');
const NOT_A_BIT = r.error('ERR bit is not an integer or out of range');
const BITFIELD_TYPE = r.error('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
const MINUS_ONE = r.integer(-1);

/** Set bits in each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x >>= 1) n += x & 1;
  return n;
});

/**
 * A bit offset argument (getBitOffsetFromArgument): a non-negative integer whose
 * byte is below proto-max-bulk-len. With `bits` (BITFIELD), "#n" means n * bits,
 * multiplied in 64 bits as C does. Null when refused.
 */
function bitOffset(ctx: Ctx, arg: string, bits = 0): number | null {
  const hash = bits > 0 && arg.startsWith('#');
  let n = parseLongLong(hash ? arg.slice(1) : arg);
  if (n === null) return null;
  if (hash) n = BigInt.asIntN(64, n * BigInt(bits));
  // A primary's stream is applied whatever this node's limit (mustObeyClient).
  if (n < 0n || (!ctx.client.fromPrimary && n >> 3n >= BigInt(maxBulkLen(ctx)))) return null;
  return Number(n);
}

/** The byte at `i` of `s`, zero past its end. */
function byteAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/**
 * The string at `key` grown with zero bytes so that bit `maxBit` exists
 * (lookupStringForBitCommand), not stored yet; or WRONGTYPE, or the size error
 * past V8's longest string. `grown`: the key is new or longer.
 */
function stringForBitWrite(ctx: Ctx, key: string, maxBit: number): { s: string; grown: boolean } | string {
  const old = lookupString(ctx, key);
  if (old === WRONG) return WRONGTYPE;
  const need = Math.floor(maxBit / 8) + 1;
  const base = old ?? '';
  if (base.length >= need) return { s: base, grown: old === undefined };
  if (need > MAX_STRING) return STRING_TOO_LONG;
  return { s: base + '\0'.repeat(need - base.length), grown: true };
}

/** SETBIT key offset 0|1: answers the bit's old value. */
export const setbit: Handler = (ctx, argv) => {
  const offset = bitOffset(ctx, argv[2]!);
  if (offset === null) return BIT_OFFSET;
  const on = parseLongLong(argv[3]!);
  if (on !== 0n && on !== 1n) return NOT_A_BIT;
  const key = argv[1]!;
  const w = stringForBitWrite(ctx, key, offset);
  if (typeof w === 'string') return w;
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = w.s.charCodeAt(byte);
  const next = on === 1n ? old | mask : old & ~mask;
  if (w.grown || next !== old) {
    ctx.node.store.set(key, w.s.slice(0, byte) + String.fromCharCode(next) + w.s.slice(byte + 1), KEEP_TTL);
  } else ctx.node.store.log.noChange();
  return old & mask ? r.ONE : r.ZERO;
};

/** GETBIT key offset: 0 past the end or for a missing key. */
export const getbit: Handler = (ctx, argv) => {
  const offset = bitOffset(ctx, argv[2]!);
  if (offset === null) return BIT_OFFSET;
  const v = lookupString(ctx, argv[1]!);
  if (v === WRONG) return WRONGTYPE;
  if (v === undefined) return r.ZERO;
  return byteAt(v, Math.floor(offset / 8)) & (1 << (7 - (offset % 8))) ? r.ONE : r.ZERO;
};

/** BYTE or BIT, any case: true for BIT, null for anything else. */
function isBitUnit(arg: string): boolean | null {
  const u = arg.toLowerCase();
  return u === 'bit' ? true : u === 'byte' ? false : null;
}

/**
 * A range of bytes to scan, with the bits of its first and last bytes that lie
 * outside a BIT range (bitcountCommand's first_byte_neg_mask and last_byte_neg_mask).
 */
interface ByteRange {
  start: number;
  end: number;
  firstOut: number;
  lastOut: number;
}

/**
 * Clamps start..end (negative from the end) to `len` bytes, or bits with
 * `isBit`, as BITCOUNT and BITPOS do; a BIT range becomes its bytes and edge masks.
 */
function clampRange(start: bigint, end: bigint, len: number, isBit: boolean): ByteRange {
  const total = BigInt(isBit ? len * 8 : len);
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  let s = Number(start);
  let e = Number(end);
  let firstOut = 0;
  let lastOut = 0;
  if (isBit && s <= e) {
    firstOut = ~((1 << (8 - (s & 7))) - 1) & 0xff;
    lastOut = (1 << (7 - (e & 7))) - 1;
    s = Math.floor(s / 8);
    e = Math.floor(e / 8);
  }
  return { start: s, end: e, firstOut, lastOut };
}

/** BITCOUNT key [start end [BYTE|BIT]]: the key is looked up before the range is read, as in Redis. */
export const bitcount: Handler = (ctx, argv) => {
  const v = lookupString(ctx, argv[1]!);
  if (v === WRONG) return WRONGTYPE;
  if (v === undefined) return r.ZERO;
  let range: ByteRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = parseLongLong(argv[2]!);
    if (start === null) return NOT_INTEGER;
    const end = parseLongLong(argv[3]!);
    if (end === null) return NOT_INTEGER;
    // Checked before the unit, so a bad unit goes unnoticed here.
    if (start < 0n && end < 0n && start > end) return r.ZERO;
    let isBit = false;
    if (argv.length === 5) {
      const unit = isBitUnit(argv[4]!);
      if (unit === null) return SYNTAX;
      isBit = unit;
    }
    range = clampRange(start, end, v.length, isBit);
  } else if (argv.length === 2) {
    range = { start: 0, end: v.length - 1, firstOut: 0, lastOut: 0 };
  } else return SYNTAX;
  const { start, end, firstOut, lastOut } = range;
  if (start > end) return r.ZERO;
  let count = 0;
  for (let i = start; i <= end; i++) count += POPCOUNT[v.charCodeAt(i)]!;
  // The edge bytes' bits outside a BIT range were counted: take them off.
  if (firstOut !== 0) count -= POPCOUNT[v.charCodeAt(start) & firstOut]!;
  if (lastOut !== 0) count -= POPCOUNT[v.charCodeAt(end) & lastOut]!;
  return r.integer(count);
};

/**
 * The position of the first bit equal to `bit` in the `count` bytes given by
 * `byte(0..count-1)`, as redisBitpos: for a 1 that is not there, -1; for a 0
 * that is not there, count * 8 (the string goes on with zeros).
 */
function firstBit(byte: (i: number) => number, count: number, bit: 0 | 1): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const b = byte(i);
    if (b === skip) continue;
    const x = bit ? b : ~b & 0xff;
    return i * 8 + Math.clz32(x) - 24;
  }
  return bit ? -1 : count * 8;
}

/** BITPOS key 0|1 [start [end [BYTE|BIT]]]: -1 when the range holds no such bit. */
export const bitpos: Handler = (ctx, argv) => {
  const b = parseLongLong(argv[2]!);
  if (b === null) return NOT_INTEGER;
  if (b !== 0n && b !== 1n) return r.error('ERR The bit argument must be 1 or 0.');
  const bit = b === 1n ? 1 : 0;
  const v = lookupString(ctx, argv[1]!);
  if (v === WRONG) return WRONGTYPE;
  // A missing key is endless zeros, whatever the range says.
  if (v === undefined) return bit ? MINUS_ONE : r.ZERO;
  let range: ByteRange;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = parseLongLong(argv[3]!);
    if (start === null) return NOT_INTEGER;
    let isBit = false;
    if (argv.length === 6) {
      const unit = isBitUnit(argv[5]!);
      if (unit === null) return SYNTAX;
      isBit = unit;
    }
    let end: bigint;
    if (argv.length >= 5) {
      const e = parseLongLong(argv[4]!);
      if (e === null) return NOT_INTEGER;
      end = e;
      endGiven = true;
    } else end = isBit ? BigInt(v.length * 8 + 7) : BigInt(v.length - 1);
    range = clampRange(start, end, v.length, isBit);
  } else if (argv.length === 3) {
    range = { start: 0, end: v.length - 1, firstOut: 0, lastOut: 0 };
  } else return SYNTAX;
  let { start } = range;
  const { end, firstOut, lastOut } = range;
  if (start > end) return MINUS_ONE;

  // The edge bytes of a BIT range are searched with their outside bits made
  // the opposite of the bit sought; then the whole bytes between them.
  const masked = (i: number, out: number): number => (bit ? v.charCodeAt(i) & ~out : v.charCodeAt(i) | out) & 0xff;
  let bytes = end - start + 1;
  let pos: number;
  search: {
    if (firstOut !== 0) {
      let c = masked(start, firstOut);
      if (lastOut !== 0 && bytes === 1) c = (bit ? c & ~lastOut : c | lastOut) & 0xff;
      pos = firstBit(() => c, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const whole = bytes - (lastOut !== 0 ? 1 : 0);
    if (whole > 0) {
      const from = start;
      pos = firstBit((i) => v.charCodeAt(from + i), whole, bit);
      if (bytes === whole || (pos !== -1 && pos !== whole * 8)) break search;
      start += whole;
      bytes -= whole;
    }
    const c = masked(end, lastOut);
    pos = firstBit(() => c, 1, bit);
  }
  // With an explicit end, a 0 is not assumed past the range.
  if (endGiven && bit === 0 && pos === bytes * 8) return MINUS_ONE;
  return r.integer(pos === -1 ? -1 : pos + start * 8);
};

/** BITOP AND|OR|XOR|NOT destkey srckey...: answers the length of the result, which replaces destkey (an empty one deletes it). */
export const bitop: Handler = (ctx, argv) => {
  const op = argv[1]!.toLowerCase();
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') return SYNTAX;
  if (op === 'not' && argv.length !== 4) return r.error('ERR BITOP NOT must be called with a single source key.');
  const sources: string[] = [];
  let maxLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const v = lookupString(ctx, argv[j]!);
    if (v === WRONG) return WRONGTYPE;
    // A missing key is an empty string: all zeros.
    const s = v ?? '';
    sources.push(s);
    if (s.length > maxLen) maxLen = s.length;
  }
  const dest = argv[2]!;
  if (maxLen === 0) {
    ctx.node.store.del(dest);
    return r.ZERO;
  }
  const bufs = sources.map((s) => Buffer.from(s, 'latin1'));
  const out = Buffer.alloc(maxLen);
  const first = bufs[0]!;
  first.copy(out);
  if (op === 'not') {
    for (let i = 0; i < maxLen; i++) out[i] = ~out[i]! & 0xff;
  } else {
    for (let k = 1; k < bufs.length; k++) {
      const src = bufs[k]!;
      const n = src.length;
      if (op === 'and') {
        for (let i = 0; i < n; i++) out[i] = out[i]! & src[i]!;
        out.fill(0, n);
      } else if (op === 'or') {
        for (let i = 0; i < n; i++) out[i] = out[i]! | src[i]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = out[i]! ^ src[i]!;
      }
    }
  }
  // As SET: the destination loses any TTL.
  ctx.node.store.set(dest, out.toString('latin1'));
  return r.integer(maxLen);
};

const WRAP = 0;
const SAT = 1;
const FAIL = 2;

interface BitfieldOp {
  op: 'get' | 'set' | 'incrby';
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  overflow: number;
}

/** A bitfield type (getBitfieldTypeFromArgument): i1..i64 or u1..u63, read as C reads it, to the first NUL. */
function bitfieldType(arg: string): { signed: boolean; bits: number } | null {
  const signed = arg[0] === 'i';
  if (!signed && arg[0] !== 'u') return null;
  const nul = arg.indexOf('\0');
  const n = parseLongLong(arg.slice(1, nul === -1 ? undefined : nul));
  if (n === null || n < 1n || n > (signed ? 64n : 63n)) return null;
  return { signed, bits: Number(n) };
}

/** `bits` bits at bit `offset` of the bytes given by `byte(i)`, as an unsigned number. */
function getBits(byte: (i: number) => number, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(byte(i));
  const shift = (last + 1) * 8 - (offset + bits);
  return (acc >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
}

/** Writes the low `bits` bits of `value` at bit `offset` of `buf`. */
function setBits(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(buf[i]!);
  const shift = BigInt((last + 1) * 8 - (offset + bits));
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  acc = (acc & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = last; i >= first; i--) {
    buf[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
}

function signedValue(u: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, u);
}

/**
 * checkUnsignedBitfieldOverflow: whether value + incr fits in `bits` unsigned
 * bits (0), overflows (1) or underflows (-1), and what to store instead under
 * WRAP or SAT. Arithmetic is C's: uint64 and int64, wrapping.
 */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, how: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  const wrapped = (): bigint => BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxIncr)) return [1, how === WRAP ? wrapped() : max];
  if (incr < 0n && incr < minIncr) return [-1, how === WRAP ? wrapped() : 0n];
  return [0, 0n];
}

/** checkSignedBitfieldOverflow, the same for `bits` signed bits. */
function signedOverflow(value: bigint, incr: bigint, bits: number, how: number): [number, bigint] {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  const wrapped = (): bigint => BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) return [1, how === WRAP ? wrapped() : max];
  if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) return [-1, how === WRAP ? wrapped() : min];
  return [0, 0n];
}

/**
 * BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
 * incr] [OVERFLOW WRAP|SAT|FAIL]...: all arguments are checked before anything
 * runs; then each operation answers in turn (SET the old value, INCRBY the new,
 * nil for one that OVERFLOW FAIL stopped). BITFIELD_RO takes GET only.
 */
function bitfieldGeneric(readOnlyCommand: boolean): Handler {
  return (ctx, argv) => {
    const ops: BitfieldOp[] = [];
    let overflow = WRAP;
    let writes = false;
    let highestBit = 0;
    for (let j = 2; j < argv.length; j++) {
      const rest = argv.length - j - 1;
      const name = argv[j]!.toLowerCase();
      let op: BitfieldOp['op'];
      if (name === 'get' && rest >= 2) op = 'get';
      else if (name === 'set' && rest >= 3) op = 'set';
      else if (name === 'incrby' && rest >= 3) op = 'incrby';
      else if (name === 'overflow' && rest >= 1) {
        const how = argv[++j]!.toLowerCase();
        if (how === 'wrap') overflow = WRAP;
        else if (how === 'sat') overflow = SAT;
        else if (how === 'fail') overflow = FAIL;
        else return r.error('ERR Invalid OVERFLOW type specified');
        continue;
      } else return SYNTAX;
      const type = bitfieldType(argv[j + 1]!);
      if (type === null) return BITFIELD_TYPE;
      const offset = bitOffset(ctx, argv[j + 2]!, type.bits);
      if (offset === null) return BIT_OFFSET;
      let value = 0n;
      if (op !== 'get') {
        writes = true;
        highestBit = Math.max(highestBit, offset + type.bits - 1);
        const v = parseLongLong(argv[j + 3]!);
        if (v === null) return NOT_INTEGER;
        value = v;
      }
      ops.push({ op, offset, bits: type.bits, signed: type.signed, value, overflow });
      j += op === 'get' ? 2 : 3;
    }

    const key = argv[1]!;
    if (!writes) {
      const v = lookupString(ctx, key);
      if (v === WRONG) return WRONGTYPE;
      const s = v ?? '';
      return r.array(ops.map((o) => r.integer(readField(s, o))));
    }
    if (readOnlyCommand) return r.error('ERR BITFIELD_RO only supports the GET subcommand');
    const w = stringForBitWrite(ctx, key, highestBit);
    if (typeof w === 'string') return w;
    const buf = Buffer.from(w.s, 'latin1');
    const replies: string[] = [];
    for (const o of ops) {
      if (o.op === 'get') {
        const u = getBits((i) => buf[i] ?? 0, o.offset, o.bits);
        replies.push(r.integer(o.signed ? signedValue(u, o.bits) : u));
        continue;
      }
      const raw = getBits((i) => buf[i]!, o.offset, o.bits);
      const old = o.signed ? signedValue(raw, o.bits) : raw;
      // SET checks its value as an increment of 0 from that value; unsigned values are C's uint64.
      const base = o.op === 'incrby' ? old : o.signed ? o.value : BigInt.asUintN(64, o.value);
      const incr = o.op === 'incrby' ? o.value : 0n;
      const [over, limit] = o.signed ? signedOverflow(base, incr, o.bits, o.overflow) : unsignedOverflow(base, incr, o.bits, o.overflow);
      if (over !== 0 && o.overflow === FAIL) {
        replies.push(r.nil(ctx.proto));
        continue;
      }
      const next = over !== 0 ? limit : base + incr;
      setBits(buf, o.offset, o.bits, next);
      replies.push(r.integer(o.op === 'incrby' ? next : old));
    }
    const next = buf.toString('latin1');
    if (w.grown || next !== w.s) ctx.node.store.set(key, next, KEEP_TTL);
    else ctx.node.store.log.noChange();
    return r.array(replies);
  };
}

/** A GET of BITFIELD on a string left as it is. */
function readField(s: string, o: BitfieldOp): bigint {
  const u = getBits((i) => byteAt(s, i), o.offset, o.bits);
  return o.signed ? signedValue(u, o.bits) : u;
}

export const bitfield: Handler = bitfieldGeneric(false);
export const bitfieldRo: Handler = bitfieldGeneric(true);
