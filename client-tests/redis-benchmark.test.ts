// redis-benchmark, the real binary, against one node and through a two-node
// cluster: every test it runs must finish with a requests-per-second line and
// no error or warning. It pipelines (-P 16) over 20 connections, so it
// exercises request framing across packet boundaries, replies in order under
// load, and (through the cluster) forwarding many requests in flight per link.
// Small -n keeps it quick; nothing here asserts on speed.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { noteMissing, run, type RunResult } from './support/clients-bin.js';
import { startCluster, startSingleNode, type TestCluster } from './support/servers.js';

const NO_BENCH = noteMissing('redis-benchmark', 'redis-benchmark tests');

const N = 20_000;
const DATA_TESTS = ['-t', 'set,get,incr,hset,mset', '-P', '16', '-n', String(N), '-c', '20', '-q'];
const DATA_LINES = ['SET', 'GET', 'INCR', 'HSET', 'MSET (10 keys)'];
const PING_TESTS = ['-t', 'ping_inline,ping_mbulk', '-n', String(N), '-c', '20', '-q'];
const PING_LINES = ['PING_INLINE', 'PING_MBULK'];

function bench(port: number, args: readonly string[]): Promise<RunResult> {
  return run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...args], '', 20_000);
}

/**
 * With -q, redis-benchmark redraws a progress line with \r and then prints
 * "NAME: 123.45 requests per second, p50=… msec" for each test it finished.
 */
function expectClean(r: RunResult, names: readonly string[]): void {
  const all = r.stdout + r.stderr;
  expect(r.signal, all).toBeNull();
  expect(r.code, all).toBe(0);
  // "WARNING: Could not fetch server CONFIG" is what a refused CONFIG GET gives.
  expect(all).not.toMatch(/ERR|WARNING|Error/);
  expect(r.stderr).toBe('');
  const lines = r.stdout.split(/[\r\n]+/).map((l) => l.trim());
  for (const name of names) {
    const line = lines.find((l) => l.startsWith(`${name}: `) && l.includes('requests per second,'));
    expect(line, `no result line for ${name} in ${JSON.stringify(r.stdout)}`).toBeDefined();
    const rps = Number(/^[^:]+: ([\d.]+) requests per second/.exec(line!)?.[1]);
    expect(rps, line).toBeGreaterThan(0);
  }
}

describe.skipIf(NO_BENCH)('redis-benchmark', () => {
  let single: TestCluster;
  let cluster: TestCluster;

  beforeAll(async () => {
    single = await startSingleNode();
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  });

  afterAll(async () => {
    await single?.stop();
    await cluster?.stop();
  });

  test('set, get, incr, hset, mset pipelined against one node', async () => {
    expectClean(await bench(single.ports['solo']!, DATA_TESTS), DATA_LINES);
    // Without -r the keys are literal; every INCR of the run landed exactly once.
    const store = single.nodes['solo']!.store;
    expect(store.get('counter:__rand_int__')).toBe(String(N));
    expect(store.get('key:__rand_int__')).toBe('VXK');
    expect(store.has('myhash')).toBe(true);
  });

  test('ping_inline and ping_mbulk against one node', async () => {
    expectClean(await bench(single.ports['solo']!, PING_TESTS), PING_LINES);
  });

  test('the same tests entered through bar, so every key is forwarded to foo', async () => {
    // The benchmark's keys (key:…, counter:…, myhash) all start with a-m.
    const bar = cluster.ports['bar']!;
    expectClean(await bench(bar, DATA_TESTS), DATA_LINES);
    expectClean(await bench(bar, PING_TESTS), PING_LINES);
    const foo = cluster.nodes['foo']!.store;
    expect(foo.get('counter:__rand_int__')).toBe(String(N));
    expect(foo.get('key:__rand_int__')).toBe('VXK');
    expect(foo.has('myhash')).toBe(true);
    for (const key of ['counter:__rand_int__', 'key:__rand_int__', 'myhash']) {
      expect(cluster.nodes['bar']!.store.has(key)).toBe(false);
    }
  });
});
