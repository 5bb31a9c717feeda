// The Node client libraries with their default options, behind a recording proxy
// so the handshake each one does on connect is asserted request by request:
//
// - node-redis (package `redis` v6) opens with HELLO 3 and has no RESP2
//   fallback, so a node that refused HELLO would make it unusable; then CLIENT
//   SETINFO LIB-VER/LIB-NAME, and CLIENT MAINT_NOTIFICATIONS (Redis 8's; node-redis
//   ignores a refusal, as Redis 7 refuses it). Then ordinary use, RESP3 maps
//   included, and MGET/MSET across the owners of a two-node cluster.
// - ioredis: CLIENT SETINFO and the INFO ready check (ioredis.test.ts covers
//   ordinary use).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { RecordingProxy, type Exchange } from './support/clients-proxy.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';
import { describeWithRedis } from './support/redis-rule.js';

const newClient = (port: number) => createClient({ socket: { host: '127.0.0.1', port } });
type NodeRedis = ReturnType<typeof newClient>;

/** A node-redis client with default options; errors it emits fail the test instead of crashing the worker. */
async function nodeRedis(port: number, errors: Error[]): Promise<NodeRedis> {
  const client = newClient(port);
  client.on('error', (e: Error) => errors.push(e));
  await client.connect();
  return client;
}

/** A request as text, command name (and CLIENT's subcommand) upper-cased, as clients differ in case. */
function upper(e: Exchange): string {
  const [cmd = '', ...args] = e.request;
  const name = cmd.toUpperCase();
  if (name === 'CLIENT' && args[0] !== undefined) args[0] = args[0].toUpperCase();
  return [name, ...args].join(' ');
}

function find(exchanges: Exchange[], prefix: string): Exchange | undefined {
  return exchanges.find((e) => upper(e).startsWith(prefix));
}

describe('node-redis with default options', () => {
  let node: TestCluster;
  let proxy: RecordingProxy;
  let client: NodeRedis;
  const errors: Error[] = [];

  beforeAll(async () => {
    node = await startSingleNode();
    proxy = await RecordingProxy.start(node.ports['solo']!);
    client = await nodeRedis(proxy.port, errors);
  });

  afterAll(async () => {
    if (client?.isOpen) client.destroy();
    await proxy?.stop();
    await node?.stop();
  });

  test('connects with HELLO 3 and CLIENT SETINFO, all answered', () => {
    expect(client.isReady).toBe(true);
    const hs = proxy.exchanges();
    expect(hs[0]!.request).toEqual(['HELLO', '3']);
    // A RESP3 map: server, version, proto 3, …
    expect(hs[0]!.reply).toMatch(/^%\d+\r\n/);
    expect(hs[0]!.reply).toContain('$5\r\nproto\r\n:3\r\n');
    expect(find(hs, 'CLIENT SETINFO LIB-VER')?.reply).toBe('+OK\r\n');
    expect(find(hs, 'CLIENT SETINFO LIB-NAME node-redis')?.reply).toBe('+OK\r\n');
    const maint = find(hs, 'CLIENT MAINT_NOTIFICATIONS');
    if (maint) expect(maint.reply).toBe("-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP.\r\n");
    for (const e of hs) expect(['HELLO', 'CLIENT SETINFO', 'CLIENT MAINT_NOTIFICATIONS'].some((p) => upper(e).startsWith(p)), upper(e)).toBe(true);
    expect(errors).toEqual([]);
  });

  test('strings and hashes, HGETALL as a RESP3 map', async () => {
    expect(await client.set('greeting', 'hello')).toBe('OK');
    expect(await client.get('greeting')).toBe('hello');
    expect(await client.get('missing')).toBeNull();
    expect(await client.hSet('user', { name: 'ann', age: '31' })).toBe(2);
    expect({ ...(await client.hGetAll('user')) }).toEqual({ name: 'ann', age: '31' });
    expect(find(proxy.exchanges(), 'HGETALL user')?.reply).toBe('%2\r\n$4\r\nname\r\n$3\r\nann\r\n$3\r\nage\r\n$2\r\n31\r\n');
    expect(await client.hGet('user', 'age')).toBe('31');
    expect(await client.incrBy('counter', 5)).toBe(5);
    await expect(client.incr('greeting')).rejects.toMatchObject({ message: 'ERR value is not an integer or out of range' });
  });

  test('an unknown command gives the exact Redis error text', async () => {
    const text = "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b c' ";
    await expect(client.sendCommand(['NOSUCHCMD', 'a', 'b c'])).rejects.toMatchObject({ message: text });
    expect(find(proxy.exchanges(), 'NOSUCHCMD')?.reply).toBe(`-${text}\r\n`);
    // The connection stays usable after an error reply.
    expect(await client.ping()).toBe('PONG');
  });

  test('QUIT ends the connection cleanly', async () => {
    expect(await client.quit()).toBe('OK');
    expect(client.isOpen).toBe(false);
    expect(proxy.exchanges().at(-1)).toEqual({ request: ['QUIT'], reply: '+OK\r\n' });
    expect(errors).toEqual([]);
  });
});

