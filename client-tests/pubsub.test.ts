// Pub/sub across a two-node cluster (a-m on foo, n-z on bar), with real clients
// and raw sockets:
// - ioredis and node-redis subscribers, RESP2 and RESP3, on both nodes, with
//   publishers on both: every message reaches every subscriber exactly once, in
//   each publisher's order, and PUBLISH answers the cluster-wide count;
// - patterns, shard channels and PUBSUB's merged answers across nodes;
// - a RESP3 subscriber's pipelined replies (forwarded to the other node) stay in
//   order and intact while messages come; a RESP2 one gets the replies it was
//   owed before its messages;
// - the same sequences against redis-server and the cluster (each connection on
//   a node of its own), compared byte for byte, step by step, keyspace
//   notifications included;
// - a peer killed with SIGKILL: PUBLISH still answers at once and live nodes'
//   subscribers still get messages; the peer's come back when it restarts; a
//   peer paused with SIGSTOP delays PUBLISH's count by forward-timeout only;
// - a subscriber that does not read is cut off past the pubsub output limit.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from './support/raw.js';
import { clusterConf, freePort, startCluster, startNodeProcess, startRedis, type ExternalServer, type TestCluster } from './support/servers.js';
import { describeWithRedis } from './support/redis-rule.js';
import { encodeCommand } from './support/differential.js';
import { replyEnd } from '../server/protocol/reply-framer.js';

const TWO = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Messages a subscriber got, as "channel|message" (or "pattern|channel|message"). */
type Inbox = string[];

/** Checks that `inbox` holds, for each publisher, exactly its messages 0..n-1, in order. */
function expectEachPublisherInOrder(inbox: Inbox, publishers: readonly string[], n: number): void {
  for (const p of publishers) {
    const seq = inbox.filter((m) => m.startsWith(`${p}:`)).map((m) => Number(m.split(':')[1]));
    expect(seq.length, `messages from ${p}`).toBe(n);
    const firstOutOfPlace = seq.findIndex((v, i) => v !== i);
    expect(firstOutOfPlace, `first message of ${p} out of place (a loss, a repeat or a reordering)`).toBe(-1);
  }
  expect(inbox.length).toBe(publishers.length * n);
}

