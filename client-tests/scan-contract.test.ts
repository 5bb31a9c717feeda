// SCAN's contract as Redis documents it (https://redis.io/commands/scan), held
// on redis-server and on kv (one node, and a cluster where the cursor walks
// every node in turn):
// - a full iteration returns every element present from its start to its end,
//   and never one that was never there, whatever is added or deleted meanwhile;
// - with nothing written during the walk, each key comes once (Redis may repeat
//   one only while its table rehashes);
// - COUNT is a hint for the work of one call and may change from call to call;
//   a call may return no element; only cursor 0 ends the walk;
// - MATCH and TYPE filter after the elements are fetched.
// The random differential compares whole walks with Redis's as multisets.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { bulkText, Differential, splitAggregate } from './support/differential.js';
import { describeWithRedis } from './support/redis-rule.js';
import { Rng } from './support/random-commands.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';

interface Walk {
  keys: string[];
  batches: number[];
}

/** One whole SCAN walk; `between(i)` runs after the i-th call; `count(i)` is the i-th call's COUNT. */
async function walk(c: RawClient, options: string[] = [], count?: (i: number) => number, between?: (i: number) => Promise<void>): Promise<Walk> {
  const keys: string[] = [];
  const batches: number[] = [];
  let cursor = '0';
  for (let i = 0; i < 100_000; i++) {
    const reply = await c.command('SCAN', cursor, ...options, ...(count ? ['COUNT', String(count(i))] : []));
    const top = splitAggregate(reply);
    expect(top?.items.length, reply).toBe(2);
    cursor = bulkText(top!.items[0]!)!;
    expect(cursor, reply).toMatch(/^\d+$/);
    const batch = splitAggregate(top!.items[1]!)!.items.map((e) => bulkText(e)!);
    keys.push(...batch);
    batches.push(batch.length);
    if (cursor === '0') return { keys, batches };
    await between?.(i);
  }
  throw new Error('the walk never ended');
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `${'abcdefghijklmnopqrstuvwxyz'[i % 26]}key:${i}`);

