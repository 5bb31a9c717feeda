// The Store on its own: values, TTLs, lazy and active expiry, SCAN cursors, FLUSH.
// Time is faked (vi.useFakeTimers before the Store is made, so its sampler
// interval is fake too): vi.setSystemTime moves Date.now — which node-cache
// reads — without running the sampler, so lazy expiry is tested alone, and
// vi.advanceTimersByTime runs the sampler ticks. A key expires as in Redis:
// when now > its expiry time, so it is still there at the exact millisecond.

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Hash, KEEP_TTL, Store } from './store.js';

const T0 = Date.UTC(2030, 0, 1);
let store: Store;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  store = new Store();
});
afterEach(() => {
  store.close();
  vi.useRealTimers();
});

/** Moves the clock without running any timer: only lazy expiry can act. */
function clockAt(ms: number): void {
  vi.setSystemTime(T0 + ms);
}

/** Every key a full SCAN walk returns, in order, `count` per step. */
function walk(count: number, accept: (k: string) => boolean = () => true): { keys: string[]; steps: number } {
  const keys: string[] = [];
  let cursor = 0;
  let steps = 0;
  do {
    const [next, found] = store.scan(cursor, count, (k) => accept(k));
    keys.push(...found);
    cursor = next;
    steps++;
  } while (cursor !== 0 && steps < 10_000);
  return { keys, steps };
}