describe('pub/sub across two nodes with ioredis and node-redis', () => {
  let cluster: TestCluster;
  const closers: Array<() => unknown> = [];
  const port = (n: string): number => cluster.ports[n]!;
  const ioredis = (node: string, protocol: 2 | 3): Redis => {
    const c = new Redis({ host: '127.0.0.1', port: port(node), protocol, maxRetriesPerRequest: 0 });
    closers.push(() => c.disconnect());
    return c;
  };
  const nodeRedis = async (node: string, RESP: 2 | 3) => {
    const c = createClient({ socket: { host: '127.0.0.1', port: port(node) }, RESP });
    c.on('error', () => {});
    await c.connect();
    closers.push(() => c.destroy());
    return c;
  };

  beforeAll(async () => {
    cluster = await startCluster(TWO);
  });
  afterAll(async () => {
    for (const close of closers) close();
    await cluster?.stop();
  });

  test('four subscribers (each client, each protocol, on both nodes), two publishers: all messages exactly once, in order per publisher', async () => {
    const inboxes: Record<string, Inbox> = { io2: [], io3: [], nr2: [], nr3: [] };
    const io2 = ioredis('foo', 2);
    const io3 = ioredis('bar', 3);
    io2.on('message', (ch: string, m: string) => ch === 'jobs' && inboxes['io2']!.push(m));
    io3.on('message', (ch: string, m: string) => ch === 'jobs' && inboxes['io3']!.push(m));
    expect(await io2.subscribe('jobs')).toBe(1);
    expect(await io3.subscribe('jobs')).toBe(1);
    const nr2 = await nodeRedis('foo', 2);
    const nr3 = await nodeRedis('bar', 3);
    await nr2.subscribe('jobs', (m) => inboxes['nr2']!.push(m));
    await nr3.subscribe('jobs', (m) => inboxes['nr3']!.push(m));

    const n = 2000;
    const pubFoo = ioredis('foo', 2);
    const pubBar = ioredis('bar', 3);
    // Sent without waiting: ioredis pipelines them; each publisher's order is what it sent.
    const counts = await Promise.all([
      ...Array.from({ length: n }, (_, i) => pubFoo.publish('jobs', `foo:${i}`)),
      ...Array.from({ length: n }, (_, i) => pubBar.publish('jobs', `bar:${i}`)),
    ]);
    expect(new Set(counts)).toEqual(new Set([4]));
    await until('every message everywhere', () => Object.values(inboxes).every((b) => b.length >= 2 * n));
    await new Promise((r) => setTimeout(r, 100)); // room for a duplicate to show
    for (const [name, inbox] of Object.entries(inboxes)) {
      expect(inbox.length, name).toBe(2 * n);
      expectEachPublisherInOrder(inbox, ['foo', 'bar'], n);
    }
  });

  test('patterns on both nodes: pmessage with its pattern; PUBLISH counts each matching subscription', async () => {
    const got: string[] = [];
    const io = ioredis('bar', 2);
    io.on('pmessage', (p: string, ch: string, m: string) => got.push(`io ${p} ${ch} ${m}`));
    expect(await io.psubscribe('news.*')).toBe(1);
    const nr = await nodeRedis('foo', 3);
    await nr.pSubscribe('news.*', (m, ch) => got.push(`nr news.* ${ch} ${m}`));
    await nr.subscribe('news.uk', (m, ch) => got.push(`nr ${ch} ${m}`));
    const pub = ioredis('foo', 2);
    expect(await pub.publish('news.uk', 'rain')).toBe(3);
    expect(await pub.publish('news', 'none')).toBe(0);
    expect(await pub.publish('sport.uk', 'none')).toBe(0);
    await until('three deliveries', () => got.length >= 3);
    expect(got.sort()).toEqual(['io news.* news.uk rain', 'nr news.* news.uk rain', 'nr news.uk rain']);
  });

  test('PUBSUB CHANNELS, NUMSUB and NUMPAT answer for the whole cluster, from either node', async () => {
    const a = ioredis('foo', 2);
    const b = ioredis('bar', 2);
    await a.subscribe('census.a', 'census.both');
    await b.subscribe('census.b', 'census.both');
    await a.psubscribe('census:*');
    await b.psubscribe('census:*', 'other:*');
    for (const node of ['foo', 'bar']) {
      const q = ioredis(node, 2);
      expect(((await q.call('PUBSUB', 'CHANNELS', 'census.*')) as string[]).sort()).toEqual(['census.a', 'census.b', 'census.both']);
      expect(await q.call('PUBSUB', 'NUMSUB', 'census.a', 'census.b', 'census.both', 'census.none')).toEqual(['census.a', 1, 'census.b', 1, 'census.both', 2, 'census.none', 0]);
      const numpat = (await q.call('PUBSUB', 'NUMPAT')) as number;
      expect(numpat).toBeGreaterThanOrEqual(2); // census:* once, other:*, and any pattern another test left
      expect(await q.call('PUBSUB', 'NUMPAT')).toBe(numpat);
    }
    // Named: without arguments ioredis waits for a count of 0, which the channels keep above 0 (with Redis too).
    await a.punsubscribe('census:*');
    await b.punsubscribe('census:*', 'other:*');
    expect(await ioredis('foo', 2).call('PUBSUB', 'NUMSUB', 'census.both')).toEqual(['census.both', 2]);
  });

  test('SSUBSCRIBE and SPUBLISH across nodes, apart from ordinary channels', async () => {
    const got: string[] = [];
    const nr = await nodeRedis('foo', 3);
    await nr.sSubscribe('orders', (m, ch) => got.push(`${ch} ${m}`));
    const pub = ioredis('bar', 2);
    expect(await pub.call('SPUBLISH', 'orders', 'o1')).toBe(1);
    expect(await pub.publish('orders', 'not for shard subscribers')).toBe(0);
    expect(await pub.call('PUBSUB', 'SHARDNUMSUB', 'orders')).toEqual(['orders', 1]);
    expect(await pub.call('PUBSUB', 'SHARDCHANNELS')).toEqual(['orders']);
    await until('the shard message', () => got.length >= 1);
    expect(got).toEqual(['orders o1']);
  });

  test('a RESP3 subscriber pipelining GETs of the other node: replies in order and intact, every message once', async () => {
    const setter = ioredis('foo', 2);
    const keys = Array.from({ length: 200 }, (_, i) => `zkey${i}`); // z: bar's
    await Promise.all(keys.map((k, i) => setter.set(k, `v${i}`)));
    const sub = await RawClient.connect(port('foo'));
    closers.push(() => sub.socket.destroy());
    sub.send(encodeCommand(['HELLO', '3']) + encodeCommand(['SUBSCRIBE', 'mixed']));
    await sub.replies(2);
    const pub = ioredis('bar', 2);
    const published = Promise.all(Array.from({ length: 300 }, (_, i) => pub.publish('mixed', `m${i}`)));
    sub.send(keys.map((k) => encodeCommand(['GET', k])).join(''));
    await published;
    const frames = await sub.replies(200 + 300, 10_000);
    const replies = frames.filter((f) => !f.startsWith('>'));
    const pushes = frames.filter((f) => f.startsWith('>'));
    expect(replies).toEqual(keys.map((_, i) => `$${`v${i}`.length}\r\nv${i}\r\n`));
    expect(pushes).toEqual(Array.from({ length: 300 }, (_, i) => `>3\r\n$7\r\nmessage\r\n$5\r\nmixed\r\n$${`m${i}`.length}\r\nm${i}\r\n`));
  });

  test('a RESP2 client: the reply to a forwarded GET sent before SUBSCRIBE comes first, then the confirmation, then messages', async () => {
    await ioredis('bar', 2).set('zfirst', 'one');
    const sub = await RawClient.connect(port('foo'));
    closers.push(() => sub.socket.destroy());
    sub.send(encodeCommand(['GET', 'zfirst']) + encodeCommand(['SUBSCRIBE', 'after']));
    const pub = ioredis('bar', 2);
    await until('the subscription', async () => ((await pub.call('PUBSUB', 'NUMSUB', 'after')) as unknown[])[1] === 1);
    expect(await pub.publish('after', 'm')).toBe(1);
    expect(await sub.replies(3)).toEqual(['$3\r\none\r\n', '*3\r\n$9\r\nsubscribe\r\n$5\r\nafter\r\n:1\r\n', '*3\r\n$7\r\nmessage\r\n$5\r\nafter\r\n$1\r\nm\r\n']);
  });

  test('a subscriber that does not read is cut off past 32 MB; the node and its other clients go on', async () => {
    const slow = net.connect({ host: '127.0.0.1', port: port('foo') });
    slow.on('error', () => {});
    closers.push(() => slow.destroy());
    await new Promise((r) => slow.once('connect', r));
    slow.write(encodeCommand(['SUBSCRIBE', 'flood']));
    const pub = ioredis('bar', 2);
    await until('the subscription', async () => ((await pub.call('PUBSUB', 'NUMSUB', 'flood')) as unknown[])[1] === 1);
    slow.pause(); // reads nothing more
    const mb = 'x'.repeat(1 << 20);
    for (let i = 0; i < 80; i++) await pub.publish('flood', mb);
    await until('the slow subscriber to be cut off', async () => ((await pub.call('PUBSUB', 'NUMSUB', 'flood')) as unknown[])[1] === 0, 15_000);
    expect(await ioredis('foo', 2).ping()).toBe('PONG');
    expect(await pub.publish('flood', 'after')).toBe(0);
  });
});

