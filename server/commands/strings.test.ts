// The string commands of strings.ts, one test per command or option family:
// GET, SET with NX|XX|GET|EX|PX|EXAT|PXAT|KEEPTTL and the combinations Redis
// refuses, SETNX, SETEX, PSETEX, GETSET, GETDEL, MGET, MSET, MSETNX, the
// INCR/DECR family (overflow, non-integers), INCRBYFLOAT, APPEND, STRLEN, LCS.
// Each expected reply is the exact RESP that redis-server 7.0 sent for the same
// commands. Commands run through the table by name, after the arity check the
// dispatcher does, so these also catch a handler wired to the wrong name. The
// clock is faked so that TTLs read back exactly.

import { describe, expect, test, vi } from 'vitest';
import { bulk, int, NIL, NOT_INTEGER, OK, SYNTAX, testSessions, WRONGTYPE } from './test-node.js';

const NOT_FLOAT = '-ERR value is not a valid float\r\n';
const OVERFLOW = '-ERR increment or decrement would overflow\r\n';
const NAN_OR_INF = '-ERR increment would produce NaN or Infinity\r\n';

const T0 = Date.UTC(2030, 0, 1);
/** `session(proto)`: a fresh node on the fake clock; `r(...argv)` runs one command on it as the dispatcher would. */
const session = testSessions({ clockAt: T0 });

describe('GET', () => {
  test('nil when missing, the value when present, byte for byte', () => {
    const r = session();
    expect(r('GET', 'k')).toBe(NIL);
    r('SET', 'k', 'v');
    expect(r('GET', 'k')).toBe('$1\r\nv\r\n');
    const bin = '\x00\r\n\xff';
    r('SET', bin, bin);
    expect(r('GET', bin)).toBe('$4\r\n\x00\r\n\xff\r\n');
    r('SET', 'empty', '');
    expect(r('GET', 'empty')).toBe('$0\r\n\r\n');
  });

  test('RESP3 nil, and WRONGTYPE on a hash', () => {
    const r = session(3);
    expect(r('GET', 'k')).toBe('_\r\n');
    r('HSET', 'h', 'f', 'v');
    expect(r('GET', 'h')).toBe(WRONGTYPE);
  });
});

