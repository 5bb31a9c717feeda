import { describe, expect, it } from 'vitest';
import { QuickList } from './quicklist.js';

/** A deterministic generator, so a failure repeats. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function element(rand: () => number): string {
  const kind = rand();
  if (kind < 0.6) return String(Math.floor(rand() * 50));
  if (kind < 0.9) return 'x'.repeat(Math.floor(rand() * 300)) + String.fromCharCode(Math.floor(rand() * 256));
  return 'y'.repeat(5000 + Math.floor(rand() * 10_000)); // past a node's 8 KB alone
}

describe('QuickList', () => {
  it('pushes and pops at both ends', () => {
    const l = new QuickList();
    for (let i = 0; i < 1000; i++) l.pushTail(String(i));
    for (let i = 1; i <= 1000; i++) l.pushHead(String(-i));
    expect(l.length).toBe(2000);
    expect(l.popHead()).toBe('-1000');
    expect(l.popTail()).toBe('999');
    expect(l.at(0)).toBe('-999');
    expect(l.at(-1)).toBe('998');
    expect(l.at(999)).toBe('0');
    expect(l.at(5000)).toBeUndefined();
    expect([...l].length).toBe(1998);
  });

  it('keeps elements with every byte, empty ones and long ones', () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i).repeat(i));
    all.push('', 'z'.repeat(200_000));
    const l = QuickList.from(all);
    expect([...l]).toEqual(all);
    expect(l.range(0, l.length - 1)).toEqual(all);
    expect([...l.reversed()]).toEqual([...all].reverse());
    expect(l.chunks().flat()).toEqual(all);
  });

  it('agrees with an array under random operations', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = rng(seed);
      const l = new QuickList();
      const model: string[] = [];
      for (let step = 0; step < 4000; step++) {
        const op = Math.floor(rand() * 11);
        const idx = model.length === 0 ? 0 : Math.floor(rand() * model.length);
        switch (op) {
          case 0:
          case 1: {
            const v = element(rand);
            l.pushTail(v);
            model.push(v);
            break;
          }
          case 2: {
            const v = element(rand);
            l.pushHead(v);
            model.unshift(v);
            break;
          }
          case 3:
            expect(l.popHead()).toBe(model.shift());
            break;
          case 4:
            expect(l.popTail()).toBe(model.pop());
            break;
          case 5:
            expect(l.at(idx)).toBe(model[idx]);
            expect(l.at(-1 - idx)).toBe(model[model.length - 1 - idx]);
            break;
          case 6: {
            const v = element(rand);
            if (model.length > 0) {
              expect(l.set(idx, v)).toBe(true);
              model[idx] = v;
            } else expect(l.set(0, v)).toBe(false);
            break;
          }
          case 7: {
            const v = element(rand);
            const at = Math.floor(rand() * (model.length + 1));
            l.insert(at, v);
            model.splice(at, 0, v);
            break;
          }
          case 8: {
            if (rand() < 0.9) break; // rare: trims shrink the list fast
            const a = Math.floor(rand() * (model.length + 2));
            const b = a + Math.floor(rand() * model.length);
            const end = Math.min(b, model.length - 1);
            l.trim(a, end);
            model.splice(0, model.length, ...(a > end ? [] : model.slice(a, end + 1)));
            break;
          }
          case 9: {
            const v = model[idx] ?? 'none';
            const limit = Math.floor(rand() * 3);
            const fromTail = rand() < 0.5;
            let removed = 0;
            const order = fromTail ? [...model.keys()].reverse() : [...model.keys()];
            const drop = new Set<number>();
            for (const k of order) if (model[k] === v && (limit === 0 || removed < limit)) (drop.add(k), removed++);
            expect(l.removeEqual(v, limit, fromTail)).toBe(removed);
            const kept = model.filter((_, k) => !drop.has(k));
            model.splice(0, model.length, ...kept);
            break;
          }
          case 10: {
            const a = Math.floor(rand() * (model.length + 1));
            const b = Math.min(model.length - 1, a + Math.floor(rand() * 300));
            expect(l.range(a, b)).toEqual(a > b ? [] : model.slice(a, b + 1));
            break;
          }
        }
        expect(l.length).toBe(model.length);
      }
      expect([...l]).toEqual(model);
      expect([...l.clone()]).toEqual(model);
    }
  });

  it('a clone does not change with its original', () => {
    const l = QuickList.from(Array.from({ length: 1000 }, (_, i) => String(i)));
    const c = l.clone();
    l.set(500, 'changed');
    l.popHead();
    l.pushTail('new');
    expect(c.at(500)).toBe('500');
    expect(c.at(0)).toBe('0');
    expect(c.length).toBe(1000);
  });

  it('holds a million short elements in packed nodes', () => {
    const l = new QuickList();
    for (let i = 0; i < 1_000_000; i++) l.pushTail('element:' + i);
    expect(l.length).toBe(1_000_000);
    expect(l.at(654_321)).toBe('element:654321');
    // About the bytes of the elements, not an object per element.
    expect(l.memoryUsage()).toBeLessThan(20_000_000);
  });
});
