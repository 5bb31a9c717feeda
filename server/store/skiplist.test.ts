import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { SkipList, type ZNode } from './skiplist.js';

type Pair = [score: number, member: string];

const order = (a: Pair, b: Pair): number => (a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** Every node, walked forward and backward, must agree with the model, and at()/rankOf() with both. */
function check(list: SkipList, model: Map<string, number>, nodes: Map<string, ZNode>): void {
  const sorted: Pair[] = [...model].map(([m, s]) => [s, m] as Pair).sort(order);
  const forward: Pair[] = [];
  for (let n = list.first(); n !== null; n = n.next) forward.push([n.score, n.member]);
  expect(forward).toEqual(sorted);
  const backward: Pair[] = [];
  for (let n = list.last(); n !== null; n = n.prev) backward.push([n.score, n.member]);
  expect(backward.reverse()).toEqual(sorted);
  expect(list.length).toBe(sorted.length);
  sorted.forEach(([s, m], i) => {
    const n = list.at(i)!;
    expect([n.score, n.member]).toEqual([s, m]);
    expect(list.rankOf(nodes.get(m)!)).toBe(i);
  });
  expect(list.at(sorted.length)).toBeNull();
  expect(list.at(-1)).toBeNull();
}

describe('SkipList', () => {
  test('orders by score, then by member bytes; ties in score keep byte order', () => {
    const list = new SkipList();
    for (const [s, m] of [[2, 'b'], [1, 'z'], [2, 'a'], [-Infinity, 'x'], [Infinity, 'y'], [2, '\xff'], [2, '']] as Pair[]) list.insert(s, m);
    const out: string[] = [];
    for (let n = list.first(); n !== null; n = n.next) out.push(n.member);
    expect(out).toEqual(['x', 'z', '', 'a', 'b', '\xff', 'y']);
  });

  test('countWhile counts the prefix a predicate holds for', () => {
    const list = new SkipList();
    for (let i = 0; i < 1000; i++) list.insert(i % 10, `m${String(i).padStart(4, '0')}`);
    expect(list.countWhile((n) => n.score < 3)).toBe(300);
    expect(list.countWhile((n) => n.score <= 3)).toBe(400);
    expect(list.countWhile(() => false)).toBe(0);
    expect(list.countWhile(() => true)).toBe(1000);
  });

  test('random inserts, deletes and score updates agree with a sorted array', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('add', 'del', 'update'), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -5, max: 5 })),
          { maxLength: 300 },
        ),
        (ops) => {
          const list = new SkipList();
          const model = new Map<string, number>();
          const nodes = new Map<string, ZNode>();
          for (const [op, id, score] of ops) {
            const m = `m${id}`;
            const node = nodes.get(m);
            if (op === 'add' && node === undefined) {
              nodes.set(m, list.insert(score, m));
              model.set(m, score);
            } else if (op === 'del' && node !== undefined) {
              list.delete(node);
              nodes.delete(m);
              model.delete(m);
            } else if (op === 'update' && node !== undefined) {
              nodes.set(m, list.updateScore(node, score));
              model.set(m, score);
            }
          }
          check(list, model, nodes);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a large list keeps ranks right after many deletions', () => {
    const list = new SkipList();
    const model = new Map<string, number>();
    const nodes = new Map<string, ZNode>();
    for (let i = 0; i < 5000; i++) {
      const m = `k${i}`;
      const s = (i * 7919) % 1000;
      nodes.set(m, list.insert(s, m));
      model.set(m, s);
    }
    for (let i = 0; i < 5000; i += 3) {
      list.delete(nodes.get(`k${i}`)!);
      nodes.delete(`k${i}`);
      model.delete(`k${i}`);
    }
    check(list, model, nodes);
  });
});
