// The keyspace commands of keys.ts: DEL, UNLINK, EXISTS, TOUCH, TYPE, the
// EXPIRE family with NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST,
// KEYS, SCAN with MATCH/COUNT/TYPE, RENAME, COPY, RANDOMKEY, DBSIZE, FLUSHDB, and the
// KV.DUMP/KV.RESTORE pair that carries a key across nodes for RENAME and COPY. Each
// expected reply is the exact RESP that redis-server 7.0 sent for the same
// commands; where Redis's order depends on its hash table (KEYS, SCAN), the
// set of keys is compared instead. The clock is faked so TTLs read back
// exactly, including the rounding of TTL and EXPIRETIME to seconds. Commands
// run through the table by name, after the dispatcher's arity check.

import { describe, expect, test, vi } from 'vitest';
import { bulk, bulkItems, int, NIL, NOT_INTEGER, OK, scanItems, SYNTAX, testSessions } from './test-node.js';

const NX_CONFLICT = '-ERR NX and XX, GT or LT options at the same time are not compatible\r\n';
const GT_LT_CONFLICT = '-ERR GT and LT options at the same time are not compatible\r\n';

/** 2030-01-01T00:00:00Z, in ms: the fake clock's start. */
const T0 = Date.UTC(2030, 0, 1);
const T0_S = T0 / 1000;
/** `session(proto)`: a fresh node on the fake clock; `r(...argv)` runs one command on it as the dispatcher would. */
const session = testSessions({ clockAt: T0 });

describe('DEL, UNLINK, EXISTS, TOUCH, TYPE', () => {
  test('DEL and UNLINK count the keys they removed, of any type, each once', () => {
    const r = session();
    r('MSET', 'a', '1', 'b', '2', 'c', '3');
    r('HSET', 'h', 'f', 'v');
    expect(r('DEL', 'a', 'nokey', 'a')).toBe(int(1));
    expect(r('DEL', 'nokey')).toBe(int(0));
    expect(r('UNLINK', 'b', 'c', 'h', 'nokey')).toBe(int(3));
    expect(r('DBSIZE')).toBe(int(0));
  });

  test('a key that has expired is not counted as deleted', () => {
    // redis-server: SET dk v PX 5; (50 ms later) DEL dk → :0
    const r = session();
    r('SET', 'k', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6); // no sampler tick has run: the key is still in the store
    expect(r('DEL', 'k')).toBe(int(0));
    r('SET', 'k', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 12);
    expect(r('UNLINK', 'k')).toBe(int(0));
  });

  test('EXISTS and TOUCH count every argument that names a live key, repeats included', () => {
    const r = session();
    r('SET', 'a', '1');
    r('HSET', 'h', 'f', 'v');
    expect(r('EXISTS', 'a', 'b', 'h', 'h', 'nokey')).toBe(int(3));
    expect(r('EXISTS', 'nokey')).toBe(int(0));
    expect(r('TOUCH', 'a', 'a', 'b')).toBe(int(2));
  });

  test('TYPE: string, hash or none', () => {
    const r = session();
    r('SET', 's', 'v');
    r('HSET', 'h', 'f', 'v');
    expect(r('TYPE', 's')).toBe('+string\r\n');
    expect(r('TYPE', 'h')).toBe('+hash\r\n');
    expect(r('TYPE', 'nokey')).toBe('+none\r\n');
  });
});

