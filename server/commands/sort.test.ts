// SORT and SORT_RO (sort.ts). Expected replies are the bytes redis-server
// 7.0.15 sent for the same commands; client-tests/sort.test.ts compares the two
// servers directly. Then the cluster's part: where the keys are (STORE's
// destination is one) and the refusal of patterns that name another node's keys.

import { describe, expect, test } from 'vitest';
import { bulk, int, NIL, NOT_INTEGER, SYNTAX, testNode, testSessions, WRONGTYPE } from './test-node.js';
import { parseSortOptions, patternTarget } from './sort.js';
import { lookupCommand } from './table.js';
import { keyPositions, writtenKeyPositions } from './key-positions.js';

const arr = (...items: (string | null)[]): string => `*${items.length}\r\n${items.map((i) => (i === null ? NIL : bulk(i))).join('')}`;
const NOT_DOUBLE = "-ERR One or more scores can't be converted into double\r\n";

const session = testSessions();

describe('SORT over a list, a set and a sorted set', () => {
  test('numbers by default, ties by bytes; DESC; LIMIT clamped as Redis clamps it', () => {
    const r = session();
    r('RPUSH', 'l', '3', '10', '-1', '2.5', '3', '0x10', '1e2');
    expect(r('SORT', 'l')).toBe(arr('-1', '2.5', '3', '3', '10', '0x10', '1e2'));
    expect(r('SORT', 'l', 'DESC')).toBe(arr('1e2', '0x10', '10', '3', '3', '2.5', '-1'));
    expect(r('SORT', 'l', 'LIMIT', '1', '3')).toBe(arr('2.5', '3', '3'));
    expect(r('SORT', 'l', 'LIMIT', '-5', '2')).toBe(arr('-1', '2.5'));
    expect(r('SORT', 'l', 'LIMIT', '5', '-1')).toBe(arr('0x10', '1e2'));
    expect(r('SORT', 'l', 'LIMIT', '100', '10')).toBe('*0\r\n');
    expect(r('SORT', 'l', 'LIMIT', '0', '0')).toBe('*0\r\n');
    expect(r('SORT', 'l', 'ALPHA')).toBe(arr('-1', '0x10', '10', '1e2', '2.5', '3', '3'));
  });

  test('a score that is not a double is an error; ALPHA and nosort do not read scores', () => {
    const r = session();
    r('RPUSH', 'l', '1', 'x', '2');
    expect(r('SORT', 'l')).toBe(NOT_DOUBLE);
    expect(r('SORT', 'l', 'ALPHA')).toBe(arr('1', '2', 'x'));
    expect(r('SORT', 'l', 'BY', 'nosort')).toBe(arr('1', 'x', '2'));
    r('RPUSH', 'm', '1e400', ' 3', '', 'inf');
    expect(r('SORT', 'm')).toBe(NOT_DOUBLE);
    r('LPOP', 'm');
    expect(r('SORT', 'm')).toBe(arr('', ' 3', 'inf'));
  });

  test('BY nosort keeps a list and a sorted set in their order, DESC from the other end, with LIMIT', () => {
    const r = session();
    r('RPUSH', 'l', 'c', 'a', 'b', 'd');
    expect(r('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2')).toBe(arr('b', 'a'));
    r('ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '5', 'e', '4', 'd');
    expect(r('SORT', 'z', 'BY', 'nosort')).toBe(arr('a', 'b', 'c', 'd', 'e'));
    expect(r('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2')).toBe(arr('d', 'c'));
    expect(r('SORT', 'z', 'ALPHA', 'DESC')).toBe(arr('e', 'd', 'c', 'b', 'a'));
  });

  test('BY and GET patterns: string keys, hash fields, #, and patterns that read nothing', () => {
    const r = session();
    r('ZADD', 'z', '3', 'c', '1', 'a', '2', 'b');
    r('MSET', 'w_a', '30', 'w_b', '10', 'w_c', '20', 'o_a', 'A', 'o_c', 'C');
    r('HSET', 'h_a', 'name', 'alice', 'rank', '3');
    r('HSET', 'h_b', 'name', 'bob', 'rank', '1');
    expect(r('SORT', 'z', 'BY', 'w_*')).toBe(arr('b', 'c', 'a'));
    expect(r('SORT', 'z', 'BY', 'w_*', 'GET', '#', 'GET', 'o_*')).toBe(arr('b', null, 'c', 'C', 'a', 'A'));
    // h_c is missing: its score is 0, first.
    expect(r('SORT', 'z', 'BY', 'h_*->rank', 'GET', 'h_*->name', 'GET', 'h_*->')).toBe(arr(null, null, 'bob', null, 'alice', null));
    // ALPHA BY: a missing value sorts first.
    expect(r('SORT', 'z', 'BY', 'o_*', 'ALPHA', 'DESC')).toBe(arr('c', 'a', 'b'));
    expect(r('SORT', 'z', 'ALPHA', 'GET', 'nostar', 'GET', 'w_*->f')).toBe(arr(null, null, null, null, null, null));
  });

  test('a set: intset order with nosort; nosort with STORE sorts by bytes', () => {
    const r = session();
    r('SADD', 's', '5', '1', '3');
    expect(r('SORT', 's', 'BY', 'nosort')).toBe(arr('1', '3', '5'));
    r('SADD', 't', 'pear', 'apple', 'fig');
    expect(r('SORT', 't', 'BY', 'nosort', 'STORE', 'd')).toBe(int(3));
    expect(r('LRANGE', 'd', '0', '-1')).toBe(arr('apple', 'fig', 'pear'));
  });

  test('STORE writes a list (GET misses as empty strings), replaces any type, deletes the destination for nothing', () => {
    const r = session();
    r('RPUSH', 'l', '2', '1');
    r('SET', 'd', 'x');
    expect(r('SORT', 'l', 'GET', '#', 'GET', 'o_*', 'STORE', 'd')).toBe(int(4));
    expect(r('LRANGE', 'd', '0', '-1')).toBe(arr('1', '', '2', ''));
    expect(r('SORT', 'nokey', 'STORE', 'd')).toBe(int(0));
    expect(r('EXISTS', 'd')).toBe(int(0));
    expect(r('SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'd')).toBe(int(0));
  });

  test("errors, in Redis's order: options, then the key's type", () => {
    const r = session();
    r('SET', 'str', 'v');
    expect(r('SORT', 'str')).toBe(WRONGTYPE);
    expect(r('SORT', 'str', 'BADOPT')).toBe(SYNTAX);
    expect(r('SORT', 'l', 'BY')).toBe(SYNTAX);
    expect(r('SORT', 'l', 'LIMIT', '1')).toBe(SYNTAX);
    expect(r('SORT', 'l', 'LIMIT', 'x', '1')).toBe(NOT_INTEGER);
    expect(r('SORT_RO', 'l', 'STORE', 'd')).toBe(SYNTAX);
    expect(r('SORT_RO', 'str')).toBe(WRONGTYPE);
    expect(r('SORT', 'nokey')).toBe('*0\r\n');
  });
});

describe('patterns', () => {
  test('the first * is the element; -> after it names a field when something follows', () => {
    expect(patternTarget('w_*', 'a')).toEqual({ key: 'w_a', field: null });
    expect(patternTarget('h_*->f', 'a')).toEqual({ key: 'h_a', field: 'f' });
    expect(patternTarget('h_*->', 'a')).toEqual({ key: 'h_a->', field: null });
    expect(patternTarget('x->y*z', 'a')).toEqual({ key: 'x->yaz', field: null });
    expect(patternTarget('*_*->a->b', 'e')).toEqual({ key: 'e_*', field: 'a->b' });
    expect(patternTarget('#', 'e')).toBeNull();
    expect(patternTarget('nostar', 'e')).toBeNull();
  });

  test('options: case-blind, the last ASC/DESC and STORE win', () => {
    const o = parseSortOptions(['SORT', 'k', 'desc', 'Alpha', 'ASC', 'store', 'a', 'STORE', 'b', 'by', 'x'], false);
    expect(o).toMatchObject({ desc: false, alpha: true, store: 'b', by: 'x', dontSort: true });
  });
});

describe('in a cluster', () => {
  test("SORT's keys: the sorted key and STORE's destination, as sortGetKeys finds it", () => {
    const spec = lookupCommand('sort')!;
    expect(keyPositions(spec, ['SORT', 'k'])).toEqual([1]);
    expect(keyPositions(spec, ['SORT', 'k', 'STORE', 'd'])).toEqual([1, 3]);
    expect(keyPositions(spec, ['SORT', 'k', 'LIMIT', '0', '1', 'GET', 'store', 'STORE', 'd'])).toEqual([1, 8]);
    expect(writtenKeyPositions(spec, ['SORT', 'k', 'BY', 'x', 'STORE', 'd'])).toEqual([5]);
    expect(writtenKeyPositions(spec, ['SORT', 'k'])).toEqual([]);
    expect(keyPositions(lookupCommand('sort_ro')!, ['SORT_RO', 'k', 'STORE', 'd'])).toEqual([1]);
  });

  test("a pattern naming a key of another node is refused; the sorted key's node's keys are read", () => {
    const node = testNode();
    try {
      // a-m on this node ("test"), the rest on bar.
      Object.assign(node.ctx.node, { ownerByTable: (key: string) => (key < 'n' ? 'test' : 'bar') });
      const run = (...argv: string[]): string => lookupCommand(argv[0]!)!.run!(node.ctx, argv) as string;
      run('RPUSH', 'k', '2', '1');
      run('MSET', 'c_1', '2', 'c_2', '1', 'd_1', 'one');
      const refused = '-ERR SORT BY/GET patterns read keys of other nodes (bar), which kv does not do; keep them on the node of the sorted key\r\n';
      expect(run('SORT', 'k', 'BY', 'c_*', 'GET', '#', 'GET', 'd_*')).toBe(arr('2', null, '1', 'one'));
      expect(run('SORT', 'k', 'BY', 'x_*')).toBe(refused);
      expect(run('SORT_RO', 'k', 'GET', 'x_*')).toBe(refused);
      expect(run('SORT', 'k', 'GET', 'd_*', 'GET', 'z*->f')).toBe(refused);
      // nosort, # and a pattern without * read no key; GET reads only what LIMIT returns.
      expect(run('SORT', 'k', 'BY', 'x', 'GET', '#', 'GET', 'x')).toBe(arr('2', null, '1', null));
      expect(run('SORT', 'k', 'LIMIT', '0', '0', 'GET', 'x_*')).toBe('*0\r\n');
      // A sorted key on bar (a replica of it, say): bar's keys are the ones it may read.
      run('RPUSH', 'q', '1');
      expect(run('SORT', 'q', 'GET', 'd_*')).toBe('-ERR SORT BY/GET patterns read keys of other nodes (test), which kv does not do; keep them on the node of the sorted key\r\n');
    } finally {
      node.close();
    }
  });
});
