// kv-admin with a cluster.conf (no etcd): an edit is written to the file and
// every node is told to re-read it (KV.RELOAD); a refused edit changes nothing;
// SIGHUP makes a node re-read its file, and a bad file leaves it on its table.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, SECRET } from './support/servers.js';
import { removeTempDirs, startNode, writeConf, type NodeProcess } from './support/node-process.js';
import { ReplyReader, show } from './support/reply-reader.js';
import { clusterInfo, eventually, runAdmin } from './support/kv-admin.js';

const nodes: NodeProcess[] = [];
let conf: string;
let dir: string;
let ports: { foo: number; bar: number };

beforeAll(async () => {
  ports = { foo: await freePort(), bar: await freePort() };
  conf = writeConf([
    '# the cluster of this test',
    `secret ${SECRET}`,
    'save ""',
    `node foo 127.0.0.1:${ports.foo}`,
    `node bar 127.0.0.1:${ports.bar}`,
    'route a-m foo   # first half',
    'route n-z bar',
  ]);
  dir = dirname(conf);
  nodes.push(await startNode(conf, 'foo', ports.foo), await startNode(conf, 'bar', ports.bar));
});

afterAll(async () => {
  for (const n of nodes) await n.stop();
  removeTempDirs();
});

async function ownerOf(port: number, key: string): Promise<string> {
  const r = await ReplyReader.connect(port);
  try {
    return show((await r.call(5000, 'ROUTE', key)).items![3]!);
  } finally {
    r.close();
  }
}

describe('kv-admin with a file', () => {
  test('table prints the nodes and the table', async () => {
    const run = await runAdmin(dir, 'table');
    expect(run).toEqual({
      code: 0,
      stdout: `configuration: cluster.conf\nnodes\n  foo  127.0.0.1:${ports.foo}\n  bar  127.0.0.1:${ports.bar}\ntable\n  a-m       foo\n  n-z       bar\n`,
      stderr: '',
    });
  });

  test('move rewrites the route lines, keeps the rest, and every node runs the new table', async () => {
    const before = readFileSync(conf, 'latin1');
    expect(await runAdmin(dir, 'move', 'g-m', 'bar')).toEqual({ code: 0, stdout: 'cluster.conf written; reloading the nodes\nfoo: OK\nbar: OK\n', stderr: '' });
    expect(readFileSync(conf, 'latin1')).toBe(before.replace('route a-m foo   # first half\nroute n-z bar\n', 'route a-f foo   # first half\nroute g-z bar\n'));
    for (const port of [ports.foo, ports.bar]) {
      const info = await clusterInfo(port);
      expect([info.get('kv_config_revision'), info.get('kv_table')]).toEqual(['2', '[a-f foo, g-z bar]']);
    }
    expect(await ownerOf(ports.foo, 'house')).toBe('"bar"');
    expect(await ownerOf(ports.foo, 'apple')).toBe('"foo"');
    const status = await runAdmin(dir, 'status');
    expect(status.stdout).toContain(`foo 127.0.0.1:${ports.foo}\n  kv_table:[a-f foo, g-z bar]\n  kv_config_revision:2\n`);
  });

  test('a refused edit changes nothing and says why', async () => {
    const before = readFileSync(conf, 'latin1');
    expect(await runAdmin(dir, 'move', 'q', 'baz')).toEqual({ code: 2, stdout: '', stderr: 'kv-admin: move q baz: no node named "baz" (nodes: foo, bar)\n' });
    expect(await runAdmin(dir, 'remove-node', 'bar')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kv-admin: remove-node bar refused, nothing changed: route g-z bar (line 7) still names it; move those ranges to another node first\n',
    });
    // bar's own table sends q back to foo, whose table sends it to bar.
    expect(await runAdmin(dir, 'move', 'q', 'foo', '--section', 'bar')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'kv-admin: move q foo refused, nothing changed: the result would not load: cluster.conf:7: route g-z loops: foo -> bar -> foo\n',
    });
    expect(readFileSync(conf, 'latin1')).toBe(before);
    expect((await clusterInfo(ports.foo)).get('kv_config_revision')).toBe('2');
  });

  test('add-node and remove-node', async () => {
    const port = await freePort();
    const added = await runAdmin(dir, 'add-node', 'baz', `127.0.0.1:${port}`);
    expect(added.stdout).toBe('cluster.conf written; reloading the nodes\nfoo: OK\nbar: OK\n' + `baz: unreachable at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    expect(added.code).toBe(1);
    expect((await clusterInfo(ports.foo)).get('kv_nodes')).toBe(`foo@127.0.0.1:${ports.foo},bar@127.0.0.1:${ports.bar},baz@127.0.0.1:${port}`);
    expect(await runAdmin(dir, 'remove-node', 'baz')).toEqual({ code: 0, stdout: 'cluster.conf written; reloading the nodes\nfoo: OK\nbar: OK\n', stderr: '' });
    expect((await clusterInfo(ports.bar)).get('kv_nodes')).toBe(`foo@127.0.0.1:${ports.foo},bar@127.0.0.1:${ports.bar}`);
  });

  test('SIGHUP re-reads the file; a bad file leaves the node on its table and says where', async () => {
    const [foo] = nodes;
    const good = readFileSync(conf, 'latin1');
    const revision = Number((await clusterInfo(ports.foo)).get('kv_config_revision'));
    writeFileSync(conf, good + 'route 0-9 nobody\n');
    foo!.child.kill('SIGHUP');
    // The node was started with the file's full path, and its log escapes quotes.
    const line = good.split('\n').length;
    await eventually('foo logs the refusal', () => foo!.stderr().includes(`configuration not reloaded, node keeps revision ${revision}: ${conf}:${line}: unknown node \\"nobody\\" in route 0-9`));
    expect((await clusterInfo(ports.foo)).get('kv_config_revision')).toBe(String(revision));
    writeFileSync(conf, good.replace('route g-z bar\n', 'route g-m foo\nroute n-z bar\n'));
    foo!.child.kill('SIGHUP');
    await eventually('foo logs the reload', () => foo!.stderr().includes(`configuration reloaded (revision ${revision + 1})`));
    expect((await clusterInfo(ports.foo)).get('kv_table')).toBe('[a-f foo, g-m foo, n-z bar]');
    expect(foo!.running()).toBe(true);
  });
});
