// MULTI/EXEC/DISCARD: byte for byte as redis-server on one node, and through
// the cluster, where a transaction runs whole on the one node that owns its keys.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { RawClient } from './support/raw.js';
import { agree, HELLO } from './support/differential.js';
import { describeWithRedis } from './support/redis-rule.js';
import { startCluster, startRedis, type ExternalServer, type TestCluster } from './support/servers.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
});
afterAll(async () => {
  await cluster.stop();
});

const SCRIPTS: string[][][] = [
  [['MULTI'], ['SET', 'apple', '1'], ['INCR', 'apple'], ['GET', 'apple'], ['EXEC']],
  [['MULTI'], ['MULTI'], ['WATCH', 'apple'], ['SET', 'apple', '1'], ['EXEC']],
  [['WATCH', 'apple', 'banana'], ['MULTI'], ['SET', 'apple', 'w'], ['EXEC'], ['GET', 'apple']],
  [['WATCH', 'apple'], ['SET', 'apple', 'mine'], ['MULTI'], ['SET', 'apple', 'w'], ['EXEC'], ['GET', 'apple']],
  [['WATCH', 'apple'], ['UNWATCH'], ['SET', 'apple', 'mine'], ['MULTI'], ['SET', 'apple', 'w'], ['EXEC']],
  [['WATCH', 'apple'], ['MULTI'], ['DISCARD'], ['SET', 'apple', 'x'], ['MULTI'], ['GET', 'apple'], ['EXEC']],
  [['WATCH'], ['UNWATCH', 'x']],
  [['MULTI'], ['SET', 'apple', '1'], ['NOSUCH'], ['GET', 'apple', 'x', 'y'], ['EXEC'], ['EXEC']],
  [['EXEC'], ['DISCARD'], ['MULTI'], ['SET', 'apple', 'x'], ['DISCARD'], ['GET', 'apple']],
  [['MULTI'], ['EXEC']],
  [['MULTI'], ['SET', 'apple', 'x'], ['INCR', 'apple'], ['HSET', 'apple', 'f', 'v'], ['GET', 'apple'], ['EXEC']],
  [['HELLO', '3'], ['MULTI'], ['SET', 'apple', '1'], ['GET', 'another'], ['HGETALL', 'apple'], ['EXEC']],
  // COPY and BITOP change their destination only: a WATCH on a source survives them.
  [['DEL', 'avocado'], ['SET', 'apple', 'v'], ['WATCH', 'apple'], ['COPY', 'apple', 'avocado'], ['MULTI'], ['SET', 'apple', 'w'], ['EXEC']],
  [['DEL', 'avocado'], ['SET', 'apple', 'v'], ['WATCH', 'avocado'], ['COPY', 'apple', 'avocado'], ['MULTI'], ['SET', 'apple', 'w'], ['EXEC']],
  [['DEL', 'banana'], ['SET', 'apple', 'x'], ['WATCH', 'apple'], ['BITOP', 'AND', 'banana', 'apple'], ['MULTI'], ['GET', 'apple'], ['EXEC']],
  [['DEL', 'banana'], ['SET', 'apple', 'x'], ['WATCH', 'banana'], ['BITOP', 'AND', 'banana', 'apple'], ['MULTI'], ['GET', 'apple'], ['EXEC']],
];

