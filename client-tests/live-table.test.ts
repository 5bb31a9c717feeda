// A table that changes while the nodes run (KvNode.applyConfig, as SIGHUP,
// KV.RELOAD and etcd call it): the keys of a moved range go to their new owner,
// and no read misses them on the way. In-process nodes, so the test can apply
// views to each node at the moments it chooses; client-tests/migration.test.ts
// does the same with processes, files and SIGHUP, under load.

import { afterEach, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { configFor, parseConfig } from '../server/cluster/config.js';
import { startCluster, type TestCluster } from './support/servers.js';

let cluster: TestCluster | null = null;
const clients: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await cluster?.stop();
  cluster = null;
});

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
  clients.push(c);
  return c;
}

/** Applies `conf` with its route lines replaced by `routes` to `node`. */
function apply(c: TestCluster, node: string, routes: string[], revision: string): void {
  const text = c.conf.replace(/^route .*\n/gm, '').replace(/^(node .*\n)(?!node)/m, `$1${routes.map((r) => `route ${r}\n`).join('')}`);
  const failed = c.nodes[node]!.applyConfig(configFor(parseConfig(text, 'next.conf'), node), revision);
  expect(failed).toBeNull();
}

/** Keys held by `node` itself. */
function held(c: TestCluster, node: string): string[] {
  return c.nodes[node]!.store.keys().sort();
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a range moves from foo to bar', () => {
  test('every key of g-m ends on bar, with its value and TTL, and reads never miss on the way', async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    const foo = client(cluster.ports['foo']!);
    const bar = client(cluster.ports['bar']!);
    const keys: string[] = [];
    for (let i = 0; i < 3000; i++) keys.push(`${String.fromCharCode(97 + (i % 26))}key${i}`);
    await foo.mset(...keys.flatMap((k) => [k, `v:${k}`]));
    await foo.pexpire('gkey6', 100_000);
    await foo.hset('hash', 'f', 'x');
    const moved = keys.filter((k) => k >= 'g' && k < 'n');
    // bar first, then foo: bar looks for keys it does not have on foo meanwhile.
    apply(cluster, 'bar', ['a-f foo', 'g-z bar'], '2');
    for (const k of moved.slice(0, 50)) expect(await bar.get(k)).toBe(`v:${k}`);
    apply(cluster, 'foo', ['a-f foo', 'g-z bar'], '2');
    const reads = (async () => {
      let missed = 0;
      for (let round = 0; round < 3; round++) {
        const vals = await Promise.all(moved.map((k, i) => (i % 2 ? foo : bar).get(k)));
        vals.forEach((v, i) => {
          if (v !== `v:${moved[i]}`) missed++;
        });
      }
      return missed;
    })();
    await until(() => held(cluster!, 'foo').every((k) => k < 'g'));
    expect(await reads).toBe(0);
    expect(held(cluster, 'bar').filter((k) => k < 'n')).toEqual([...moved, 'hash'].sort());
    expect(await bar.pttl('gkey6')).toBeGreaterThan(90_000);
    expect(await foo.hget('hash', 'f')).toBe('x');
    const info = await foo.info('cluster');
    expect(info).toContain('kv_config_revision:2');
    await until(() => !/kv_migrating_to_bar/.test(cluster!.nodes['foo']!.view.infoSection('cluster') ?? ''));
    await until(() => !/kv_importing_from_foo/.test(cluster!.nodes['bar']!.view.infoSection('cluster') ?? ''));
  });

  test('foo applies the new table first: bar still sends g-m back, and foo serves them until bar takes them', async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    const foo = client(cluster.ports['foo']!);
    const bar = client(cluster.ports['bar']!);
    await foo.set('hello', '1');
    apply(cluster, 'foo', ['a-f foo', 'g-z bar'], '2');
    // Writes through either node, new keys and old, land on foo while bar has the old table.
    expect(await bar.set('house', '2')).toBe('OK');
    expect(await foo.incr('hello')).toBe(2);
    expect(await foo.get('house')).toBe('2');
    await new Promise((r) => setTimeout(r, 100));
    expect(held(cluster, 'foo')).toEqual(['hello', 'house']);
    apply(cluster, 'bar', ['a-f foo', 'g-z bar'], '2');
    await until(() => held(cluster!, 'foo').length === 0);
    expect(held(cluster, 'bar')).toEqual(['hello', 'house']);
    expect(await foo.get('hello')).toBe('2');
    expect(await bar.mget('hello', 'house')).toEqual(['2', '2']);
  });

  test('a command over a key still on foo and one already on bar runs on bar after the first one moves', async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'], settings: ['migrate-keys-per-second 1'] });
    const foo = client(cluster.ports['foo']!);
    await foo.set('gone', 'a');
    await foo.set('here', 'b');
    await foo.set('hush', 'c');
    apply(cluster, 'bar', ['a-f foo', 'g-z bar'], '2');
    apply(cluster, 'foo', ['a-f foo', 'g-z bar'], '2');
    // Throttled to a key a second: one of the two moves at once, the other waits.
    await until(() => held(cluster!, 'bar').length === 1);
    expect(await foo.call('LCS', 'gone', 'here')).toBe('');
    expect(await foo.rename('gone', 'hold')).toBe('OK');
    expect(await foo.get('hold')).toBe('a');
    expect(await foo.exists('gone')).toBe(0);
    // The same for a transaction: the keys still on foo go first, and EXEC runs on bar.
    expect(held(cluster, 'foo')).toEqual(['hush']);
    expect(await foo.multi().get('hush').set('hold', 'd').exec()).toEqual([
      [null, 'c'],
      [null, 'OK'],
    ]);
    expect(held(cluster, 'foo')).toEqual([]);
  });
});
