// Debian's prometheus-redis-exporter (oliver006/redis_exporter 1.45) scraping a
// node, as operators monitor Redis: it sends CLIENT SETNAME, INFO ALL, CONFIG
// GET, SLOWLOG, LATENCY LATEST and more on every scrape, and turns the answers
// into metrics. A scrape must go through without an error on either side (the
// exporter's redis_exporter_last_scrape_error, and the node's own errorstats),
// and show the node's keys and per-command call counts.

import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';
import { freePort, startSingleNode, type TestCluster } from './support/servers.js';
import { bulkText } from './support/differential.js';

const EXPORTER = 'prometheus-redis-exporter';

/** The value of a metric line `name{labels} value`, or undefined. */
function metric(text: string, nameAndLabels: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(nameAndLabels + ' ')) return Number(line.slice(nameAndLabels.length + 1));
  }
  return undefined;
}

describeWithRedis(
  'prometheus-redis-exporter scraping a node',
  () => {
    let node: TestCluster;
    let exporter: ChildProcess;
    let metricsPort: number;
    let stderr = '';

    beforeAll(async () => {
      node = await startSingleNode();
      metricsPort = await freePort();
      exporter = spawn(EXPORTER, ['--redis.addr', `redis://127.0.0.1:${node.ports['solo']!}`, '--web.listen-address', `127.0.0.1:${metricsPort}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      exporter.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    });
    afterAll(async () => {
      exporter?.kill('SIGTERM');
      await node?.stop();
    });

    /** GET /metrics, once the exporter listens. */
    async function scrape(): Promise<string> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
          return await res.text();
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the exporter did not answer: ${String(e)}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }

    test('a scrape goes through with no error, showing keys and command calls', async () => {
      const c = await RawClient.connect(node.ports['solo']!);
      try {
        for (let i = 0; i < 5; i++) expect(await c.command('SET', `key${i}`, 'v')).toBe('+OK\r\n');
        expect(await c.command('LPUSH', 'list', 'a', 'b')).toBe(':2\r\n');
        expect(await c.command('HSET', 'hash', 'f', 'v')).toBe(':1\r\n');
        expect(await c.command('GET', 'key0')).toBe('$1\r\nv\r\n');
        expect(await c.command('CONFIG', 'RESETSTAT')).toBe('+OK\r\n');
        for (let i = 0; i < 3; i++) await c.command('GET', 'key1');
        await c.command('SET', 'key1', 'w');

        const text = await scrape();
        expect(metric(text, 'redis_up')).toBe(1);
        expect(metric(text, 'redis_exporter_last_scrape_error{err=""}')).toBe(0);
        expect(metric(text, 'redis_db_keys{db="db0"}')).toBe(7);
        expect(metric(text, 'redis_commands_total{cmd="get"}')).toBe(3);
        expect(metric(text, 'redis_commands_total{cmd="set"}')).toBe(1);
        expect(metric(text, 'redis_commands_processed_total')).toBeGreaterThanOrEqual(5);
        expect(metric(text, 'redis_connected_clients')).toBeGreaterThanOrEqual(1);
        // From SLOWLOG LEN / GET and LATENCY LATEST, which it asks on every scrape.
        expect(metric(text, 'redis_slowlog_length')).toBeTypeOf('number');

        // Nothing the exporter sent was refused: the node counted no error reply.
        const errors = bulkText(await c.command('INFO', 'errorstats'))!;
        expect(errors.split('\r\n').filter((l) => l.startsWith('errorstat_'))).toEqual([]);
        // Its calls are counted too (INFO ALL, CONFIG GET…), under Redis's names.
        const text2 = await scrape();
        expect(metric(text2, 'redis_commands_total{cmd="info"}')).toBeGreaterThanOrEqual(1);
        expect(metric(text2, 'redis_commands_total{cmd="config|get"}')).toBeGreaterThanOrEqual(1);
        expect(metric(text2, 'redis_exporter_last_scrape_error{err=""}')).toBe(0);
      } finally {
        c.close();
      }
    });
  },
  [EXPORTER],
);
