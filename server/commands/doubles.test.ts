// Scores as Redis 7.0.15 reads and prints them. Every expectation here is what
// redis-server answered (ZADD then ZSCORE, or ZCOUNT for range bounds).

import { describe, expect, test } from 'vitest';
import { doubleReply, formatDouble, parseDouble, parseRangeDouble, strtod } from './doubles.js';

describe('formatDouble: printf("%.17g")', () => {
  test.each([
    [0.1, '0.10000000000000001'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [2 ** -25, '2.9802322387695312e-08'], // an exact tie at the 17th digit: glibc rounds half to even
    [2 ** 56, '72057594037927936'],
    [-1.5, '-1.5'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [0, '0'],
    [-0, '-0'],
    [5e-324, '4.9406564584124654e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [123.456, '123.456'],
  ])('%s prints as %s', (d, text) => {
    expect(formatDouble(d)).toBe(text);
  });

  test('RESP2 sends a bulk string, RESP3 a double', () => {
    expect(doubleReply(1.5, 2)).toBe('$3\r\n1.5\r\n');
    expect(doubleReply(1.5, 3)).toBe(',1.5\r\n');
    expect(doubleReply(-Infinity, 3)).toBe(',-inf\r\n');
  });
});

describe('parseDouble: getDoubleFromObject', () => {
  test.each([
    ['1', 1],
    ['-1.5e3', -1500],
    ['.5', 0.5],
    ['5.', 5],
    ['+inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['0x1p3', 8],
    ['0X1.8P1', 3],
    ['4.9e-324', 5e-324],
    ['0e-400', 0],
  ])('%j is %s', (s, v) => {
    expect(parseDouble(s)).toBe(v);
  });

  test.each(['', ' 1', '1 ', 'nan', 'abc', '1e400', '-1e400', '1e-400', '1e', '.', '0x', '1_0', 'infinit'])('%j is not a valid float', (s) => {
    expect(parseDouble(s)).toBeNull();
  });
});

describe('parseRangeDouble: zslParseRange', () => {
  test('takes leading space, an empty bound (0), overflow to infinity; refuses trailing bytes and NaN', () => {
    expect(parseRangeDouble(' 1')).toBe(1);
    expect(parseRangeDouble('')).toBe(0);
    expect(parseRangeDouble('1e400')).toBe(Infinity);
    expect(parseRangeDouble('1\0junk')).toBe(1);
    expect(parseRangeDouble('1 ')).toBeNull();
    expect(parseRangeDouble('nan')).toBeNull();
    expect(parseRangeDouble('0x')).toBeNull();
  });

  test('strtod stops where glibc stops', () => {
    expect(strtod('0x')).toMatchObject({ value: 0, end: 1 });
    expect(strtod('1e+')).toMatchObject({ value: 1, end: 1 });
    expect(strtod('infinit')).toMatchObject({ value: Infinity, end: 3 });
    expect(strtod('nan(abc)x')).toMatchObject({ end: 8 });
    expect(strtod('x')).toMatchObject({ value: 0, end: 0 });
  });
});
