// Redis's CRC64 (src/crc64.c: Jones polynomial, reflected, initial value 0, no
// final xor), which checks RDB files and DUMP payloads. Part of the persistence
// layer; rdb.ts is its only user. Snapshots run to hundreds of MB, so the hot loop
// works on two 32-bit halves with eight tables (slicing-by-8): BigInt only
// appears at the edges, once per update, never per byte.

/** The Jones polynomial, reflected (0xad93d23594c935a9), as two 32-bit halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** Eight tables of 256 entries each; table k advances a byte k positions further. */
const T_LO = new Uint32Array(8 * 256);
const T_HI = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  T_LO[i] = lo;
  T_HI[i] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = T_LO[(k - 1) * 256 + i]!;
    const phi = T_HI[(k - 1) * 256 + i]!;
    const idx = plo & 0xff;
    T_LO[k * 256 + i] = (T_LO[idx]! ^ ((plo >>> 8) | (phi << 24))) >>> 0;
    T_HI[k * 256 + i] = (T_HI[idx]! ^ (phi >>> 8)) >>> 0;
  }
}

/** A running CRC64, fed a chunk at a time (a snapshot is written and read in chunks). */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  constructor(seed = 0n) {
    this.lo = Number(seed & 0xffffffffn);
    this.hi = Number((seed >> 32n) & 0xffffffffn);
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    // Byte by byte until the rest is a whole number of 8-byte words.
    const words = end - ((end - i) & 7);
    for (; i < words; i += 8) {
      const xlo = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const xhi = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
      const a = 7 * 256 + (xlo & 0xff);
      const b = 6 * 256 + ((xlo >>> 8) & 0xff);
      const c = 5 * 256 + ((xlo >>> 16) & 0xff);
      const d = 4 * 256 + (xlo >>> 24);
      const e = 3 * 256 + (xhi & 0xff);
      const f = 2 * 256 + ((xhi >>> 8) & 0xff);
      const g = 256 + ((xhi >>> 16) & 0xff);
      const h = xhi >>> 24;
      lo = T_LO[a]! ^ T_LO[b]! ^ T_LO[c]! ^ T_LO[d]! ^ T_LO[e]! ^ T_LO[f]! ^ T_LO[g]! ^ T_LO[h]!;
      hi = T_HI[a]! ^ T_HI[b]! ^ T_HI[c]! ^ T_HI[d]! ^ T_HI[e]! ^ T_HI[f]! ^ T_HI[g]! ^ T_HI[h]!;
    }
    for (; i < end; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = T_LO[idx]! ^ ((lo >>> 8) | (hi << 24));
      hi = T_HI[idx]! ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The 8 bytes Redis appends: the CRC in little-endian order. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }
}

/** crc64(crc, data) of src/crc64.c: the CRC of `data`, continuing from `seed`. */
export function crc64(data: Uint8Array, seed = 0n): bigint {
  return new Crc64(seed).update(data).value();
}
