// The bitmap commands of bitmaps.ts: SETBIT, GETBIT, BITCOUNT and BITPOS (with
// BYTE|BIT ranges), BITOP, BITFIELD and BITFIELD_RO. Each expected reply is the
// exact RESP that redis-server 7.0 sent for the same commands, the order in
// which Redis checks arguments and types included (BITCOUNT and BITPOS look the
// key up before reading their range, so a missing key hides a bad range).

import { describe, expect, test } from 'vitest';
import { bulk, int, NIL, NOT_INTEGER, SYNTAX, testSessions, WRONGTYPE } from './test-node.js';

const BIT_OFFSET = '-ERR bit offset is not an integer or out of range\r\n';
const NOT_A_BIT = '-ERR bit is not an integer or out of range\r\n';
const BITFIELD_TYPE = '-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n';
const TOO_LONG = '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n';

const session = testSessions({ clockAt: Date.UTC(2030, 0, 1) });

describe('SETBIT and GETBIT', () => {
  test('SETBIT answers the old bit and grows the string with zero bytes', () => {
    const r = session();
    expect(r('SETBIT', 'k', '7', '1')).toBe(int(0));
    expect(r('SETBIT', 'k', '7', '0')).toBe(int(1));
    expect(r('SETBIT', 'k', '7', '0')).toBe(int(0));
    expect(r('GET', 'k')).toBe(bulk('\x00'));
    expect(r('SETBIT', 'k', '9', '1')).toBe(int(0));
    expect(r('GET', 'k')).toBe(bulk('\x00@'));
    expect(r('GETBIT', 'k', '9')).toBe(int(1));
    expect(r('GETBIT', 'k', '1000')).toBe(int(0));
    expect(r('GETBIT', 'nokey', '0')).toBe(int(0));
  });

  test('offsets and bits out of range, in the order Redis checks them', () => {
    const r = session();
    expect(r('SETBIT', 'k', '-1', '1')).toBe(BIT_OFFSET);
    expect(r('SETBIT', 'k', '4294967296', '1')).toBe(BIT_OFFSET);
    expect(r('SETBIT', 'k', '1', '2')).toBe(NOT_A_BIT);
    expect(r('SETBIT', 'k', '1', '-1')).toBe(NOT_A_BIT);
    expect(r('SETBIT', 'k', 'x', '2')).toBe(BIT_OFFSET);
    expect(r('GETBIT', 'k', 'x')).toBe(BIT_OFFSET);
    expect(r('EXISTS', 'k')).toBe(int(0));
  });

  test('past V8 longest string, the size error of SETRANGE', () => {
    const r = session();
    // Redis takes it (512 MB); a JS string cannot hold that byte.
    expect(r('SETBIT', 'k', '4294967295', '1')).toBe(TOO_LONG);
    expect(r('EXISTS', 'k')).toBe(int(0));
  });

  test('SETBIT keeps the TTL; both refuse a hash', () => {
    const r = session();
    r('SET', 't', 'a', 'EX', '100');
    expect(r('SETBIT', 't', '15', '1')).toBe(int(0));
    expect(r('TTL', 't')).toBe(int(100));
    expect(r('GET', 't')).toBe(bulk('a\x01'));
    r('HSET', 'h', 'f', 'v');
    expect(r('SETBIT', 'h', '0', '1')).toBe(WRONGTYPE);
    expect(r('SETBIT', 'h', 'x', '1')).toBe(BIT_OFFSET);
    expect(r('GETBIT', 'h', '0')).toBe(WRONGTYPE);
  });
});

describe('BITCOUNT', () => {
  test('whole string, byte ranges, negative ranges and BIT ranges', () => {
    const r = session();
    r('SET', 's', 'foobar');
    expect(r('BITCOUNT', 's')).toBe(int(26));
    expect(r('BITCOUNT', 's', '1', '1')).toBe(int(6));
    expect(r('BITCOUNT', 's', '1', '1', 'BYTE')).toBe(int(6));
    expect(r('BITCOUNT', 's', '-2', '-1')).toBe(int(7));
    expect(r('BITCOUNT', 's', '5', '30', 'BIT')).toBe(int(17));
    expect(r('BITCOUNT', 's', '5', '30', 'bit')).toBe(int(17));
    expect(r('BITCOUNT', 's', '4', '100')).toBe(int(7));
    expect(r('BITCOUNT', 's', '6', '100')).toBe(int(0));
  });

  test('syntax: a reversed negative range is 0 before the unit is read; a missing key is 0 whatever follows', () => {
    const r = session();
    r('SET', 's', 'foobar');
    expect(r('BITCOUNT', 's', '-1', '-2', 'nonsense')).toBe(int(0));
    expect(r('BITCOUNT', 's', '0')).toBe(SYNTAX);
    expect(r('BITCOUNT', 's', '0', '1', 'nonsense')).toBe(SYNTAX);
    expect(r('BITCOUNT', 's', 'x', '1')).toBe(NOT_INTEGER);
    expect(r('BITCOUNT', 'nokey', '0')).toBe(int(0));
    r('SET', 'e', '');
    expect(r('BITCOUNT', 'e', '0', '-1', 'BIT')).toBe(int(0));
    r('HSET', 'h', 'f', 'v');
    expect(r('BITCOUNT', 'h')).toBe(WRONGTYPE);
  });
});