/**
 * One sequence of steps, each a command on one of several raw connections,
 * played against a server; what each connection received after each step.
 */
type Step = [conn: number, argv: string[]];

class Player {
  private readonly sockets: net.Socket[] = [];
  private readonly bufs: string[] = [];
  private readonly seen: number[] = [];

  static async open(ports: readonly number[]): Promise<Player> {
    const p = new Player();
    for (const port of ports) {
      const s = net.connect({ host: '127.0.0.1', port });
      await new Promise((r) => s.once('connect', r));
      const i = p.sockets.length;
      p.sockets.push(s);
      p.bufs.push('');
      p.seen.push(0);
      s.on('data', (d: Buffer) => (p.bufs[i] += d.toString('latin1')));
      s.on('error', () => {});
    }
    return p;
  }

  /** Sends `argv` on `conn`; then, per connection, the bytes that came: `want` of them once canonical (kv), or until quiet (Redis). */
  async step(conn: number, argv: string[], want?: readonly number[]): Promise<string[]> {
    this.sockets[conn]!.write(Buffer.from(encodeCommand(argv), 'latin1'));
    if (want !== undefined) {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && this.bufs.some((b, i) => canon(b.slice(this.seen[i]!)).length < want[i]!)) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50)); // anything more than Redis sent shows too
    } else {
      let last = -1;
      let total = 0;
      do {
        last = total;
        await new Promise((r) => setTimeout(r, 60));
        total = this.bufs.reduce((s, b) => s + b.length, 0);
      } while (total !== last);
    }
    const out = this.bufs.map((b, i) => b.slice(this.seen[i]!));
    this.bufs.forEach((b, i) => (this.seen[i] = b.length));
    return out;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/** A connection's id in HELLO's map differs between servers. */