describeWithRedis('node-redis against redis-server, for comparison', () => {
  let redis: ExternalServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  test('the same unknown-command error text', async () => {
    const errors: Error[] = [];
    const client = await nodeRedis(redis.port, errors);
    await expect(client.sendCommand(['NOSUCHCMD', 'a', 'b c'])).rejects.toMatchObject({
      message: "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b c' ",
    });
    expect(await client.quit()).toBe('OK');
    expect(errors).toEqual([]);
  });
});

describe('node-redis through a two-node cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test('MSET and MGET whose keys live on both owners, through either node', async () => {
    const errors: Error[] = [];
    const foo = await nodeRedis(cluster.ports['foo']!, errors);
    const bar = await nodeRedis(cluster.ports['bar']!, errors);
    try {
      expect(await foo.mSet({ apple: 'red', world: '1', zebra: 'striped' })).toBe('OK');
      expect(cluster.nodes['foo']!.store.get('apple')).toBe('red');
      expect(cluster.nodes['bar']!.store.get('world')).toBe('1');
      expect(cluster.nodes['bar']!.store.get('zebra')).toBe('striped');
      expect(cluster.nodes['foo']!.store.has('world')).toBe(false);
      for (const c of [foo, bar]) {
        expect(await c.mGet(['apple', 'world', 'nothing', 'zebra'])).toEqual(['red', '1', null, 'striped']);
      }
      await bar.hSet('melon', { color: 'green' });
      expect({ ...(await bar.hGetAll('melon')) }).toEqual({ color: 'green' });
      expect(await foo.del(['apple', 'world', 'nothing'])).toBe(2);
    } finally {
      foo.destroy();
      await bar.close();
    }
    expect(errors).toEqual([]);
  });
});

describe('ioredis handshake with default options', () => {
  let node: TestCluster;
  let proxy: RecordingProxy;
  let redis: Redis;

  beforeAll(async () => {
    node = await startSingleNode();
    proxy = await RecordingProxy.start(node.ports['solo']!);
    redis = new Redis({ host: '127.0.0.1', port: proxy.port, lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await proxy?.stop();
    await node?.stop();
  });

  test('CLIENT SETINFO and the INFO ready check are answered without errors', async () => {
    expect(redis.status).toBe('ready');
    const hs = proxy.exchanges();
    expect(hs.length).toBeGreaterThan(0);
    for (const e of hs) {
      expect(e.reply, upper(e)).not.toBe('');
      expect(e.reply[0], `${upper(e)} -> ${e.reply.slice(0, 200)}`).not.toBe('-');
    }
    expect(find(hs, 'CLIENT SETINFO LIB-VER')?.reply).toBe('+OK\r\n');
    expect(find(hs, 'CLIENT SETINFO LIB-NAME ioredis')?.reply).toBe('+OK\r\n');
    const info = hs.find((e) => e.request.length === 1 && e.request[0]!.toUpperCase() === 'INFO');
    expect(info).toBeDefined();
    // The ready check waits while INFO says loading:1.
    expect(info!.reply).toContain('loading:0');
    // ioredis opens with HELLO 3 when it may; if so, the node agreed to RESP3.
    const hello = find(hs, 'HELLO');
    if (hello) expect(hello.reply).toMatch(/^%\d+\r\n/);
    for (const e of hs) expect(['HELLO', 'CLIENT SETINFO', 'INFO'].some((p) => upper(e).startsWith(p)), upper(e)).toBe(true);

    expect(await redis.set('k', 'v')).toBe('OK');
    expect(await redis.get('k')).toBe('v');
    expect(await redis.quit()).toBe('OK');
  });
});
