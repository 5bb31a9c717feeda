// The housekeeping commands that Redis's own test suite and tools send around
// the real work (FUNCTION FLUSH, CONFIG SET of encoding thresholds, OBJECT,
// MEMORY USAGE, SAVE, SHUTDOWN in MULTI, INFO commandstats/errorstats/
// latencystats), compared byte for byte with a real redis-server, on one node
// and through either node of a two-node cluster, in RESP2 and RESP3. Timings
// differ by nature; the canonical forms below hide the numbers, not the shape.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from '../../client-tests/support/servers.js';
import { Differential, bulkText, type Compare, type Step } from '../../client-tests/support/differential.js';
import { RawClient } from '../../client-tests/support/raw.js';
import { describeWithRedis } from '../../client-tests/support/redis-rule.js';

let redis: ExternalServer;
let single: TestCluster;
let two: TestCluster;

const TARGETS = [
  { name: 'single node', port: () => single.ports['solo']! },
  { name: 'two nodes via foo', port: () => two.ports['foo']! },
  { name: 'two nodes via bar', port: () => two.ports['bar']! },
];

const cmp = (how: Compare, ...argv: string[]): Step => ({ argv, how });

/** An INFO reply's lines, sorted (Redis lists commands in its dict's order), with every number after '=' hidden. */
const STATS_LINES: Compare = {
  kind: 'canon',
  fn: (reply) => {
    const text = bulkText(reply) ?? (/^=\d+\r\ntxt:/.test(reply) ? reply.slice(reply.indexOf(':') + 1, -2) : null);
    if (text === null) return reply;
    return text
      .split('\r\n')
      .map((l) => l.replace(/(usec|usec_per_call|p\d+(\.\d+)?)=[\d.]+/g, '$1=#'))
      .sort()
      .join('\n');
  },
};

/** One field of INFO: "name:value", or "(missing)". */
function infoField(name: string): Compare {
  return {
    kind: 'canon',
    fn: (reply) => reply.split('\r\n').find((l) => l.startsWith(`${name}:`)) ?? '(missing)',
  };
}

const LONG_VALUE = 'x'.repeat(65);

