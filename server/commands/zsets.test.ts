// The sorted-set commands of zsets.ts. Expected replies are the bytes
// redis-server 7.0.15 sent for the same commands; sorted sets are ordered, so
// almost every reply is deterministic. Random picks are checked by shape and
// membership; ranges against a sorted model on a large set.

import { describe, expect, test } from 'vitest';
import { bulk, bulkItems, int, NIL, NOT_INTEGER, SYNTAX, testSessions, WRONGTYPE } from './test-node.js';

const arr = (...items: string[]): string => `*${items.length}\r\n${items.map(bulk).join('')}`;
const NOT_FLOAT = '-ERR value is not a valid float\r\n';
const session = testSessions();

describe('ZADD and ZINCRBY', () => {
  test('NX, XX, GT, LT, CH and INCR as Redis counts them', () => {
    const r = session();
    expect(r('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c')).toBe(int(3));
    expect(r('ZADD', 'z', 'NX', '10', 'a', '6', 'f')).toBe(int(1));
    expect(r('ZADD', 'z', 'XX', '10', 'a', '7', 'g')).toBe(int(0));
    expect(r('ZADD', 'z', 'XX', 'CH', '11', 'a', '7', 'g')).toBe(int(1));
    expect(r('ZADD', 'z', 'GT', 'CH', '1', 'a', '20', 'b')).toBe(int(1));
    expect(r('ZADD', 'z', 'LT', 'CH', '1', 'a', '20', 'c')).toBe(int(1));
    expect(r('ZADD', 'z', 'INCR', '5', 'a')).toBe(bulk('6'));
    expect(r('ZADD', 'z', 'INCR', 'NX', '5', 'a')).toBe(NIL);
    expect(r('ZADD', 'z', 'INCR', 'XX', '5', 'nope')).toBe(NIL);
    expect(r('ZADD', 'z', 'INCR', 'GT', '-100', 'a')).toBe(NIL);
    expect(r('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toBe(arr('c', '3', 'a', '6', 'f', '6', 'b', '20'));
    expect(r('ZADD', 'nokey', 'XX', '1', 'a')).toBe(int(0));
    expect(r('EXISTS', 'nokey')).toBe(int(0));
  });

  test('option and score errors, in Redis\'s order', () => {
    const r = session();
    r('SET', 'str', 'x');
    expect(r('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toBe('-ERR INCR option supports a single increment-element pair\r\n');
    expect(r('ZADD', 'z', 'XX', 'NX', '1', 'a')).toBe('-ERR XX and NX options at the same time are not compatible\r\n');
    expect(r('ZADD', 'z', 'GT', 'LT', '1', 'a')).toBe('-ERR GT, LT, and/or NX options at the same time are not compatible\r\n');
    expect(r('ZADD', 'z', 'NX', 'GT', '1', 'a')).toBe('-ERR GT, LT, and/or NX options at the same time are not compatible\r\n');
    expect(r('ZADD', 'z', '1', 'a', '2')).toBe(SYNTAX);
    expect(r('ZADD', 'z', 'FOO', '1', 'a')).toBe(SYNTAX);
    expect(r('ZADD', 'z', 'FOO', 'a')).toBe(NOT_FLOAT);
    expect(r('ZADD', 'z', 'nan', 'a')).toBe(NOT_FLOAT);
    expect(r('ZADD', 'z', '1e400', 'a')).toBe(NOT_FLOAT);
    expect(r('ZADD', 'str', '1', 'a')).toBe(WRONGTYPE);
    expect(r('ZADD', 'str', 'x', 'a')).toBe(NOT_FLOAT);
    r('ZADD', 'z', 'inf', 'p');
    expect(r('ZINCRBY', 'z', '-inf', 'p')).toBe('-ERR resulting score is not a number (NaN)\r\n');
    expect(r('ZINCRBY', 'z', '1.5', 'n')).toBe(bulk('1.5'));
    expect(r('ZINCRBY', 'z', '1.5', 'n')).toBe(bulk('3'));
    expect(r('ZINCRBY', 'z', '0.1', 'n')).toBe(bulk('3.1000000000000001'));
  });

  test('encoding: listpack while small, skiplist once past zset-max-listpack-entries or -value', () => {
    const r = session();
    r('ZADD', 'z', '1', 'a');
    expect(r('OBJECT', 'ENCODING', 'z')).toBe(bulk('listpack'));
    r('ZADD', 'z', '1', 'x'.repeat(65));
    expect(r('OBJECT', 'ENCODING', 'z')).toBe(bulk('skiplist'));
    r('ZREM', 'z', 'x'.repeat(65));
    expect(r('OBJECT', 'ENCODING', 'z')).toBe(bulk('skiplist'));
    r('CONFIG', 'SET', 'zset-max-listpack-entries', '2');
    r('ZADD', 'y', '1', 'a', '2', 'b', '3', 'c');
    expect(r('OBJECT', 'ENCODING', 'y')).toBe(bulk('skiplist'));
    r('ZUNIONSTORE', 'u', '1', 'z');
    expect(r('OBJECT', 'ENCODING', 'u')).toBe(bulk('listpack'));
    expect(r('TYPE', 'u')).toBe('+zset\r\n');
  });
});

describe('ranges', () => {
  const fill = (r: (...argv: string[]) => string): void => {
    r('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  };

  test('by rank, reversed, out of range', () => {
    const r = session();
    fill(r);
    expect(r('ZRANGE', 'z', '-3', '-1', 'WITHSCORES')).toBe(arr('c', '3', 'd', '4', 'e', '5'));
    expect(r('ZRANGE', 'z', '2', '1')).toBe('*0\r\n');
    expect(r('ZRANGE', 'z', '-100', '1')).toBe(arr('a', 'b'));
    expect(r('ZRANGE', 'z', '1', '3', 'REV')).toBe(arr('d', 'c', 'b'));
    expect(r('ZREVRANGE', 'z', '0', '1', 'WITHSCORES')).toBe(arr('e', '5', 'd', '4'));
    expect(r('ZRANGE', 'z', '0', 'x')).toBe(NOT_INTEGER);
    expect(r('ZRANGE', 'nokey', '0', '-1')).toBe('*0\r\n');
  });

  test('by score, exclusive bounds, LIMIT (a negative count is no limit, a negative offset nothing)', () => {
    const r = session();
    fill(r);
    expect(r('ZRANGE', 'z', '(1', '3', 'BYSCORE')).toBe(arr('b', 'c'));
    expect(r('ZRANGE', 'z', '4', '(2', 'BYSCORE', 'REV', 'WITHSCORES')).toBe(arr('d', '4', 'c', '3'));
    expect(r('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '2')).toBe(arr('b', 'c'));
    expect(r('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '-1')).toBe(arr('b', 'c', 'd', 'e'));
    expect(r('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2')).toBe('*0\r\n');
    expect(r('ZRANGEBYSCORE', 'z', '(5', '5')).toBe('*0\r\n');
    expect(r('ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '1', '1')).toBe(arr('d'));
    expect(r('ZCOUNT', 'z', '(1', '5')).toBe(int(4));
    expect(r('ZCOUNT', 'z', '5', '1')).toBe(int(0));
    expect(r('ZCOUNT', 'z', 'a', 'b')).toBe('-ERR min or max is not a float\r\n');
  });

  test('by lex, and the option errors', () => {
    const r = session();
    r('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e');
    expect(r('ZRANGEBYLEX', 'l', '[b', '(e')).toBe(arr('b', 'c', 'd'));
    expect(r('ZRANGEBYLEX', 'l', '(b', '[e', 'LIMIT', '1', '2')).toBe(arr('d', 'e'));
    expect(r('ZREVRANGEBYLEX', 'l', '[e', '(b')).toBe(arr('e', 'd', 'c'));
    expect(r('ZRANGE', 'l', '+', '-', 'BYLEX', 'REV')).toBe(arr('e', 'd', 'c', 'b', 'a'));
    expect(r('ZLEXCOUNT', 'l', '-', '+')).toBe(int(5));
    expect(r('ZLEXCOUNT', 'l', '(b', '(b')).toBe(int(0));
    expect(r('ZLEXCOUNT', 'l', '[b', '[b')).toBe(int(1));
    expect(r('ZRANGEBYLEX', 'l', 'b', 'e')).toBe('-ERR min or max not valid string range item\r\n');
    expect(r('ZRANGEBYLEX', 'l', '+x', '-')).toBe('-ERR min or max not valid string range item\r\n');
    expect(r('ZRANGE', 'l', '-', '+', 'BYLEX', 'WITHSCORES')).toBe('-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n');
    expect(r('ZRANGE', 'l', '0', '1', 'LIMIT', '0', '1')).toBe('-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n');
    expect(r('ZRANGE', 'l', '0', '1', 'BYSCORE', 'BYLEX')).toBe(SYNTAX);
    expect(r('ZRANGEBYSCORE', 'l', '0', '1', 'REV')).toBe(SYNTAX);
  });

  test('ranges of a large set agree with a sorted model', () => {
    const r = session();
    const model: [number, string][] = [];
    for (let i = 0; i < 2000; i++) {
      const s = (i * 7919) % 301;
      model.push([s, `m${i}`]);
    }
    for (let i = 0; i < model.length; i += 100) r('ZADD', 'big', ...model.slice(i, i + 100).flatMap(([s, m]) => [String(s), m]));
    model.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    expect(bulkItems(r('ZRANGE', 'big', '500', '520'))).toEqual(model.slice(500, 521).map(([, m]) => m));
    expect(bulkItems(r('ZRANGEBYSCORE', 'big', '(100', '150', 'LIMIT', '7', '30'))).toEqual(model.filter(([s]) => s > 100 && s <= 150).slice(7, 37).map(([, m]) => m));
    expect(r('ZCOUNT', 'big', '10', '(20')).toBe(int(model.filter(([s]) => s >= 10 && s < 20).length));
    const [, member] = model[1234]!;
    expect(r('ZRANK', 'big', member)).toBe(int(1234));
    expect(r('ZREVRANK', 'big', member)).toBe(int(2000 - 1 - 1234));
    expect(r('ZREMRANGEBYRANK', 'big', '0', '999')).toBe(int(1000));
    expect(bulkItems(r('ZRANGE', 'big', '0', '2'))).toEqual(model.slice(1000, 1003).map(([, m]) => m));
  });

  test('ZRANGESTORE stores what ZRANGE would answer; an empty range deletes the destination', () => {
    const r = session();
    fill(r);
    expect(r('ZRANGESTORE', 'dst', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '0', '2')).toBe(int(2));
    expect(r('ZRANGE', 'dst', '0', '-1', 'WITHSCORES')).toBe(arr('b', '2', 'c', '3'));
    expect(r('ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES')).toBe(SYNTAX);
    expect(r('ZRANGESTORE', 'dst', 'nokey', '0', '-1')).toBe(int(0));
    expect(r('EXISTS', 'dst')).toBe(int(0));
  });
});

describe('reads and removals', () => {
  test('ZSCORE, ZMSCORE, ZRANK, ZCARD, ZREM, ZREMRANGEBY*', () => {
    const r = session();
    r('ZADD', 'z', '1', 'a', '2', 'b', '0.1', 'x', '-0', 'n');
    expect(r('ZSCORE', 'z', 'x')).toBe(bulk('0.10000000000000001'));
    expect(r('ZSCORE', 'z', 'n')).toBe(bulk('0'));
    expect(r('ZMSCORE', 'z', 'a', 'nope')).toBe(`*2\r\n${bulk('1')}${NIL}`);
    expect(r('ZRANK', 'z', 'a')).toBe(int(2));
    expect(r('ZRANK', 'z', 'nope')).toBe(NIL);
    expect(r('ZCARD', 'z')).toBe(int(4));
    expect(r('ZREM', 'z', 'a', 'nope')).toBe(int(1));
    expect(r('ZREMRANGEBYSCORE', 'z', '(0', '1')).toBe(int(1));
    expect(r('ZREMRANGEBYLEX', 'z', '-', '+')).toBe(int(2));
    expect(r('EXISTS', 'z')).toBe(int(0));
  });

  test('every sorted-set command is WRONGTYPE on a string', () => {
    const r = session();
    r('SET', 'str', 'x');
    for (const argv of [['ZCARD', 'str'], ['ZSCORE', 'str', 'a'], ['ZRANGE', 'str', '0', '1'], ['ZCOUNT', 'str', '0', '1'], ['ZPOPMIN', 'str'], ['ZRANK', 'str', 'a'], ['ZREM', 'str', 'a'], ['ZSCAN', 'str', '0'], ['ZRANDMEMBER', 'str'], ['ZUNION', '1', 'str'], ['ZMPOP', '1', 'str', 'MIN'], ['ZINCRBY', 'str', '1', 'a']]) {
      expect([argv.join(' '), r(...argv)]).toEqual([argv.join(' '), WRONGTYPE]);
    }
  });
});

describe('pops', () => {
  test('ZPOPMIN, ZPOPMAX and ZMPOP in both protocols', () => {
    const r2 = session();
    r2('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(r2('ZPOPMIN', 'z')).toBe(arr('a', '1'));
    expect(r2('ZPOPMAX', 'z', '5')).toBe(arr('c', '3', 'b', '2'));
    expect(r2('EXISTS', 'z')).toBe(int(0));
    expect(r2('ZPOPMIN', 'z', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    r2('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(r2('ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '2')).toBe(`*2\r\n${bulk('z')}*2\r\n*2\r\n${bulk('c')}${bulk('3')}*2\r\n${bulk('b')}${bulk('2')}`);
    expect(r2('ZMPOP', '1', 'nokey', 'MIN')).toBe('*-1\r\n');
    expect(r2('ZMPOP', '0', 'z', 'MIN')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r2('ZMPOP', '1', 'z', 'MIN', 'COUNT', '0')).toBe('-ERR count should be greater than 0\r\n');
    expect(r2('ZMPOP', '1', 'z', 'FOO')).toBe(SYNTAX);
    expect(r2('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1')).toBe(SYNTAX);
    const r3 = session(3);
    r3('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(r3('ZPOPMIN', 'z')).toBe(`*2\r\n${bulk('a')},1\r\n`);
    expect(r3('ZPOPMIN', 'z', '1')).toBe(`*1\r\n*2\r\n${bulk('b')},2\r\n`);
    expect(r3('ZMPOP', '1', 'z', 'MIN')).toBe(`*2\r\n${bulk('z')}*1\r\n*2\r\n${bulk('c')},3\r\n`);
    expect(r3('ZMPOP', '1', 'z', 'MIN')).toBe('_\r\n');
  });
});

describe('BZPOPMIN, BZPOPMAX, BZMPOP run at once (as in MULTI, or when a key is ready)', () => {
  test('the first non-empty sorted set answers; none answers nil; arguments are checked first', () => {
    const r2 = session();
    r2('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    r2('SET', 'str', 'x');
    expect(r2('BZPOPMIN', 'nokey', 'z', '0')).toBe(arr('z', 'a', '1'));
    expect(r2('BZPOPMAX', 'z', '0.5')).toBe(arr('z', 'c', '3'));
    expect(r2('BZPOPMIN', 'nokey', '0')).toBe('*-1\r\n');
    expect(r2('BZPOPMIN', 'str', 'z', '0')).toBe(WRONGTYPE);
    expect(r2('BZPOPMIN', 'z', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(r2('BZPOPMIN', 'z', 'x')).toBe('-ERR timeout is not a float or out of range\r\n');
    r2('ZADD', 'z', '5', 'e');
    expect(r2('BZMPOP', '0', '2', 'nokey', 'z', 'MAX', 'COUNT', '5')).toBe(`*2\r\n${bulk('z')}*2\r\n*2\r\n${bulk('e')}${bulk('5')}*2\r\n${bulk('b')}${bulk('2')}`);
    expect(r2('EXISTS', 'z')).toBe(int(0));
    expect(r2('BZMPOP', '0', '1', 'z', 'MIN')).toBe('*-1\r\n');
    expect(r2('BZMPOP', '0', '0', 'z', 'MIN')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(r2('BZMPOP', 'x', '1', 'z', 'MIN')).toBe('-ERR timeout is not a float or out of range\r\n');
    const r3 = session(3);
    r3('ZADD', 'z', '1.5', 'a');
    expect(r3('BZPOPMIN', 'z', '0')).toBe(`*3\r\n${bulk('z')}${bulk('a')},1.5\r\n`);
    expect(r3('BZPOPMIN', 'z', '0')).toBe('_\r\n');
  });
});

describe('ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD', () => {
  test('weights, aggregates, plain sets as sources scoring 1', () => {
    const r = session();
    r('ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c');
    r('ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd');
    r('SADD', 's1', 'a', 'd', 'x');
    expect(r('ZUNION', '2', 'z1', 'z2', 'WITHSCORES')).toBe(arr('a', '1', 'b', '12', 'c', '23', 'd', '30'));
    expect(r('ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX', 'WITHSCORES')).toBe(arr('a', '2', 'b', '30', 'c', '60', 'd', '90'));
    expect(r('ZUNION', '3', 'z1', 'z2', 's1', 'WITHSCORES')).toBe(arr('x', '1', 'a', '2', 'b', '12', 'c', '23', 'd', '31'));
    expect(r('ZINTER', '2', 'z1', 'z2', 'AGGREGATE', 'MIN', 'WITHSCORES')).toBe(arr('b', '2', 'c', '3'));
    expect(r('ZDIFF', '2', 'z1', 's1')).toBe(arr('b', 'c'));
    expect(r('ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '2')).toBe(SYNTAX);
    expect(r('ZUNION', '0', 'z1')).toBe("-ERR at least 1 input key is needed for 'zunion' command\r\n");
    expect(r('ZUNION', '3', 'z1', 'z2')).toBe(SYNTAX);
    expect(r('ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x')).toBe('-ERR weight value is not a float\r\n');
    expect(r('ZUNION', 'x', 'z1')).toBe(NOT_INTEGER);
    expect(r('ZUNIONSTORE', 'out', '2', 'z1', 'z2')).toBe(int(4));
    expect(r('ZUNIONSTORE', 'out', '2', 'z1', 'z2', 'WITHSCORES')).toBe(SYNTAX);
    expect(r('ZINTERSTORE', 'out', '2', 'z1', 'nokey')).toBe(int(0));
    expect(r('EXISTS', 'out')).toBe(int(0));
    expect(r('ZINTERCARD', '2', 'z1', 'z2')).toBe(int(2));
    expect(r('ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '1')).toBe(int(1));
    expect(r('ZINTERCARD', '2', 'z1', 'z2', 'WEIGHTS', '1', '1')).toBe(SYNTAX);
  });

  test('inf * 0 and inf + -inf count as 0; a negative score times 0 is -0 outside a listpack', () => {
    const r = session();
    r('ZADD', 'p', 'inf', 'a');
    r('ZADD', 'n', '-inf', 'a', '-1', 'b');
    expect(r('ZUNION', '2', 'p', 'n', 'WITHSCORES')).toBe(arr('b', '-1', 'a', '0'));
    expect(r('ZUNION', '1', 'p', 'WEIGHTS', '0', 'WITHSCORES')).toBe(arr('a', '0'));
    expect(r('ZUNION', '1', 'n', 'WEIGHTS', '0', 'WITHSCORES')).toBe(arr('a', '0', 'b', '-0'));
    // Only the first source's NaN is made 0; a later one makes the sum NaN, which is 0 (redis-server: 0, not inf).
    expect(r('ZINTER', '2', 'n', 'n', 'WEIGHTS', '-1', '0', 'WITHSCORES')).toBe(arr('a', '0', 'b', '1'));
    r('ZUNIONSTORE', 'stored', '1', 'n', 'WEIGHTS', '0');
    expect(r('ZSCORE', 'stored', 'b')).toBe(bulk('0'));
  });
});

describe('ZRANDMEMBER and ZSCAN', () => {
  test('ZRANDMEMBER: the whole set from the top when count covers it; repeats for a negative count', () => {
    const r = session();
    r('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(r('ZRANDMEMBER', 'z', '5', 'WITHSCORES')).toBe(arr('c', '3', 'b', '2', 'a', '1'));
    expect(bulkItems(r('ZRANDMEMBER', 'z', '-20')).length).toBe(20);
    expect(new Set(bulkItems(r('ZRANDMEMBER', 'z', '2'))).size).toBe(2);
    expect(r('ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES')).toBe('-ERR value is out of range\r\n');
    expect(r('ZRANDMEMBER', 'z', '1', 'FOO')).toBe(SYNTAX);
    expect(r('ZRANDMEMBER', 'nokey')).toBe(NIL);
  });

  test('ZSCAN: a listpack whole and in order, scores as text', () => {
    const r = session();
    r('ZADD', 'z', '2', 'b', '0.1', 'x', '1e100', 'y');
    expect(r('ZSCAN', 'z', '0')).toBe(`*2\r\n${bulk('0')}${arr('x', '0.10000000000000001', 'b', '2', 'y', '1e+100')}`);
    expect(r('ZSCAN', 'nokey', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    expect(r('ZSCAN', 'z', 'x')).toBe('-ERR invalid cursor\r\n');
  });
});