describe('BITPOS', () => {
  test('first 0 or 1, with byte and bit ranges', () => {
    const r = session();
    r('SET', 'b', '\xff\xf0\x00');
    expect(r('BITPOS', 'b', '0')).toBe(int(12));
    expect(r('BITPOS', 'b', '1', '2')).toBe(int(-1));
    expect(r('BITPOS', 'b', '0', '0')).toBe(int(12));
    expect(r('BITPOS', 'b', '1', '7', '15', 'BIT')).toBe(int(7));
    expect(r('BITPOS', 'b', '0', '7', '11', 'bit')).toBe(int(-1));
  });

  test('no 0 in range: past the end without an explicit end, -1 with one', () => {
    const r = session();
    r('SET', 'ff', '\xff\xff');
    expect(r('BITPOS', 'ff', '0')).toBe(int(16));
    expect(r('BITPOS', 'ff', '0', '0', '-1')).toBe(int(-1));
    r('SET', 'b', '\xff\xf0\x00');
    expect(r('BITPOS', 'b', '0', '0', '0')).toBe(int(-1));
  });

  test('errors; a missing key is endless zeros whatever the range says', () => {
    const r = session();
    r('SET', 'b', '\xff');
    expect(r('BITPOS', 'b', '2')).toBe('-ERR The bit argument must be 1 or 0.\r\n');
    expect(r('BITPOS', 'b', 'x')).toBe(NOT_INTEGER);
    expect(r('BITPOS', 'b', '1', '0', '1', '2')).toBe(SYNTAX);
    expect(r('BITPOS', 'nokey', '1', 'nonsense')).toBe(int(-1));
    expect(r('BITPOS', 'nokey', '0')).toBe(int(0));
    r('HSET', 'h', 'f', 'v');
    expect(r('BITPOS', 'h', '1')).toBe(WRONGTYPE);
  });
});

describe('BITOP', () => {
  test('AND, OR, XOR, NOT: shorter and missing keys are zero-padded', () => {
    const r = session();
    r('SET', 'a', '\xf0\x0f');
    r('SET', 'b', '\xff');
    expect(r('BITOP', 'AND', 'd', 'a', 'b')).toBe(int(2));
    expect(r('GET', 'd')).toBe(bulk('\xf0\x00'));
    expect(r('BITOP', 'or', 'd', 'a', 'b', 'nokey')).toBe(int(2));
    expect(r('GET', 'd')).toBe(bulk('\xff\x0f'));
    expect(r('BITOP', 'XOR', 'd', 'a', 'b')).toBe(int(2));
    expect(r('GET', 'd')).toBe(bulk('\x0f\x0f'));
    expect(r('BITOP', 'NOT', 'd', 'a')).toBe(int(2));
    expect(r('GET', 'd')).toBe(bulk('\x0f\xf0'));
  });

  test('the result replaces the destination and its TTL; nothing at all deletes it', () => {
    const r = session();
    r('SET', 'a', '\xf0\x0f');
    r('SET', 'd', 'x', 'EX', '100');
    expect(r('BITOP', 'AND', 'd', 'a')).toBe(int(2));
    expect(r('TTL', 'd')).toBe(int(-1));
    expect(r('BITOP', 'OR', 'd', 'nokey', 'nokey2')).toBe(int(0));
    expect(r('EXISTS', 'd')).toBe(int(0));
    r('HSET', 'h', 'f', 'v');
    expect(r('BITOP', 'AND', 'h', 'a')).toBe(int(2));
    expect(r('TYPE', 'h')).toBe('+string\r\n');
  });

  test('errors', () => {
    const r = session();
    r('SET', 'a', 'x');
    r('HSET', 'h', 'f', 'v');
    expect(r('BITOP', 'NOT', 'd', 'a', 'a')).toBe('-ERR BITOP NOT must be called with a single source key.\r\n');
    expect(r('BITOP', 'NAND', 'd', 'a')).toBe(SYNTAX);
    expect(r('BITOP', 'AND', 'd', 'a', 'h')).toBe(WRONGTYPE);
    expect(r('EXISTS', 'd')).toBe(int(0));
  });
});

