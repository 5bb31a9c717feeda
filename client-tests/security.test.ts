// Security defaults: requirepass with AUTH/HELLO AUTH exactly as Redis answers,
// forwarding between password-protected nodes over the secret-authenticated
// links, the warning for a node bound beyond loopback, and keys that would
// reach JavaScript object internals.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { configFor, parseConfig } from '../server/cluster/config.js';
import { KvNode } from '../server/node.js';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';
import { freePort, startCluster, startRedis, type ExternalServer, type TestCluster } from './support/servers.js';

describeWithRedis('requirepass, compared byte for byte with redis-server', () => {
  let cluster: TestCluster;
  let redis: ExternalServer;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'], settings: ['requirepass s3cret'] });
    redis = await startRedis(['--requirepass', 's3cret']);
  });
  afterAll(async () => {
    await cluster.stop();
    await redis.stop();
  });

  const script: string[][] = [
    ['GET', 'apple'],
    ['NOSUCH', 'x'],
    ['GET'],
    ['PING'],
    ['HELLO', '3'],
    ['AUTH', 'wrong'],
    ['AUTH', 'nobody', 's3cret'],
    ['HELLO', '2', 'AUTH', 'default', 'wrong'],
    ['SET', 'apple', '1'],
    ['AUTH', 's3cret'],
    ['SET', 'apple', '1'],
    ['GET', 'apple'],
    ['AUTH', 'default', 's3cret'],
    ['QUIT'],
  ];

  test('the same replies as Redis, before and after AUTH', async () => {
    const ours = await RawClient.connect(cluster.ports['foo']!);
    const theirs = await RawClient.connect(redis.port);
    for (const argv of script) expect([argv, await ours.command(...argv)]).toEqual([argv, await theirs.command(...argv)]);
    ours.close();
    theirs.close();
  });

  test('HELLO with AUTH authenticates and switches protocol at once', async () => {
    const ours = await RawClient.connect(cluster.ports['foo']!);
    const reply = await ours.command('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me');
    expect(reply.startsWith('%7\r\n')).toBe(true);
    expect(await ours.command('CLIENT', 'GETNAME')).toBe('$2\r\nme\r\n');
    expect(await ours.command('SET', 'apple', '2')).toBe('+OK\r\n');
    expect(await ours.command('GET', 'apple')).toBe('$1\r\n2\r\n');
    expect(await ours.command('GET', 'anything')).toBe('_\r\n');
    ours.close();
  });

  test('an authenticated client reaches buckets on the other node; peers need no password', async () => {
    const c = new Redis({ port: cluster.ports['foo'], host: '127.0.0.1', password: 's3cret' });
    expect(await c.set('zebra', 'striped')).toBe('OK');
    expect(cluster.nodes['bar']!.store.get('zebra')).toBe('striped');
    expect(await c.get('zebra')).toBe('striped');
    c.disconnect();
    const anonymous = await RawClient.connect(cluster.ports['foo']!);
    expect(await anonymous.command('GET', 'zebra')).toBe('-NOAUTH Authentication required.\r\n');
    anonymous.close();
  });
});

describe('binding', () => {
  test('a node bound beyond loopback without a password warns loudly', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const cfg = parseConfig(`secret security-test-secret\nsave ""\nnode wide 0.0.0.0:${port}\nroute * wide\n`);
    const node = new KvNode(configFor(cfg, 'wide'), { log: (m) => logs.push(m) });
    await node.start();
    await node.stop();
    expect(logs.join('\n')).toContain('WARNING: node wide listens on 0.0.0.0, beyond loopback, and no requirepass is set');
  });

  test('a loopback node does not warn', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'kv-security-'));
    const node = new KvNode(configFor(parseConfig(`secret security-test-secret\nsave ""\ndir ${dir}\nnode lo 127.0.0.1:${port}\nroute * lo\n`), 'lo'), { log: (m) => logs.push(m) });
    await node.start();
    await node.stop();
    expect(logs.join('\n')).not.toContain('WARNING');
  });

  test('a port in use is an error that names it', async () => {
    const port = await freePort();
    const cfg = parseConfig(`secret security-test-secret\nsave ""\nnode a 127.0.0.1:${port}\nroute * a\n`);
    const first = new KvNode(configFor(cfg, 'a'), { log: () => {} });
    await first.start();
    const second = new KvNode(configFor(cfg, 'a'), { log: () => {} });
    await expect(second.start()).rejects.toThrow(`node a: port ${port} on 127.0.0.1 is already in use`);
    await first.stop();
  });
});

describe('keys that name JavaScript object internals are ordinary keys', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['solo'], routes: ['* solo'] });
  });
  afterAll(() => cluster.stop());

  test('__proto__, constructor, toString', async () => {
    const c = new Redis({ port: cluster.ports['solo'], host: '127.0.0.1' });
    expect(await c.get('constructor')).toBeNull();
    expect(await c.exists('toString', 'hasOwnProperty', '__proto__')).toBe(0);
    expect(await c.set('__proto__', 'x')).toBe('OK');
    expect(await c.get('__proto__')).toBe('x');
    expect(await c.hset('constructor', 'prototype', 'y')).toBe(1);
    expect(await c.hgetall('constructor')).toEqual({ prototype: 'y' });
    expect(await c.hget('constructor', '__proto__')).toBeNull();
    expect((await c.keys('*')).sort()).toEqual(['__proto__', 'constructor']);
    expect(await c.dbsize()).toBe(2);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    c.disconnect();
  });
});
