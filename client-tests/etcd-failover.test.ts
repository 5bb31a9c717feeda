// Automatic failover through etcd leases: foo owns a-m and holds a lease, foo2
// follows it, bar owns n-z and is the clients' entry. SIGKILL foo: its lease
// lapses, foo2 takes over in one etcd transaction, and writes to a-m succeed
// again within the lease TTL plus a margin. foo, restarted, follows foo2. Then
// foo2 is SIGSTOPped until foo has taken over from it: woken, foo2 refuses the
// write that waited for it (fencing), before etcd has told it anything.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, SECRET } from './support/servers.js';
import { removeTempDirs, startNode, tempDir, writeConf, type NodeProcess } from './support/node-process.js';
import { ReplyReader, show } from './support/reply-reader.js';
import { clusterInfo, eventually, runAdmin } from './support/kv-admin.js';
import { etcdMissing, startEtcd, type TestEtcd } from './support/etcd.js';

const missing = etcdMissing();
const skipped = missing !== null && process.env['KV_TEST_WITHOUT_ETCD'] === '1';
if (skipped) console.log(`SKIPPED: the etcd failover tests (KV_TEST_WITHOUT_ETCD=1): ${missing}`);

const TTL = 2;

describe.skipIf(skipped)('failover through etcd leases', () => {
  let etcd: TestEtcd;
  let pointer: string;
  let ports: { foo: number; foo2: number; bar: number };
  const nodes: Record<string, NodeProcess> = {};
  const readers = new Set<ReplyReader>();

  beforeAll(async () => {
    if (missing !== null) throw new Error(missing);
    etcd = await startEtcd();
    ports = { foo: await freePort(), foo2: await freePort(), bar: await freePort() };
    const data = tempDir();
    const conf = writeConf([
      `secret ${SECRET}`,
      'save ""',
      `lease-ttl ${TTL}`,
      `node foo 127.0.0.1:${ports.foo}`,
      `node foo2 127.0.0.1:${ports.foo2}`,
      `node bar 127.0.0.1:${ports.bar}`,
      'route a-m foo',
      'route n-z bar',
      '[foo]',
      `dir ${data}/foo`,
      '[foo2]',
      'replicaof foo',
      `dir ${data}/foo2`,
      '[bar]',
      `dir ${data}/bar`,
    ]);
    const seeded = await runAdmin(join(conf, '..'), 'seed', '--etcd', etcd.url('/kv'));
    expect(seeded.code, seeded.stderr).toBe(0);
    pointer = join(tempDir(), 'cluster.conf');
    writeFileSync(pointer, `coordinator ${etcd.url('/kv')}\n`);
    for (const name of ['foo', 'foo2', 'bar'] as const) nodes[name] = await startNode(pointer, name, ports[name]);
  }, 30_000);

  afterAll(async () => {
    for (const r of readers) r.close();
    for (const n of Object.values(nodes)) {
      if (n.child.signalCode === null && n.child.exitCode === null) n.child.kill('SIGCONT');
      await n.stop();
    }
    await etcd?.destroy();
    removeTempDirs();
  });

  async function connect(port: number): Promise<ReplyReader> {
    const r = await ReplyReader.connect(port);
    readers.add(r);
    return r;
  }

  async function synced(port: number): Promise<void> {
    const r = await connect(port);
    await eventually(`the replica on ${port} syncs`, async () => (await r.call(5000, 'INFO', 'replication')).data!.toString('latin1').includes('master_link_status:up'));
  }

  test('SIGKILL the primary: writes to its buckets succeed again within the lease TTL', async () => {
    await synced(ports.foo2);
    await eventually('foo holds its lease', () => nodes['foo']!.stderr().includes(`[foo] holds its lease in etcd (/kv/leases/foo, ttl ${TTL} s)`));
    const bar = await connect(ports.bar);
    expect(show(await bar.call(5000, 'SET', 'apple', 'before'))).toBe('+OK');
    const killedAt = Date.now();
    nodes['foo']!.child.kill('SIGKILL');
    await nodes['foo']!.exited;
    let last = '';
    for (;;) {
      last = show(await bar.call(5000, 'SET', 'apple', 'after'));
      if (last === '+OK') break;
      expect(Date.now() - killedAt, `writes still fail: ${last}`).toBeLessThan(TTL * 1000 + 3000);
      await new Promise((res) => setTimeout(res, 20));
    }
    const took = Date.now() - killedAt;
    console.log(`failover: writes to foo's buckets succeeded again ${took} ms after its SIGKILL (lease-ttl ${TTL} s)`);
    expect(took).toBeLessThan(TTL * 1000 + 1500);
    expect(nodes['foo2']!.stderr()).toMatch(/\[foo2\] foo's lease lapsed: took over its entries \(configuration revision \d+\)/);
    expect(show(await bar.call(5000, 'GET', 'apple'))).toBe('"after"');
    await eventually('bar runs the failover revision', async () => (await clusterInfo(ports.bar)).get('kv_table') === '[a-m foo2, n-z bar]');
  }, 20_000);

  test('foo, restarted, follows foo2; foo2 SIGSTOPped until foo took over refuses writes when it wakes', async () => {
    nodes['foo'] = await startNode(pointer, 'foo', ports.foo);
    await synced(ports.foo);
    await eventually('foo2 holds its lease', () => nodes['foo2']!.stderr().includes(`[foo2] holds its lease in etcd (/kv/leases/foo2, ttl ${TTL} s)`));
    const early = await connect(ports.foo2);
    expect(show(await early.call(5000, 'SET', 'apple', 'on foo2'))).toBe('+OK');
    const stoppedAt = Date.now();
    nodes['foo2']!.child.kill('SIGSTOP');
    // Sent while foo2 sleeps, on a connection it had already accepted: the first thing it reads when it wakes.
    early.command('SET', 'apple', 'late');
    const bar = await connect(ports.bar);
    await eventually('foo takes over from the sleeping foo2', async () => (await clusterInfo(ports.bar)).get('kv_table') === '[a-m foo, n-z bar]', TTL * 1000 + 5000);
    let took = 0;
    for (;;) {
      if (show(await bar.call(5000, 'SET', 'apple', 'on foo')) === '+OK') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    took = Date.now() - stoppedAt;
    console.log(`failover from a SIGSTOPped primary: writes succeeded on foo ${took} ms after the SIGSTOP`);
    nodes['foo2']!.child.kill('SIGCONT');
    expect(show(await early.next(5000))).toBe(
      '-READONLY node foo2 lost its lease in the coordinator: it may have been replaced, and takes no writes until it holds one again',
    );
    expect(show(await bar.call(5000, 'GET', 'apple'))).toBe('"on foo"');
    // foo2 then runs the revision that makes it foo's replica.
    await eventually('foo2 follows foo', async () => (await clusterInfo(ports.foo2)).get('kv_table') === '[a-m foo, n-z bar]');
  }, 30_000);
});