describe('EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT', () => {
  test('each sets the expiry in its own unit; 0 for a missing key', () => {
    const r = session();
    r('SET', 's', 'v');
    expect(r('EXPIRE', 'nokey', '100')).toBe(int(0));
    expect(r('EXPIRE', 's', '100')).toBe(int(1));
    expect([r('TTL', 's'), r('PTTL', 's')]).toEqual([int(100), int(100_000)]);
    expect(r('PEXPIRE', 's', '1500')).toBe(int(1));
    expect(r('PTTL', 's')).toBe(int(1500));
    expect(r('EXPIREAT', 's', '4102444800')).toBe(int(1));
    expect(r('EXPIRETIME', 's')).toBe(int(4102444800));
    expect(r('PEXPIRETIME', 's')).toBe(int(4102444800000));
    expect(r('PEXPIREAT', 's', '4102444800123')).toBe(int(1));
    expect(r('PEXPIRETIME', 's')).toBe(int(4102444800123));
    expect(r('PEXPIREAT', 'nokey', '1')).toBe(int(0));
    expect(r('EXPIREAT', 'nokey', '1')).toBe(int(0));
  });

  test('a time now or past deletes the key and replies 1', () => {
    const r = session();
    for (const argv of [
      ['EXPIRE', 'k', '0'],
      ['EXPIRE', 'k', '-10'],
      ['PEXPIRE', 'k', '0'],
      ['EXPIREAT', 'k', '1'],
      ['EXPIREAT', 'k', '-1'],
      ['PEXPIREAT', 'k', '1'],
      ['PEXPIREAT', 'k', String(T0)],
      ['EXPIRE', 'k', '-9223372036854775'],
    ]) {
      r('SET', 'k', 'v');
      expect([argv.join(' '), r(...argv), r('EXISTS', 'k')]).toEqual([argv.join(' '), int(1), int(0)]);
    }
  });

  test('the key expires when its time has passed', () => {
    const r = session();
    r('SET', 'k', 'v');
    r('PEXPIRE', 'k', '100');
    vi.setSystemTime(T0 + 100);
    expect(r('GET', 'k')).toBe(bulk('v'));
    vi.setSystemTime(T0 + 101);
    expect(r('GET', 'k')).toBe(NIL);
    expect(r('TTL', 'k')).toBe(int(-2));
  });

  test('NX: only without a TTL; XX: only with one', () => {
    const r = session();
    r('SET', 's', 'v');
    expect(r('EXPIRE', 's', '100', 'XX')).toBe(int(0));
    expect(r('TTL', 's')).toBe(int(-1));
    expect(r('EXPIRE', 's', '100', 'NX')).toBe(int(1));
    expect(r('EXPIRE', 's', '200', 'NX')).toBe(int(0));
    expect(r('EXPIRE', 's', '200', 'xx')).toBe(int(1));
    expect(r('TTL', 's')).toBe(int(200));
    expect(r('PEXPIRE', 's', '100', 'nX')).toBe(int(0));
  });

  test('GT: only a later time, and never on a key without a TTL; LT: only an earlier one, or on a key without', () => {
    const r = session();
    r('SET', 's', 'v');
    expect(r('EXPIRE', 's', '100', 'GT')).toBe(int(0));
    expect(r('TTL', 's')).toBe(int(-1));
    expect(r('EXPIRE', 's', '100', 'LT')).toBe(int(1));
    expect(r('EXPIRE', 's', '50', 'GT')).toBe(int(0));
    expect(r('EXPIRE', 's', '300', 'GT')).toBe(int(1));
    expect(r('EXPIRE', 's', '400', 'LT')).toBe(int(0));
    expect(r('EXPIRE', 's', '10', 'LT')).toBe(int(1));
    expect(r('TTL', 's')).toBe(int(10));
    // Equal is neither greater nor less.
    r('PEXPIREAT', 's', '4102444800000');
    expect(r('PEXPIREAT', 's', '4102444800000', 'GT')).toBe(int(0));
    expect(r('PEXPIREAT', 's', '4102444800000', 'LT')).toBe(int(0));
    expect(r('EXPIREAT', 's', '4102444801', 'LT')).toBe(int(0));
    expect(r('EXPIREAT', 's', '4102444700', 'LT')).toBe(int(1));
    expect(r('EXPIRETIME', 's')).toBe(int(4102444700));
    // XX with GT or LT: both must hold.
    expect(r('EXPIREAT', 's', '4102444800', 'XX', 'GT')).toBe(int(1));
    r('PERSIST', 's');
    expect(r('EXPIRE', 's', '100', 'XX', 'LT')).toBe(int(0));
    // The same option twice is fine.
    expect(r('EXPIRE', 's', '100', 'NX', 'NX')).toBe(int(1));
    expect(r('EXPIRE', 's', '200', 'GT', 'GT')).toBe(int(1));
  });

  test('conflicting options, unknown options, and bad times are errors, whether or not the key exists', () => {
    const r = session();
    r('SET', 's', 'v');
    for (const key of ['s', 'nokey']) {
      expect(r('EXPIRE', key, '100', 'NX', 'XX')).toBe(NX_CONFLICT);
      expect(r('EXPIRE', key, '100', 'NX', 'GT')).toBe(NX_CONFLICT);
      expect(r('EXPIRE', key, '100', 'LT', 'NX')).toBe(NX_CONFLICT);
      expect(r('EXPIRE', key, '100', 'GT', 'LT')).toBe(GT_LT_CONFLICT);
      expect(r('EXPIRE', key, '100', 'BOGUS')).toBe('-ERR Unsupported option BOGUS\r\n');
      expect(r('EXPIRE', key, '1', '2')).toBe('-ERR Unsupported option 2\r\n');
      expect(r('EXPIRE', key, 'abc')).toBe(NOT_INTEGER);
      expect(r('EXPIRE', key, '1.5')).toBe(NOT_INTEGER);
      expect(r('EXPIRE', key, '9223372036854775807')).toBe("-ERR invalid expire time in 'expire' command\r\n");
    }
    expect(r('EXPIRE', 's', '9223372036854775')).toBe("-ERR invalid expire time in 'expire' command\r\n");
    expect(r('EXPIRE', 's', '-9223372036854775808')).toBe("-ERR invalid expire time in 'expire' command\r\n");
    expect(r('PEXPIRE', 's', '9223372036854775807')).toBe("-ERR invalid expire time in 'pexpire' command\r\n");
    expect(r('EXPIREAT', 's', '9223372036854775807')).toBe("-ERR invalid expire time in 'expireat' command\r\n");
    expect(r('TTL', 's')).toBe(int(-1));
    // The largest absolute time in ms is accepted.
    expect(r('PEXPIREAT', 's', '9223372036854775807')).toBe(int(1));
    expect(r('EXISTS', 's')).toBe(int(1));
  });
});