const canon = (bytes: string): string => bytes.replace(/(\$2\r\nid\r\n):\d+\r\n/g, '$1:<id>\r\n');

/** Each frame of a byte stream, for a readable failure. */
function frames(bytes: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const end = replyEnd(bytes, pos);
    if (end <= pos) {
      out.push(bytes.slice(pos));
      break;
    }
    out.push(bytes.slice(pos, end));
    pos = end;
  }
  return out;
}

const SEQUENCES: Record<string, { conns: number; steps: Step[] }> = {
  'SUBSCRIBE, PUBLISH and UNSUBSCRIBE (pubsub.tcl basics)': {
    conns: 3,
    steps: [
      [0, ['SUBSCRIBE', 'chan1', 'chan2']],
      [2, ['SUBSCRIBE', 'chan1']],
      [1, ['PUBLISH', 'chan1', 'hello']],
      [1, ['PUBLISH', 'chan2', 'world']],
      [0, ['UNSUBSCRIBE', 'chan1']],
      [1, ['PUBLISH', 'chan1', 'hello']],
      [1, ['PUBLISH', 'chan2', 'world']],
      [0, ['UNSUBSCRIBE', 'chan2']],
      [1, ['PUBLISH', 'chan2', 'x']],
      [0, ['UNSUBSCRIBE']],
      [0, ['PUNSUBSCRIBE']],
      [0, ['UNSUBSCRIBE', 'foo', 'bar']],
      [0, ['SUBSCRIBE', 'chan1', 'chan1']],
      [1, ['PUBLISH', 'chan1', 'once']],
      [0, ['UNSUBSCRIBE']],
      [0, ['GET', 'k']],
      [2, ['UNSUBSCRIBE', 'chan1']],
    ],
  },
  'patterns, and PUBSUB over both nodes': {
    conns: 4,
    steps: [
      [0, ['PSUBSCRIBE', 'foo.*', 'bar.*']],
      [2, ['SUBSCRIBE', 'foo.bar']],
      [3, ['PSUBSCRIBE', 'foo.*']],
      [1, ['PUBLISH', 'foo.bar', 'm']],
      [1, ['PUBLISH', 'foo1', 'm']],
      [1, ['PUBLISH', 'barfoo.1', 'm']],
      [1, ['PUBSUB', 'NUMPAT']],
      [1, ['PUBSUB', 'NUMSUB', 'foo.bar', 'nope']],
      [1, ['PUBSUB', 'NUMSUB']],
      [1, ['PUBSUB', 'CHANNELS']],
      [1, ['PUBSUB', 'CHANNELS', 'x*']],
      [0, ['PUNSUBSCRIBE', 'foo.*', 'never']],
      [1, ['PUBLISH', 'bar.x', 'm']],
      [3, ['PUNSUBSCRIBE']],
      [1, ['PUBSUB', 'NUMPAT']],
      [0, ['PUNSUBSCRIBE']],
      [2, ['UNSUBSCRIBE']],
      [1, ['PUBSUB', 'NUMPAT']],
      [1, ['PUBSUB', 'CHANNELS']],
    ],
  },
  'the subscribed state of RESP2: refusals, PING, shard channels, RESET': {
    conns: 2,
    steps: [
      [0, ['SUBSCRIBE', 'c']],
      [0, ['GET', 'x']],
      [0, ['PING']],
      [0, ['PING', 'hi']],
      [0, ['CLIENT', 'GETNAME']],
      [0, ['HELLO', '3']],
      [0, ['MULTI']],
      [0, ['SSUBSCRIBE', 's']],
      [1, ['SPUBLISH', 's', 'm']],
      [1, ['PUBSUB', 'SHARDNUMSUB', 's', 't']],
      [1, ['PUBSUB', 'SHARDCHANNELS']],
      [0, ['SUNSUBSCRIBE']],
      [0, ['SUNSUBSCRIBE']],
      [0, ['GET', 'x']],
      [0, ['RESET']],
      [0, ['GET', 'x']],
      [0, ['PING']],
      [1, ['PUBLISH', 'c', 'm']],
      [0, ['SSUBSCRIBE', 's']],
      [0, ['SUNSUBSCRIBE', 's']],
      [0, ['GET', 'x']],
    ],
  },
  'RESP3: pushes, any command while subscribed, then back to RESP2': {
    conns: 2,
    steps: [
      [0, ['HELLO', '3']],
      [0, ['UNSUBSCRIBE']],
      [0, ['SUBSCRIBE', 'c']],
      [0, ['PSUBSCRIBE', 'c*']],
      [1, ['PUBLISH', 'c', 'm1']],
      [0, ['GET', 'x']],
      [0, ['SET', 'zed', 'v']],
      [0, ['GET', 'zed']],
      [0, ['PING']],
      [0, ['SSUBSCRIBE', 's']],
      [1, ['SPUBLISH', 's', 'sm']],
      [0, ['HELLO', '2']],
      [1, ['PUBLISH', 'c', 'm2']],
      [0, ['GET', 'x']],
      [0, ['PUNSUBSCRIBE']],
      [0, ['UNSUBSCRIBE']],
      [0, ['SUNSUBSCRIBE']],
      [0, ['GET', 'zed']],
      [0, ['DEL', 'zed']],
    ],
  },
  // Each node publishes the events of its own keys (zebra is bar's, apple foo's), to the subscribers of both.
  'keyspace notifications from the owner of each key, set on every node': {
    conns: 4,
    steps: [
      [0, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']],
      [1, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']],
      [0, ['CONFIG', 'GET', 'notify-keyspace-events']],
      [2, ['PSUBSCRIBE', '__key*__:*']],
      [3, ['SUBSCRIBE', '__keyevent@0__:del']],
      [1, ['SET', 'zebra', '1']],
      [1, ['SET', 'apple', '1', 'EX', '100']],
      [0, ['INCR', 'zebra']],
      [0, ['HSET', 'apricot', 'f', 'v']],
      [1, ['HDEL', 'apricot', 'f']],
      [1, ['EXPIRE', 'zebra', '100']],
      [0, ['SET', 'zebra', '2', 'NX']],
      [0, ['DEL', 'zebra']],
      [1, ['DEL', 'apple', 'missing']],
      [0, ['CONFIG', 'SET', 'notify-keyspace-events', 'En']],
      [1, ['CONFIG', 'SET', 'notify-keyspace-events', 'En']],
      [1, ['SET', 'zebra', '3']],
      [1, ['SET', 'zebra', '4']],
      [0, ['CONFIG', 'SET', 'notify-keyspace-events', '']],
      [1, ['CONFIG', 'SET', 'notify-keyspace-events', '']],
      [1, ['DEL', 'zebra']],
      [0, ['CONFIG', 'SET', 'notify-keyspace-events', 'KZ']],
      [2, ['PUNSUBSCRIBE']],
      [3, ['UNSUBSCRIBE']],
    ],
  },
  'PUBLISH inside MULTI, and the errors': {
    conns: 2,
    steps: [
      [0, ['SUBSCRIBE', 'tx']],
      [1, ['MULTI']],
      [1, ['PUBLISH', 'tx', 'in-multi']],
      [1, ['SET', 'k', 'v']],
      [1, ['EXEC']],
      [1, ['DEL', 'k']],
      [1, ['SUBSCRIBE']],
      [1, ['PSUBSCRIBE']],
      [1, ['PUBLISH', 'a']],
      [1, ['PUBLISH', 'a', 'b', 'c']],
      [1, ['SPUBLISH', 'a']],
      [1, ['PUBSUB']],
      [1, ['PUBSUB', 'foo']],
      [1, ['PUBSUB', 'NUMPAT', 'x']],
      [1, ['PUBSUB', 'CHANNELS', 'a', 'b']],
      [1, ['PUBSUB', 'HELP']],
      [0, ['QUIT']],
      [1, ['PUBLISH', 'tx', 'gone']],
    ],
  },
};

describeWithRedis('pub/sub replies byte for byte against redis-server 7.0.15', () => {
  let redis: ExternalServer;
  let cluster: TestCluster;

  beforeAll(async () => {
    [redis, cluster] = await Promise.all([startRedis(), startCluster(TWO)]);
  });
  afterAll(async () => {
    await redis?.stop();
    await cluster?.stop();
  });

  for (const [name, seq] of Object.entries(SEQUENCES)) {
    test(`${name} (connections alternate between foo and bar)`, async () => {
      const onRedis = await Player.open(Array.from({ length: seq.conns }, () => redis.port));
      const onKv = await Player.open(Array.from({ length: seq.conns }, (_, i) => cluster.ports[i % 2 === 0 ? 'foo' : 'bar']!));
      try {
        for (const [conn, argv] of seq.steps) {
          const want = await onRedis.step(conn, argv);
          const got = await onKv.step(conn, argv, want.map((b) => canon(b).length));
          for (let i = 0; i < seq.conns; i++) {
            expect(frames(canon(got[i]!)), `after ${conn}: ${argv.join(' ')}, connection ${i}`).toEqual(frames(canon(want[i]!)));
          }
        }
      } finally {
        onRedis.close();
        onKv.close();
      }
    });
  }
});

describe('a peer that is down', () => {
  const SPEC = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'], settings: ['forward-timeout 1000'] };
  let conf: string;
  let ports: Record<string, number>;
  let foo: ExternalServer;
  let bar: ExternalServer | null = null;
  const clients: Redis[] = [];
  const client = (p: number, reconnect = true): Redis => {
    const c = new Redis({ host: '127.0.0.1', port: p, maxRetriesPerRequest: 0, retryStrategy: () => (reconnect ? 100 : null) });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    ports = { foo: await freePort(), bar: await freePort() };
    conf = clusterConf(SPEC, ports);
    foo = await startNodeProcess(conf, 'foo', ports['foo']!);
    bar = await startNodeProcess(conf, 'bar', ports['bar']!);
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await foo?.stop();
    await bar?.stop();
  });

  test('killed (SIGKILL): PUBLISH on foo answers at once with foo\'s count, foo\'s subscribers get every message; back, it counts again', async () => {
    const got: string[] = [];
    const sub = client(ports['foo']!);
    sub.on('message', (_ch: string, m: string) => got.push(m));
    await sub.subscribe('alerts');
    // Not reconnecting: ioredis would subscribe again on the restarted bar, and the count below would be 3.
    const onBar = client(ports['bar']!, false);
    await onBar.subscribe('alerts');
    const pub = client(ports['foo']!);
    expect(await pub.publish('alerts', 'both up')).toBe(2);

    await bar!.stop();
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      expect(await pub.publish('alerts', `bar down ${i}`)).toBe(1);
      times.push(Date.now() - t0);
    }
    // No wait for the dead peer beyond its link's failure (refused at once on loopback).
    expect(Math.max(...times)).toBeLessThan(500);
    await until('the messages on foo', () => got.length >= 21);
    expect(got).toEqual(['both up', ...Array.from({ length: 20 }, (_, i) => `bar down ${i}`)]);

    bar = await startNodeProcess(conf, 'bar', ports['bar']!);
    const back = client(ports['bar']!);
    await back.subscribe('alerts');
    // foo's link comes back after its backoff; until then bar counts 0.
    await until('bar counted again', async () => (await pub.publish('alerts', 'probe')) === 2, 15_000);
  }, 40_000);

  test('stalled (SIGSTOP): foo\'s subscribers get the message at once; PUBLISH answers after forward-timeout, bar counted 0; bar delivers it when it wakes', async () => {
    const onFoo: string[] = [];
    const onBar: string[] = [];
    const subFoo = client(ports['foo']!);
    subFoo.on('message', (_ch: string, m: string) => onFoo.push(m));
    await subFoo.subscribe('stall');
    const subBar = client(ports['bar']!);
    subBar.on('message', (_ch: string, m: string) => onBar.push(m));
    await subBar.subscribe('stall');
    const pub = client(ports['foo']!);
    expect(await pub.publish('stall', 'before')).toBe(2);
    bar!.process.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const count = pub.publish('stall', 'while stopped');
      await until('the message on foo', () => onFoo.length === 2, 500);
      expect(await count).toBe(1);
      const waited = Date.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(3000);
    } finally {
      bar!.process.kill('SIGCONT');
    }
    await until('bar delivering what it read while stopped', () => onBar.length === 2, 5000);
    expect(onBar).toEqual(['before', 'while stopped']);
    expect(onFoo).toEqual(['before', 'while stopped']);
  }, 20_000);
});
