// Node failures, with nodes in their own processes so one can really be killed
// (SIGKILL), paused (SIGSTOP) and restarted. Under a steady ioredis load through
// foo, bar (owner of n-z) fails: requests for bar's buckets must get a clear
// error within the forward timeout, foo's own buckets must be unaffected, no
// reply may be lost, duplicated or misrouted, and service must come back by
// itself when bar does.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { clusterConf, freePort, startNodeProcess, type ExternalServer } from './support/servers.js';

const SPEC = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'], settings: ['forward-timeout 1000'] };

let conf: string;
let ports: Record<string, number>;
let foo: ExternalServer;
let bar: ExternalServer | null;
let client: Redis;

beforeAll(async () => {
  ports = { foo: await freePort(), bar: await freePort() };
  conf = clusterConf(SPEC, ports);
  foo = await startNodeProcess(conf, 'foo', ports['foo']!);
  bar = await startNodeProcess(conf, 'bar', ports['bar']!);
  client = new Redis({ port: ports['foo'], host: '127.0.0.1', maxRetriesPerRequest: 0 });
}, 30_000);

afterAll(async () => {
  client.disconnect();
  await foo.stop();
  await bar?.stop();
});

interface Outcome {
  key: string;
  ok: boolean;
  error: string;
  ms: number;
}

/**
 * Runs `workers` loops, each setting and reading back its own keys (one local,
 * one remote, alternating) until `stop()` says so. Each reply is checked against
 * the value that worker wrote, so a reply delivered to the wrong request shows.
 */
function load(workers: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  let misrouted = 0;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const key = `${i % 2 === 0 ? 'apple' : 'zebra'}-${w}`;
      const value = `${w}:${i}`;
      const started = Date.now();
      try {
        await client.set(key, value);
        const got = await client.get(key);
        if (got !== value) misrouted++;
        outcomes.push({ key, ok: true, error: '', ms: Date.now() - started });
      } catch (e) {
        outcomes.push({ key, ok: false, error: (e as Error).message, ms: Date.now() - started });
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
  return {
    outcomes,
    misrouted: () => misrouted,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function summary(label: string, outcomes: Outcome[]): void {
  const failed = outcomes.filter((o) => !o.ok);
  const longest = Math.max(0, ...failed.map((o) => o.ms));
  console.log(
    `${label}: ${outcomes.length} set+get pairs, ${failed.length} errors (all for bar's buckets: ${failed.every((o) => o.key.startsWith('zebra'))}), longest wait for an error ${longest} ms, longest request ${Math.max(0, ...outcomes.map((o) => o.ms))} ms`,
  );
}

describe('the owner of half the buckets fails under load', () => {
  test('bar killed: fast errors for its buckets only; bar restarted: service resumes by itself', async () => {
    const l = load(20);
    await new Promise((r) => setTimeout(r, 500));
    const before = l.outcomes.length;
    expect(l.outcomes.every((o) => o.ok)).toBe(true);

    await bar!.stop(); // SIGKILL
    bar = null;
    const killedAt = l.outcomes.length;
    await new Promise((r) => setTimeout(r, 2000));
    const duringOutage = l.outcomes.slice(killedAt);
    bar = await startNodeProcess(conf, 'bar', ports['bar']!);
    // Reconnection backoff is at most 5 s.
    await new Promise((r) => setTimeout(r, 5500));
    const restartedAt = l.outcomes.length;
    await new Promise((r) => setTimeout(r, 1000));
    await l.stop();
    const after = l.outcomes.slice(restartedAt);
    summary('kill -9 bar', duringOutage);

    expect(before).toBeGreaterThan(0);
    const failed = duringOutage.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f.key.startsWith('zebra')).toBe(true);
      expect(f.error).toMatch(/^ERR node bar \(127\.0\.0\.1:\d+\) is unreachable/);
      expect(f.ms).toBeLessThan(1500);
    }
    // foo's own buckets never failed and never waited long.
    const local = duringOutage.filter((o) => o.key.startsWith('apple'));
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((o) => o.ok && o.ms < 1000)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => o.ok)).toBe(true);
    expect(l.misrouted()).toBe(0);
  }, 30_000);

  test('bar paused (SIGSTOP): its buckets time out within the limit, foo is not slowed', async () => {
    const l = load(10);
    // A second connection that only touches foo's buckets: replies on one
    // connection come in request order, so this is where "not slowed" shows.
    const localOnly = new Redis({ port: ports['foo'], host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const localLatencies: number[] = [];
    let localRunning = true;
    const localLoop = (async () => {
      for (let i = 0; localRunning; i++) {
        const started = Date.now();
        await localOnly.set(`apple-local-${i % 100}`, String(i));
        localLatencies.push(Date.now() - started);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    bar!.process.kill('SIGSTOP');
    const pausedAt = l.outcomes.length;
    await new Promise((r) => setTimeout(r, 2500));
    const duringPause = l.outcomes.slice(pausedAt);
    bar!.process.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 1500));
    const resumedAt = l.outcomes.length;
    await new Promise((r) => setTimeout(r, 1000));
    await l.stop();
    localRunning = false;
    await localLoop;
    localOnly.disconnect();
    const after = l.outcomes.slice(resumedAt);
    summary('kill -STOP bar', duringPause);
    // (Not Math.max(...xs): a fast loop records more latencies than a call's arguments may hold.)
    const longestLocal = localLatencies.reduce((m, x) => Math.max(m, x), 0);
    console.log(`foo-only connection during the pause: ${localLatencies.length} SETs, longest ${longestLocal} ms`);
    expect(localLatencies.length).toBeGreaterThan(100);
    expect(longestLocal).toBeLessThan(300);

    const failed = duringPause.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f.key.startsWith('zebra')).toBe(true);
      expect(f.error).toMatch(/^ERR node bar \(127\.0\.0\.1:\d+\) did not answer within 1000 ms/);
      expect(f.ms).toBeLessThan(1600);
    }
    const local = duringPause.filter((o) => o.key.startsWith('apple'));
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((o) => o.ok)).toBe(true);
    expect(after.every((o) => o.ok)).toBe(true);
    expect(l.misrouted()).toBe(0);
  }, 30_000);

  test('in-flight forwarded requests all get a reply, in order, when the owner dies', async () => {
    // Many pipelined requests for bar's buckets, then bar dies.
    const p = client.pipeline();
    for (let i = 0; i < 5000; i++) p.set(`zz${i}`, String(i)).get(`apple-x`);
    const pending = p.exec();
    await bar!.stop();
    bar = null;
    const results = (await pending)!;
    expect(results.length).toBe(10000);
    for (let i = 0; i < 5000; i++) {
      const [err, value] = results[2 * i]!;
      if (err) expect(err.message).toMatch(/^ERR node bar .* (is unreachable|did not answer)/);
      else expect(value).toBe('OK');
      // foo's own keys in between are untouched by bar's death.
      expect(results[2 * i + 1]![0]).toBeNull();
    }
    bar = await startNodeProcess(conf, 'bar', ports['bar']!);
  }, 30_000);
});
