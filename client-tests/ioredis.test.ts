// ioredis with default options against one node: the handshake (HELLO 3 with
// fallback, CLIENT SETINFO, the INFO ready check), then ordinary use.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { startSingleNode, type TestCluster } from './support/servers.js';

let cluster: TestCluster;
let redis: Redis;

beforeAll(async () => {
  cluster = await startSingleNode();
  redis = new Redis({ port: cluster.ports['solo'], host: '127.0.0.1', lazyConnect: true });
  await redis.connect();
});

afterAll(async () => {
  redis.disconnect();
  await cluster.stop();
});

describe('ioredis with default options', () => {
  test('connects and passes the ready check', async () => {
    expect(redis.status).toBe('ready');
    expect(await redis.ping()).toBe('PONG');
  });

  test('strings round-trip, binary included', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
    await redis.set('bin', bin);
    expect(await redis.getBuffer('bin')).toEqual(bin);
    expect(await redis.set('k', 'v', 'EX', 100)).toBe('OK');
    expect(await redis.ttl('k')).toBe(100);
    expect(await redis.incrby('counter', 5)).toBe(5);
    expect(await redis.mget('k', 'missing', 'counter')).toEqual(['v', null, '5']);
  });

  test('hashes come back as objects', async () => {
    await redis.hset('user', { name: 'ann', age: '31' });
    expect(await redis.hgetall('user')).toEqual({ name: 'ann', age: '31' });
    expect(await redis.hincrby('user', 'age', 1)).toBe(32);
  });

  test('a pipeline keeps request order', async () => {
    const results = await redis.pipeline().set('p1', '1').incr('p1').get('p1').hget('user', 'name').exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
      [null, 'ann'],
    ]);
  });

  test('errors are ReplyErrors with Redis text', async () => {
    await redis.set('s', 'x');
    await expect(redis.hget('s', 'f')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(redis.call('nosuchcmd', 'a')).rejects.toThrow("ERR unknown command 'nosuchcmd', with args beginning with: 'a' ");
  });

  test('the guide bucket commands', async () => {
    expect(await redis.call('CREATE', 'shopping')).toBe('OK');
    expect(await redis.call('PUT', 'shopping', 'milk', '1')).toBe('OK');
    expect(await redis.call('GET', 'shopping', 'milk')).toBe('1');
    expect(await redis.call('DELETE', 'shopping', 'eggs')).toBe('OK');
    expect(await redis.type('shopping')).toBe('hash');
    await expect(redis.call('PUT', 'nobucket', 'a', 'b')).rejects.toThrow('NOT FOUND');
  });
});