describe('SET', () => {
  test('plain SET replaces any value, a hash included', () => {
    const r = session();
    expect(r('SET', 'k', 'v')).toBe(OK);
    expect(r('SET', 'k', 'w')).toBe(OK);
    expect(r('GET', 'k')).toBe(bulk('w'));
    r('HSET', 'h', 'f', 'v');
    expect(r('SET', 'h', 'v')).toBe(OK);
    expect(r('TYPE', 'h')).toBe('+string\r\n');
  });

  test('NX sets only a missing key, XX only an existing one; a refused SET is nil', () => {
    const r = session();
    expect(r('SET', 'k', 'v', 'XX')).toBe(NIL);
    expect(r('EXISTS', 'k')).toBe(int(0));
    expect(r('SET', 'k', 'v', 'NX')).toBe(OK);
    expect(r('SET', 'k', 'w', 'NX')).toBe(NIL);
    expect(r('GET', 'k')).toBe(bulk('v'));
    expect(r('SET', 'k', 'w', 'XX')).toBe(OK);
    expect(r('GET', 'k')).toBe(bulk('w'));
    // Options in any case, the same one twice.
    expect(r('SET', 'k', 'x', 'nx')).toBe(NIL);
    expect(r('SET', 'k', 'x', 'NX', 'NX')).toBe(NIL);
    expect(r('SET', 'k', 'x', 'xx', 'XX')).toBe(OK);
    // A hash counts as existing.
    r('HSET', 'h', 'f', 'v');
    expect(r('SET', 'h', 'v', 'NX')).toBe(NIL);
  });

  test('RESP3: a refused SET is the RESP3 null', () => {
    const r = session(3);
    r('SET', 'k', 'v');
    expect(r('SET', 'k', 'v', 'NX')).toBe('_\r\n');
  });

  test('NX with XX, and unknown or incomplete options, are syntax errors that change nothing', () => {
    const r = session();
    r('SET', 'k', 'v');
    expect(r('SET', 'k', 'w', 'NX', 'XX')).toBe(SYNTAX);
    expect(r('SET', 'k', 'w', 'XX', 'NX')).toBe(SYNTAX);
    expect(r('SET', 'k', 'w', 'BOGUS')).toBe(SYNTAX);
    expect(r('SET', 'k', 'w', 'EX')).toBe(SYNTAX);
    expect(r('SET', 'k', 'w', 'PXAT')).toBe(SYNTAX);
    expect(r('GET', 'k')).toBe(bulk('v'));
  });

  test('GET returns the old value (nil when none); with NX or XX too, whether or not it sets', () => {
    const r = session();
    expect(r('SET', 'k', 'v', 'GET')).toBe(NIL);
    expect(r('SET', 'k', 'w', 'GET')).toBe(bulk('v'));
    expect(r('SET', 'k', 'x', 'NX', 'GET')).toBe(bulk('w'));
    expect(r('GET', 'k')).toBe(bulk('w'));
    expect(r('SET', 'k', 'y', 'get', 'xx')).toBe(bulk('w'));
    expect(r('GET', 'k')).toBe(bulk('y'));
    expect(r('SET', 'new', 'v', 'XX', 'GET')).toBe(NIL);
    expect(r('EXISTS', 'new')).toBe(int(0));
    expect(r('SET', 'new', 'v', 'NX', 'GET')).toBe(NIL);
    expect(r('GET', 'new')).toBe(bulk('v'));
    expect(r('SET', 'k', 'z', 'GET', 'GET')).toBe(bulk('y'));
  });

  test('GET on a hash is WRONGTYPE and leaves the hash alone', () => {
    const r = session();
    r('HSET', 'h', 'f', 'v');
    expect(r('SET', 'h', 'v', 'GET')).toBe(WRONGTYPE);
    expect(r('SET', 'h', 'v', 'NX', 'GET')).toBe(WRONGTYPE);
    expect(r('SET', 'h', 'v', 'XX', 'GET')).toBe(WRONGTYPE);
    expect(r('HGET', 'h', 'f')).toBe(bulk('v'));
  });

  test('EX, PX, EXAT, PXAT set the expiry; a plain SET clears it', () => {
    const r = session();
    expect(r('SET', 'k', 'v', 'EX', '100')).toBe(OK);
    expect(r('PTTL', 'k')).toBe(int(100_000));
    expect(r('SET', 'k', 'v', 'px', '1500')).toBe(OK);
    expect(r('PTTL', 'k')).toBe(int(1500));
    expect(r('SET', 'k', 'v', 'EXAT', '4102444800')).toBe(OK);
    expect(r('EXPIRETIME', 'k')).toBe(int(4102444800));
    expect(r('SET', 'k', 'v', 'PXAT', '4102444800123')).toBe(OK);
    expect(r('PEXPIRETIME', 'k')).toBe(int(4102444800123));
    expect(r('SET', 'k', 'v')).toBe(OK);
    expect(r('TTL', 'k')).toBe(int(-1));
  });

  test('the same expiry option twice: the last counts; two different ones: syntax error', () => {
    const r = session();
    expect(r('SET', 'k', 'v', 'EX', '10', 'EX', '20')).toBe(OK);
    expect(r('TTL', 'k')).toBe(int(20));
    expect(r('SET', 'k', 'x', 'PX', '5000', 'PX', '7000')).toBe(OK);
    expect(r('PTTL', 'k')).toBe(int(7000));
    expect(r('SET', 'k', 'y', 'EX', '10', 'PX', '100')).toBe(SYNTAX);
    expect(r('SET', 'k', 'y', 'Ex', '10', 'pX', '100')).toBe(SYNTAX);
    expect(r('SET', 'k', 'y', 'PX', '100000', 'PXAT', '1')).toBe(SYNTAX);
    expect(r('SET', 'k', 'y', 'EXAT', '1', 'EX', '1')).toBe(SYNTAX);
    expect(r('GET', 'k')).toBe(bulk('x'));
  });

  test('KEEPTTL keeps the expiry; with an expiry option it is a syntax error', () => {
    const r = session();
    r('SET', 'k', 'v', 'EX', '100');
    vi.advanceTimersByTime(1000);
    expect(r('SET', 'k', 'w', 'KEEPTTL')).toBe(OK);
    expect(r('GET', 'k')).toBe(bulk('w'));
    expect(r('PTTL', 'k')).toBe(int(99_000));
    expect(r('SET', 'k', 'x', 'KEEPTTL', 'GET')).toBe(bulk('w'));
    expect(r('SET', 'k', 'y', 'keepttl', 'XX')).toBe(OK);
    expect(r('SET', 'k', 'y', 'KEEPTTL', 'KEEPTTL')).toBe(OK);
    expect(r('PTTL', 'k')).toBe(int(99_000));
    expect(r('SET', 'k', 'z', 'EX', '10', 'KEEPTTL')).toBe(SYNTAX);
    expect(r('SET', 'k', 'z', 'KEEPTTL', 'EX', '10')).toBe(SYNTAX);
    expect(r('SET', 'k', 'z', 'KEEPTTL', 'PXAT', '10')).toBe(SYNTAX);
    expect(r('SET', 'p', 'v', 'KEEPTTL')).toBe(OK);
    expect(r('TTL', 'p')).toBe(int(-1));
  });

  test('an expiry that is not a positive integer, or overflows, is refused', () => {
    const r = session();
    const invalid = "-ERR invalid expire time in 'set' command\r\n";
    for (const [opt, n] of [['EX', '0'], ['EX', '-1'], ['PX', '0'], ['EXAT', '0'], ['PXAT', '0'], ['PXAT', '-5']]) {
      expect([opt, n, r('SET', 'k', 'v', opt!, n!)]).toEqual([opt, n, invalid]);
    }
    // Seconds that overflow once made milliseconds, and relative times that overflow once now is added.
    expect(r('SET', 'k', 'v', 'EX', '9223372036854775807')).toBe(invalid);
    expect(r('SET', 'k', 'v', 'EX', '9223372036854775')).toBe(invalid);
    expect(r('SET', 'k', 'v', 'PX', '9223372036854775807')).toBe(invalid);
    for (const n of ['abc', '1.5', '', '+1', '01', '9223372036854775808']) {
      expect([n, r('SET', 'k', 'v', 'EX', n)]).toEqual([n, NOT_INTEGER]);
    }
    expect(r('EXISTS', 'k')).toBe(int(0));
    // Option errors come before the expiry is read; the expiry before the key's type.
    expect(r('SET', 'k', 'v', 'EX', 'abc', 'NX', 'XX')).toBe(SYNTAX);
    expect(r('SET', 'k', 'v', 'EX', '0', 'BOGUS')).toBe(SYNTAX);
    r('HSET', 'h', 'f', 'v');
    expect(r('SET', 'h', 'v', 'GET', 'EX', '0')).toBe(invalid);
    expect(r('SET', 'h', 'v', 'GET', 'EX', 'abc')).toBe(NOT_INTEGER);
  });

  test('an absolute time in the past stores nothing and removes the key', () => {
    const r = session();
    r('SET', 'k', 'v');
    expect(r('SET', 'k', 'w', 'PXAT', '1')).toBe(OK);
    expect(r('EXISTS', 'k')).toBe(int(0));
    expect(r('SET', 'k', 'w', 'EXAT', '1', 'GET')).toBe(NIL);
    expect(r('EXISTS', 'k')).toBe(int(0));
    // The largest absolute times are accepted.
    expect(r('SET', 'k', 'v', 'EXAT', '9223372036854775')).toBe(OK);
    expect(r('SET', 'k', 'v', 'PXAT', '9223372036854775807')).toBe(OK);
    expect(r('GET', 'k')).toBe(bulk('v'));
  });

  test('a key set with a TTL is gone once it has passed', () => {
    const r = session();
    r('SET', 'k', 'v', 'PX', '100');
    vi.advanceTimersByTime(100);
    expect(r('GET', 'k')).toBe(bulk('v'));
    vi.setSystemTime(T0 + 101);
    expect(r('GET', 'k')).toBe(NIL);
    expect(r('SET', 'k', 'w', 'XX')).toBe(NIL);
  });
});