describe('BITFIELD and BITFIELD_RO', () => {
  test('SET answers the old value, INCRBY the new; GET reads signed or unsigned', () => {
    const r = session();
    expect(r('BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0', 'INCRBY', 'i8', '0', '-100')).toBe(
      '*4\r\n:0\r\n:-100\r\n:156\r\n:56\r\n',
    );
    expect(r('BITFIELD', 'bf', 'SET', 'u8', '#1', '255', 'GET', 'u16', '0', 'GET', 'i4', '#3')).toBe('*3\r\n:0\r\n:14591\r\n:-1\r\n');
    expect(r('BITFIELD', 'bf')).toBe('*0\r\n');
  });

  test('OVERFLOW WRAP, SAT and FAIL, which stops one operation with a nil', () => {
    const r = session();
    r('BITFIELD', 'bf', 'SET', 'i8', '0', '56');
    expect(r('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-100', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '-1')).toBe(
      '*3\r\n:-44\r\n:-45\r\n:-46\r\n',
    );
    r('SET', 'bf', '\xd2\xff');
    expect(r('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-5', 'SET', 'u8', '0', '300', 'SET', 'i8', '0', '200')).toBe('*3\r\n:210\r\n:255\r\n:-1\r\n');
    r('SET', 'bf', '\xff\xff\xff\xff\xff\xff\xff\xff');
    expect(
      r('BITFIELD', 'bf', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '9223372036854775807', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '1'),
    ).toBe('*4\r\n:-1\r\n:9223372036854775807\r\n:9223372036854775807\r\n$-1\r\n');
    expect(r('BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9')).toBe(`*1\r\n${NIL}`);
    // The key was made room for even though nothing was written.
    expect(r('GET', 'nk')).toBe(bulk('\x00'));
  });

  test('RESP3 nil for a failed operation', () => {
    const r = session(3);
    r('SET', 'bf', '\x00\xff');
    expect(r('BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '8', '1')).toBe('*1\r\n_\r\n');
  });

  test('argument errors, each before anything runs', () => {
    const r = session();
    for (const type of ['u64', 'i65', 'u0', 'I8', 'i', '']) expect(r('BITFIELD', 'bf', 'GET', type, '0')).toBe(BITFIELD_TYPE);
    expect(r('BITFIELD', 'bf', 'GET', 'i8', '-1')).toBe(BIT_OFFSET);
    expect(r('BITFIELD', 'bf', 'GET', 'i8', '#-1')).toBe(BIT_OFFSET);
    expect(r('BITFIELD', 'bf', 'SET', 'i8', '0', '1', 'SET', 'i8', '0', 'x')).toBe(NOT_INTEGER);
    expect(r('BITFIELD', 'bf', 'GET', 'i8')).toBe(SYNTAX);
    expect(r('BITFIELD', 'bf', 'FOO')).toBe(SYNTAX);
    expect(r('BITFIELD', 'bf', 'OVERFLOW', 'x')).toBe('-ERR Invalid OVERFLOW type specified\r\n');
    expect(r('EXISTS', 'bf')).toBe(int(0));
  });

  test('GET alone does not create the key; BITFIELD_RO refuses writes after checking them', () => {
    const r = session();
    expect(r('BITFIELD', 'nokey', 'GET', 'u8', '0')).toBe('*1\r\n:0\r\n');
    expect(r('EXISTS', 'nokey')).toBe(int(0));
    r('SET', 'bf', '\x00\xff');
    expect(r('BITFIELD_RO', 'bf', 'GET', 'u8', '8')).toBe('*1\r\n:255\r\n');
    expect(r('BITFIELD_RO', 'bf', 'SET', 'u8', '0', '1')).toBe('-ERR BITFIELD_RO only supports the GET subcommand\r\n');
    expect(r('BITFIELD_RO', 'bf', 'SET', 'u8', '0', 'x')).toBe(NOT_INTEGER);
    r('HSET', 'h', 'f', 'v');
    expect(r('BITFIELD', 'h')).toBe(WRONGTYPE);
    expect(r('BITFIELD_RO', 'h', 'GET', 'u8', '0')).toBe(WRONGTYPE);
    expect(r('BITFIELD', 'h', 'SET', 'u8', '0', '1')).toBe(WRONGTYPE);
  });

  test('SET and INCRBY keep the TTL', () => {
    const r = session();
    r('SET', 'bf', 'a', 'EX', '100');
    expect(r('BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1')).toBe('*1\r\n:98\r\n');
    expect(r('TTL', 'bf')).toBe(int(100));
    expect(r('GET', 'bf')).toBe(bulk('b'));
  });
});