describe('values', () => {
  test('set, get, has, del', () => {
    expect(store.get('k')).toBeUndefined();
    expect(store.has('k')).toBe(false);
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
    expect(store.has('k')).toBe(true);
    store.set('k', 'w');
    expect(store.get('k')).toBe('w');
    expect(store.size()).toBe(1);
    expect(store.del('k')).toBe(true);
    expect(store.del('k')).toBe(false);
    expect(store.get('k')).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  test('each step of a read-then-write on one key sees the one before (the store remembers its last lookup)', () => {
    expect([store.has('k'), store.get('k')]).toEqual([false, undefined]);
    store.set('k', 'a');
    expect([store.has('k'), store.get('k')]).toEqual([true, 'a']);
    store.set('k', 'b');
    expect(store.get('k')).toBe('b');
    expect(store.del('k')).toBe(true);
    expect([store.has('k'), store.get('k'), store.del('k')]).toEqual([false, undefined, false]);
    store.set('j', 'x');
    store.set('k', 'c');
    expect(store.del('j')).toBe(true); // moves k's place in the SCAN order
    expect([store.get('k'), store.keys()]).toEqual(['c', ['k']]);
  });

  test('a hash is held by reference (useClones false): changes through get() are seen', () => {
    const h = new Hash();
    store.set('h', h);
    (store.get('h') as Hash).fields.set('f', 'v');
    expect(store.get('h')).toBe(h);
    expect(h.fields.get('f')).toBe('v');
  });

  test('binary strings round-trip, and prototype names are ordinary keys', () => {
    const bin = '\x00\xff\r\n\x80';
    store.set(bin, bin);
    expect(store.get(bin)).toBe(bin);
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect([k, store.has(k), store.get(k)]).toEqual([k, false, undefined]);
      store.set(k, `v-${k}`);
      expect([k, store.get(k)]).toEqual([k, `v-${k}`]);
    }
    expect(store.keys().sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString', bin].sort());
  });
});

describe('TTL', () => {
  test('pttl and expireTime: -2 missing, -1 persistent, else what is left and when', () => {
    expect(store.pttl('k')).toBe(-2);
    expect(store.expireTime('k')).toBe(-2);
    store.set('k', 'v');
    expect(store.pttl('k')).toBe(-1);
    expect(store.expireTime('k')).toBe(-1);
    store.set('k', 'v', 5000);
    expect(store.pttl('k')).toBe(5000);
    expect(store.expireTime('k')).toBe(T0 + 5000);
    clockAt(1234);
    expect(store.pttl('k')).toBe(3766);
    expect(store.expireTime('k')).toBe(T0 + 5000);
  });

  test('set() without a TTL clears it; KEEP_TTL keeps it, and keeps a persistent key persistent', () => {
    store.set('k', 'v', 5000);
    store.set('k', 'w', KEEP_TTL);
    expect(store.get('k')).toBe('w');
    expect(store.expireTime('k')).toBe(T0 + 5000);
    store.set('k', 'x');
    expect(store.pttl('k')).toBe(-1);
    expect(store.volatileCount()).toBe(0);
    store.set('k', 'y', KEEP_TTL);
    expect(store.pttl('k')).toBe(-1);
    store.set('new', 'z', KEEP_TTL);
    expect([store.get('new'), store.pttl('new')]).toEqual(['z', -1]);
  });

  test('expireAt: a time in the future sets it, one now or past deletes the key, a missing key is false', () => {
    expect(store.expireAt('k', T0 + 1000)).toBe(false);
    store.set('k', 'v');
    expect(store.expireAt('k', T0 + 9000)).toBe(true);
    expect(store.expireTime('k')).toBe(T0 + 9000);
    expect(store.volatileCount()).toBe(1);
    expect(store.expireAt('k', T0)).toBe(true);
    expect(store.has('k')).toBe(false);
    store.set('p', 'v');
    expect(store.expireAt('p', 1)).toBe(true);
    expect(store.has('p')).toBe(false);
  });

  test('persist: true only when a TTL was removed', () => {
    expect(store.persist('k')).toBe(false);
    store.set('k', 'v');
    expect(store.persist('k')).toBe(false);
    store.set('k', 'v', 1000);
    expect(store.persist('k')).toBe(true);
    expect(store.pttl('k')).toBe(-1);
    expect(store.volatileCount()).toBe(0);
    clockAt(5000);
    expect(store.get('k')).toBe('v');
  });

  test('expiry times are stored exactly, even when the clock ticks between two reads of it', () => {
    // Turning an absolute time into node-cache's relative TTL reads the clock twice;
    // PEXPIREAT k T; PEXPIRETIME k must give T back (redis-server does), not T+1.
    let now = T0;
    const tick = vi.spyOn(Date, 'now').mockImplementation(() => now++);
    try {
      store.set('k', 'v');
      expect(store.expireAt('k', T0 + 100_499)).toBe(true);
      expect(store.expireTime('k')).toBe(T0 + 100_499);
      store.set('k', 'w', KEEP_TTL);
      expect(store.expireTime('k')).toBe(T0 + 100_499);
      store.setUntil('u', 'v', T0 + 7_000_123);
      expect(store.expireTime('u')).toBe(T0 + 7_000_123);
      const before = now;
      store.set('r', 'v', 5000);
      expect(store.expireTime('r') - before).toBeLessThanOrEqual(5000);
    } finally {
      tick.mockRestore();
    }
  });

  test('setUntil: a value with an absolute expiry, gone once that time has passed', () => {
    store.setUntil('k', 'v', T0 + 100);
    expect([store.get('k'), store.pttl('k'), store.volatileCount()]).toEqual(['v', 100, 1]);
    clockAt(100);
    expect(store.get('k')).toBe('v');
    clockAt(101);
    expect(store.get('k')).toBeUndefined();
  });

  test('the empty key is a key like any other, TTL included', () => {
    // node-cache's getTtl()/ttl() take "" for "no key"; Redis accepts "" (redis-cli SET "" v; EXPIRE "" 100; TTL "" → 100).
    store.set('', 'v');
    expect(store.pttl('')).toBe(-1);
    expect(store.expireAt('', T0 + 100_000)).toBe(true);
    expect(store.pttl('')).toBe(100_000);
    expect(store.expireTime('')).toBe(T0 + 100_000);
    store.set('', 'w', KEEP_TTL);
    expect(store.pttl('')).toBe(100_000);
    expect(store.persist('')).toBe(true);
    expect(store.pttl('')).toBe(-1);
    store.set('', 'x', 50);
    clockAt(51);
    expect(store.get('')).toBeUndefined();
    expect(store.pttl('')).toBe(-2);
  });
});

describe('lazy expiry: a key past its TTL is never returned', () => {
  test('alive at its expiry millisecond, gone the next', () => {
    store.set('k', 'v', 100);
    clockAt(100);
    expect(store.get('k')).toBe('v');
    expect(store.pttl('k')).toBe(0);
    clockAt(101);
    expect(store.get('k')).toBeUndefined();
    expect(store.expiredKeys).toBe(1);
  });

  test('every read treats an expired key as missing', () => {
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) store.set(k, 'v', 10);
    store.set('stay', 'v');
    clockAt(11);
    expect(store.has('a')).toBe(false);
    expect(store.get('b')).toBeUndefined();
    expect(store.pttl('c')).toBe(-2);
    expect(store.expireTime('d')).toBe(-2);
    expect(store.persist('e')).toBe(false);
    expect(store.expireAt('f', T0 + 99_999)).toBe(false);
    expect(store.keys()).toEqual(['stay']);
    expect(walk(100).keys).toEqual(['stay']);
    for (let i = 0; i < 20; i++) expect(store.randomKey()).toBe('stay');
  });

  test('del() of a key that expired but was not collected yet is false, as DEL replies 0', () => {
    // redis-server: SET dk v PX 5; (50 ms later) DEL dk → :0
    store.set('k', 'v', 10);
    clockAt(11);
    expect(store.del('k')).toBe(false);
    expect(store.expiredKeys).toBe(1);
    expect(store.size()).toBe(0);
  });

  test('KEEP_TTL on an expired key writes a new, persistent key', () => {
    store.set('k', '5', 10);
    clockAt(11);
    store.set('k', '1', KEEP_TTL);
    expect([store.get('k'), store.pttl('k')]).toEqual(['1', -1]);
  });

  test('expiry changes the WATCH version of a watched key', () => {
    store.set('k', 'v', 10);
    const before = store.watch.versionOf('k');
    clockAt(11);
    expect(store.get('k')).toBeUndefined();
    expect(store.watch.versionOf('k')).not.toBe(before);
  });

  test('DBSIZE, like Redis, counts expired keys until they are collected', () => {
    store.set('a', 'v', 10);
    store.set('b', 'v');
    clockAt(11);
    expect(store.size()).toBe(2);
    expect(store.keys()).toEqual(['b']);
    expect(store.size()).toBe(1);
  });
});

describe('active expiry', () => {
  test('the sampler collects expired keys nobody reads, 200 per 100 ms tick', () => {
    for (let i = 0; i < 500; i++) store.set(`v${i}`, 'x', 50);
    for (let i = 0; i < 10; i++) store.set(`p${i}`, 'x');
    store.set('later', 'x', 60_000);
    expect(store.volatileCount()).toBe(501);
    clockAt(60);
    expect(store.size()).toBe(511); // nothing collected yet: no tick has run
    const sizes: number[] = [];
    for (let tick = 0; tick < 4; tick++) {
      vi.advanceTimersByTime(100);
      sizes.push(store.size());
    }
    // Tick 1 checks 200 keys; tick 2 200 more; tick 3 the last 101 (100 expired + 'later').
    expect(sizes).toEqual([311, 111, 11, 11]);
    expect(store.expiredKeys).toBe(500);
    expect(store.volatileCount()).toBe(1);
    expect(store.pttl('later')).toBeGreaterThan(0);
    expect(store.get('p3')).toBe('x');
  });

  test('keys that lost their TTL or were deleted leave the volatile set', () => {
    store.set('a', 'v', 1000);
    store.set('b', 'v', 1000);
    store.set('c', 'v', 1000);
    store.set('d', 'v', 1000);
    store.set('a', 'v'); // SET without a TTL clears it
    store.del('b');
    store.persist('c');
    expect(store.volatileCount()).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(store.volatileCount()).toBe(0);
    expect(store.keys().sort()).toEqual(['a', 'c']);
  });

  test('expireSome works through the keys with a TTL within its budget', () => {
    for (let i = 0; i < 10; i++) store.set(`k${i}`, 'v', 5);
    clockAt(6);
    store.expireSome(4);
    expect(store.size()).toBe(6);
    store.expireSome(4);
    expect(store.size()).toBe(2);
    store.expireSome(4);
    expect(store.size()).toBe(0);
    expect(store.volatileCount()).toBe(0);
  });
});

describe('SCAN', () => {
  function fill(n: number): string[] {
    const all: string[] = [];
    for (let i = 0; i < n; i++) {
      all.push(`key:${i}`);
      store.set(`key:${i}`, String(i));
    }
    return all;
  }

  test('a full walk returns every key exactly once when nothing changes', () => {
    const all = fill(1000);
    for (const count of [1, 7, 10, 999, 1000, 5000]) {
      const { keys, steps } = walk(count);
      expect([count, keys.length]).toEqual([count, 1000]);
      expect(new Set(keys).size).toBe(1000);
      expect([...keys].sort()).toEqual([...all].sort());
      expect([count, steps]).toEqual([count, Math.max(1, Math.ceil(1000 / count))]);
    }
  });

  test('an empty store ends at once', () => {
    expect(store.scan(0, 10, () => true)).toEqual([0, []]);
  });

  test('the filter drops keys without moving the cursor off them twice', () => {
    fill(100);
    const { keys } = walk(9, (k) => k.endsWith('7'));
    expect(keys.sort()).toEqual(['key:17', 'key:27', 'key:37', 'key:47', 'key:57', 'key:67', 'key:7', 'key:77', 'key:87', 'key:97']);
  });

  test('keys present for the whole walk are returned even when others are deleted or added meanwhile', () => {
    fill(200);
    const seen: string[] = [];
    let [cursor, found] = store.scan(0, 10, () => true);
    seen.push(...found);
    const first = new Set(found);
    // Delete keys the walk has not reached and some it has, add new ones.
    for (let i = 0; i < 200; i += 3) store.del(`key:${i}`);
    for (let i = 0; i < 50; i++) store.set(`new:${i}`, 'v');
    while (cursor !== 0) {
      [cursor, found] = store.scan(cursor, 10, () => true);
      seen.push(...found);
    }
    for (let i = 0; i < 200; i++) {
      if (i % 3 !== 0) expect([i, seen.includes(`key:${i}`)]).toEqual([i, true]);
      // A key deleted before the walk reached it is not returned.
      else if (!first.has(`key:${i}`)) expect([i, seen.includes(`key:${i}`)]).toEqual([i, false]);
    }
    // Duplicates are allowed (a deletion moves a key already walked below the cursor), as in Redis.
    expect(seen.length - new Set(seen).size).toBeLessThanOrEqual(Math.ceil(200 / 3));
  });

  test('random writes between steps: every key present throughout is returned, none that never existed', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      store.flush();
      const live = new Set<string>();
      for (let i = 0; i < 300; i++) {
        store.set(`k${i}`, 'v');
        live.add(`k${i}`);
      }
      const throughout = new Set(live);
      const ever = new Set(live);
      const seen: string[] = [];
      let cursor = 0;
      let steps = 0;
      do {
        const [next, found] = store.scan(cursor, 1 + rand(20), () => true);
        seen.push(...found);
        cursor = next;
        for (let w = rand(8); w > 0; w--) {
          const k = `k${rand(400)}`;
          if (rand(2) === 0) {
            store.del(k);
            live.delete(k);
            throughout.delete(k);
          } else {
            store.set(k, 'v');
            live.add(k);
            ever.add(k);
          }
        }
      } while (cursor !== 0 && ++steps < 10_000);
      for (const k of throughout) expect([round, k, seen.includes(k)]).toEqual([round, k, true]);
      for (const k of seen) expect([round, k, ever.has(k)]).toEqual([round, k, true]);
    }
  });

  test('a step looks at COUNT keys, not at the whole keyspace', () => {
    fill(100_000);
    let looked = 0;
    const [cursor, found] = store.scan(0, 10, () => ++looked > 0);
    expect([cursor, found.length, looked]).toEqual([100_000 - 10, 10, 10]);
  });


  test('walks in progress at the same time do not disturb each other', () => {
    const all = fill(50);
    const got: string[][] = [[], [], []];
    const cursors = [0, 0, 0];
    const started = [false, false, false];
    for (let round = 0; round < 100 && started.some((s, i) => !s || cursors[i] !== 0); round++) {
      for (let w = 0; w < 3; w++) {
        if (started[w] && cursors[w] === 0) continue;
        const [next, found] = store.scan(cursors[w]!, 3 + w, () => true);
        started[w] = true;
        cursors[w] = next;
        got[w]!.push(...found);
      }
    }
    for (const keys of got) expect([...keys].sort()).toEqual([...all].sort());
  });

  test('expired keys are not returned', () => {
    fill(20);
    for (let i = 0; i < 20; i += 2) store.expireAt(`key:${i}`, T0 + 10);
    clockAt(11);
    const { keys } = walk(4);
    expect(keys.length).toBe(10);
    expect(keys.every((k) => Number(k.slice(4)) % 2 === 1)).toBe(true);
  });
});

