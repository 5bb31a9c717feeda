// A leaderboard as applications build one with ioredis: players score points
// through both nodes of a cluster (the board's key lives on one of them), and
// the top ten with scores, a player's rank and a score window read the same as
// on redis-server after the same commands.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { startCluster, startRedis, type ExternalServer, type TestCluster } from './support/servers.js';
import { describeWithRedis } from './support/redis-rule.js';

describeWithRedis('a leaderboard with ZADD, ZINCRBY and ZRANGE … REV WITHSCORES', () => {
  let redis: ExternalServer;
  let cluster: TestCluster;
  const clients: Redis[] = [];
  const connect = (port: number): Redis => {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [redis, cluster] = await Promise.all([startRedis(), startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] })]);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([redis?.stop(), cluster?.stop()]);
  });

  test('scores written through both nodes read as on Redis, through either node', async () => {
    const ref = connect(redis.port);
    // "scores" lives on bar: writes through foo take a hop.
    const viaFoo = connect(cluster.ports['foo']!);
    const viaBar = connect(cluster.ports['bar']!);
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 400; round++) {
      const player = `player:${next(60)}`;
      const points = next(50) - 10;
      const op = next(4);
      const kv = round % 2 === 0 ? viaFoo : viaBar;
      if (op === 0) {
        const args = ['scores', 'GT', 'CH', String(points * 3), player] as const;
        expect(await kv.zadd(...args)).toBe(await ref.zadd(...args));
      } else {
        expect(await kv.zincrby('scores', points, player)).toBe(await ref.zincrby('scores', points, player));
      }
    }
    const reads: [string, ...(string | number)[]][] = [
      ['ZRANGE', 'scores', 0, 9, 'REV', 'WITHSCORES'],
      ['ZREVRANGE', 'scores', 0, 9, 'WITHSCORES'],
      ['ZRANGE', 'scores', '+inf', 100, 'BYSCORE', 'REV', 'LIMIT', 0, 5, 'WITHSCORES'],
      ['ZREVRANK', 'scores', 'player:7'],
      ['ZSCORE', 'scores', 'player:7'],
      ['ZCARD', 'scores'],
      ['ZCOUNT', 'scores', 0, '+inf'],
    ];
    for (const [cmd, ...args] of reads) {
      const want = await ref.call(cmd, ...args);
      expect(await viaFoo.call(cmd, ...args), `${cmd} through foo`).toEqual(want);
      expect(await viaBar.call(cmd, ...args), `${cmd} through bar`).toEqual(want);
    }
    // ioredis 6 speaks RESP3: WITHSCORES comes as [member, score] pairs.
    const top = (await viaFoo.call('ZRANGE', 'scores', 0, 9, 'REV', 'WITHSCORES')) as [string, string][];
    expect(top.length).toBe(10);
    expect(top.map(([, score]) => Number(score))).toEqual(top.map(([, score]) => Number(score)).sort((a, b) => b - a));
    expect(cluster.nodes['bar']!.store.has('scores')).toBe(true);
    expect(cluster.nodes['foo']!.store.has('scores')).toBe(false);
  });
});
