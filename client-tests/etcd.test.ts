// etcd mode with a real etcd on free ports: kv-admin seeds it from a
// cluster.conf, two nodes take their configuration from it, a move through
// kv-admin is a new revision both nodes run and route by; a bad revision is
// logged and skipped; with etcd stopped the nodes keep serving, and when it is
// back they apply a later revision. Needs Debian's etcd-server (.ci/run
// installs it); KV_TEST_WITHOUT_ETCD=1 skips this file, saying so.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, SECRET } from './support/servers.js';
import { removeTempDirs, spawnNode, startNode, tempDir, writeConf, type NodeProcess } from './support/node-process.js';
import { ReplyReader, show } from './support/reply-reader.js';
import { clusterInfo, eventually, runAdmin } from './support/kv-admin.js';
import { etcdMissing, startEtcd, type TestEtcd } from './support/etcd.js';

const missing = etcdMissing();
const skipped = missing !== null && process.env['KV_TEST_WITHOUT_ETCD'] === '1';
if (skipped) console.log(`SKIPPED: the etcd tests (KV_TEST_WITHOUT_ETCD=1): ${missing}`);

describe.skipIf(skipped)('etcd mode', () => {
  let etcd: TestEtcd;
  let dir: string;
  let url: string;
  let pointer: string;
  let ports: { foo: number; bar: number };
  const nodes: NodeProcess[] = [];
  let seeded = 0;

  beforeAll(async () => {
    if (missing !== null) throw new Error(missing);
    etcd = await startEtcd();
    url = etcd.url('/kv');
    ports = { foo: await freePort(), bar: await freePort() };
    const data = tempDir();
    const conf = writeConf([
      `coordinator ${url}`,
      `secret ${SECRET}`,
      'save ""',
      `node foo 127.0.0.1:${ports.foo}`,
      `node bar 127.0.0.1:${ports.bar}`,
      'route a-m foo',
      'route n-z bar',
      '[foo]',
      `dir ${data}/foo`,
      '[bar]',
      `dir ${data}/bar`,
    ]);
    dir = join(conf, '..');
    pointer = join(tempDir(), 'cluster.conf');
    writeFileSync(pointer, `coordinator ${url}\n`);
  }, 30_000);

  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await etcd?.destroy();
    removeTempDirs();
  });

  async function call(port: number, ...argv: string[]): Promise<string> {
    const r = await ReplyReader.connect(port);
    try {
      return show(await r.call(5000, ...argv));
    } finally {
      r.close();
    }
  }

  async function revisions(): Promise<string[]> {
    return Promise.all([ports.foo, ports.bar].map(async (p) => (await clusterInfo(p)).get('kv_config_revision') ?? '?'));
  }

  test('seed copies cluster.conf (minus its coordinator line) into etcd, once', async () => {
    const run = await runAdmin(dir, 'seed');
    expect(run.stderr).toBe('');
    const m = new RegExp(`^cluster\\.conf copied to /kv/config at http://127\\.0\\.0\\.1:${etcd.clientPort} \\(revision (\\d+)\\)\\n$`).exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    seeded = Number(m![1]);
    expect(await runAdmin(dir, 'seed')).toEqual({
      code: 2,
      stdout: '',
      stderr: `kv-admin: /kv/config already holds a configuration (revision ${seeded}); nothing written (--force replaces it)\n`,
    });
  });

  test('nodes take their configuration from etcd and run its revision', async () => {
    nodes.push(await startNode(pointer, 'foo', ports.foo), await startNode(pointer, 'bar', ports.bar));
    expect(nodes[0]!.stdout()).toContain(`kv node foo listening on 127.0.0.1:${ports.foo} (pid ${nodes[0]!.child.pid}, config /kv/config)\n  table: [a-m foo, n-z bar]\n`);
    expect(await revisions()).toEqual([String(seeded), String(seeded)]);
    expect(await call(ports.foo, 'SET', 'zebra', '1')).toBe('+OK');
    expect(await call(ports.bar, 'GET', 'zebra')).toBe('"1"');
  });

  test('kv-admin move through etcd: a new revision every node runs and routes by', async () => {
    const started = Date.now();
    const run = await runAdmin(pointer.replace(/\/cluster\.conf$/, ''), 'move', 'g-m', 'bar');
    const m = /^revision (\d+) written to (\S+)\nfoo: revision (\d+) \((\d+) ms\)\nbar: revision (\d+) \((\d+) ms\)\n$/.exec(run.stdout);
    expect(m, run.stdout + run.stderr).not.toBeNull();
    const revision = m![1]!;
    expect([m![2], m![3], m![5], run.code]).toEqual([url, revision, revision, 0]);
    console.log(`kv-admin move through etcd: foo ran revision ${revision} ${m![4]} ms after the write, bar ${m![6]} ms; the whole command took ${Date.now() - started} ms`);
    expect(await revisions()).toEqual([revision, revision]);
    for (const p of [ports.foo, ports.bar]) expect((await clusterInfo(p)).get('kv_table')).toBe('[a-f foo, g-z bar]');
    expect(await call(ports.foo, 'ROUTE', 'house')).toBe('[' + ['"bucket"', '"house"', '"owner"', '"bar"', '"path"', '"foo -> bar"', '"hops"', ':1'].join(', ') + ']');
    const table = await runAdmin(dir, 'table');
    expect(table.stdout).toBe(
      `configuration: ${url} (revision ${revision})\nnodes\n  foo  127.0.0.1:${ports.foo}\n  bar  127.0.0.1:${ports.bar}\ntable\n  a-f       foo\n  g-z       bar\n`,
    );
  });

  test('a bad configuration put straight into etcd is logged with its revision and skipped', async () => {
    const [before] = await revisions();
    const client = new Etcd3({ hosts: `http://127.0.0.1:${etcd.clientPort}` });
    let bad: string;
    try {
      bad = (await client.put('/kv/config').value('node foo 127.0.0.1:1\nroute a-z nobody\n').exec()).header.revision;
    } finally {
      client.close();
    }
    for (const n of nodes) {
      await eventually(`${n.name} logs the refusal`, () =>
        n.stderr().includes(`[${n.name}] configuration revision ${bad} from etcd not applied, node keeps revision ${before}: /kv/config:2: unknown node \\"nobody\\" in route a-z`),
      );
    }
    expect(await revisions()).toEqual([before, before]);
    expect(await call(ports.foo, 'GET', 'zebra')).toBe('"1"');
  });

  test('etcd stopped: the nodes keep serving on their table; back: they apply a later revision', async () => {
    await etcd.stop();
    for (const n of nodes) await eventually(`${n.name} notices`, () => n.stderr().includes(`[${n.name}] lost etcd at http://127.0.0.1:${etcd.clientPort}`));
    expect(await call(ports.foo, 'SET', 'apple', 'a')).toBe('+OK');
    expect(await call(ports.foo, 'SET', 'house', 'h')).toBe('+OK');
    expect(await call(ports.bar, 'GET', 'apple')).toBe('"a"');
    await etcd.restart();
    // etcd holds the bad configuration: the file's, seeded again, is the later revision.
    const fixed = await runAdmin(dir, 'seed', '--force');
    expect(fixed.code, fixed.stderr).toBe(0);
    const revision = /\(revision (\d+)\)/.exec(fixed.stdout)![1]!;
    const took = await eventually('both nodes run the revision written after etcd came back', async () => (await revisions()).every((r) => r === revision), 15_000);
    console.log(`after etcd restarted, both nodes ran the next revision ${took} ms after it was written`);
    for (const n of nodes) expect(n.stderr()).toContain(`[${n.name}] etcd is back; watching /kv/config from revision`);
    expect((await clusterInfo(ports.bar)).get('kv_table')).toBe('[a-m foo, n-z bar]');
    expect(await call(ports.bar, 'GET', 'house')).toBe('"h"');
  }, 40_000);

  test('a node that cannot reach etcd at start gives up after a bounded wait, saying why', async () => {
    const dead = await freePort();
    const file = join(tempDir(), 'cluster.conf');
    writeFileSync(file, `coordinator etcd://127.0.0.1:${dead}/kv\n`);
    const started = Date.now();
    const node = spawnNode(file, 'foo', await freePort());
    expect(await node.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(node.stderr()).toMatch(new RegExp(`^error: cannot reach etcd at http://127\\.0\\.0\\.1:${dead} \\(etcd://127\\.0\\.0\\.1:${dead}/kv\\) after 10 s: 14 UNAVAILABLE: `));
  }, 20_000);
});