describe('SETNX, SETEX, PSETEX', () => {
  test('SETNX: 1 when it set the key, 0 when the key exists (whatever its type)', () => {
    const r = session();
    expect(r('SETNX', 'k', '1')).toBe(int(1));
    expect(r('SETNX', 'k', '2')).toBe(int(0));
    expect(r('GET', 'k')).toBe(bulk('1'));
    r('HSET', 'h', 'f', 'v');
    expect(r('SETNX', 'h', 'x')).toBe(int(0));
    expect(r('TYPE', 'h')).toBe('+hash\r\n');
  });

  test('SETEX and PSETEX set the value and its TTL, over any old value', () => {
    const r = session();
    expect(r('SETEX', 'k', '100', 'v')).toBe(OK);
    expect([r('GET', 'k'), r('PTTL', 'k')]).toEqual([bulk('v'), int(100_000)]);
    expect(r('PSETEX', 'k', '1500', 'w')).toBe(OK);
    expect([r('GET', 'k'), r('PTTL', 'k')]).toEqual([bulk('w'), int(1500)]);
    r('HSET', 'h', 'f', 'v');
    expect(r('SETEX', 'h', '10', 'v')).toBe(OK);
    expect(r('TYPE', 'h')).toBe('+string\r\n');
  });

  test('a bad TTL names the command and leaves the key alone', () => {
    const r = session();
    r('SET', 'k', 'old');
    expect(r('SETEX', 'k', '0', 'v')).toBe("-ERR invalid expire time in 'setex' command\r\n");
    expect(r('SETEX', 'k', '-5', 'v')).toBe("-ERR invalid expire time in 'setex' command\r\n");
    expect(r('SETEX', 'k', '9223372036854775807', 'v')).toBe("-ERR invalid expire time in 'setex' command\r\n");
    expect(r('SETEX', 'k', 'abc', 'v')).toBe(NOT_INTEGER);
    expect(r('PSETEX', 'k', '0', 'v')).toBe("-ERR invalid expire time in 'psetex' command\r\n");
    expect(r('PSETEX', 'k', '-1', 'v')).toBe("-ERR invalid expire time in 'psetex' command\r\n");
    expect(r('PSETEX', 'k', '1.5', 'v')).toBe(NOT_INTEGER);
    expect([r('GET', 'k'), r('TTL', 'k')]).toEqual([bulk('old'), int(-1)]);
  });
});

