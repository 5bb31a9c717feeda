// The list commands of lists.ts. Expected replies are the bytes redis-server
// 7.0.15 sent for the same commands (client-tests/lists.test.ts compares whole
// random sequences with it); here, the rules one at a time, the timeout
// arithmetic, and what each pop is logged as.

import { describe, expect, test } from 'vitest';
import { bulk, int, NIL, NOT_INTEGER, SYNTAX, testNode, testSessions, WRONGTYPE } from './test-node.js';
import { lookupCommand } from './table.js';
import { parseTimeout, servingArgv, wouldBlock, parseBlocking, type BlockingArgs } from './lists.js';
import { propagation } from './propagate.js';

const arr = (...items: string[]): string => `*${items.length}\r\n${items.map(bulk).join('')}`;
const session = testSessions();

describe('pushes, pops and reads', () => {
  test('LPUSH/RPUSH grow the list; pops empty it and the key goes', () => {
    const r = session();
    expect(r('RPUSH', 'l', 'a', 'b')).toBe(int(2));
    expect(r('LPUSH', 'l', 'x', 'y')).toBe(int(4));
    expect(r('LRANGE', 'l', '0', '-1')).toBe(arr('y', 'x', 'a', 'b'));
    expect(r('LPOP', 'l')).toBe(bulk('y'));
    expect(r('RPOP', 'l', '2')).toBe(arr('b', 'a'));
    expect(r('LPOP', 'l', '5')).toBe(arr('x'));
    expect(r('EXISTS', 'l')).toBe(int(0));
    expect(r('LPOP', 'l')).toBe(NIL);
    expect(r('LPOP', 'l', '1')).toBe('*-1\r\n');
    expect(r('LPUSHX', 'l', 'a')).toBe(int(0));
    expect(r('TYPE', 'l')).toBe('+none\r\n');
    r('RPUSH', 'l', 'a');
    expect(r('LPOP', 'l', '0')).toBe('*0\r\n');
    expect(r('LPOP', 'l', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(r('TYPE', 'l')).toBe('+list\r\n');
    expect(r('OBJECT', 'ENCODING', 'l')).toBe(bulk('quicklist'));
  });

  test('a wrong type is refused, and a wrong index before or after the lookup as Redis orders it', () => {
    const r = session();
    r('SET', 's', 'v');
    for (const argv of [['LPUSH', 's', 'a'], ['LLEN', 's'], ['LRANGE', 's', '0', '1'], ['LPOP', 's'], ['LMOVE', 's', 'x', 'LEFT', 'LEFT']]) expect(r(...argv)).toBe(WRONGTYPE);
    expect(r('LINDEX', 'nokey', 'x')).toBe(NIL); // looked up first
    expect(r('LRANGE', 'nokey', 'x', '1')).toBe(NOT_INTEGER); // parsed first
    expect(r('LSET', 'nokey', '0', 'v')).toBe('-ERR no such key\r\n');
    r('RPUSH', 'l', 'a');
    expect(r('LSET', 'l', '5', 'v')).toBe('-ERR index out of range\r\n');
    expect(r('LINSERT', 'l', 'aside', 'a', 'b')).toBe(SYNTAX);
    expect(r('LINSERT', 'l', 'AFTER', 'zz', 'b')).toBe(int(-1));
    expect(r('LINSERT', 'l', 'AFTER', 'a', 'b')).toBe(int(2));
  });

  test('LTRIM, LREM and LPOS as t_list.c counts', () => {
    const r = session();
    r('RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a');
    expect(r('LPOS', 'l', 'a', 'RANK', '-1')).toBe(int(6));
    expect(r('LPOS', 'l', 'a', 'COUNT', '0')).toBe('*3\r\n:0\r\n:3\r\n:6\r\n');
    expect(r('LPOS', 'l', 'a', 'RANK', '2', 'COUNT', '1')).toBe('*1\r\n:3\r\n');
    expect(r('LPOS', 'l', 'c', 'MAXLEN', '2')).toBe(NIL);
    expect(r('LREM', 'l', '-2', 'a')).toBe(int(2));
    expect(r('LRANGE', 'l', '0', '-1')).toBe(arr('a', 'b', 'c', 'b', 'c'));
    expect(r('LTRIM', 'l', '1', '-2')).toBe('+OK\r\n');
    expect(r('LRANGE', 'l', '0', '-1')).toBe(arr('b', 'c', 'b'));
    expect(r('LTRIM', 'l', '5', '1')).toBe('+OK\r\n');
    expect(r('EXISTS', 'l')).toBe(int(0));
  });

  test('LMOVE rotates a list onto itself, and makes its destination', () => {
    const r = session();
    r('RPUSH', 'l', 'a', 'b', 'c');
    expect(r('LMOVE', 'l', 'l', 'LEFT', 'RIGHT')).toBe(bulk('a'));
    expect(r('LRANGE', 'l', '0', '-1')).toBe(arr('b', 'c', 'a'));
    expect(r('RPOPLPUSH', 'l', 'm')).toBe(bulk('a'));
    expect(r('LRANGE', 'm', '0', '-1')).toBe(arr('a'));
    expect(r('LMOVE', 'l', 'm', 'UP', 'LEFT')).toBe(SYNTAX);
    expect(r('LMPOP', '2', 'nokey', 'l', 'RIGHT', 'COUNT', '5')).toBe(`*2\r\n${bulk('l')}${arr('c', 'b')}`);
    expect(r('EXISTS', 'l')).toBe(int(0));
  });
});

describe('blocking pops run now', () => {
  test('inside MULTI (or with data there) they answer at once; an empty key answers as timed out', () => {
    const r = session();
    expect(r('BLPOP', 'l', '0')).toBe('*-1\r\n');
    expect(r('BLMOVE', 'l', 'm', 'LEFT', 'LEFT', '0')).toBe(NIL);
    r('RPUSH', 'l', 'a', 'b');
    expect(r('BRPOP', 'nokey', 'l', '0')).toBe(arr('l', 'b'));
    expect(r('BRPOPLPUSH', 'l', 'm', '0')).toBe(bulk('a'));
    expect(r('BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '3')).toBe(`*2\r\n${bulk('m')}${arr('a')}`);
  });

  test('what each pop is logged as: the LPOP/RPOP/LMOVE it became', () => {
    const node = testNode();
    const logged: string[][] = [];
    node.store.log.subscribe((cmd) => logged.push([...cmd]));
    const run = (...argv: string[]): void => {
      const spec = lookupCommand(argv[0]!)!;
      node.store.log.unchanged = false;
      const reply = spec.run!(node.ctx, argv) as string;
      if (!reply.startsWith('-') && !node.store.log.unchanged) for (const c of propagation(spec, argv, node.store)) logged.push([...c]);
    };
    try {
      run('RPUSH', 'l', 'a', 'b', 'c', 'd');
      run('BLPOP', 'x', 'l', '0');
      run('BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '10');
      run('RPUSH', 'l', 'a');
      run('BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '5');
      run('RPUSH', 'l', 'a');
      run('BRPOPLPUSH', 'l', 'm', '5');
      run('LMPOP', '1', 'm', 'LEFT');
      run('BLPOP', 'none', '0'); // nothing popped: nothing logged
      expect(logged).toEqual([
        ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
        ['LPOP', 'l'],
        ['RPOP', 'l', '3'],
        ['RPUSH', 'l', 'a'],
        ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
        ['RPUSH', 'l', 'a'],
        ['RPOPLPUSH', 'l', 'm'],
        ['LPOP', 'm', '1'],
      ]);
    } finally {
      node.close();
    }
  });
});

describe('the arguments of a blocking command', () => {
  test('timeouts as Redis 7.0 reads them: ceil(seconds × 1000) ms, out of range or infinite is "negative"', () => {
    expect(parseTimeout('0')).toBe(0);
    expect(parseTimeout('1')).toBe(1000);
    expect(parseTimeout('0.0001')).toBe(1);
    expect(parseTimeout('0.0009')).toBe(1);
    expect(parseTimeout('-0.0009')).toBe(0); // ceil(-0.9) is -0: for ever
    expect(parseTimeout('1.5')).toBe(1500);
    expect(parseTimeout('9223372036854775.807')).toBe(9223372036854775807);
    expect(parseTimeout('9223372036854775.808')).toBe('-ERR timeout is negative\r\n');
    expect(parseTimeout('inf')).toBe('-ERR timeout is negative\r\n');
    expect(parseTimeout('-1')).toBe('-ERR timeout is negative\r\n');
    expect(parseTimeout('abc')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(parseTimeout(' 1')).toBe('-ERR timeout is not a float or out of range\r\n');
  });

  test('keys, and the narrowed command that serves a waiter from the key found ready', () => {
    expect(parseBlocking(['BLPOP', 'a', 'b', '1'])).toEqual({ keys: ['a', 'b'], allKeys: ['a', 'b'], timeoutMs: 1000 });
    expect(parseBlocking(['BLMOVE', 's', 'd', 'LEFT', 'RIGHT', '0'])).toEqual({ keys: ['s'], allKeys: ['s', 'd'], timeoutMs: 0 });
    expect(parseBlocking(['BLMPOP', '0', '2', 'a', 'b', 'UP'])).toBe(SYNTAX);
    expect(parseBlocking(['BLMPOP', '-1', '1', 'a', 'LEFT'])).toBe('-ERR timeout is negative\r\n');
    expect(servingArgv(['BLPOP', 'a', 'b', '5'], 'b')).toEqual(['BLPOP', 'b', '0']);
    expect(servingArgv(['BLMPOP', '5', '2', 'a', 'b', 'RIGHT', 'COUNT', '3'], 'b')).toEqual(['BLMPOP', '0', '1', 'b', 'right', 'COUNT', '3']);
    const node = testNode();
    try {
      const args = parseBlocking(['BLPOP', 'a', 'b', '0']) as BlockingArgs;
      expect(wouldBlock(node.store, args)).toBe(true);
      node.store.set('b', 'string');
      expect(wouldBlock(node.store, args)).toBe(false); // WRONGTYPE answers at once
    } finally {
      node.close();
    }
  });
});