describeWithRedis('as redis-server answers', () => {
  let redis: ExternalServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  for (const [i, script] of SCRIPTS.entries()) {
    for (const node of ['foo', 'bar']) {
      test(`script ${i + 1} through ${node}`, async () => {
        const ours = await RawClient.connect(cluster.ports[node]!);
        const theirs = await RawClient.connect(redis.port);
        await ours.command('DEL', 'apple');
        await theirs.command('DEL', 'apple');
        for (const argv of script) {
          const [a, b] = [await ours.command(...argv), await theirs.command(...argv)];
          // HELLO's reply carries the connection id, which differs by design; the rest must not.
          if (argv[0] === 'HELLO') expect(agree(b, a, HELLO), `${JSON.stringify(argv)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(true);
          else expect([argv, a]).toEqual([argv, b]);
        }
        ours.close();
        theirs.close();
      });
    }
  }
});

describe('transactions in the cluster', () => {
  for (const [label, watcher, writer] of [
    ['a key on the same node', 'foo', 'foo'],
    ['a key on another node, changed there', 'foo', 'bar'],
  ] as const) {
    test(`WATCH ${label}: a change from another client aborts EXEC`, async () => {
      const a = new Redis({ port: cluster.ports[watcher], host: '127.0.0.1' });
      const b = new Redis({ port: cluster.ports[writer], host: '127.0.0.1' });
      for (const key of ['apricot', 'zucchini']) {
        await a.set(key, '1');
        await a.watch(key);
        await b.set(key, 'changed');
        expect(await a.multi().set(key, 'tx').exec()).toBeNull();
        expect(await a.get(key)).toBe('changed');
        // Unchanged: it runs.
        await a.watch(key);
        expect(await a.multi().set(key, 'tx').exec()).toEqual([[null, 'OK']]);
        expect(await b.get(key)).toBe('tx');
      }
      a.disconnect();
      b.disconnect();
    });
  }

  test('a pipelined WATCH … EXEC waits for the remote version', async () => {
    const raw = await RawClient.connect(cluster.ports['foo']!);
    await raw.command('SET', 'zed', '1');
    raw.send('*2\r\n$5\r\nWATCH\r\n$3\r\nzed\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\nzed\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n');
    expect(await raw.replies(4)).toEqual(['+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n']);
    raw.close();
  });

  test('a watched key that expires aborts EXEC', async () => {
    const a = new Redis({ port: cluster.ports['bar'], host: '127.0.0.1' });
    await a.set('apricot', '1', 'PX', 30);
    await a.watch('apricot');
    await new Promise((r) => setTimeout(r, 60));
    expect(await a.get('apricot')).toBeNull();
    expect(await a.multi().set('apricot', 'tx').exec()).toBeNull();
    a.disconnect();
  });

  test('a transaction on a remote owner runs there whole', async () => {
    const c = new Redis({ port: cluster.ports['foo'], host: '127.0.0.1' });
    const result = await c.multi().set('zebra', '1').incr('zebra').hset('zhash', 'f', 'v').get('zebra').exec();
    expect(result).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, 1],
      [null, '2'],
    ]);
    expect(cluster.nodes['bar']!.store.get('zebra')).toBe('2');
    c.disconnect();
  });

  test('keys on two nodes are refused at EXEC, and nothing runs', async () => {
    const raw = await RawClient.connect(cluster.ports['foo']!);
    expect(await raw.command('MSET', 'apple', 'before', 'zebra', 'before')).toBe('+OK\r\n');
    expect(await raw.command('MULTI')).toBe('+OK\r\n');
    expect(await raw.command('SET', 'apple', 'tx')).toBe('+QUEUED\r\n');
    expect(await raw.command('SET', 'zebra', 'tx')).toBe('+QUEUED\r\n');
    expect(await raw.command('EXEC')).toBe('-ERR MULTI/EXEC needs every key on one node; this transaction has keys on foo and bar\r\n');
    // Neither key was touched, on either owner.
    expect(await raw.command('MGET', 'apple', 'zebra')).toBe('*2\r\n$6\r\nbefore\r\n$6\r\nbefore\r\n');
    expect([cluster.nodes['foo']!.store.get('apple'), cluster.nodes['bar']!.store.get('zebra')]).toEqual(['before', 'before']);
    expect(await raw.command('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    raw.close();
  });

  test('a cluster-wide command is refused inside MULTI', async () => {
    const raw = await RawClient.connect(cluster.ports['bar']!);
    await raw.command('MULTI');
    await raw.command('DBSIZE');
    expect(await raw.command('EXEC')).toBe('-ERR DBSIZE cannot run inside MULTI: it spans every node of the cluster\r\n');
    raw.close();
  });
});