describe('GETSET, GETDEL', () => {
  test('GETSET returns the old value, sets the new one and drops the TTL', () => {
    const r = session();
    expect(r('GETSET', 'k', 'a')).toBe(NIL);
    expect(r('GETSET', 'k', 'b')).toBe(bulk('a'));
    expect(r('GET', 'k')).toBe(bulk('b'));
    r('SETEX', 't', '100', 'v');
    expect(r('GETSET', 't', 'w')).toBe(bulk('v'));
    expect(r('TTL', 't')).toBe(int(-1));
  });

  test('GETDEL returns the value and deletes the key', () => {
    const r = session();
    expect(r('GETDEL', 'k')).toBe(NIL);
    r('SET', 'k', 'v');
    expect(r('GETDEL', 'k')).toBe(bulk('v'));
    expect(r('EXISTS', 'k')).toBe(int(0));
    expect(r('GETDEL', 'k')).toBe(NIL);
  });

  test('both are WRONGTYPE on a hash, which stays', () => {
    const r = session();
    r('HSET', 'h', 'f', 'v');
    expect(r('GETSET', 'h', 'x')).toBe(WRONGTYPE);
    expect(r('GETDEL', 'h')).toBe(WRONGTYPE);
    expect(r('HLEN', 'h')).toBe(int(1));
  });

  test('RESP3 nils', () => {
    const r = session(3);
    expect(r('GETSET', 'k', 'a')).toBe('_\r\n');
    expect(r('GETDEL', 'nokey')).toBe('_\r\n');
  });
});

