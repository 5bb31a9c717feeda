// The cluster's own limits, each with its whole error text: a request longer
// than max-hops, a command whose keys live on several nodes (one it cannot
// split), and the bound on a link's queue. forward-max-pending, which refused
// requests once a link had that many in flight, is gone (70c3372): what bounds
// a link's queue today is each client's window of replies owed by other nodes
// (connection.ts, OWED_WINDOW = 512): past it, the client's socket is not read.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { resp } from './support/exchange.js';
import { freePort, SECRET, startCluster, type TestCluster } from './support/servers.js';
import { configFor, parseConfig } from '../server/cluster/config.js';
import { KvNode } from '../server/node.js';
import type { PeerLink } from '../server/cluster/peer-link.js';

/**
 * Each node reads its own cluster.conf (nodes on several machines do): foo's
 * says a-m is on bar, one hop; bar's says a-m is on baz, and max-hops 1. Each
 * file is valid alone (a file whose own tables take too many hops is refused
 * at start), but from foo a-m takes two hops, which bar refuses.
 */
async function divergentFiles(): Promise<{ nodes: Record<string, KvNode>; ports: Record<string, number>; stop(): Promise<void> }> {
  const ports = { foo: await freePort(), bar: await freePort(), baz: await freePort() };
  const head = [`secret ${SECRET}`, 'save ""', 'max-hops 1', ...Object.entries(ports).map(([n, p]) => `node ${n} 127.0.0.1:${p}`)];
  const files: Record<string, string[]> = {
    foo: [...head, 'route a-z bar'],
    bar: [...head, 'route a-m baz', 'route n-z bar'],
    baz: [...head, 'route a-m baz', 'route n-z bar'],
  };
  const nodes: Record<string, KvNode> = {};
  for (const [name, lines] of Object.entries(files)) {
    // Each node's files in a directory of the test's, never ./data/<name> of the checkout.
    const dir = mkdtempSync(join(tmpdir(), 'kv-limits-'));
    nodes[name] = new KvNode(configFor(parseConfig([...lines, `dir ${dir}`].join('\n') + '\n', `${name}.conf`), name), { log: () => {} });
    await nodes[name].start();
  }
  return { nodes, ports, stop: async () => void (await Promise.all(Object.values(nodes).map((n) => n.stop()))) };
}

describe('max-hops', () => {
  let cluster: Awaited<ReturnType<typeof divergentFiles>>;
  beforeAll(async () => {
    cluster = await divergentFiles();
  });
  afterAll(() => cluster?.stop());

  test('a file whose own tables take more hops than max-hops is refused at start', () => {
    expect(() => parseConfig('secret 0123456789abcdef0\nmax-hops 1\nnode foo 127.0.0.1:1\nnode bar 127.0.0.1:2\nnode baz 127.0.0.1:3\nroute a-z foo\n[foo]\nroute a-z bar\n[bar]\nroute a-z baz\n', 'c.conf')).toThrow(
      'c.conf:8: route a-z takes more than max-hops (1): foo -> bar -> baz',
    );
  });

  test('a request that needs more hops than max-hops fails with its path; one within the limit runs', async () => {
    const c = await RawClient.connect(cluster.ports['foo']!);
    expect(await c.command('SET', 'apple', '1')).toBe('-ERR too many hops for "apple": foo -> bar -> baz\r\n');
    expect(await c.command('GET', 'apple')).toBe('-ERR too many hops for "apple": foo -> bar -> baz\r\n');
    // One hop is within the limit.
    expect(await c.command('SET', 'zebra', '1')).toBe('+OK\r\n');
    expect(cluster.nodes['bar']!.store.get('zebra')).toBe('1');
    // A split command fails whole when one of its parts would take too many hops.
    expect(await c.command('MGET', 'zebra', 'apple')).toBe('-ERR too many hops for "apple": foo -> bar -> baz\r\n');
    c.close();
    // Nothing reached baz; through bar, one hop, it runs.
    expect(cluster.nodes['baz']!.store.has('apple')).toBe(false);
    const b = await RawClient.connect(cluster.ports['bar']!);
    expect(await b.command('SET', 'apple', '2')).toBe('+OK\r\n');
    b.close();
    expect(cluster.nodes['baz']!.store.get('apple')).toBe('2');
  });
});

