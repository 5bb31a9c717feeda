// The hash commands of hashes.ts: HSET, HSETNX, HMSET, HGET, HMGET, HDEL,
// HGETALL, HLEN, HEXISTS, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT, HSTRLEN, HSCAN,
// HRANDFIELD (its random picks checked by shape, membership and spread).
// Each expected reply is the exact RESP that redis-server 7.0 sent for the same
// commands (small hashes: Redis keeps them as listpacks, in insertion order,
// so their replies are deterministic). Also: every one of them is WRONGTYPE on a
// string, a hash emptied by HDEL disappears, and HSCAN over a hash too big to
// come back whole walks every field exactly once. Commands run through the
// table by name, after the dispatcher's arity check.

import { describe, expect, test } from 'vitest';
import { bulk, bulkItems, int, NIL, NOT_INTEGER, OK, scanItems, SYNTAX, testSessions, WRONGTYPE } from './test-node.js';

const NOT_FLOAT = '-ERR value is not a valid float\r\n';
const EMPTY_SCAN = '*2\r\n$1\r\n0\r\n*0\r\n';
const arr = (...items: string[]): string => `*${items.length}\r\n${items.map(bulk).join('')}`;

/** `session(proto)`: a fresh node; `r(...argv)` runs one command on it as the dispatcher would. */
const session = testSessions();

