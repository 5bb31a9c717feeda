// DUMP and RESTORE of dump.ts, through the table as the dispatcher runs them.
// Each expected reply is what redis-server 7.0 sent for the same commands:
// the payload bytes, the order of the checks (options, existing key, TTL,
// payload) and their error texts. The clock is faked so TTLs read back exactly.

import { describe, expect, test, vi } from 'vitest';
import { bulk, int, NIL, NOT_INTEGER, OK, SYNTAX, testSessions, bulkItems } from './test-node.js';
import { dumpPayload } from '../persistence/rdb.js';
import { Hash } from '../store/store.js';

const T0 = Date.UTC(2030, 0, 1);
const session = testSessions({ clockAt: T0 });

const BUSYKEY = '-BUSYKEY Target key name already exists.\r\n';
const BAD_PAYLOAD = '-ERR DUMP payload version or checksum are wrong\r\n';
/** DUMP of "hello", from redis-server 7.0. */
const HELLO = Buffer.from('000568656c6c6f0a006372df766534200a', 'hex').toString('latin1');

/** The payload inside a DUMP reply. */
function payloadOf(reply: string): string {
  const m = /^\$(\d+)\r\n/.exec(reply);
  if (!m) throw new Error(`not a bulk string: ${JSON.stringify(reply)}`);
  return reply.slice(m[0].length, m[0].length + Number(m[1]));
}

describe('DUMP', () => {
  test("a string's payload is Redis's; a missing key is nil", () => {
    const r = session();
    r('SET', 'k', 'hello');
    expect(r('DUMP', 'k')).toBe(bulk(HELLO));
    expect(r('DUMP', 'nokey')).toBe(NIL);
    expect(session(3)('DUMP', 'nokey')).toBe('_\r\n');
  });

  test('a hash and a bucket dump as hashes; the payload carries no TTL', () => {
    const r = session();
    r('HSET', 'h', 'f', 'v');
    r('EXPIRE', 'h', '100');
    const h = new Hash();
    h.set('f', 'v');
    expect(payloadOf(r('DUMP', 'h'))).toBe(dumpPayload(h).toString('latin1'));
    r('CREATE', 'b');
    expect(payloadOf(r('DUMP', 'b'))).toBe(dumpPayload(new Hash(true)).toString('latin1'));
  });
});

