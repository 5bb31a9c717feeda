// LZF as Redis uses it: payloads Redis 7.0 compressed decompress to their
// strings, the compressor gives Redis's bytes for them, anything compressed
// decompresses to itself, and damaged input is refused rather than misread.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { lzfCompress, lzfDecompress } from './lzf.js';

function compressed(input: Buffer): Buffer | null {
  const out = Buffer.alloc(Math.max(0, input.length - 4));
  const n = lzfCompress(input, out);
  return n === 0 ? null : out.subarray(0, n);
}

describe('LZF', () => {
  test('strings Redis 7.0 compressed: our compressor gives the same bytes, and they decompress', () => {
    // The LZF part of DUMP payloads taken from redis-server 7.0 (after 0x00 0xc3, the two lengths).
    const cases: [string, string][] = [
      ['a'.repeat(49), '016161e02400016161'],
      ['hello world hello world hello world hello world!!', '0c68656c6c6f20776f726c642068e0190b012121'],
      ['abcabcabcabcabcabcxyzxyzxyzxyzxyz0123456789012345678901234567890', '0361626361e005020278797ae003020930313233343536373839e00a09013930'],
    ];
    for (const [text, hex] of cases) {
      const bytes = Buffer.from(hex, 'hex');
      expect(lzfDecompress(bytes, text.length)?.toString('latin1')).toBe(text);
      expect(compressed(Buffer.from(text, 'latin1'))?.toString('hex')).toBe(hex);
    }
  });

  test('anything compressed decompresses to itself', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      // Repetitive input, so back references of every length and offset occur.
      fc.array(fc.constantFrom(0, 1, 97, 255), { minLength: 1, maxLength: 3000 }).map((a) => Uint8Array.from(a)),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 })).map(([unit, n]) => {
        const out = new Uint8Array(unit.length * n);
        for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
        return out;
      }),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const out = Buffer.alloc(input.length + 64);
        const n = lzfCompress(input, out);
        expect(n).toBeGreaterThan(0);
        expect(lzfDecompress(out.subarray(0, n), input.length)).toEqual(Buffer.from(input));
      }),
      { numRuns: 300 },
    );
  });

  test('long runs and inputs past the 8 KB window round-trip', () => {
    const inputs = [Buffer.alloc(1 << 20, 7), Buffer.from('x'.repeat(100_000) + 'y'.repeat(70_000), 'latin1')];
    const noisy = Buffer.alloc(200_000);
    for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 2654435761) >>> 24 & (i % 3 === 0 ? 0xff : 0x0f);
    inputs.push(noisy);
    for (const input of inputs) {
      const c = compressed(input);
      expect(c).not.toBeNull();
      expect(lzfDecompress(c!, input.length)!.equals(input)).toBe(true);
    }
  });

  test('input that does not compress into the room given: 0', () => {
    const random = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 17) & 0xff));
    expect(compressed(random)).toBeNull();
    expect(lzfCompress(new Uint8Array(0), Buffer.alloc(10))).toBe(0);
    expect(lzfCompress(Buffer.from('aaaa'), Buffer.alloc(0))).toBe(0);
  });

  test('damaged input is refused: wrong length, a reference before the start, runs past either end', () => {
    const good = compressed(Buffer.from('a'.repeat(49), 'latin1'))!;
    expect(lzfDecompress(good, 48)).toBeNull(); // output too short
    expect(lzfDecompress(good, 50)).toBeNull(); // output not filled
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 3)).toBeNull(); // back reference with nothing before it
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toBeNull(); // literal run past the input
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0xe0]), 20)).toBeNull(); // reference cut short
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0x20]), 4)).toBeNull(); // reference without its offset byte
    expect(lzfDecompress(Buffer.from([0x00, 0x61, 0x20, 0x00]), 4)?.toString()).toBe('aaaa'); // overlapping copy
  });
});