describe('HSET, HMSET, HSETNX', () => {
  test('HSET replies with the number of new fields; HMSET with OK', () => {
    const r = session();
    expect(r('HSET', 'h', 'a', '1', 'b', '2')).toBe(int(2));
    expect(r('HSET', 'h', 'a', '10', 'c', '3')).toBe(int(1));
    expect(r('HSET', 'h', 'a', '11', 'a', '12')).toBe(int(0));
    expect(r('HMSET', 'h', 'd', '4', 'e', '5')).toBe(OK);
    expect(r('HGETALL', 'h')).toBe(arr('a', '12', 'b', '2', 'c', '3', 'd', '4', 'e', '5'));
    expect(r('TYPE', 'h')).toBe('+hash\r\n');
  });

  test('a field without a value: wrong number of arguments, nothing written', () => {
    const r = session();
    expect(r('HSET', 'h', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'hset' command\r\n");
    expect(r('HMSET', 'h', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'hmset' command\r\n");
    expect(r('EXISTS', 'h')).toBe(int(0));
  });

  test('HSETNX sets a field only when it is new, creating the hash if needed', () => {
    const r = session();
    expect(r('HSETNX', 'h', 'f', '1')).toBe(int(1));
    expect(r('HSETNX', 'h', 'f', '2')).toBe(int(0));
    expect(r('HGET', 'h', 'f')).toBe(bulk('1'));
    expect(r('TYPE', 'h')).toBe('+hash\r\n');
  });

  test('fields and values are binary-safe, the empty string included', () => {
    const r = session();
    expect(r('HSET', 'h', '', '', '\x00\r\n', '\xff')).toBe(int(2));
    expect(r('HGET', 'h', '')).toBe('$0\r\n\r\n');
    expect(r('HGET', 'h', '\x00\r\n')).toBe('$1\r\n\xff\r\n');
    expect(r('HSTRLEN', 'h', '\x00\r\n')).toBe(int(1));
  });
});

describe('reads: HGET, HMGET, HGETALL, HLEN, HEXISTS, HKEYS, HVALS, HSTRLEN', () => {
  test('on a hash', () => {
    const r = session();
    r('HSET', 'h', 'x', '1', 'y', '22');
    expect(r('HGET', 'h', 'x')).toBe(bulk('1'));
    expect(r('HGET', 'h', 'zz')).toBe(NIL);
    expect(r('HMGET', 'h', 'x', 'zz', 'y')).toBe('*3\r\n$1\r\n1\r\n$-1\r\n$2\r\n22\r\n');
    expect(r('HGETALL', 'h')).toBe('*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n22\r\n');
    expect(r('HLEN', 'h')).toBe(int(2));
    expect(r('HEXISTS', 'h', 'x')).toBe(int(1));
    expect(r('HEXISTS', 'h', 'zz')).toBe(int(0));
    expect(r('HKEYS', 'h')).toBe('*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
    expect(r('HVALS', 'h')).toBe('*2\r\n$1\r\n1\r\n$2\r\n22\r\n');
    expect(r('HSTRLEN', 'h', 'y')).toBe(int(2));
    expect(r('HSTRLEN', 'h', 'zz')).toBe(int(0));
  });

  test('on a missing key: as on an empty hash', () => {
    const r = session();
    expect(r('HGET', 'no', 'a')).toBe(NIL);
    expect(r('HMGET', 'no', 'a', 'b')).toBe('*2\r\n$-1\r\n$-1\r\n');
    expect(r('HGETALL', 'no')).toBe('*0\r\n');
    expect(r('HLEN', 'no')).toBe(int(0));
    expect(r('HEXISTS', 'no', 'a')).toBe(int(0));
    expect(r('HKEYS', 'no')).toBe('*0\r\n');
    expect(r('HVALS', 'no')).toBe('*0\r\n');
    expect(r('HSTRLEN', 'no', 'a')).toBe(int(0));
    expect(r('EXISTS', 'no')).toBe(int(0));
  });

  test('RESP3: HGETALL is a map, nils are the RESP3 null', () => {
    const r = session(3);
    r('HSET', 'h', 'a', '1', 'b', '2');
    expect(r('HGETALL', 'h')).toBe('%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(r('HGETALL', 'no')).toBe('%0\r\n');
    expect(r('HMGET', 'h', 'a', 'zz')).toBe('*2\r\n$1\r\n1\r\n_\r\n');
    expect(r('HGET', 'h', 'zz')).toBe('_\r\n');
    expect(r('HKEYS', 'h')).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    expect(r('HSCAN', 'h', '0')).toBe('*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
  });
});

describe('HDEL', () => {
  test('counts the fields it removed; the hash goes with its last field', () => {
    const r = session();
    r('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(r('HDEL', 'h', 'zz')).toBe(int(0));
    expect(r('HDEL', 'h', 'a', 'b', 'zz', 'a')).toBe(int(2));
    expect(r('HLEN', 'h')).toBe(int(1));
    expect(r('HDEL', 'h', 'c')).toBe(int(1));
    expect(r('EXISTS', 'h')).toBe(int(0));
    expect(r('TYPE', 'h')).toBe('+none\r\n');
    expect(r('HDEL', 'no', 'a')).toBe(int(0));
  });
});

describe('a string key is the wrong type for every hash command', () => {
  test('and stays as it was', () => {
    const r = session();
    r('SET', 's', 'v');
    const calls: string[][] = [
      ['HSET', 's', 'a', '1'],
      ['HMSET', 's', 'a', '1'],
      ['HSETNX', 's', 'a', '1'],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HGETALL', 's'],
      ['HLEN', 's'],
      ['HEXISTS', 's', 'a'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HSCAN', 's', '0'],
      ['HSCAN', 's', '0', 'COUNT', '0'],
    ];
    for (const argv of calls) expect([argv.join(' '), r(...argv)]).toEqual([argv.join(' '), WRONGTYPE]);
    expect(r('GET', 's')).toBe(bulk('v'));
  });
});

describe('HINCRBY', () => {
  test('counts from 0 and stores the decimal string', () => {
    const r = session();
    expect(r('HINCRBY', 'h', 'n', '5')).toBe(int(5));
    expect(r('HINCRBY', 'h', 'n', '-7')).toBe(int(-2));
    expect(r('HGET', 'h', 'n')).toBe(bulk('-2'));
  });

  test('the 64-bit limits', () => {
    const r = session();
    r('HSET', 'h', 'big', '9223372036854775807');
    expect(r('HINCRBY', 'h', 'big', '1')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('HGET', 'h', 'big')).toBe(bulk('9223372036854775807'));
    expect(r('HINCRBY', 'h', 'neg', '-9223372036854775808')).toBe(':-9223372036854775808\r\n');
    expect(r('HINCRBY', 'h', 'neg', '-1')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(r('HINCRBY', 'h', 'neg', '9223372036854775808')).toBe(NOT_INTEGER);
  });

  test('a bad increment is refused before the key is looked at; a bad field value has its own message', () => {
    const r = session();
    for (const by of ['abc', '1.5', '+1', '']) expect([by, r('HINCRBY', 'h', 'n', by)]).toEqual([by, NOT_INTEGER]);
    expect(r('EXISTS', 'h')).toBe(int(0));
    r('SET', 's', 'v');
    expect(r('HINCRBY', 's', 'a', 'abc')).toBe(NOT_INTEGER);
    r('HSET', 'h', 'str', 'abc', 'fl', '1.5');
    expect(r('HINCRBY', 'h', 'str', '1')).toBe('-ERR hash value is not an integer\r\n');
    expect(r('HINCRBY', 'h', 'fl', '1')).toBe('-ERR hash value is not an integer\r\n');
    expect(r('HGET', 'h', 'fl')).toBe(bulk('1.5'));
  });
});

describe('HINCRBYFLOAT', () => {
  test('adds, printing the sum as Redis does', () => {
    const r = session();
    r('HSET', 'h', 'fl', '1.5', 'n', '-2');
    expect(r('HINCRBYFLOAT', 'h', 'fl', '1')).toBe(bulk('2.5'));
    expect(r('HINCRBYFLOAT', 'h', 'fl', '0.1')).toBe(bulk('2.6'));
    expect(r('HINCRBYFLOAT', 'h', 'new', '2.5e2')).toBe(bulk('250'));
    expect(r('HINCRBYFLOAT', 'h', 'n', '1')).toBe(bulk('-1'));
    expect(r('HGET', 'h', 'fl')).toBe(bulk('2.6'));
    expect(r('HINCRBYFLOAT', 'other', 'f', '1.5')).toBe(bulk('1.5'));
  });

  test('errors: bad increment, infinite increment, bad field value, infinite sum', () => {
    const r = session();
    r('HSET', 'h', 'fl', '1', 'str', 'abc', 'finf', 'inf');
    expect(r('HINCRBYFLOAT', 'h', 'fl', 'abc')).toBe(NOT_FLOAT);
    expect(r('HINCRBYFLOAT', 'h', 'fl', 'nan')).toBe(NOT_FLOAT);
    expect(r('HINCRBYFLOAT', 'h', 'fl', 'inf')).toBe('-ERR value is NaN or Infinity\r\n');
    expect(r('HINCRBYFLOAT', 'h', 'str', '1')).toBe('-ERR hash value is not a float\r\n');
    expect(r('HINCRBYFLOAT', 'h', 'finf', '1')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(r('HMGET', 'h', 'fl', 'str', 'finf')).toBe(arr('1', 'abc', 'inf'));
    // The increment is checked before the key's type.
    r('SET', 's', 'v');
    expect(r('HINCRBYFLOAT', 's', 'a', 'abc')).toBe(NOT_FLOAT);
    expect(r('HINCRBYFLOAT', 's', 'a', 'inf')).toBe('-ERR value is NaN or Infinity\r\n');
    expect(r('HINCRBYFLOAT', 'none', 'a', 'inf')).toBe('-ERR value is NaN or Infinity\r\n');
    expect(r('EXISTS', 'none')).toBe(int(0));
  });
});

describe('HSCAN', () => {
  test('a missing key is an empty scan; a small hash comes back whole, whatever the cursor or COUNT', () => {
    const r = session();
    const whole = '*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n';
    expect(r('HSCAN', 'no', '0')).toBe(EMPTY_SCAN);
    r('HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'ab', '4');
    expect(r('HSCAN', 'h', '0')).toBe(whole);
    expect(r('HSCAN', 'h', '0', 'COUNT', '1')).toBe(whole);
    expect(r('HSCAN', 'h', '-1')).toBe(whole);
    expect(r('HSCAN', 'h', '0', 'MATCH', 'a*')).toBe('*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n');
    expect(r('HSCAN', 'h', '0', 'match', '*', 'count', '5')).toBe(whole);
    // MATCH looks at fields, not values.
    expect(r('HSCAN', 'h', '0', 'MATCH', '1')).toBe(EMPTY_SCAN);
  });

  test('a hash past hash-max-listpack-entries or -value is walked in steps, as a hashtable, and OBJECT ENCODING agrees', () => {
    const r = session();
    r('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(r('OBJECT', 'ENCODING', 'h')).toBe(bulk('listpack'));
    expect(scanItems(r('HSCAN', 'h', '0', 'COUNT', '1'))[0]).toBe('0');
    r('CONFIG', 'SET', 'hash-max-ziplist-entries', '2');
    expect(r('OBJECT', 'ENCODING', 'h')).toBe(bulk('hashtable'));
    expect(scanItems(r('HSCAN', 'h', '0', 'COUNT', '1'))).toEqual(['1', ['a', '1']]);
    r('CONFIG', 'SET', 'hash-max-ziplist-entries', '128', 'hash-max-ziplist-value', '1');
    r('HSET', 'long', 'f', 'vv');
    expect(r('OBJECT', 'ENCODING', 'long')).toBe(bulk('hashtable'));
    expect(r('OBJECT', 'ENCODING', 'h')).toBe(bulk('listpack'));
  });

  test('argument errors, in the order Redis checks them', () => {
    const r = session();
    r('HSET', 'h', 'a', '1');
    expect(r('HSCAN', 'h', '0', 'COUNT', '0')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'COUNT', '-1')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'COUNT', 'abc')).toBe(NOT_INTEGER);
    expect(r('HSCAN', 'h', '0', 'MATCH')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'BOGUS', 'x')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'TYPE', 'string')).toBe(SYNTAX);
    expect(r('HSCAN', 'h', '0', 'NOVALUES')).toBe(SYNTAX);
    // The cursor first, then the key, then the options.
    expect(r('HSCAN', 'h', 'abc')).toBe('-ERR invalid cursor\r\n');
    expect(r('HSCAN', 'no', 'abc')).toBe('-ERR invalid cursor\r\n');
    expect(r('HSCAN', 'no', '0', 'COUNT', '0')).toBe(EMPTY_SCAN);
  });

  test('a big hash is walked in steps of about COUNT, every field exactly once', () => {
    const r = session();
    const fields: string[] = [];
    for (let i = 0; i < 300; i++) fields.push(`f${i}`, `v${i}`);
    r('HSET', 'big', ...fields);
    const seen = new Map<string, string>();
    let cursor = '0';
    let steps = 0;
    do {
      const [next, flat] = scanItems(r('HSCAN', 'big', cursor, 'COUNT', '20'));
      expect(flat.length).toBeLessThanOrEqual(40);
      for (let i = 0; i < flat.length; i += 2) {
        expect(seen.has(flat[i]!)).toBe(false);
        seen.set(flat[i]!, flat[i + 1]!);
      }
      cursor = next;
      steps++;
    } while (cursor !== '0' && steps < 1000);
    expect(steps).toBe(15);
    expect(seen.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(seen.get(`f${i}`)).toBe(`v${i}`);
  });

  test('MATCH on a big hash filters each step, and the walk still ends', () => {
    const r = session();
    const fields: string[] = [];
    for (let i = 0; i < 200; i++) fields.push(`f${i}`, 'v');
    r('HSET', 'big', ...fields);
    const got: string[] = [];
    let cursor = '0';
    let steps = 0;
    do {
      const [next, flat] = scanItems(r('HSCAN', 'big', cursor, 'MATCH', 'f1?', 'COUNT', '50'));
      for (let i = 0; i < flat.length; i += 2) got.push(flat[i]!);
      cursor = next;
      steps++;
    } while (cursor !== '0' && steps < 100);
    expect(got.sort()).toEqual(['f10', 'f11', 'f12', 'f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']);
  });
});

describe('HRANDFIELD', () => {
  const FIELDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const TEN = FIELDS.flatMap((f, i) => [f, String(i)]);
  const valueOf = (f: string): string => String(FIELDS.indexOf(f));

  test('without a count: one field, nil for a missing key or an empty bucket, WRONGTYPE on a string', () => {
    const r = session();
    r('HSET', 'h', ...TEN);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const reply = r('HRANDFIELD', 'h');
      const m = /^\$1\r\n(.)\r\n$/.exec(reply);
      expect(m).not.toBeNull();
      seen.add(m![1]!);
    }
    expect([...seen].sort()).toEqual(FIELDS);
    expect(r('HRANDFIELD', 'nokey')).toBe(NIL);
    r('CREATE', 'bucket');
    expect(r('HRANDFIELD', 'bucket')).toBe(NIL);
    expect(r('HRANDFIELD', 'bucket', '5')).toBe('*0\r\n');
    r('SET', 's', 'x');
    expect(r('HRANDFIELD', 's')).toBe(WRONGTYPE);
    expect(r('HRANDFIELD', 's', '0')).toBe(WRONGTYPE);
  });

  test('count 0, and any count on a missing key: an empty array', () => {
    const r = session();
    r('HSET', 'h', 'a', '1');
    expect(r('HRANDFIELD', 'h', '0')).toBe('*0\r\n');
    expect(r('HRANDFIELD', 'h', '0', 'WITHVALUES')).toBe('*0\r\n');
    expect(r('HRANDFIELD', 'nokey', '100')).toBe('*0\r\n');
    expect(r('HRANDFIELD', 'nokey', '-100', 'withvalues')).toBe('*0\r\n');
  });

  test('a positive count gives distinct fields, the whole hash in order once it is reached', () => {
    const r = session();
    r('HSET', 'h', ...TEN);
    expect(bulkItems(r('HRANDFIELD', 'h', '10'))).toEqual(FIELDS);
    expect(bulkItems(r('HRANDFIELD', 'h', '20', 'WITHVALUES'))).toEqual(TEN);
    for (const size of [8, 2, 1]) {
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const fields = bulkItems(r('HRANDFIELD', 'h', String(size)));
        expect(fields.length).toBe(size);
        expect(new Set(fields).size).toBe(size);
        for (const f of fields) seen.add(f);
        const pairs = bulkItems(r('HRANDFIELD', 'h', String(size), 'withvalues'));
        expect(pairs.length).toBe(2 * size);
        for (let j = 0; j < pairs.length; j += 2) expect(pairs[j + 1]).toBe(valueOf(pairs[j]!));
      }
      expect([...seen].sort()).toEqual(FIELDS);
    }
  });

  test('a negative count gives exactly |count| fields, which may repeat', () => {
    const r = session();
    r('HSET', 'h', ...TEN);
    const fields = bulkItems(r('HRANDFIELD', 'h', '-1000'));
    expect(fields.length).toBe(1000);
    const counts = new Map<string, number>();
    for (const f of fields) counts.set(f, (counts.get(f) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(FIELDS);
    // Uniform: each of ten fields near 100 of 1000 (a loose bound, as Redis's chi-square test).
    for (const n of counts.values()) expect(n).toBeGreaterThan(40);
    const pairs = bulkItems(r('HRANDFIELD', 'h', '-1001', 'WITHVALUES'));
    expect(pairs.length).toBe(2002);
    for (let j = 0; j < pairs.length; j += 2) expect(pairs[j + 1]).toBe(valueOf(pairs[j]!));
    r('HSET', 'one', 'f', 'v');
    expect(r('HRANDFIELD', 'one', '-3')).toBe('*3\r\n$1\r\nf\r\n$1\r\nf\r\n$1\r\nf\r\n');
  });

  test('RESP3: WITHVALUES pairs each field with its value; fields alone stay flat; a missing key is null', () => {
    const r = session(3);
    expect(r('HRANDFIELD', 'nokey')).toBe('_\r\n');
    r('HSET', 'h', 'a', '1', 'b', '2');
    expect(r('HRANDFIELD', 'h', '5', 'WITHVALUES')).toBe('*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(r('HRANDFIELD', 'h', '-2', 'WITHVALUES')).toMatch(/^\*2\r\n(\*2\r\n\$1\r\n(a\r\n\$1\r\n1|b\r\n\$1\r\n2)\r\n){2}$/);
    expect(r('HRANDFIELD', 'h', '5')).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });

  test('count and option errors, in the order Redis checks them (before the key)', () => {
    const r = session();
    r('HSET', 'h', 'a', '1');
    r('SET', 's', 'x');
    const longRange = '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n';
    const outOfRange = '-ERR value is out of range\r\n';
    expect(r('HRANDFIELD', 'h', '-9223372036854775808')).toBe(longRange);
    expect(r('HRANDFIELD', 'h', '-9223372036854775808', 'WITHVALUES')).toBe(longRange);
    expect(r('HRANDFIELD', 'h', '-9223372036854770000', 'WITHVALUES')).toBe(outOfRange);
    expect(r('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES')).toBe(outOfRange);
    expect(r('HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES')).toBe(outOfRange);
    expect(r('HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES')).toBe('*2\r\n$1\r\na\r\n$1\r\n1\r\n');
    expect(r('HRANDFIELD', 'h', '9223372036854775807')).toBe('*1\r\n$1\r\na\r\n');
    expect(r('HRANDFIELD', 'h', '9223372036854775808')).toBe(NOT_INTEGER);
    expect(r('HRANDFIELD', 'h', 'x')).toBe(NOT_INTEGER);
    expect(r('HRANDFIELD', 's', 'x')).toBe(NOT_INTEGER);
    expect(r('HRANDFIELD', 'h', '1', 'withvalue')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 's', '1', 'x')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 'nokey', '1', 'x')).toBe(SYNTAX);
    expect(r('HRANDFIELD', 'h', '-9223372036854775807', 'x')).toBe(SYNTAX);
  });

  test('a negative count too big to build is refused, not attempted', () => {
    const r = session();
    r('HSET', 'h', 'a', '1');
    expect(r('HRANDFIELD', 'h', '-9223372036854775807')).toMatch(/^-ERR HRANDFIELD reply too long/);
    expect(r('HRANDFIELD', 'h', '-4611686018427387903', 'WITHVALUES')).toMatch(/^-ERR HRANDFIELD reply too long/);
  });
});