describe('MGET, MSET, MSETNX', () => {
  test('MGET: one reply per key, nil for a missing key or one of another type', () => {
    const r = session();
    r('MSET', 'a', '1', 'b', '2');
    r('HSET', 'h', 'f', 'v');
    expect(r('MGET', 'a', 'b', 'c', 'h')).toBe('*4\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n$-1\r\n');
    expect(r('MGET', 'nokey')).toBe('*1\r\n$-1\r\n');
    expect(r('MGET', 'a', 'a')).toBe('*2\r\n$1\r\n1\r\n$1\r\n1\r\n');
  });

  test('MGET in RESP3', () => {
    const r = session(3);
    r('SET', 'k', 'v');
    expect(r('MGET', 'k', 'nokey')).toBe('*2\r\n$1\r\nv\r\n_\r\n');
  });

  test('MSET sets every pair, replaces hashes, drops TTLs; the last of a repeated key wins', () => {
    const r = session();
    r('SET', 't', 'v', 'EX', '100');
    r('HSET', 'h', 'f', 'v');
    expect(r('MSET', 'a', '1', 't', '2', 'h', '3', 'a', '4')).toBe(OK);
    expect(r('MGET', 'a', 't', 'h')).toBe('*3\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n3\r\n');
    expect(r('TTL', 't')).toBe(int(-1));
  });

  test('MSET and MSETNX with a key and no value: wrong number of arguments', () => {
    const r = session();
    expect(r('MSET', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'mset' command\r\n");
    expect(r('MSETNX', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'msetnx' command\r\n");
    expect(r('EXISTS', 'a')).toBe(int(0));
  });

  test('MSETNX sets all only when none exists', () => {
    const r = session();
    r('SET', 'a', '1', 'EX', '100');
    expect(r('MSETNX', 'a', 'x', 'x', '2')).toBe(int(0));
    expect(r('MGET', 'a', 'x')).toBe('*2\r\n$1\r\n1\r\n$-1\r\n');
    expect(r('TTL', 'a')).toBe(int(100));
    expect(r('MSETNX', 'x', '1', 'y', '2')).toBe(int(1));
    expect(r('MGET', 'x', 'y')).toBe('*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    expect(r('MSETNX', 'x', '1', 'x', '2')).toBe(int(0));
    // The same new key twice: set, the last value wins.
    expect(r('MSETNX', 'z', '1', 'z', '2')).toBe(int(1));
    expect(r('GET', 'z')).toBe(bulk('2'));
    r('HSET', 'h', 'f', 'v');
    expect(r('MSETNX', 'h', '1', 'w', '1')).toBe(int(0));
    expect(r('EXISTS', 'w')).toBe(int(0));
  });
});

describe('INCR, INCRBY, DECR, DECRBY', () => {
  test('count from 0, in both directions, and store the decimal string', () => {
    const r = session();
    expect(r('INCR', 'i')).toBe(int(1));
    expect(r('INCR', 'i')).toBe(int(2));
    expect(r('INCRBY', 'i', '10')).toBe(int(12));
    expect(r('INCRBY', 'i', '-20')).toBe(int(-8));
    expect(r('DECR', 'i')).toBe(int(-9));
    expect(r('DECRBY', 'i', '5')).toBe(int(-14));
    expect(r('DECRBY', 'i', '-5')).toBe(int(-9));
    expect(r('GET', 'i')).toBe(bulk('-9'));
    expect(r('DECR', 'd')).toBe(int(-1));
    expect(r('INCRBY', 'z', '0')).toBe(int(0));
    expect(r('GET', 'z')).toBe(bulk('0'));
  });

  test('the 64-bit limits: reached exactly, then overflow, and the value is kept', () => {
    const r = session();
    r('SET', 'i', '9223372036854775806');
    expect(r('INCR', 'i')).toBe(':9223372036854775807\r\n');
    expect(r('INCR', 'i')).toBe(OVERFLOW);
    expect(r('INCRBY', 'i', '1')).toBe(OVERFLOW);
    expect(r('GET', 'i')).toBe(bulk('9223372036854775807'));
    r('SET', 'i', '-9223372036854775807');
    expect(r('DECR', 'i')).toBe(':-9223372036854775808\r\n');
    expect(r('DECR', 'i')).toBe(OVERFLOW);
    expect(r('DECRBY', 'i', '1')).toBe(OVERFLOW);
    expect(r('INCRBY', 'i', '-1')).toBe(OVERFLOW);
    expect(r('GET', 'i')).toBe(bulk('-9223372036854775808'));
    r('SET', 'i', '0');
    expect(r('INCRBY', 'i', '-9223372036854775808')).toBe(':-9223372036854775808\r\n');
    // DECRBY cannot negate LLONG_MIN: its own message, whatever the value.
    r('SET', 'i', '0');
    expect(r('DECRBY', 'i', '-9223372036854775808')).toBe('-ERR decrement would overflow\r\n');
    expect(r('DECRBY', 'i', '9223372036854775807')).toBe(':-9223372036854775807\r\n');
  });

  test('an increment that is not a 64-bit integer in Redis spelling is refused', () => {
    const r = session();
    for (const by of ['abc', '1.5', '+1', '01', ' 1', '1 ', '', '-', '9223372036854775808', '-9223372036854775809', '1e3', '0x10']) {
      expect([by, r('INCRBY', 'i', by)]).toEqual([by, NOT_INTEGER]);
      expect([by, r('DECRBY', 'i', by)]).toEqual([by, NOT_INTEGER]);
    }
    expect(r('EXISTS', 'i')).toBe(int(0));
  });

  test('a stored value that is not an integer is refused and kept', () => {
    const r = session();
    for (const v of ['abc', '1.0', '+1', ' 1', '01', '', '12345678901234567890', '-0', '1\x00']) {
      r('SET', 's', v);
      expect([v, r('INCR', 's')]).toEqual([v, NOT_INTEGER]);
      expect([v, r('DECRBY', 's', '1')]).toEqual([v, NOT_INTEGER]);
      expect([v, r('GET', 's')]).toEqual([v, bulk(v)]);
    }
  });

  test('WRONGTYPE on a hash; a TTL is kept', () => {
    const r = session();
    r('HSET', 'h', 'f', 'v');
    expect(r('INCR', 'h')).toBe(WRONGTYPE);
    expect(r('INCRBY', 'h', '1')).toBe(WRONGTYPE);
    expect(r('DECR', 'h')).toBe(WRONGTYPE);
    expect(r('DECRBY', 'h', '1')).toBe(WRONGTYPE);
    r('SETEX', 't', '100', '5');
    vi.advanceTimersByTime(1000);
    expect(r('INCR', 't')).toBe(int(6));
    expect(r('PTTL', 't')).toBe(int(99_000));
  });

  test('a counter that expired starts again from 0, with no TTL', () => {
    const r = session();
    r('SET', 'c', '41', 'PX', '10');
    vi.setSystemTime(T0 + 11);
    expect(r('INCR', 'c')).toBe(int(1));
    expect(r('TTL', 'c')).toBe(int(-1));
  });
});

describe('INCRBYFLOAT', () => {
  test('adds and replies with the sum as Redis prints it (%.17Lf, trimmed)', () => {
    const r = session();
    expect(r('INCRBYFLOAT', 'f', '1.5')).toBe(bulk('1.5'));
    expect(r('INCRBYFLOAT', 'f', '0.1')).toBe(bulk('1.6'));
    expect(r('INCRBYFLOAT', 'f', '-1.6')).toBe(bulk('0'));
    expect(r('INCRBYFLOAT', 'f', '1e3')).toBe(bulk('1000'));
    expect(r('INCRBYFLOAT', 'f', '3.0e3')).toBe(bulk('4000'));
    expect(r('INCRBYFLOAT', 'f', '0x10')).toBe(bulk('4016'));
    expect(r('GET', 'f')).toBe(bulk('4016'));
    r('SET', 'g', '10.50');
    expect(r('INCRBYFLOAT', 'g', '0.1')).toBe(bulk('10.6'));
    r('SET', 'g', '3');
    expect(r('INCRBYFLOAT', 'g', '1.23e-5')).toBe(bulk('3.0000123'));
    expect(r('INCRBYFLOAT', 'z', '5.0')).toBe(bulk('5'));
    expect(r('INCRBYFLOAT', 'nz', '-0.0')).toBe(bulk('0'));
  });

  test('bad increments, bad stored values and infinite sums are refused, the value kept', () => {
    const r = session();
    r('SET', 'f', '1');
    for (const by of ['abc', 'nan', '', ' 1', '1e5000']) expect([by, r('INCRBYFLOAT', 'f', by)]).toEqual([by, NOT_FLOAT]);
    expect(r('INCRBYFLOAT', 'f', 'inf')).toBe(NAN_OR_INF);
    expect(r('INCRBYFLOAT', 'f', '-inf')).toBe(NAN_OR_INF);
    expect(r('GET', 'f')).toBe(bulk('1'));
    r('SET', 's', 'abc');
    expect(r('INCRBYFLOAT', 's', '1')).toBe(NOT_FLOAT);
    r('SET', 's', 'inf');
    expect(r('INCRBYFLOAT', 's', '1')).toBe(NAN_OR_INF);
    expect(r('GET', 's')).toBe(bulk('inf'));
    r('HSET', 'h', 'f', '1');
    expect(r('INCRBYFLOAT', 'h', '1')).toBe(WRONGTYPE);
  });

  test('keeps the TTL; RESP3 replies with a bulk string too', () => {
    const r = session(3);
    r('SETEX', 't', '100', '1');
    expect(r('INCRBYFLOAT', 't', '1')).toBe(bulk('2'));
    expect(r('TTL', 't')).toBe(int(100));
  });
});

describe('APPEND, STRLEN', () => {
  test('APPEND creates or extends the string and replies with the new length', () => {
    const r = session();
    expect(r('APPEND', 'a', 'hello')).toBe(int(5));
    expect(r('APPEND', 'a', ' world')).toBe(int(11));
    expect(r('APPEND', 'a', '')).toBe(int(11));
    expect(r('GET', 'a')).toBe(bulk('hello world'));
    expect(r('APPEND', 'b', '\x00\xff')).toBe(int(2));
    expect(r('APPEND', 'e', '')).toBe(int(0));
    expect(r('EXISTS', 'e')).toBe(int(1));
  });

  test('APPEND keeps the TTL and is WRONGTYPE on a hash', () => {
    const r = session();
    r('SETEX', 't', '100', 'a');
    expect(r('APPEND', 't', 'b')).toBe(int(2));
    expect(r('TTL', 't')).toBe(int(100));
    r('HSET', 'h', 'f', 'v');
    expect(r('APPEND', 'h', 'x')).toBe(WRONGTYPE);
  });

  test('APPEND past the longest string is refused before anything is joined', () => {
    const r = session();
    const third = 'x'.repeat(200 * 1024 * 1024);
    r('SET', 'big', third);
    expect(r('APPEND', 'big', third)).toBe(int(2 * third.length));
    // 600 MB would pass V8's limit (and Redis's 512 MB): the error, not a thrown RangeError.
    expect(r('APPEND', 'big', third)).toBe('-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    expect(r('STRLEN', 'big')).toBe(int(2 * third.length));
  });

  test('STRLEN: bytes, 0 when missing, WRONGTYPE on a hash', () => {
    const r = session();
    r('SET', 'num', '12345');
    r('SET', 'bin', '\x00\xff\r\n');
    expect(r('STRLEN', 'num')).toBe(int(5));
    expect(r('STRLEN', 'bin')).toBe(int(4));
    expect(r('STRLEN', 'nokey')).toBe(int(0));
    r('HSET', 'h', 'f', 'v');
    expect(r('STRLEN', 'h')).toBe(WRONGTYPE);
  });
});

describe('GETRANGE, SUBSTR, SETRANGE', () => {
  test('GETRANGE: inclusive offsets, negative from the end, clamped; empty when nothing is left', () => {
    const r = session();
    expect(r('GETRANGE', 'nokey', '0', '-1')).toBe(bulk(''));
    r('SET', 's', 'Hello, World');
    expect(r('GETRANGE', 's', '0', '4')).toBe(bulk('Hello'));
    expect(r('GETRANGE', 's', '-5', '-1')).toBe(bulk('World'));
    expect(r('GETRANGE', 's', '-1', '-5')).toBe(bulk(''));
    expect(r('GETRANGE', 's', '-100', '100')).toBe(bulk('Hello, World'));
    expect(r('GETRANGE', 's', '100', '200')).toBe(bulk(''));
    expect(r('SUBSTR', 's', '7', '-1')).toBe(bulk('World'));
    expect(r('GETRANGE', 's', 'x', '1')).toBe(NOT_INTEGER);
    r('HSET', 'h', 'f', 'v');
    expect(r('GETRANGE', 'h', '0', '1')).toBe(WRONGTYPE);
  });

  test('SETRANGE: overwrites, pads with NUL bytes, keeps the TTL; empty values and bad offsets', () => {
    const r = session();
    r('SET', 's', 'Hello World');
    expect(r('SETRANGE', 's', '6', 'Redis')).toBe(int(11));
    expect(r('GET', 's')).toBe(bulk('Hello Redis'));
    expect(r('SETRANGE', 'p', '3', 'ab')).toBe(int(5));
    expect(r('GET', 'p')).toBe(bulk('\x00\x00\x00ab'));
    expect(r('SETRANGE', 'none', '5', '')).toBe(int(0));
    expect(r('EXISTS', 'none')).toBe(int(0));
    expect(r('SETRANGE', 's', '100', '')).toBe(int(11));
    expect(r('SETRANGE', 's', '-1', 'x')).toBe('-ERR offset is out of range\r\n');
    expect(r('SETRANGE', 's', '536870912', 'x')).toBe('-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
    r('SETEX', 't', '100', 'abc');
    expect(r('SETRANGE', 't', '1', 'Z')).toBe(int(3));
    expect([r('GET', 't'), r('TTL', 't')]).toEqual([bulk('aZc'), int(100)]);
  });
});

describe('GETEX', () => {
  test('returns the value and sets, changes or clears its TTL; an absolute time past deletes it', () => {
    const r = session();
    expect(r('GETEX', 'nokey', 'EX', 'x')).toBe(NIL);
    r('SET', 'k', 'v');
    expect(r('GETEX', 'k', 'EX', '100')).toBe(bulk('v'));
    expect(r('TTL', 'k')).toBe(int(100));
    expect(r('GETEX', 'k', 'PX', '5000')).toBe(bulk('v'));
    expect(r('PTTL', 'k')).toBe(int(5000));
    expect(r('GETEX', 'k', 'PERSIST')).toBe(bulk('v'));
    expect(r('TTL', 'k')).toBe(int(-1));
    expect(r('GETEX', 'k', 'PXAT', String(T0 + 1234))).toBe(bulk('v'));
    expect(r('PEXPIRETIME', 'k')).toBe(int(T0 + 1234));
    expect(r('GETEX', 'k', 'EXAT', '1')).toBe(bulk('v'));
    expect(r('EXISTS', 'k')).toBe(int(0));
  });

  test('options: one unit, repeatable; PERSIST with a time, KEEPTTL, NX are syntax errors', () => {
    const r = session();
    r('SET', 'k', 'v');
    expect(r('GETEX', 'k', 'EX', '10', 'EX', '20')).toBe(bulk('v'));
    expect(r('TTL', 'k')).toBe(int(20));
    for (const opts of [['EX', '1', 'PX', '1'], ['PERSIST', 'EX', '1'], ['EX', '1', 'PERSIST'], ['KEEPTTL'], ['NX'], ['EX']]) {
      expect(r('GETEX', 'k', ...opts), opts.join(' ')).toBe(SYNTAX);
    }
    expect(r('GETEX', 'k', 'EX', '0')).toBe("-ERR invalid expire time in 'getex' command\r\n");
    expect(r('GETEX', 'k', 'EX', 'x')).toBe(NOT_INTEGER);
    r('HSET', 'h', 'f', 'v');
    expect(r('GETEX', 'h')).toBe(WRONGTYPE);
  });
});

describe('LCS', () => {
  test('the common subsequence, its length, and its matches last to first', () => {
    const r = session();
    r('SET', 'l1', 'ohmytext');
    r('SET', 'l2', 'mynewtext');
    expect(r('LCS', 'l1', 'l2')).toBe(bulk('mytext'));
    expect(r('LCS', 'l1', 'l2', 'LEN')).toBe(int(6));
    expect(r('LCS', 'l1', 'l2', 'IDX')).toBe(
      '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n',
    );
    expect(r('LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toBe(
      '*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n',
    );
    expect(r('LCS', 'l1', 'nokey')).toBe(bulk(''));
    expect(r('LCS', 'nokey', 'nokey2', 'LEN')).toBe(int(0));
  });

  test('RESP3: IDX is a map', () => {
    const r = session(3);
    r('SET', 'l1', 'ohmytext');
    r('SET', 'l2', 'mynewtext');
    expect(r('LCS', 'l1', 'l2', 'IDX', 'WITHMATCHLEN')).toBe(
      '%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n',
    );
  });

  test('errors', () => {
    const r = session();
    r('SET', 'l1', 'a');
    r('HSET', 'h', 'f', 'v');
    expect(r('LCS', 'l1', 'l1', 'LEN', 'IDX')).toBe('-ERR If you want both the length and indexes, please just use IDX.\r\n');
    expect(r('LCS', 'l1', 'l1', 'MINMATCHLEN')).toBe(SYNTAX);
    expect(r('LCS', 'l1', 'l1', 'MINMATCHLEN', 'x')).toBe(NOT_INTEGER);
    expect(r('LCS', 'l1', 'l1', 'FOO')).toBe(SYNTAX);
    expect(r('LCS', 'l1', 'h')).toBe('-ERR The specified keys must contain string values\r\n');
  });
});
