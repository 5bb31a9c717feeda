// Blocking pops across nodes with real clients (ioredis, raw sockets), on a
// two-node cluster where the queues live on bar and clients enter through foo
// (one hop, KV.BLOCK) or bar: a job queue with consumers and producers on both
// nodes loses and repeats nothing; a client's timeout holds through the hop; a
// blocked client that goes away (close, half-close, destroyed socket) stops
// waiting on the owner, so a later push stays in the list; and the link from foo
// to bar keeps carrying other clients' requests while many clients wait on it.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { startCluster, type ClusterSpec, type TestCluster } from './support/servers.js';
import { configFor, parseConfig } from '../server/cluster/config.js';
import { RawClient } from './support/raw.js';
import { encodeCommand } from './support/differential.js';

const TWO: ClusterSpec = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };

let cluster: TestCluster;
const open: Redis[] = [];

function client(node: 'foo' | 'bar'): Redis {
  const c = new Redis({ port: cluster.ports[node]!, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
  open.push(c);
  return c;
}

/** Waits for an INFO field of `node` to show `n`: blocked_clients (its clients waiting anywhere), kv_blocked_for_peers (other nodes' clients waiting there). */
async function infoShows(node: 'foo' | 'bar', section: string, field: string, n: number): Promise<void> {
  const c = await RawClient.connect(cluster.ports[node]!);
  try {
    for (let i = 0; i < 300; i++) {
      if ((await c.command('INFO', section)).includes(`${field}:${n}\r`)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${node} never showed ${field}:${n}`);
  } finally {
    c.close();
  }
}

const blockedOn = (node: 'foo' | 'bar', n: number): Promise<void> => infoShows(node, 'clients', 'blocked_clients', n);
const waitingOnBarFor = (n: number): Promise<void> => infoShows('bar', 'cluster', 'kv_blocked_for_peers', n);

describe('blocking pops across nodes', () => {
  beforeAll(async () => {
    cluster = await startCluster(TWO);
  });
  afterAll(async () => {
    for (const c of open) c.disconnect();
    await cluster?.stop();
  });

  test('a BLPOP job queue: consumers on both nodes, producers on both, every job delivered exactly once', async () => {
    const JOBS = 3000;
    const consumers = [client('foo'), client('foo'), client('foo'), client('bar'), client('bar')];
    const producers = [client('foo'), client('foo'), client('bar')];
    await producers[0]!.del('queue');
    const got = new Map<string, number>();
    const perConsumer = consumers.map(() => 0);
    let done = false;
    const consuming = consumers.map(async (c, i) => {
      while (!done) {
        const r = await c.blpop('queue', 0.5);
        if (r === null) continue;
        expect(r[0]).toBe('queue');
        got.set(r[1], (got.get(r[1]) ?? 0) + 1);
        perConsumer[i]!++;
        if (got.size === JOBS) done = true;
      }
    });
    // Producers push one job at a time, interleaved, through either node.
    await Promise.all(
      producers.map(async (p, k) => {
        for (let j = k; j < JOBS; j += producers.length) await p.rpush('queue', `job-${j}`);
      }),
    );
    const deadline = Date.now() + 20_000;
    while (!done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    done = true;
    await Promise.all(consuming);
    expect(got.size).toBe(JOBS);
    expect([...got.values()].filter((n) => n !== 1)).toEqual([]);
    expect(await producers[0]!.llen('queue')).toBe(0);
    // The consumers through the hop took their share.
    expect(perConsumer.slice(0, 3).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 60_000);

  test("the client's timeout holds through a hop, and a value that comes in time is delivered", async () => {
    const c = client('foo');
    await c.del('tq');
    let t = Date.now();
    expect(await c.blpop('tq', 0.3)).toBeNull();
    const waited = Date.now() - t;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1500);
    // BLMOVE and BLMPOP time out the same way (a null array, as Redis answers them).
    const raw = await RawClient.connect(cluster.ports['foo']!);
    try {
      expect(await raw.command('BLMOVE', 'tq', 'tq2', 'LEFT', 'RIGHT', '0.1')).toBe('*-1\r\n');
      expect(await raw.command('BLMPOP', '0.1', '1', 'tq', 'LEFT')).toBe('*-1\r\n');
    } finally {
      raw.close();
    }
    t = Date.now();
    const waiting = c.brpop('tq', 5);
    setTimeout(() => void client('bar').lpush('tq', 'late'), 200);
    expect(await waiting).toEqual(['tq', 'late']);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  for (const how of ['close', 'half-close', 'destroy'] as const) {
    test(`a blocked client that goes away (${how}) stops waiting on the owner: a later push stays in the list`, async () => {
      const admin = client('bar');
      await admin.del('wq');
      const raw = await RawClient.connect(cluster.ports['foo']!);
      raw.send(encodeCommand(['BLPOP', 'wq', '0']));
      await blockedOn('foo', 1);
      await waitingOnBarFor(1);
      if (how === 'close') raw.close();
      else if (how === 'half-close') raw.socket.end();
      else raw.socket.destroy();
      await blockedOn('foo', 0);
      // The owner got KV.UNBLOCK: nothing waits there any more, before any push.
      await waitingOnBarFor(0);
      expect(await admin.rpush('wq', 'kept')).toBe(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(await admin.lrange('wq', 0, -1)).toEqual(['kept']);
    });
  }

  test('a blocked client of the owner itself that goes away is dropped from the queue too', async () => {
    const admin = client('bar');
    await admin.del('wq2');
    const raw = await RawClient.connect(cluster.ports['bar']!);
    raw.send(encodeCommand(['BLPOP', 'wq2', '0']));
    await blockedOn('bar', 1);
    raw.socket.end();
    await blockedOn('bar', 0);
    expect(await admin.rpush('wq2', 'kept')).toBe(1);
    expect(await admin.lrange('wq2', 0, -1)).toEqual(['kept']);
  });

  test('the link keeps flowing while many clients wait on it, and FIFO holds across both nodes', async () => {
    const waiters = Array.from({ length: 40 }, (_, i) => client(i % 2 === 0 ? 'foo' : 'bar'));
    await waiters[0]!.del('ordered');
    const order: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < waiters.length; i++) {
      pending.push(
        waiters[i]!.blpop('ordered', 0).then((r) => {
          expect(r![1]).toBe(`v${i}`);
          order.push(i);
        }),
      );
      // Each waits before the next is sent: arrival order is blocking order.
      await blockedOn(i % 2 === 0 ? 'foo' : 'bar', Math.floor(i / 2) + 1);
    }
    // Meanwhile other requests through foo to bar are answered at once.
    const other = client('foo');
    const t = Date.now();
    for (let i = 0; i < 200; i++) await other.set(`x${i}`, String(i));
    expect(await other.get('x199')).toBe('199');
    expect(Date.now() - t).toBeLessThan(2000);
    await other.rpush('ordered', ...waiters.map((_, i) => `v${i}`));
    await Promise.all(pending);
    expect(order.length).toBe(waiters.length);
    expect(await other.exists('ordered')).toBe(0);
  }, 30_000);

  test('CLIENT UNBLOCK ends a wait on another node; the owner forgets it', async () => {
    const raw = await RawClient.connect(cluster.ports['foo']!);
    const admin = client('foo');
    try {
      await admin.del('uq');
      const id = (await raw.command('CLIENT', 'ID')).slice(1, -2);
      raw.send(encodeCommand(['BLMPOP', '0', '1', 'uq', 'LEFT']));
      await blockedOn('foo', 1);
      await waitingOnBarFor(1);
      expect(await admin.call('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(1);
      expect(await raw.reply()).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
      await waitingOnBarFor(0);
      expect(await admin.rpush('uq', 'kept')).toBe(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(await admin.llen('uq')).toBe(1);
      // Its connection goes on.
      expect(await raw.command('PING')).toBe('+PONG\r\n');
    } finally {
      raw.close();
    }
  });
});

describe('blocked clients when the table changes', () => {
  test('clients waiting on a range that moves wait where it lives now, in their order, and a push there serves them', async () => {
    const c = await startCluster(TWO);
    const clients: Redis[] = [];
    const on = (node: 'foo' | 'bar'): Redis => {
      const x = new Redis({ port: c.ports[node]!, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      clients.push(x);
      return x;
    };
    const blocked = async (node: 'foo' | 'bar', n: number): Promise<void> => {
      const raw = await RawClient.connect(c.ports[node]!);
      try {
        for (let i = 0; i < 300 && !(await raw.command('INFO', 'clients')).includes(`blocked_clients:${n}\r`); i++) await new Promise((r) => setTimeout(r, 10));
      } finally {
        raw.close();
      }
    };
    try {
      // h1 is foo's (a-m): one client of foo waits there, one of bar through the hop.
      const first = on('foo').blpop('h1', 0);
      await blocked('foo', 1);
      const second = on('bar').blpop('h1', 10);
      await blocked('bar', 1);
      // g-m moves to bar (bar takes it first, then foo gives it).
      const apply = (node: string): void => {
        const text = c.conf.replace(/^route .*\n/gm, '').replace(/^(node .*\n)(?!node)/m, '$1route a-f foo\nroute g-z bar\n');
        expect(c.nodes[node]!.applyConfig(configFor(parseConfig(text, 'next.conf'), node), '2')).toBeNull();
      };
      apply('bar');
      apply('foo');
      await new Promise((r) => setTimeout(r, 200));
      expect(await on('bar').rpush('h1', 'one', 'two')).toBeGreaterThanOrEqual(1);
      expect(await first).toEqual(['h1', 'one']);
      expect(await second).toEqual(['h1', 'two']);
      expect(await on('foo').exists('h1')).toBe(0);
    } finally {
      for (const x of clients) x.disconnect();
      await c.stop();
    }
  }, 30_000);
});
