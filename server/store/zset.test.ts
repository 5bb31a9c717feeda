import { describe, expect, test } from 'vitest';
import { ZSetValue, DEFAULT_ZSET_LIMITS } from './zset.js';

const members = (z: ZSetValue): [string, number][] => {
  const out: [string, number][] = [];
  for (let n = z.list.first(); n !== null; n = n.next) out.push([n.member, n.score]);
  return out;
};

describe('ZSetValue', () => {
  test('set() adds, moves and keeps -0 as 0; delete() keeps the map, list and slots in step', () => {
    const z = new ZSetValue();
    z.set('a', 3, DEFAULT_ZSET_LIMITS);
    z.set('b', -0, DEFAULT_ZSET_LIMITS);
    z.set('c', 1, DEFAULT_ZSET_LIMITS);
    z.set('a', 0.5, DEFAULT_ZSET_LIMITS);
    expect(members(z)).toEqual([['b', 0], ['a', 0.5], ['c', 1]]);
    expect(Object.is(z.score('b'), 0)).toBe(true);
    expect(z.delete('a')).toBe(true);
    expect(z.delete('a')).toBe(false);
    expect([z.size, z.list.length, members(z)]).toEqual([2, 2, [['b', 0], ['c', 1]]]);
    for (let i = 0; i < 50; i++) expect(['b', 'c']).toContain(z.random().member);
  });

  test('a clone is independent and keeps the encoding', () => {
    const z = new ZSetValue();
    z.set('a', 1, DEFAULT_ZSET_LIMITS);
    z.set('x'.repeat(100), 2, DEFAULT_ZSET_LIMITS);
    const copy = z.clone();
    z.set('a', 5, DEFAULT_ZSET_LIMITS);
    expect(members(copy)).toEqual([['a', 1], ['x'.repeat(100), 2]]);
    expect(copy.encoding()).toBe('skiplist');
  });

  test('ZSCAN over a skiplist returns each member present throughout, while others come and go', () => {
    const z = new ZSetValue(false);
    const unbounded = { entries: Infinity, value: Infinity };
    for (let i = 0; i < 500; i++) z.set(`m${i}`, i % 17, unbounded);
    const seen = new Set<string>();
    let cursor = 0;
    let step = 0;
    do {
      const [next, nodes] = z.scan(cursor, 23);
      for (const n of nodes) seen.add(n.member);
      cursor = next;
      // Delete a member already seen, add new ones: neither may hide an old member.
      z.delete(`m${step * 3}`);
      z.set(`new${step}`, step, unbounded);
      step++;
    } while (cursor !== 0);
    for (let i = 0; i < 500; i++) if (i % 3 !== 0 || i / 3 >= step) expect(seen.has(`m${i}`)).toBe(true);
  });

  test('rebuild() gives ZADDs of at most 64 members whose scores parse back exactly', () => {
    const z = new ZSetValue();
    for (let i = 0; i < 130; i++) z.set(`m${i}`, i / 7, DEFAULT_ZSET_LIMITS);
    z.set('inf', Infinity, DEFAULT_ZSET_LIMITS);
    const cmds = z.rebuild('k');
    expect(cmds.map((c) => c.length)).toEqual([130, 130, 8]);
    const back = new Map<string, number>();
    for (const c of cmds) for (let i = 2; i < c.length; i += 2) back.set(c[i + 1]!, c[i] === 'inf' ? Infinity : Number(c[i]));
    for (const [m, s] of members(z)) expect(back.get(m)).toBe(s);
  });
});
