// Number parsing as Redis does it (util.c string2ll, string2ld): what is refused
// matters as much as what is accepted, since "+1", " 1" and "01" are errors in
// Redis and must be errors here too.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { LLONG_MAX, LLONG_MIN, parseFloatStrict, parseInteger, parseLongLong } from './numbers.js';

describe('parseLongLong (string2ll)', () => {
  const accepted: [string, bigint][] = [
    ['0', 0n],
    ['1', 1n],
    ['-1', -1n],
    ['10', 10n],
    ['1234567890', 1234567890n],
    ['9223372036854775807', LLONG_MAX],
    ['-9223372036854775808', LLONG_MIN],
  ];
  for (const [s, v] of accepted) test(`accepts ${JSON.stringify(s)}`, () => expect(parseLongLong(s)).toBe(v));

  const refused = [
    '', '-', '+1', ' 1', '1 ', '01', '-0', '00', '1.0', '1e3', '0x10', 'abc', '1a', '١',
    '9223372036854775808', '-9223372036854775809', '99999999999999999999', '123456789012345678901',
    '\x001', '1\x00',
  ];
  for (const s of refused) test(`refuses ${JSON.stringify(s)}`, () => expect(parseLongLong(s)).toBeNull());
});

describe('parseInteger', () => {
  test('agrees with parseLongLong on what is a number, and on its value in the safe range', () => {
    const digitsy = fc.stringMatching(/^-?[0-9]{0,22}$/);
    const anything = fc.string({ maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(digitsy, anything), (s) => {
        const big = parseLongLong(s);
        const n = parseInteger(s);
        if (big === null) return n === null;
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return n === Number.MAX_SAFE_INTEGER + 1;
        if (big < BigInt(Number.MIN_SAFE_INTEGER)) return n === Number.MIN_SAFE_INTEGER - 1;
        return n === Number(big);
      }),
      { numRuns: 2000 },
    );
  });

  test('the fast path refuses what string2ll refuses', () => {
    for (const s of ['-', '+1', '01', '-0', ' 1', '1 ', '1.5', '']) expect(parseInteger(s), s).toBeNull();
    expect(parseInteger('0')).toBe(0);
    expect(parseInteger('-42')).toBe(-42);
  });

  test('values beyond 2^53 are clamped, not rounded into a wrong exact value', () => {
    expect(parseInteger('9223372036854775807')).toBe(Number.MAX_SAFE_INTEGER + 1);
    expect(parseInteger('-9223372036854775808')).toBe(Number.MIN_SAFE_INTEGER - 1);
    expect(parseInteger('9223372036854775808')).toBeNull();
  });
});

describe('parseFloatStrict (string2ld)', () => {
  const accepted: [string, number][] = [
    ['0', 0],
    ['1.5', 1.5],
    ['-1.5', -1.5],
    ['+1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E+3', 1000],
    ['-2.5e-3', -0.0025],
    ['inf', Infinity],
    ['+inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['-INFINITY', -Infinity],
    ['0x10', 16],
    ['0x1p-2', 0.25],
    ['0x.8', 0.5],
    ['-0x1.8p1', -3],
    ['1'.repeat(300), Number('1'.repeat(300))],
  ];
  for (const [s, v] of accepted) test(`accepts ${JSON.stringify(s.slice(0, 20))}`, () => expect(parseFloatStrict(s)).toBe(v));

  const refused = ['', ' 1', '1 ', '\t1', '1e', '1e+', 'e3', '.', '-', '+', 'nan', 'NaN', '-nan', 'inf ', 'infinit', '0x', '0x1p', '1,5', '1.5.5', '--1', 'abc', '1\x00'];
  for (const s of refused) test(`refuses ${JSON.stringify(s)}`, () => expect(parseFloatStrict(s)).toBeNull());

  test('the length bound is string2ld\'s buffer: under 5 KiB is parsed, 5 KiB is not', () => {
    const under = '0.' + '1'.repeat(5 * 1024 - 3);
    expect(parseFloatStrict(under)).toBeCloseTo(0.1111111111, 9);
    expect(parseFloatStrict(under + '1')).toBeNull();
  });

  test('never returns NaN, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const v = parseFloatStrict(s);
        return v === null || !Number.isNaN(v);
      }),
      { numRuns: 2000 },
    );
  });
});
