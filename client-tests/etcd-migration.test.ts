// The move-under-load scenario through etcd and kv-admin: under a
// checked load of writes and reads through every node, `kv-admin move g-m bar`,
// then `kv-admin add-node baz` and `kv-admin move t-z baz`, each a revision in
// etcd that every node applies. No write lost, no read missing or stale, and
// every key on its owner at the end.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort, SECRET } from './support/servers.js';
import { removeTempDirs, startNode, tempDir, writeConf, type NodeProcess } from './support/node-process.js';
import { CheckedLoad, localKeys } from './support/load.js';
import { clusterInfo, eventually, runAdmin } from './support/kv-admin.js';
import { etcdMissing, startEtcd, type TestEtcd } from './support/etcd.js';

const missing = etcdMissing();
const skipped = missing !== null && process.env['KV_TEST_WITHOUT_ETCD'] === '1';
if (skipped) console.log(`SKIPPED: the etcd migration test (KV_TEST_WITHOUT_ETCD=1): ${missing}`);

const nodes: NodeProcess[] = [];
let etcd: TestEtcd | null = null;
afterAll(async () => {
  for (const n of nodes) await n.stop();
  await etcd?.destroy();
  removeTempDirs();
});

/** Keys of a range like g-m that a node holds itself. */
async function heldIn(port: number, range: string): Promise<string[]> {
  return localKeys(port, `[${range}]*`);
}

describe.skipIf(skipped)('a live table through etcd, under load', () => {
  test('move g-m to bar, add baz and give it t-z: nothing lost, every key on its owner', async () => {
    if (missing !== null) throw new Error(missing);
    etcd = await startEtcd();
    const ports = { foo: await freePort(), bar: await freePort(), baz: await freePort() };
    const conf = writeConf([`secret ${SECRET}`, 'save ""', `node foo 127.0.0.1:${ports.foo}`, `node bar 127.0.0.1:${ports.bar}`, 'route a-m foo', 'route n-z bar']);
    const admin = (...args: string[]) => runAdmin(join(conf, '..'), '--etcd', etcd!.url('/kv'), ...args);
    expect((await admin('seed', '--config', conf)).code).toBe(0);
    const pointer = join(tempDir(), 'cluster.conf');
    writeFileSync(pointer, `coordinator ${etcd.url('/kv')}\n`);
    nodes.push(await startNode(pointer, 'foo', ports.foo), await startNode(pointer, 'bar', ports.bar));
    const entries = [ports.foo, ports.bar];
    const load = new CheckedLoad({ ports: () => entries, workers: 4, letters: 'abcdefghijklmnopqrstuvwxyz', perLetter: 8 });
    load.start();
    await new Promise((res) => setTimeout(res, 1000));

    const moved = await admin('move', 'g-m', 'bar');
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    const first = await eventually('g-m leaves foo', async () => (await heldIn(ports.foo, 'g-m')).length === 0, 30_000);

    // add-node waits for every node of the new revision to run it: baz starts meanwhile.
    const adding = admin('add-node', 'baz', `127.0.0.1:${ports.baz}`);
    await eventually('foo knows baz', async () => ((await clusterInfo(ports.foo)).get('kv_nodes') ?? '').includes('baz@'));
    nodes.push(await startNode(pointer, 'baz', ports.baz));
    entries.push(ports.baz);
    const added = await adding;
    expect(added.code, added.stdout + added.stderr).toBe(0);
    const moving = await admin('move', 't-z', 'baz');
    expect(moving.code, moving.stdout + moving.stderr).toBe(0);
    const second = await eventually('t-z leaves bar', async () => (await heldIn(ports.bar, 't-z')).length === 0, 30_000);
    await new Promise((res) => setTimeout(res, 500));
    await load.stop();

    console.log(`through etcd under load: ${load.writes} writes, ${load.reads} reads; g-m off foo ${first} ms after kv-admin returned, t-z off bar ${second} ms after; ${load.summary()}`);
    for (const kind of ['missed', 'stale', 'resurrected', 'garbage', 'errors'] as const) expect(load.count(kind), load.summary()).toBe(0);
    const owner = (k: string): string => (k < 'g' ? 'foo' : k < 'n' ? 'bar' : k < 't' ? 'bar' : 'baz');
    const misplaced: string[] = [];
    for (const [name, port] of Object.entries(ports)) for (const k of await localKeys(port)) if (owner(k) !== name) misplaced.push(`${k} on ${name}`);
    expect(misplaced.slice(0, 10)).toEqual([]);
    const { must } = load.expectedKeys();
    const everywhere = new Set((await Promise.all(Object.values(ports).map((p) => localKeys(p)))).flat());
    expect([...must].filter((k) => !everywhere.has(k)).slice(0, 10)).toEqual([]);
  }, 120_000);
});
