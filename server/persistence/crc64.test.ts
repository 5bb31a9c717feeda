// Redis's CRC64 against its check value (src/crc64.c's test), against a plain
// bit-by-bit BigInt version of the same definition, and fed in pieces.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Crc64, crc64 } from './crc64.js';

/** The definition, one bit at a time: reflected Jones polynomial, init 0, no final xor. */
function reference(data: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('crc64', () => {
  test('the check value of src/crc64.c: crc64(0, "123456789") = 0xe9c6d914c4b8d9ca', () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(reference(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });

  test('empty input leaves the seed as it is', () => {
    expect(crc64(new Uint8Array(0))).toBe(0n);
    expect(crc64(new Uint8Array(0), 0x1234n)).toBe(0x1234n);
  });

  test('equals the bit-by-bit definition for any bytes, every length modulo 8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        expect(crc64(data)).toBe(reference(data));
      }),
      { numRuns: 300 },
    );
  });

  test('fed in pieces, or continued from a seed, it gives the CRC of the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const c = new Crc64();
        let from = 0;
        for (const p of [...points, data.length]) {
          c.update(data, from, p);
          from = p;
        }
        const whole = crc64(data);
        expect(c.value()).toBe(whole);
        const mid = points[0] ?? 0;
        expect(crc64(data.subarray(mid), crc64(data.subarray(0, mid)))).toBe(whole);
      }),
    );
  });

  test('bytes() is the value in little-endian order, as Redis appends it', () => {
    const c = new Crc64().update(Buffer.from('123456789'));
    expect(c.bytes().readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
  });
});