const SEQUENCES: Record<string, readonly Step[]> = {
  FUNCTION: [
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'FLUSH', 'async'],
    ['FUNCTION', 'FLUSH', 'SYNC'],
    ['FUNCTION', 'FLUSH', 'foo'],
    ['FUNCTION', 'FLUSH', 'sync', 'async'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*', 'withcode'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'],
    ['FUNCTION', 'LIST', 'foo'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'STATS', 'x'],
    ['FUNCTION', 'DELETE', 'lib'],
    ['FUNCTION', 'DELETE'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION'],
    ['FUNCTION', 'NOSUCH'],
  ],

  'CONFIG SET and GET of the encoding thresholds and latency tracking': [
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '16'],
    ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
    ['CONFIG', 'GET', 'hash-max-listpack-entries'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
    ['CONFIG', 'SET', 'hash-max-ziplist-value', 'abc'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '99999999999999999999'],
    ...['1kb', '1K', '2MB', '5b', '', '-1', ' 5', '1.5k', '0x10', '18446744073709551616'].flatMap((v) => [
      ['CONFIG', 'SET', 'hash-max-listpack-value', v],
      ['CONFIG', 'GET', 'hash-max-listpack-value'],
    ]),
    ['CONFIG', 'SET', 'stream-node-max-bytes', '4k', 'hll-sparse-max-bytes', 'x'],
    ['CONFIG', 'GET', 'stream-node-max-bytes'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '128', 'hash-max-listpack-value', '64'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '-7'],
    ['CONFIG', 'GET', 'list-max-ziplist-size'],
    ['CONFIG', 'SET', 'list-max-ziplist-size', '-2'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '1'],
    ['CONFIG', 'GET', 'set-max-intset-entries'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ['CONFIG', 'SET', 'zset-max-ziplist-entries', '0', 'zset-max-ziplist-value', '0'],
    ['CONFIG', 'GET', 'zset-max-listpack-value'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64'],
    ['CONFIG', 'SET', 'lua-time-limit', '10'],
    ['CONFIG', 'GET', 'busy-reply-threshold'],
    ['CONFIG', 'SET', 'busy-reply-threshold', '5000'],
    ['CONFIG', 'SET', 'latency-tracking', 'maybe'],
    ['CONFIG', 'SET', 'latency-tracking', 'NO'],
    ['CONFIG', 'GET', 'latency-tracking'],
    ['CONFIG', 'SET', 'latency-tracking', 'yes'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10 50 a'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10 50 101'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
  ],

  'OBJECT and MEMORY USAGE': [
    ['SET', 'a', 'b'],
    ['SET', 'n', '123'],
    ['SET', 'm', '-12345'],
    ['SET', 'z', '0123'],
    ['SET', 'e', 'y'.repeat(44)],
    ['SET', 'r', 'y'.repeat(50)],
    ['HSET', 'h', 'f', 'v'],
    ['HSET', 'hh', 'f', LONG_VALUE],
    ...['a', 'n', 'm', 'z', 'e', 'r', 'h', 'hh', 'nokey'].flatMap((k) => [
      ['OBJECT', 'ENCODING', k],
      ['OBJECT', 'REFCOUNT', k],
      ['OBJECT', 'FREQ', k],
    ]),
    // Seconds since the last access: a slow moment may make it 1 on either side.
    cmp({ kind: 'near', within: 1 }, 'OBJECT', 'IDLETIME', 'a'),
    ['OBJECT', 'IDLETIME', 'nokey'],
    ['OBJECT', 'ENCODING'],
    ['OBJECT', 'ENCODING', 'a', 'b'],
    ['OBJECT', 'NOSUCH', 'a'],
    ['OBJECT', 'HELP'],
    ...['a', 'n', 'r', 'h', 'nokey'].map((k) => ['MEMORY', 'USAGE', k]),
    ['MEMORY', 'USAGE', 'a', 'SAMPLES', '0'],
    ['MEMORY', 'USAGE', 'a', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'a', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'a', 'foo'],
    ['MEMORY', 'USAGE'],
  ],

  'SAVE, and SAVE and SHUTDOWN refused inside MULTI': [
    ['SAVE'],
    ['SAVE', 'x'],
    ['SHUTDOWN', 'ABORT'],
    ['SHUTDOWN', 'foo'],
    ['SHUTDOWN', 'SAVE', 'NOSAVE'],
    ['SHUTDOWN', 'ABORT', 'NOW'],
    ['SHUTDOWN', 'a', 'b', 'c', 'd'],
    ['MULTI'],
    ['SET', 'foo', 'bar'],
    ['SAVE'],
    ['SHUTDOWN'],
    ['SHUTDOWN', 'NOSAVE'],
    ['EXEC'],
    ['GET', 'foo'],
  ],

  'FLUSHALL and FLUSHDB touch only watched keys that existed': [
    ['DEL', 'x'],
    ['WATCH', 'x'],
    ['FLUSHALL'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['SET', 'x', '30'],
    ['WATCH', 'x'],
    ['FLUSHDB'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['DEL', 'x'],
    ['WATCH', 'x'],
    ['FLUSHDB'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
  ],

  'INFO commandstats, errorstats, latencystats and CONFIG RESETSTAT': [
    ['CONFIG', 'RESETSTAT'],
    ['SET', 'a', 'b'],
    ['SET', 'a'],
    ['NOSUCH'],
    ['INCR', 'a'],
    ['CLIENT', 'NOSUCH'],
    ['CONFIG'],
    ['MULTI'],
    ['WATCH', 'x'],
    ['SET', 'b', '1'],
    ['INCR', 'a'],
    ['EXEC'],
    ['MULTI'],
    ['GET'],
    ['EXEC'],
    cmp(STATS_LINES, 'INFO', 'commandstats'),
    cmp(STATS_LINES, 'INFO', 'errorstats'),
    cmp(STATS_LINES, 'INFO', 'latencystats'),
    cmp(infoField('total_error_replies'), 'INFO', 'stats'),
    ['CONFIG', 'SET', 'latency-tracking', 'no'],
    ['CONFIG', 'RESETSTAT'],
    ['GET', 'a'],
    cmp(STATS_LINES, 'INFO', 'latencystats'),
    ['CONFIG', 'SET', 'latency-tracking', 'yes'],
    ['CONFIG', 'RESETSTAT'],
    cmp(STATS_LINES, 'INFO', 'commandstats'),
    cmp(STATS_LINES, 'INFO', 'errorstats'),
    cmp(infoField('total_error_replies'), 'INFO', 'stats'),
  ],
};

describeWithRedis('housekeeping commands against redis-server', () => {
  beforeAll(async () => {
    // SAVE writes dump.rdb into Redis's directory: a temporary one, not the repository.
    const dir = mkdtempSync(join(tmpdir(), 'kv-redis-'));
    [redis, single, two] = await Promise.all([
      startRedis(['--dir', dir]),
      startSingleNode(),
      startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  test('CONFIG SET of a setting only cluster.conf changes: its own value is accepted, another is immutable', async () => {
    const c = await RawClient.connect(single.ports['solo']!);
    try {
      const port = String(single.ports['solo']!);
      const immutable = (name: string): string => `-ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config\r\n`;
      expect(await c.command('CONFIG', 'SET', 'port', port, 'forward-timeout', '1000', 'bind', '127.0.0.1')).toBe('+OK\r\n');
      expect(await c.command('CONFIG', 'SET', 'forward-timeout', '5')).toBe(immutable('forward-timeout'));
      // All or nothing: maxclients, set before the refused port, is put back.
      expect(await c.command('CONFIG', 'SET', 'maxclients', '50', 'PORT', '1')).toBe(immutable('PORT'));
      expect(await c.command('CONFIG', 'GET', 'maxclients')).toBe('*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n');
      expect(await c.command('CONFIG', 'SET', 'nosuch', '1')).toBe("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
    } finally {
      c.close();
    }
  });

  for (const target of TARGETS) {
    for (const proto of [2, 3] as const) {
      describe(`${target.name}, RESP${proto}`, () => {
        let d: Differential;
        beforeAll(async () => {
          d = await Differential.open(redis.port, target.port(), proto);
        });
        afterAll(() => d?.close());
        beforeEach(async () => {
          d.mismatches.length = 0;
          await d.run(['FLUSHALL']);
        });
        for (const [name, steps] of Object.entries(SEQUENCES)) {
          test(name, async () => {
            d.label = name;
            await d.steps(steps);
            expect(d.mismatches).toEqual([]);
          });
        }
      });
    }
  }
});