describe('RESTORE', () => {
  test('creates the key, with no TTL for 0, a relative TTL in ms, or an absolute one with ABSTTL', () => {
    const r = session();
    expect(r('RESTORE', 'a', '0', HELLO)).toBe(OK);
    expect(r('GET', 'a')).toBe(bulk('hello'));
    expect(r('PTTL', 'a')).toBe(int(-1));
    expect(r('RESTORE', 'b', '5000', HELLO)).toBe(OK);
    expect(r('PTTL', 'b')).toBe(int(5000));
    expect(r('RESTORE', 'c', String(T0 + 7000), HELLO, 'ABSTTL')).toBe(OK);
    expect(r('PEXPIRETIME', 'c')).toBe(int(T0 + 7000));
  });

  test('a dumped key restores to an equal one: strings, integers, binary, hashes', () => {
    const r = session();
    r('SET', 's', '\x00\xff\r\nbinary');
    r('SET', 'i', '-32769');
    r('SET', 'long', 'abc'.repeat(100));
    r('HSET', 'h', 'f1', 'v1', 'f2', '2');
    for (const k of ['s', 'i', 'long', 'h']) {
      const p = payloadOf(r('DUMP', k));
      expect(r('RESTORE', `${k}2`, '0', p)).toBe(OK);
    }
    expect(r('GET', 's2')).toBe(bulk('\x00\xff\r\nbinary'));
    expect(r('GET', 'i2')).toBe(bulk('-32769'));
    expect(r('GET', 'long2')).toBe(bulk('abc'.repeat(100)));
    expect(bulkItems(r('HGETALL', 'h2'))).toEqual(['f1', 'v1', 'f2', '2']);
  });

  test('an existing key: BUSYKEY, before the TTL is looked at; REPLACE replaces it and its TTL', () => {
    const r = session();
    r('SET', 'k', 'old', 'PX', '100');
    expect(r('RESTORE', 'k', '0', HELLO)).toBe(BUSYKEY);
    expect(r('RESTORE', 'k', '-1', HELLO)).toBe(BUSYKEY);
    expect(r('RESTORE', 'k', '0', HELLO, 'REPLACE')).toBe(OK);
    expect(r('GET', 'k')).toBe(bulk('hello'));
    expect(r('PTTL', 'k')).toBe(int(-1));
  });

  test('TTL errors, then payload errors, in that order', () => {
    const r = session();
    expect(r('RESTORE', 'n', '-1', HELLO)).toBe('-ERR Invalid TTL value, must be >= 0\r\n');
    expect(r('RESTORE', 'n', 'abc', HELLO)).toBe(NOT_INTEGER);
    expect(r('RESTORE', 'n', '-1', 'junk')).toBe('-ERR Invalid TTL value, must be >= 0\r\n');
    expect(r('RESTORE', 'n', '0', 'junk')).toBe(BAD_PAYLOAD);
    const flipped = HELLO.slice(0, 2) + 'X' + HELLO.slice(3);
    expect(r('RESTORE', 'n', '0', flipped)).toBe(BAD_PAYLOAD);
    expect(r('EXISTS', 'n')).toBe(int(0));
  });

  test('options: syntax errors, IDLETIME and FREQ ranges, not both', () => {
    const r = session();
    expect(r('RESTORE', 'n', '0', HELLO, 'bad')).toBe(SYNTAX);
    expect(r('RESTORE', 'n', '0', HELLO, 'IDLETIME', '-1')).toBe('-ERR Invalid IDLETIME value, must be >= 0\r\n');
    expect(r('RESTORE', 'n', '0', HELLO, 'IDLETIME', 'x')).toBe(NOT_INTEGER);
    expect(r('RESTORE', 'n', '0', HELLO, 'FREQ', '256')).toBe('-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n');
    expect(r('RESTORE', 'n', '0', HELLO, 'IDLETIME', '1', 'FREQ', '1')).toBe(SYNTAX);
    expect(r('RESTORE', 'n', '0', HELLO, 'IDLETIME')).toBe(SYNTAX);
    // Options come first: a bad one on an existing key is a syntax error, not BUSYKEY.
    r('SET', 'k', 'v');
    expect(r('RESTORE', 'k', '0', HELLO, 'bad')).toBe(SYNTAX);
    expect(r('RESTORE', 'n', '0', HELLO, 'idletime', '10', 'replace', 'absttl')).toBe(OK);
    expect(r('RESTORE', 'm', '0', HELLO, 'FREQ', '255')).toBe(OK);
  });

  test('a TTL already past: OK, no key; with REPLACE the old key is deleted', () => {
    const r = session();
    expect(r('RESTORE', 'n', '1', HELLO, 'ABSTTL')).toBe(OK);
    expect(r('EXISTS', 'n')).toBe(int(0));
    r('SET', 'k', 'v');
    expect(r('RESTORE', 'k', String(T0), HELLO, 'REPLACE', 'ABSTTL')).toBe(OK);
    expect(r('EXISTS', 'k')).toBe(int(0));
  });

  test('the TTL counts from the clock when RESTORE runs', () => {
    const r = session();
    r('RESTORE', 'k', '1000', HELLO);
    vi.setSystemTime(T0 + 999);
    expect(r('PTTL', 'k')).toBe(int(1));
    vi.setSystemTime(T0 + 1001);
    expect(r('EXISTS', 'k')).toBe(int(0));
  });

  test('types kv does not hold are refused by name; an empty hash restores as an empty bucket', () => {
    const r = session();
    const stream =
      '130110000000000000000100000000000000011d1d0000000a0001010001010181610200010201000100018162020401ff0101010101000001000a006f4334ecd7fa5aec';
    expect(r('RESTORE', 's', '0', Buffer.from(stream, 'hex').toString('latin1'))).toBe('-ERR Bad data format: a stream (RDB type 19): kv does not hold this type (at byte 0)\r\n');
    const set = Buffer.from('020101610a006296e97e44d21a6d', 'hex').toString('latin1'); // DUMP of the set {a}, Redis 7.0
    expect(r('RESTORE', 'set', '0', set)).toBe(OK);
    expect(r('SMEMBERS', 'set')).toBe('*1\r\n$1\r\na\r\n');
    expect(r('RESTORE', 'b', '0', dumpPayload(new Hash(true)).toString('latin1'))).toBe(OK);
    expect(r('TYPE', 'b')).toBe('+hash\r\n');
    expect(r('PUT', 'b', 'f', 'v')).toBe(OK);
    expect(r('DELETE', 'b', 'f')).toBe(OK);
    expect(r('EXISTS', 'b')).toBe(int(1));
  });
});