describe('TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST', () => {
  test('-2 for a missing key, -1 for one without a TTL', () => {
    const r = session();
    r('SET', 'p', 'v');
    for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) {
      expect([cmd, r(cmd, 'nokey'), r(cmd, 'p')]).toEqual([cmd, int(-2), int(-1)]);
    }
  });

  test('TTL and EXPIRETIME round to the nearest second, as Redis does', () => {
    const r = session();
    r('SET', 's', 'v');
    r('PEXPIRE', 's', '1499');
    expect(r('TTL', 's')).toBe(int(1));
    r('PEXPIRE', 's', '1500');
    expect(r('TTL', 's')).toBe(int(2));
    r('PEXPIRE', 's', '400');
    expect(r('TTL', 's')).toBe(int(0));
    for (const [ms, s] of [['4102444800123', '4102444800'], ['4102444800499', '4102444800'], ['4102444800500', '4102444801'], ['4102444800999', '4102444801']]) {
      r('PEXPIREAT', 's', ms!);
      expect([ms, r('EXPIRETIME', 's')]).toEqual([ms, int(s!)]);
    }
  });

  test('TTL counts down with the clock', () => {
    const r = session();
    r('SET', 's', 'v', 'EX', '100');
    vi.advanceTimersByTime(30_250);
    expect(r('PTTL', 's')).toBe(int(69_750));
    expect(r('TTL', 's')).toBe(int(70));
    expect(r('EXPIRETIME', 's')).toBe(int(T0_S + 100));
  });

  test('PERSIST: 1 when it removed a TTL, else 0', () => {
    const r = session();
    r('SET', 's', 'v', 'EX', '100');
    expect(r('PERSIST', 's')).toBe(int(1));
    expect(r('PERSIST', 's')).toBe(int(0));
    expect(r('PERSIST', 'nokey')).toBe(int(0));
    expect(r('TTL', 's')).toBe(int(-1));
    vi.advanceTimersByTime(200_000);
    expect(r('GET', 's')).toBe(bulk('v'));
  });

  test('the empty key has a TTL like any other', () => {
    // redis-server: SET "" v; TTL "" → -1; EXPIRE "" 100 → 1; TTL "" → 100; PERSIST "" → 1
    const r = session();
    r('SET', '', 'v');
    expect(r('TTL', '')).toBe(int(-1));
    expect(r('EXPIRE', '', '100')).toBe(int(1));
    expect(r('TTL', '')).toBe(int(100));
    expect(r('PTTL', '')).toBe(int(100_000));
    expect(r('EXPIRETIME', '')).toBe(int(T0_S + 100));
    expect(r('SET', '', 'w', 'KEEPTTL')).toBe(OK);
    expect(r('TTL', '')).toBe(int(100));
    expect(r('PERSIST', '')).toBe(int(1));
    expect(r('TTL', '')).toBe(int(-1));
    r('SETEX', '', '100', 'v');
    expect(r('RENAME', '', 'x')).toBe(OK);
    expect(r('TTL', 'x')).toBe(int(100));
    expect(r('RENAME', 'x', '')).toBe(OK);
    expect(r('TTL', '')).toBe(int(100));
  });
});