describe('keys on several nodes, for a command that cannot be split', () => {
  let two: TestCluster;
  beforeAll(async () => {
    two = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  });
  afterAll(() => two.stop());

  test('LCS and BITOP name the two owners, in key order, and change nothing', async () => {
    const c = await RawClient.connect(two.ports['foo']!);
    expect(await c.command('MSET', 'apple', 'abc', 'zebra', 'abd')).toBe('+OK\r\n');
    expect(await c.command('LCS', 'apple', 'zebra')).toBe("-ERR keys of 'lcs' live on different nodes (foo, bar); this command needs them on one\r\n");
    expect(await c.command('BITOP', 'AND', 'zebra', 'apple')).toBe("-ERR keys of 'bitop' live on different nodes (bar, foo); this command needs them on one\r\n");
    expect(await c.command('BITOP', 'OR', 'apricot', 'apple', 'zebra')).toBe("-ERR keys of 'bitop' live on different nodes (foo, bar); this command needs them on one\r\n");
    // The same through bar, and on one node they run.
    const b = await RawClient.connect(two.ports['bar']!);
    expect(await b.command('LCS', 'apple', 'zebra')).toBe("-ERR keys of 'lcs' live on different nodes (foo, bar); this command needs them on one\r\n");
    expect(await b.command('LCS', 'apple', 'avocado')).toBe('$0\r\n\r\n');
    expect(await c.command('EXISTS', 'apricot')).toBe(':0\r\n');
    expect(await c.command('MGET', 'apple', 'zebra')).toBe('*2\r\n$3\r\nabc\r\n$3\r\nabd\r\n');
    c.close();
    b.close();
  });
});

describe("a link's queue is bounded by each client's window", () => {
  const WINDOW = 512; // connection.ts OWED_WINDOW
  let two: TestCluster;
  let link: PeerLink;
  let peak = 0;

  beforeAll(async () => {
    two = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    // The link is private to the node; the test reads its queue length after every send.
    link = (two.nodes['foo'] as unknown as { links: Map<string, PeerLink> }).links.get('bar')!;
    const send = link.send.bind(link);
    link.send = (argv, cb) => {
      send(argv, cb);
      peak = Math.max(peak, link.inFlight);
    };
  });
  afterAll(() => two.stop());

  /** `n` GETs of bar's key in one write on a new connection; the replies, all checked. */
  async function pipeliner(n: number): Promise<void> {
    const c = await RawClient.connect(two.ports['foo']!);
    c.send(resp('GET', 'zebra').repeat(n));
    const replies = await c.replies(n, 30_000);
    expect(replies.length).toBe(n);
    expect(replies.every((r) => r === '$7\r\nstriped\r\n')).toBe(true);
    c.close();
  }

  test('one client pipelining 20,000 forwarded GETs never has more than its window in flight on the link', async () => {
    const setup = await RawClient.connect(two.ports['bar']!);
    expect(await setup.command('SET', 'zebra', 'striped')).toBe('+OK\r\n');
    setup.close();
    peak = 0;
    const sentBefore = link.sent;
    await pipeliner(20_000);
    expect(link.sent - sentBefore).toBeGreaterThanOrEqual(20_000);
    console.log(`one pipeliner: at most ${peak} requests in flight on foo's link to bar`);
    expect(peak).toBeGreaterThan(WINDOW / 2); // the window was really reached…
    expect(peak).toBeLessThanOrEqual(WINDOW + 4); // …and never passed (but for the node's own few requests on the link)
  }, 40_000);

  test('three at once: at most three windows in flight, and every reply right', async () => {
    peak = 0;
    await Promise.all([pipeliner(10_000), pipeliner(10_000), pipeliner(10_000)]);
    console.log(`three pipeliners: at most ${peak} requests in flight on foo's link to bar`);
    expect(peak).toBeGreaterThan(WINDOW);
    expect(peak).toBeLessThanOrEqual(3 * WINDOW + 4);
    expect(link.failed).toBe(0);
  }, 40_000);
});
