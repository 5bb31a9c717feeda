// Against the nodes named in ./cluster.conf (npm start in another terminal).
// Tagged `distributed`: `npm test` leaves these out unless those nodes answer
// PING, and `npm run test:distributed` runs only these.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { loadConfig } from '../server/cluster/config.js';
import { ownerOf } from '../server/cluster/router.js';
import { haveBinary } from './support/servers.js';

const cfg = loadConfig('cluster.conf');
const run = `${process.pid}-${Date.now()}`;
const clients = new Map<string, Redis>();

function via(node: string): Redis {
  return clients.get(node)!;
}

beforeAll(() => {
  for (const n of cfg.nodes) clients.set(n.name, new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 0 }));
});

afterAll(async () => {
  const first = cfg.nodes[0]!.name;
  const keys = await via(first).keys(`*${run}*`);
  if (keys.length > 0) await via(first).del(...keys);
  for (const c of clients.values()) c.disconnect();
});

describe('the cluster of ./cluster.conf', { tags: ['distributed'] }, () => {
  test('every node answers and names itself', async () => {
    for (const n of cfg.nodes) {
      const info = await via(n.name).info('cluster');
      expect(info).toContain(`kv_node:${n.name}`);
    }
  });

  test('a key written through any node is readable through every node', async () => {
    for (const writer of cfg.nodes) {
      for (const first of ['a', 'n', 'w']) {
        const key = `${first}-${run}-${writer.name}`;
        const route = ownerOf(cfg.table, key);
        if ('error' in route) continue;
        expect(await via(writer.name).set(key, writer.name)).toBe('OK');
        for (const reader of cfg.nodes) expect(await via(reader.name).get(key)).toBe(writer.name);
        const path = (await via(writer.name).call('ROUTE', key)) as (string | number)[];
        expect(path[3]).toBe(route.node);
      }
    }
  });

  test('multi-key and keyspace commands span the nodes', async () => {
    const keys = ['a', 'm', 'n', 'z'].map((c) => `${c}-${run}-multi`);
    const node = cfg.nodes[0]!.name;
    expect(await via(node).mset(...keys.flatMap((k, i) => [k, String(i)]))).toBe('OK');
    expect(await via(cfg.nodes.at(-1)!.name).mget(...keys)).toEqual(['0', '1', '2', '3']);
    expect((await via(node).keys(`*-${run}-multi`)).sort()).toEqual([...keys].sort());
    expect(await via(node).del(...keys)).toBe(4);
  });

  test.skipIf(!haveBinary('redis-cli'))('redis-cli: set world through foo, get it from bar and through foo', () => {
    // The README's walk-through, with a key of this run instead of "world".
    const [foo, bar] = cfg.nodes;
    const key = `world-${run}`;
    const cli = (port: number, ...args: string[]): string => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
    expect(cli(foo!.port, 'set', key, '1')).toBe('OK');
    expect(cli(bar!.port, 'get', key)).toBe('1');
    expect(cli(foo!.port, 'get', key)).toBe('1');
    expect(cli(foo!.port, 'route', key)).toContain('bar');
  });
});
