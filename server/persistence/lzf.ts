// LZF, as Redis's copy of liblzf (src/lzf_c.c, src/lzf_d.c) in the settings Redis
// builds it with (HLOG 16, VERY_FAST). Redis compresses every string longer than
// 20 bytes in RDB files and DUMP payloads when that saves at least 4 bytes, so
// loading anything Redis wrote needs decompression; rdb.ts uses compression too,
// as Redis does, unless told not to.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Decompresses `input` into exactly `outLength` bytes. Null when the input is
 * corrupt: a reference before the start, a run past either end, or a result of
 * another length (Redis: "Invalid LZF compressed string").
 */
export function lzfDecompress(input: Uint8Array, outLength: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLength);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      // A literal run of ctrl + 1 bytes.
      ctrl++;
      if (op + ctrl > outLength || ip + ctrl > inEnd) return null;
      if (ctrl > 8) {
        out.set(input.subarray(ip, ip + ctrl), op);
        op += ctrl;
        ip += ctrl;
      } else {
        while (ctrl-- > 0) out[op++] = input[ip++]!;
      }
    } else {
      // A back reference: length in the top 3 bits (7: one more length byte), offset in 13.
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLength || ref < 0) return null;
      if (op >= ref + len) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // Overlapping: the copy repeats what it has just written, byte by byte.
        while (len-- > 0) out[op++] = out[ref++]!;
      }
    }
  }
  return op === outLength ? out : null;
}

/**
 * The compressor's hash table: where each 3-byte sequence was last seen. An
 * entry is base + position + 1, so entries of earlier calls (below base) read
 * as "none" without clearing 256 KB for every string, which liblzf avoids by
 * leaving the table uninitialised.
 */
const htab = new Int32Array(HSIZE);
let htabBase = 0;

/**
 * Compresses `input` into `output`; returns the compressed length, or 0 when it
 * does not fit in output.length bytes (Redis then stores the string as it is).
 * liblzf's algorithm and settings, so the format and ratios are Redis's.
 */
export function lzfCompress(input: Uint8Array, output: Uint8Array): number {
  const inLen = input.length;
  const outEnd = output.length;
  if (inLen === 0 || outEnd === 0) return 0;
  if (htabBase + inLen + 2 >= 0x7fffffff) {
    htab.fill(0);
    htabBase = 0;
  }
  const base = htabBase;
  htabBase += inLen + 2;
  const out = output;
  const inEnd = inLen;
  let ip = 0;
  let op = 1; // room for the first run's length byte
  let lit = 0;
  let hval = ((input[0]! << 8) | (input[1] ?? 0)) >>> 0;
  const idx = (h: number): number => ((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1);
  const next = (h: number, p: number): number => ((h << 8) | input[p + 2]!) & 0xffffff;

  while (ip < inEnd - 2) {
    hval = next(hval, ip);
    const slot = idx(hval);
    const stored = htab[slot]!;
    const ref = stored > base ? stored - base - 1 : -1;
    htab[slot] = base + ip + 1;
    const off = ip - ref - 1;
    if (ref > 0 && off < MAX_OFF && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      const maxlen = Math.min(inEnd - ip - len, MAX_REF);
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no byte
      // liblzf's loop, unrolled part included: it may run past maxlen near the end, as Redis's does.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16 && !mismatch; k++) {
          len++;
          mismatch = input[ref + len] !== input[ip + len];
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // octets - 1, as the format stores it
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash the two positions just before the new ip.
      ip -= 2;
      hval = ((input[ip]! << 8) | input[ip + 1]!) >>> 0;
      hval = next(hval, ip);
      htab[idx(hval)] = base + ip + 1;
      ip++;
      hval = next(hval, ip);
      htab[idx(hval)] = base + ip + 1;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op;
}