describeWithRedis('SCAN, as Redis documents it', () => {
  let redis: ExternalServer;
  let single: TestCluster;
  let two: TestCluster;
  const targets: { name: string; port: () => number }[] = [
    { name: 'redis-server', port: () => redis.port },
    { name: 'single node', port: () => single.ports['solo']! },
    { name: 'two nodes via foo', port: () => two.ports['foo']! },
    { name: 'two nodes via bar', port: () => two.ports['bar']! },
  ];

  beforeAll(async () => {
    [redis, single, two] = await Promise.all([startRedis(), startSingleNode(), startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  /** A connection to `port` on a keyspace of KEYS, as strings, and every tenth as a hash. */
  async function filled(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    expect(await c.command('FLUSHALL')).toBe('+OK\r\n');
    for (let i = 0; i < KEYS.length; i += 100) {
      const part = KEYS.slice(i, i + 100);
      expect(await c.command('MSET', ...part.flatMap((k) => [k, 'v']))).toBe('+OK\r\n');
    }
    for (let i = 0; i < KEYS.length; i += 10) {
      expect(await c.command('DEL', KEYS[i]!)).toBe(':1\r\n');
      expect(await c.command('HSET', KEYS[i]!, 'f', 'v')).toBe(':1\r\n');
    }
    return c;
  }

  const counted = (keys: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };

  test('a walk with nothing written meanwhile returns every key once, whatever COUNT each call asks', async () => {
    for (const t of targets) {
      const c = await filled(t.port());
      const rng = new Rng(7);
      for (const count of [undefined, () => 1, () => 10, () => 1000, () => 1 + rng.int(50)]) {
        const w = await walk(c, [], count);
        const dups = [...counted(w.keys)].filter(([, n]) => n > 1).map(([k]) => k);
        expect(dups, `${t.name}: keys returned twice`).toEqual([]);
        expect(w.keys.length, t.name).toBe(KEYS.length);
        expect(new Set(w.keys), t.name).toEqual(new Set(KEYS));
      }
      c.close();
    }
  });

  test('COUNT bounds the work of a call: about COUNT keys per call, not the whole keyspace at once', async () => {
    const sizes: Record<string, { calls: number; largest: number }> = {};
    for (const t of targets) {
      const c = await filled(t.port());
      const w = await walk(c, [], () => 10);
      sizes[t.name] = { calls: w.batches.length, largest: Math.max(...w.batches) };
      c.close();
    }
    console.log(`SCAN COUNT 10 over ${KEYS.length} keys: ${JSON.stringify(sizes)}`);
    for (const t of targets) {
      // Redis takes about keys/COUNT calls and returns "COUNT or a bit more" per call.
      expect(sizes[t.name]!.largest, t.name).toBeLessThanOrEqual(4 * 10);
      expect(sizes[t.name]!.calls, t.name).toBeGreaterThanOrEqual(KEYS.length / (4 * 10));
    }
  });

  test('keys present throughout are all returned, and none that never existed, with writes between the calls', async () => {
    for (const t of targets) {
      const c = await filled(t.port());
      const writer = await RawClient.connect(t.port());
      const rng = new Rng(11);
      const deleted = new Set<string>();
      const added: string[] = [];
      const w = await walk(c, [], () => 1 + rng.int(30), async (i) => {
        // Delete one existing key, add a new one, and overwrite another, between every call.
        const gone = KEYS[rng.int(KEYS.length)]!;
        if (!deleted.has(gone)) {
          deleted.add(gone);
          await writer.command('DEL', gone);
        }
        const fresh = `${'abcdefghijklmnopqrstuvwxyz'[i % 26]}new:${i}`;
        added.push(fresh);
        await writer.command('SET', fresh, 'n');
        await writer.command('SET', KEYS[rng.int(KEYS.length)]!, 'w');
      });
      const seen = new Set(w.keys);
      const missing = KEYS.filter((k) => !deleted.has(k) && !seen.has(k));
      expect(missing, `${t.name}: keys present throughout but never returned`).toEqual([]);
      const known = new Set([...KEYS, ...added]);
      expect(w.keys.filter((k) => !known.has(k)), `${t.name}: keys that never existed`).toEqual([]);
      expect(deleted.size, t.name).toBeGreaterThan(10);
      writer.close();
      c.close();
    }
  });

  test('MATCH and TYPE filter after the fetch: a call may return nothing, and only cursor 0 ends the walk', async () => {
    for (const t of targets) {
      const c = await filled(t.port());
      const w = await walk(c, ['MATCH', 'z*', 'TYPE', 'hash'], () => 5);
      const expected = KEYS.filter((k, i) => k.startsWith('z') && i % 10 === 0);
      expect(new Set(w.keys), t.name).toEqual(new Set(expected));
      expect(w.keys.length, t.name).toBe(expected.length);
      expect(w.batches.filter((n) => n === 0).length, `${t.name}: empty batches`).toBeGreaterThan(0);
      c.close();
    }
  });

  test('bad cursors and COUNT values: the same errors as Redis', async () => {
    for (const t of targets.slice(1)) {
      const d = await Differential.open(redis.port, t.port(), 2);
      for (const argv of [
        ['SCAN', 'x'],
        ['SCAN', '18446744073709551616'],
        ['SCAN', '0', 'COUNT', '0'],
        ['SCAN', '0', 'COUNT', '-1'],
        ['SCAN', '0', 'COUNT', 'x'],
        ['SCAN', '0', 'COUNT'],
        ['SCAN', '0', 'MATCH'],
        ['SCAN', '0', 'TYPE'],
        ['SCAN', '0', 'FOO', 'bar'],
        ['SCAN', '0', 'COUNT', '9223372036854775808'],
      ]) {
        await d.run(argv);
      }
      // -1 is a valid cursor to both (strtoull wraps it to 2^64-1): what it finds
      // depends on each server's own layout, so only its shape is compared.
      await d.run(['SCAN', '-1'], { kind: 'canon', fn: (reply) => (/^\*2\r\n\$\d+\r\n\d+\r\n\*/.test(reply) ? '<cursor and keys>' : reply) });
      expect(d.mismatches, t.name).toEqual([]);
      d.close();
    }
  });
});
