// The set commands of sets.ts. Expected replies are the bytes redis-server
// 7.0.15 sent for the same commands (small integer sets are intsets there,
// sorted, so their replies are deterministic); larger sets are compared as
// multisets. Random picks are checked by membership, count and spread.

import { describe, expect, test } from 'vitest';
import { bulk, bulkItems, int, NIL, NOT_INTEGER, scanItems, SYNTAX, testSessions, WRONGTYPE } from './test-node.js';

const arr = (...items: string[]): string => `*${items.length}\r\n${items.map(bulk).join('')}`;
const set3 = (...items: string[]): string => `~${items.length}\r\n${items.map(bulk).join('')}`;
const sorted = (reply: string): string[] => bulkItems(reply).sort();

const session = testSessions();

describe('SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD', () => {
  test('counts what changed; an intset answers in numeric order; the last SREM deletes the key', () => {
    const r = session();
    expect(r('SADD', 's', '3', '1', '2', '1')).toBe(int(3));
    expect(r('SMEMBERS', 's')).toBe(arr('1', '2', '3'));
    expect(r('SADD', 's', '10', '2')).toBe(int(1));
    expect(r('SMEMBERS', 's')).toBe(arr('1', '2', '3', '10'));
    expect(r('SCARD', 's')).toBe(int(4));
    expect(r('SISMEMBER', 's', '2')).toBe(int(1));
    expect(r('SISMEMBER', 's', '9')).toBe(int(0));
    expect(r('SMISMEMBER', 's', '1', '9', '2')).toBe('*3\r\n:1\r\n:0\r\n:1\r\n');
    expect(r('SREM', 's', '9', '1', '2', '3')).toBe(int(3));
    expect(r('SREM', 's', '10')).toBe(int(1));
    expect(r('EXISTS', 's')).toBe(int(0));
    expect(r('SCARD', 's')).toBe(int(0));
    expect(r('SMEMBERS', 's')).toBe('*0\r\n');
  });

  test('encoding: intset while small and all integers, hashtable from then on', () => {
    const r = session();
    r('SADD', 's', '1', '2');
    expect(r('OBJECT', 'ENCODING', 's')).toBe(bulk('intset'));
    r('SADD', 's', 'abc');
    expect(r('OBJECT', 'ENCODING', 's')).toBe(bulk('hashtable'));
    r('SREM', 's', 'abc');
    expect(r('OBJECT', 'ENCODING', 's')).toBe(bulk('hashtable'));
    r('SADD', 'n', '01');
    expect(r('OBJECT', 'ENCODING', 'n')).toBe(bulk('hashtable'));
    r('CONFIG', 'SET', 'set-max-intset-entries', '2');
    r('SADD', 'm', '1', '2', '3');
    expect(r('OBJECT', 'ENCODING', 'm')).toBe(bulk('hashtable'));
    expect(r('TYPE', 'm')).toBe('+set\r\n');
  });

  test('every set command is WRONGTYPE on a string', () => {
    const r = session();
    r('SET', 'str', 'x');
    for (const argv of [['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SMEMBERS', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'], ['SCARD', 'str'], ['SPOP', 'str'], ['SPOP', 'str', '0'], ['SRANDMEMBER', 'str'], ['SINTER', 'nokey', 'str'], ['SUNION', 'str'], ['SDIFF', 'str'], ['SSCAN', 'str', '0'], ['SMOVE', 'str', 'nokey', 'a'], ['SINTERCARD', '1', 'str']]) {
      expect([argv.join(' '), r(...argv)]).toEqual([argv.join(' '), WRONGTYPE]);
    }
  });

  test('RESP3 sends SMEMBERS and the SINTER family as sets', () => {
    const r = session(3);
    r('SADD', 's', '3', '1', '2');
    expect(r('SMEMBERS', 's')).toBe(set3('1', '2', '3'));
    expect(r('SINTER', 's')).toBe(set3('1', '2', '3'));
    expect(r('SUNION', 's')).toBe(set3('1', '2', '3'));
    expect(r('SDIFF', 's')).toBe(set3('1', '2', '3'));
    expect(r('SPOP', 'nokey', '2')).toBe('~0\r\n');
    expect(r('SRANDMEMBER', 's', '5')).toBe(arr('1', '2', '3'));
  });
});

describe('SPOP and SRANDMEMBER', () => {
  test('argument errors come before the key is looked at', () => {
    const r = session();
    r('SET', 'str', 'x');
    expect(r('SPOP', 'str', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('SPOP', 'str', 'x')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('SPOP', 's', '1', '2')).toBe(SYNTAX);
    expect(r('SRANDMEMBER', 's', 'x')).toBe(NOT_INTEGER);
    expect(r('SRANDMEMBER', 's', '-9223372036854775808')).toBe('-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
    expect(r('SRANDMEMBER', 's', '1', '2')).toBe(SYNTAX);
    expect(r('SPOP', 'nokey')).toBe(NIL);
    expect(r('SPOP', 'nokey', '3')).toBe('*0\r\n');
    expect(r('SRANDMEMBER', 'nokey')).toBe(NIL);
    expect(r('SRANDMEMBER', 'nokey', '3')).toBe('*0\r\n');
  });

  test('SPOP takes distinct members and deletes an emptied key', () => {
    const r = session();
    const members = Array.from({ length: 50 }, (_, i) => `m${i}`);
    r('SADD', 's', ...members);
    const first = bulkItems(r('SPOP', 's', '20'));
    expect(new Set(first).size).toBe(20);
    expect(r('SCARD', 's')).toBe(int(30));
    const one = r('SPOP', 's');
    const rest = bulkItems(r('SPOP', 's', '100'));
    expect([...first, bulkItems(`*1\r\n${one}`)[0]!, ...rest].sort()).toEqual(members.sort());
    expect(r('EXISTS', 's')).toBe(int(0));
  });

  test('SRANDMEMBER: a positive count gives distinct members, a negative one exactly |count| with repeats, spread over all', () => {
    const r = session();
    r('SADD', 's', 'a', 'b', 'c', 'd', 'e');
    const distinct = bulkItems(r('SRANDMEMBER', 's', '3'));
    expect(new Set(distinct).size).toBe(3);
    expect(sorted(r('SRANDMEMBER', 's', '10'))).toEqual(['a', 'b', 'c', 'd', 'e']);
    const many = bulkItems(r('SRANDMEMBER', 's', '-1000'));
    expect(many.length).toBe(1000);
    const counts = new Map<string, number>();
    for (const m of many) counts.set(m, (counts.get(m) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const c of counts.values()) expect(c).toBeGreaterThan(100);
    expect(r('SRANDMEMBER', 's', '0')).toBe('*0\r\n');
    expect(r('SCARD', 's')).toBe(int(5));
  });
});

describe('SMOVE', () => {
  test('moves a member, creating the destination and deleting an emptied source', () => {
    const r = session();
    r('SADD', 'src', 'a', 'b');
    expect(r('SMOVE', 'src', 'dst', 'a')).toBe(int(1));
    expect(r('SMOVE', 'src', 'dst', 'zz')).toBe(int(0));
    expect(r('SMOVE', 'src', 'src', 'b')).toBe(int(1));
    expect(r('SMOVE', 'src', 'src', 'zz')).toBe(int(0));
    expect(r('SMOVE', 'src', 'dst', 'b')).toBe(int(1));
    expect(r('EXISTS', 'src')).toBe(int(0));
    expect(sorted(r('SMEMBERS', 'dst'))).toEqual(['a', 'b']);
    expect(r('SMOVE', 'nokey', 'dst', 'a')).toBe(int(0));
    r('SET', 'str', 'x');
    // A missing source answers 0 before the destination's type is looked at.
    expect(r('SMOVE', 'nokey', 'str', 'a')).toBe(int(0));
    expect(r('SMOVE', 'dst', 'str', 'a')).toBe(WRONGTYPE);
    expect(r('SCARD', 'dst')).toBe(int(2));
  });
});

describe('SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD', () => {
  test('results and their stored copies; an empty result deletes the destination', () => {
    const r = session();
    r('SADD', 'a', '1', '2', '3', '4', 'x');
    r('SADD', 'b', '3', '4', '5', 'y', 'x');
    r('SADD', 'c', '4', 'x');
    expect(sorted(r('SINTER', 'a', 'b', 'c'))).toEqual(['4', 'x']);
    expect(r('SINTER', 'a', 'nokey')).toBe('*0\r\n');
    expect(sorted(r('SUNION', 'a', 'b', 'c'))).toEqual(['1', '2', '3', '4', '5', 'x', 'y']);
    expect(sorted(r('SDIFF', 'a', 'b'))).toEqual(['1', '2']);
    expect(r('SINTERSTORE', 'dst', 'a', 'b')).toBe(int(3));
    expect(sorted(r('SMEMBERS', 'dst'))).toEqual(['3', '4', 'x']);
    expect(r('SINTERSTORE', 'dst', 'a', 'nokey')).toBe(int(0));
    expect(r('EXISTS', 'dst')).toBe(int(0));
    expect(r('SUNIONSTORE', 'u', 'a', 'b', 'c')).toBe(int(7));
    expect(r('SDIFFSTORE', 'a', 'a', 'a')).toBe(int(0));
    expect(r('EXISTS', 'a')).toBe(int(0));
    r('SADD', 'i1', '5', '3', '1');
    r('SADD', 'i2', '2', '3', '4');
    // Built as a new intset, so small integer results come out sorted, as in Redis.
    expect(r('SUNION', 'i1', 'i2')).toBe(arr('1', '2', '3', '4', '5'));
    expect(r('SDIFF', 'i1', 'i2')).toBe(arr('1', '5'));
  });

  test('SINTERCARD: LIMIT stops early; its argument errors are Redis\'s', () => {
    const r = session();
    r('SADD', 'a', '1', '2', '3');
    r('SADD', 'b', '2', '3', '4');
    expect(r('SINTERCARD', '2', 'a', 'b')).toBe(int(2));
    expect(r('SINTERCARD', '2', 'a', 'b', 'LIMIT', '1')).toBe(int(1));
    expect(r('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0')).toBe(int(2));
    expect(r('SINTERCARD', '0', 'a')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r('SINTERCARD', '3', 'a', 'b')).toBe("-ERR Number of keys can't be greater than number of args\r\n");
    expect(r('SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(r('SINTERCARD', '2', 'a', 'b', 'FOO')).toBe(SYNTAX);
  });
});

describe('SSCAN', () => {
  test('an intset comes back whole; a large set is walked once per member, even while members go', () => {
    const r = session();
    r('SADD', 'small', '3', '1', '2');
    expect(r('SSCAN', 'small', '0')).toBe('*2\r\n$1\r\n0\r\n' + arr('1', '2', '3'));
    expect(r('SSCAN', 'nokey', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(r('SSCAN', 'small', 'x')).toBe('-ERR invalid cursor\r\n');
    const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    r('SADD', 'big', ...members);
    const seen: string[] = [];
    let cursor = '0';
    const gone = new Set<string>();
    do {
      const [next, items] = scanItems(r('SSCAN', 'big', cursor, 'COUNT', '37'));
      seen.push(...items);
      cursor = next;
      // Members the scan has already returned may go; the rest must still be found.
      if (items.length > 0 && gone.size < 200) {
        expect(r('SREM', 'big', items[0]!)).toBe(int(1));
        gone.add(items[0]!);
      }
    } while (cursor !== '0');
    expect(new Set(seen).size).toBe(1000);
    expect(r('SCARD', 'big')).toBe(int(1000 - gone.size));
    const [next, matched] = scanItems(r('SSCAN', 'big', '0', 'COUNT', '5000', 'MATCH', 'm99*'));
    expect(next).toBe('0');
    expect(matched.sort()).toEqual(members.filter((m) => m.startsWith('m99') && !gone.has(m)).sort());
  });
});