describe('flush and randomKey', () => {
  test('flush empties the store, its TTLs and its stats, and the store still works', () => {
    store.set('a', 'v', 1000);
    store.set('__proto__', 'v');
    store.set('h', new Hash());
    const version = store.watch.versionOf('a');
    store.flush();
    expect(store.size()).toBe(0);
    expect(store.keys()).toEqual([]);
    expect(store.volatileCount()).toBe(0);
    expect(store.has('__proto__')).toBe(false);
    expect(store.watch.versionOf('a')).not.toBe(version);
    expect(walk(10).keys).toEqual([]);
    store.set('__proto__', 'again');
    store.set('b', 'v', 10);
    expect(store.get('__proto__')).toBe('again');
    expect(store.size()).toBe(2);
    clockAt(11);
    expect(store.get('b')).toBeUndefined();
  });

  test('flush changes the WATCH version of the watched keys it deletes, not of watched keys that did not exist', () => {
    store.set('a', 'v');
    const [a, missing] = ['a', 'missing'].map((k) => store.watch.versionOf(k));
    store.flush();
    expect(store.watch.versionOf('a')).not.toBe(a);
    // Missing before and after: a transaction that watched it still runs, as in Redis.
    expect(store.watch.versionOf('missing')).toBe(missing);
  });

  test('randomKey: undefined when empty, otherwise some live key, all of them in time', () => {
    expect(store.randomKey()).toBeUndefined();
    for (const k of ['a', 'b', 'c']) store.set(k, 'v');
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(store.randomKey()!);
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  test('randomKey never returns an expired key and is undefined when all have expired', () => {
    for (let i = 0; i < 10; i++) store.set(`k${i}`, 'v', 5);
    clockAt(6);
    expect(store.randomKey()).toBeUndefined();
    expect(store.size()).toBe(0);
  });
});

describe('replica mode', () => {
  test('a key past its time reads as missing but stays until the primary deletes it', () => {
    const store = new Store();
    try {
      store.setReplicaMode(true);
      store.setUntil('k', 'v', Date.now() - 1); // already past, as after a clock moved on
      store.expireSome(1000); // no active expiry on a replica
      expect(store.get('k')).toBeUndefined();
      expect(store.has('k')).toBe(false);
      expect(store.pttl('k')).toBe(-2);
      expect(store.size()).toBe(1); // still held, as DBSIZE on a Redis replica counts it
      store.del('k'); // the primary's DEL
      expect(store.size()).toBe(0);
      store.setReplicaMode(false);
      store.setUntil('j', 'v', Date.now() - 1);
      expect(store.get('j')).toBeUndefined();
      expect(store.size()).toBe(0); // a primary deletes it itself
    } finally {
      store.close();
    }
  });
});