describe('KEYS', () => {
  test('glob patterns over live keys; an empty keyspace is an empty array', () => {
    const r = session();
    expect(r('KEYS', '*')).toBe('*0\r\n');
    r('MSET', 'one', '1', 'two', '2', 'three', '3');
    r('HSET', 'hash', 'f', 'v');
    r('SET', 'gone', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6);
    const keys = (p: string): string[] => bulkItems(r('KEYS', p)).sort();
    expect(keys('*')).toEqual(['hash', 'one', 'three', 'two']);
    expect(keys('t*')).toEqual(['three', 'two']);
    expect(keys('*o')).toEqual(['two']);
    expect(keys('?ne')).toEqual(['one']);
    expect(keys('[ot]*')).toEqual(['one', 'three', 'two']);
    expect(keys('h[a-c]sh')).toEqual(['hash']);
    expect(keys('h[^a]sh')).toEqual([]);
    expect(keys('\\h*')).toEqual(['hash']);
    expect(keys('nomatch')).toEqual([]);
    expect(keys('g*')).toEqual([]);
  });
});

describe('SCAN', () => {
  test('an empty keyspace: cursor 0, no keys', () => {
    const r = session();
    expect(r('SCAN', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
  });

  test('a full walk returns every key exactly once, about COUNT per step', () => {
    const r = session();
    const all: string[] = [];
    for (let i = 0; i < 250; i++) all.push(`k${i}`, 'v');
    r('MSET', ...all);
    for (const count of [undefined, '1', '7', '100', '1000']) {
      const seen: string[] = [];
      let cursor = '0';
      let steps = 0;
      do {
        const [next, keys] = scanItems(count === undefined ? r('SCAN', cursor) : r('SCAN', cursor, 'COUNT', count));
        seen.push(...keys);
        cursor = next;
        steps++;
      } while (cursor !== '0' && steps < 1000);
      expect([count, seen.length, new Set(seen).size]).toEqual([count, 250, 250]);
      expect([count, steps]).toEqual([count, Math.ceil(250 / Number(count ?? 10))]);
    }
  });

  test('MATCH and TYPE filter what a step returns', () => {
    const r = session();
    r('MSET', 'one', '1', 'two', '2', 'three', '3');
    r('HSET', 'hash', 'f', 'v');
    const once = (...opts: string[]): string[] => {
      const [cursor, keys] = scanItems(r('SCAN', '0', 'COUNT', '100', ...opts));
      expect(cursor).toBe('0');
      return keys.sort();
    };
    expect(once('MATCH', 't*')).toEqual(['three', 'two']);
    expect(once('TYPE', 'hash')).toEqual(['hash']);
    expect(once('TYPE', 'HASH')).toEqual(['hash']);
    expect(once('TYPE', 'string', 'MATCH', 'o*')).toEqual(['one']);
    expect(once('type', 'string')).toEqual(['one', 'three', 'two']);
    expect(once('TYPE', 'nosuchtype')).toEqual([]);
    expect(once('MATCH', '*')).toEqual(['hash', 'one', 'three', 'two']);
  });

  test('expired keys are not returned', () => {
    const r = session();
    r('MSET', 'a', '1', 'b', '2');
    r('SET', 'gone', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6);
    expect(scanItems(r('SCAN', '0', 'COUNT', '100'))[1].sort()).toEqual(['a', 'b']);
  });

  test('argument errors', () => {
    const r = session();
    r('SET', 'k', 'v');
    expect(r('SCAN', '0', 'COUNT', '0')).toBe(SYNTAX);
    expect(r('SCAN', '0', 'COUNT', '-1')).toBe(SYNTAX);
    expect(r('SCAN', '0', 'COUNT', 'abc')).toBe(NOT_INTEGER);
    expect(r('SCAN', '0', 'MATCH')).toBe(SYNTAX);
    expect(r('SCAN', '0', 'TYPE')).toBe(SYNTAX);
    expect(r('SCAN', '0', 'BOGUS', '1')).toBe(SYNTAX);
    expect(r('SCAN', '0', 'NOVALUES')).toBe(SYNTAX);
    expect(r('SCAN', 'abc')).toBe('-ERR invalid cursor\r\n');
    expect(r('SCAN', '1.5')).toBe('-ERR invalid cursor\r\n');
  });

  test('RESP3 replies are the same arrays', () => {
    const r = session(3);
    r('SET', 'k', 'v');
    expect(r('SCAN', '0')).toBe('*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n');
  });
});

describe('RENAMENX', () => {
  test('renames only onto a free name; same name is 0; a missing source is an error', () => {
    const r = session();
    expect(r('RENAMENX', 'nokey', 'x')).toBe('-ERR no such key\r\n');
    r('SET', 'a', '1');
    r('SET', 'b', '2');
    expect(r('RENAMENX', 'a', 'a')).toBe(int(0));
    expect(r('RENAMENX', 'a', 'b')).toBe(int(0));
    expect([r('GET', 'a'), r('GET', 'b')]).toEqual([bulk('1'), bulk('2')]);
    r('PEXPIRE', 'a', '5000');
    expect(r('RENAMENX', 'a', 'c')).toBe(int(1));
    expect([r('EXISTS', 'a'), r('GET', 'c'), r('PTTL', 'c')]).toEqual([int(0), bulk('1'), int(5000)]);
  });
});

describe('RENAME', () => {
  test('moves the value; a missing source is an error', () => {
    const r = session();
    expect(r('RENAME', 'nokey', 'x')).toBe('-ERR no such key\r\n');
    r('SET', 'one', '1');
    expect(r('RENAME', 'one', 'uno')).toBe(OK);
    expect(r('GET', 'one')).toBe(NIL);
    expect(r('GET', 'uno')).toBe(bulk('1'));
    expect(r('RENAME', 'uno', 'uno')).toBe(OK);
    expect(r('GET', 'uno')).toBe(bulk('1'));
  });

  test('replaces the destination, whatever its type; a hash moves whole', () => {
    const r = session();
    r('SET', 'two', '2');
    r('SET', 'uno', '1');
    expect(r('RENAME', 'two', 'uno')).toBe(OK);
    expect(r('GET', 'uno')).toBe(bulk('2'));
    r('HSET', 'hash', 'f', 'v', 'g', 'w');
    expect(r('RENAME', 'hash', 'h2')).toBe(OK);
    expect(r('HGETALL', 'h2')).toBe('*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n');
    expect(r('RENAME', 'uno', 'h2')).toBe(OK);
    expect(r('TYPE', 'h2')).toBe('+string\r\n');
    expect(r('DBSIZE')).toBe(int(1));
  });

  test("the source's TTL goes with it; the destination's old TTL does not stay", () => {
    const r = session();
    r('SETEX', 't', '100', 'v');
    expect(r('RENAME', 't', 't2')).toBe(OK);
    expect([r('EXISTS', 't'), r('PTTL', 't2')]).toEqual([int(0), int(100_000)]);
    expect(r('RENAME', 't2', 't2')).toBe(OK);
    expect(r('PTTL', 't2')).toBe(int(100_000));
    r('SET', 'd', 'v', 'EX', '100');
    r('SET', 'src', 'v');
    expect(r('RENAME', 'src', 'd')).toBe(OK);
    expect(r('TTL', 'd')).toBe(int(-1));
  });

  test('PEXPIREAT, SET PXAT and RENAME keep the exact expiry time, even when the clock ticks meanwhile', () => {
    // redis-server: PEXPIREAT s 4102444800499; PEXPIRETIME s → 4102444800499; EXPIRETIME s → 4102444800
    const r = session();
    let now = T0;
    const tick = vi.spyOn(Date, 'now').mockImplementation(() => now++);
    try {
      r('SET', 's', 'v');
      expect(r('PEXPIREAT', 's', '4102444800499')).toBe(int(1));
      expect(r('PEXPIRETIME', 's')).toBe(int(4102444800499));
      expect(r('EXPIRETIME', 's')).toBe(int(4102444800));
      expect(r('SET', 'p', 'v', 'PXAT', '4102444800499')).toBe(OK);
      expect(r('PEXPIRETIME', 'p')).toBe(int(4102444800499));
      expect(r('RENAME', 'p', 'q')).toBe(OK);
      expect(r('PEXPIRETIME', 'q')).toBe(int(4102444800499));
      expect(r('SET', 'q', 'w', 'KEEPTTL')).toBe(OK);
      expect(r('PEXPIRETIME', 'q')).toBe(int(4102444800499));
    } finally {
      tick.mockRestore();
    }
  });

  test('a key renamed in its last millisecond still expires', () => {
    // Redis moves the expiry time itself; 0 ms left must not become "no TTL".
    const r = session();
    r('SET', 'k', 'v', 'PX', '1000');
    vi.setSystemTime(T0 + 1000);
    expect(r('RENAME', 'k', 'k2')).toBe(OK);
    expect([r('PTTL', 'k2'), r('TTL', 'k2')]).toEqual([int(0), int(0)]);
    expect(r('PEXPIRETIME', 'k2')).toBe(int(T0 + 1000));
    vi.setSystemTime(T0 + 1001);
    expect(r('EXISTS', 'k2')).toBe(int(0));
  });

  test('an expired source is missing', () => {
    const r = session();
    r('SET', 'k', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6);
    expect(r('RENAME', 'k', 'x')).toBe('-ERR no such key\r\n');
    expect(r('EXISTS', 'x')).toBe(int(0));
  });
});

describe('COPY', () => {
  const SAME = '-ERR source and destination objects are the same\r\n';
  const DB_RANGE = '-ERR DB index is out of range\r\n';

  test('copies a string with its expiry time; 0 for a missing source or an existing destination', () => {
    const r = session();
    expect(r('COPY', 'nokey', 'x')).toBe(int(0));
    r('SET', 's', 'v', 'PX', '5000');
    expect(r('COPY', 's', 'c')).toBe(int(1));
    expect([r('GET', 's'), r('GET', 'c')]).toEqual([bulk('v'), bulk('v')]);
    expect([r('PEXPIRETIME', 'c'), r('PEXPIRETIME', 's')]).toEqual([int(T0 + 5000), int(T0 + 5000)]);
    r('SET', 'other', 'w');
    expect(r('COPY', 'other', 'c')).toBe(int(0));
    expect(r('GET', 'c')).toBe(bulk('v'));
    expect(r('COPY', 'nokey', 'c', 'REPLACE')).toBe(int(0));
    expect(r('EXISTS', 'c')).toBe(int(1));
  });

  test("REPLACE overwrites the destination, whatever its type, and drops its old TTL", () => {
    // redis-server: SET d v EX 100; SET src w; COPY src d → 0; COPY src d REPLACE → 1; TTL d → -1
    const r = session();
    r('SET', 'd', 'v', 'EX', '100');
    r('SET', 'src', 'w');
    expect(r('COPY', 'src', 'd')).toBe(int(0));
    expect(r('COPY', 'src', 'd', 'REPLACE')).toBe(int(1));
    expect([r('GET', 'd'), r('TTL', 'd')]).toEqual([bulk('w'), int(-1)]);
    r('HSET', 'h', 'f', 'v');
    expect(r('COPY', 'h', 'd', 'replace')).toBe(int(1));
    expect(r('TYPE', 'd')).toBe('+hash\r\n');
  });

  test('a hash is copied, not shared: a write to the copy leaves the original alone', () => {
    const r = session();
    r('HSET', 'h', 'f', 'v', 'g', 'w');
    expect(r('COPY', 'h', 'h2')).toBe(int(1));
    r('HSET', 'h2', 'f', 'changed');
    r('HDEL', 'h2', 'g');
    expect(r('HGETALL', 'h')).toBe('*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n');
    expect(r('HGETALL', 'h2')).toBe('*2\r\n$1\r\nf\r\n$7\r\nchanged\r\n');
  });

  test('a bucket copies as a bucket: it stays when emptied', () => {
    const r = session();
    r('CREATE', 'b');
    expect(r('COPY', 'b', 'empty')).toBe(int(1));
    expect(r('TYPE', 'empty')).toBe('+hash\r\n');
    r('PUT', 'b', 'k', 'v');
    expect(r('COPY', 'b', 'b2')).toBe(int(1));
    r('HDEL', 'b2', 'k');
    expect([r('TYPE', 'b2'), r('HLEN', 'b2'), r('HGET', 'b', 'k')]).toEqual(['+hash\r\n', int(0), bulk('v')]);
  });

  test('DB 0 is this keyspace; any other index is out of range, as on a Redis with one database', () => {
    // redis-server --databases 1: COPY a b DB 1 → ERR DB index is out of range
    const r = session();
    r('SET', 'a', '1');
    expect(r('COPY', 'a', 'b', 'DB', '1')).toBe(DB_RANGE);
    expect(r('COPY', 'a', 'b', 'db', '-1')).toBe(DB_RANGE);
    expect(r('COPY', 'a', 'b', 'DB', '0', 'DB', '1')).toBe(DB_RANGE);
    expect(r('COPY', 'a', 'a', 'DB', '1')).toBe(DB_RANGE);
    expect(r('COPY', 'a', 'b', 'DB', 'x')).toBe(NOT_INTEGER);
    expect(r('COPY', 'a', 'b', 'DB', '00')).toBe(NOT_INTEGER);
    expect(r('COPY', 'a', 'b', 'DB', '99999999999999999999')).toBe(NOT_INTEGER);
    expect(r('COPY', 'a', 'b', 'DB', '2147483648')).toBe('-ERR value is out of range, value must between -2147483648 and 2147483647\r\n');
    expect(r('EXISTS', 'b')).toBe(int(0));
    expect(r('COPY', 'a', 'b', 'DB', '0')).toBe(int(1));
    expect(r('COPY', 'a', 'b', 'REPLACE', 'replace', 'db', '0', 'DB', '0')).toBe(int(1));
  });

  test('errors: the same key, unknown options, DB without an index', () => {
    const r = session();
    r('SET', 'a', '1');
    expect(r('COPY', 'a', 'a')).toBe(SAME);
    expect(r('COPY', 'a', 'a', 'REPLACE')).toBe(SAME);
    expect(r('COPY', 'nokey', 'nokey')).toBe(SAME);
    expect(r('COPY', 'a', 'b', 'DB')).toBe(SYNTAX);
    expect(r('COPY', 'a', 'b', 'foo')).toBe(SYNTAX);
    expect(r('COPY', 'a', 'b', 'DB', '0', 'REPLACE', 'extra')).toBe(SYNTAX);
    expect(r('EXISTS', 'b')).toBe(int(0));
  });

  test('an expired source is missing', () => {
    const r = session();
    r('SET', 'k', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6);
    expect(r('COPY', 'k', 'x')).toBe(int(0));
    expect(r('EXISTS', 'x')).toBe(int(0));
  });
});

describe('KV.DUMP and KV.RESTORE (RENAME across nodes)', () => {
  test('a string and a bucket round-trip with their expiry time', () => {
    const r = session();
    r('SET', 's', 'v\x00', 'PX', '5000');
    r('CREATE', 'b');
    r('PUT', 'b', 'f', 'x');
    // The absolute time travels (PEXPIRETIME's), so the move takes no time off nor adds any.
    const at = String(T0 + 5000);
    expect(r('KV.DUMP', 's')).toBe(`*3\r\n$6\r\nstring\r\n$${at.length}\r\n${at}\r\n$2\r\nv\x00\r\n`);
    expect(r('KV.DUMP', 'b')).toBe('*5\r\n$4\r\nhash\r\n$2\r\n-1\r\n$1\r\n1\r\n$1\r\nf\r\n$1\r\nx\r\n');
    expect(r('KV.DUMP', 'nokey')).toBe('*-1\r\n');
    expect(r('KV.RESTORE', 's2', ...bulkItems(r('KV.DUMP', 's')))).toBe(OK);
    expect([r('GET', 's2'), r('PTTL', 's2')]).toEqual([bulk('v\x00'), int(5000)]);
    expect(r('KV.RESTORE', 'b2', ...bulkItems(r('KV.DUMP', 'b')))).toBe(OK);
    expect([r('TTL', 'b2'), r('HGET', 'b2', 'f')]).toEqual([int(-1), bulk('x')]);
    // Still a bucket: it stays when emptied.
    r('HDEL', 'b2', 'f');
    expect(r('TYPE', 'b2')).toBe('+hash\r\n');
  });

  test('a set and a sorted set travel as a DUMP payload; COPY makes an independent copy', () => {
    const r = session();
    r('SADD', 'set', 'a', 'b');
    r('ZADD', 'z', '1.5', 'a', '-inf', 'b');
    r('PEXPIRE', 'z', '5000');
    const dumped = bulkItems(r('KV.DUMP', 'z'));
    expect(dumped.slice(0, 2)).toEqual(['rdb', String(T0 + 5000)]);
    expect(r('KV.RESTORE', 'z2', ...dumped)).toBe(OK);
    expect([r('ZRANGE', 'z2', '0', '-1', 'WITHSCORES'), r('PTTL', 'z2')]).toEqual([r('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), int(5000)]);
    expect(r('KV.RESTORE', 'set2', ...bulkItems(r('KV.DUMP', 'set')))).toBe(OK);
    expect(bulkItems(r('SMEMBERS', 'set2')).sort()).toEqual(['a', 'b']);
    expect(r('KV.RESTORE', 'k', 'rdb', '-1', 'junk')).toBe('-ERR malformed KV.RESTORE: bad payload\r\n');
    expect(r('COPY', 'z', 'z3')).toBe(int(1));
    r('ZADD', 'z', '9', 'a');
    expect(r('ZSCORE', 'z3', 'a')).toBe(bulk('1.5'));
    expect([r('TYPE', 'set2'), r('TYPE', 'z3')]).toEqual(['+set\r\n', '+zset\r\n']);
    expect(scanItems(r('SCAN', '0', 'COUNT', '100', 'TYPE', 'zset'))[1].sort()).toEqual(['z', 'z2', 'z3']);
  });

  test('a key dumped in its last millisecond is restored with a TTL, not without', () => {
    const r = session();
    r('SET', 's', 'v', 'PX', '1000');
    vi.setSystemTime(T0 + 1000);
    const dump = bulkItems(r('KV.DUMP', 's'));
    expect(dump).toEqual(['string', String(T0 + 1000), 'v']);
    expect(r('KV.RESTORE', 's2', ...dump)).toBe(OK);
    expect(r('TTL', 's2')).toBe(int(0));
    vi.setSystemTime(T0 + 1002);
    expect(r('EXISTS', 's2')).toBe(int(0));
  });

  test('every malformed field is refused with an error naming it, and the key is left alone', () => {
    const r = session();
    const bad = (what: string): string => `-ERR malformed KV.RESTORE: ${what}\r\n`;
    expect(r('KV.RESTORE', 'k', 'string', 'x', 'v')).toBe(bad("bad expire time 'x'"));
    expect(r('KV.RESTORE', 'k', 'string', '0', 'v')).toBe(bad("bad expire time '0'"));
    expect(r('KV.RESTORE', 'k', 'string', '-2', 'v')).toBe(bad("bad expire time '-2'"));
    expect(r('KV.RESTORE', 'k', 'string', '', 'v')).toBe(bad("bad expire time ''"));
    expect(r('KV.RESTORE', 'k', 'string', '-1', 'v', 'w')).toBe(bad('a string takes one value, got 2'));
    expect(r('KV.RESTORE', 'k', 'list', '-1', 'v')).toBe(bad("unknown type 'list'"));
    expect(r('KV.RESTORE', 'k', 'hash', '-1', '0', 'f')).toBe(bad('odd field count: 1 fields and values'));
    expect(r('KV.RESTORE', 'k', 'hash', '-1', '1', 'f', 'v', 'g')).toBe(bad('odd field count: 3 fields and values'));
    expect(r('KV.RESTORE', 'k', 'hash', '-1', '2', 'f', 'v')).toBe(bad("bad bucket flag '2'"));
    expect(r('KV.RESTORE', 'k', 'hash', '-1', '0')).toBe(bad('a hash with no fields'));
    expect(r('EXISTS', 'k')).toBe(int(0));
    r('SET', 'k', 'old');
    expect(r('KV.RESTORE', 'k', 'hash', 'soon', '0', 'f', 'v')).toBe(bad("bad expire time 'soon'"));
    expect(r('GET', 'k')).toBe(bulk('old'));
    // An empty bucket is a real value (CREATE makes one).
    expect(r('KV.RESTORE', 'b', 'hash', '-1', '1')).toBe(OK);
    expect(r('TYPE', 'b')).toBe('+hash\r\n');
  });
});

describe('RANDOMKEY, DBSIZE, FLUSHDB', () => {
  test('RANDOMKEY: nil when empty, a live key otherwise', () => {
    const r = session();
    expect(r('RANDOMKEY')).toBe(NIL);
    r('MSET', 'a', '1', 'b', '2');
    r('SET', 'gone', 'v', 'PX', '5');
    vi.setSystemTime(T0 + 6);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(r('RANDOMKEY'));
    expect([...seen].sort()).toEqual([bulk('a'), bulk('b')]);
  });

  test('RANDOMKEY in RESP3: the RESP3 null when empty', () => {
    const r = session(3);
    expect(r('RANDOMKEY')).toBe('_\r\n');
  });

  test('DBSIZE counts keys of every type', () => {
    const r = session();
    expect(r('DBSIZE')).toBe(int(0));
    r('MSET', 'one', '1', 'two', '2', 'three', '3');
    r('HSET', 'hash', 'f', 'v');
    expect(r('DBSIZE')).toBe(int(4));
    r('DEL', 'one');
    expect(r('DBSIZE')).toBe(int(3));
  });

  test('FLUSHDB and FLUSHALL empty the keyspace, with ASYNC or SYNC in any case; anything else is a syntax error', () => {
    const r = session();
    r('MSET', 'a', '1', 'b', '2');
    r('HSET', 'h', 'f', 'v');
    expect(r('FLUSHDB', 'BOGUS')).toBe(SYNTAX);
    expect(r('FLUSHDB', 'SYNC', 'ASYNC')).toBe(SYNTAX);
    expect(r('DBSIZE')).toBe(int(3));
    expect(r('FLUSHDB')).toBe(OK);
    expect(r('DBSIZE')).toBe(int(0));
    expect(r('KEYS', '*')).toBe('*0\r\n');
    r('SET', 'a', '1');
    expect(r('FLUSHDB', 'async')).toBe(OK);
    expect(r('EXISTS', 'a')).toBe(int(0));
    expect(r('FLUSHDB', 'SYNC')).toBe(OK);
    r('SET', 'a', '1');
    expect(r('FLUSHALL')).toBe(OK);
    expect(r('DBSIZE')).toBe(int(0));
  });
});
