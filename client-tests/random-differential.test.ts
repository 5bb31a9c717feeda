// The random differential: seeded random command sequences sent to a real
// redis-server and to kv (one node; two nodes through either; three nodes with
// divergent tables, two hops), replies compared byte for byte, in RESP2 and
// RESP3, with a whole SCAN walk now and then: strings, hashes, sets and sorted
// sets, expiry, and the keyspace commands.
//
// Seeds: KV_TEST_SEED (one number, or several separated by commas) replays a
// run; without it each run draws three new seeds, so every CI run explores
// sequences no earlier run sent. Each test's name carries its seed.
//
// The sequences must exercise real data paths, not only error replies: each
// test holds the mix, measured from Redis's replies, to its floor (see
// support/random-commands.ts), as float-format.test.ts guards its own.

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, startRedis, startSingleNode, type ClusterSpec, type ExternalServer, type TestCluster } from './support/servers.js';
import { Differential } from './support/differential.js';
import { Mix, randomCommands } from './support/random-commands.js';
import { describeWithRedis } from './support/redis-rule.js';

/** Commands per sequence. */
const COMMANDS = 3000;

function seedsOfThisRun(): number[] {
  const given = process.env['KV_TEST_SEED'];
  if (given === undefined || given.trim() === '') return [randomInt(1, 2 ** 32), randomInt(1, 2 ** 32), randomInt(1, 2 ** 32)];
  const seeds = given.split(',').map((s) => Number(s.trim()));
  for (const s of seeds) if (!Number.isInteger(s) || s < 1 || s >= 2 ** 32) throw new Error(`KV_TEST_SEED: ${JSON.stringify(given)} is not a list of integers 1 … 2^32-1`);
  return seeds;
}
const SEEDS = seedsOfThisRun();
console.log(`random differential: seeds ${SEEDS.join(', ')} (replay with KV_TEST_SEED=${SEEDS.join(',')})`);

const TWO: ClusterSpec = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };
/** As in conformance.test.ts: a-h on baz, i-m on bar, n-z on foo, reached by two hops from foo and from baz. */
const THREE: ClusterSpec = {
  nodes: ['foo', 'bar', 'baz'],
  routes: ['a-m foo', 'n-z bar'],
  sections: {
    foo: ['a-m bar', 'n-z foo'],
    bar: ['a-h baz', 'i-m bar', 'n-z foo'],
    baz: ['a-h baz', 'i-z bar'],
  },
};

let redis: ExternalServer;
let single: TestCluster;
let two: TestCluster;
let three: TestCluster;

const TARGETS: { name: string; port: () => number }[] = [
  { name: 'single node', port: () => single.ports['solo']! },
  { name: 'two nodes via foo', port: () => two.ports['foo']! },
  { name: 'two nodes via bar', port: () => two.ports['bar']! },
  { name: 'three nodes via foo', port: () => three.ports['foo']! },
  { name: 'three nodes via baz', port: () => three.ports['baz']! },
];

/** Floors on what a sequence exercised, as fractions (see Mix). */
const FLOOR = { nonError: 0.8, getFound: 0.7, hgetFound: 0.7, hincrbyOk: 0.8, ttlPositive: 0.45, hashShare: 0.15, setShare: 0.08, zsetShare: 0.08, sismemberTrue: 0.4, zscoreFound: 0.5 };

function checkMix(mix: Mix, seed: number): void {
  const why = `seed ${seed}: ${mix.summary()} (replay with KV_TEST_SEED=${seed})`;
  const get = mix.of('GET');
  const hget = mix.of('HGET');
  const hincrby = mix.of('HINCRBY');
  const ttl = mix.of('TTL', 'PTTL');
  const hashCommands = mix.share('H');
  const sismember = mix.of('SISMEMBER');
  const zscore = mix.of('ZSCORE');
  expect(mix.total, why).toBeGreaterThanOrEqual(COMMANDS);
  expect(mix.nonErrorShare, why).toBeGreaterThanOrEqual(FLOOR.nonError);
  expect(get.hits, why).toBeGreaterThanOrEqual(FLOOR.getFound * get.count);
  expect(hget.hits, why).toBeGreaterThanOrEqual(FLOOR.hgetFound * hget.count);
  expect(hincrby.count - hincrby.errors, why).toBeGreaterThanOrEqual(FLOOR.hincrbyOk * hincrby.count);
  expect(ttl.hits, why).toBeGreaterThanOrEqual(FLOOR.ttlPositive * ttl.count);
  expect(hashCommands, why).toBeGreaterThanOrEqual(FLOOR.hashShare * mix.total);
  expect(mix.share('S'), why).toBeGreaterThanOrEqual(FLOOR.setShare * mix.total);
  expect(mix.share('Z'), why).toBeGreaterThanOrEqual(FLOOR.zsetShare * mix.total);
  expect(sismember.hits, why).toBeGreaterThanOrEqual(FLOOR.sismemberTrue * sismember.count);
  expect(zscore.hits, why).toBeGreaterThanOrEqual(FLOOR.zscoreFound * zscore.count);
  // Enough of each for the shares to mean something.
  for (const c of [get, hget, hincrby, ttl]) expect(c.count, why).toBeGreaterThanOrEqual(40);
  for (const c of [sismember, zscore]) expect(c.count, why).toBeGreaterThanOrEqual(30);
}

async function runRandom(d: Differential, seed: number): Promise<Mix> {
  const mix = new Mix();
  const steps = randomCommands(seed, COMMANDS);
  for (let i = 0; i < steps.length; i++) {
    d.label = `seed ${seed} step ${i}`;
    const { step, name } = steps[i]!;
    const reply = 'argv' in step ? await d.run(step.argv, step.how) : await d.run(step);
    mix.add(name, reply);
    // Now and then whole SCAN walks, which the random steps cannot compare one reply at a time.
    if (i % 500 === 499) {
      await d.scanAll(['SCAN']);
      await d.scanAll(['SCAN'], ['TYPE', 'hash', 'COUNT', '2']);
      await d.scanAll(['SCAN'], ['MATCH', '[a-m]*', 'COUNT', '1']);
    }
  }
  return mix;
}

describeWithRedis('random differential against redis-server', () => {
  beforeAll(async () => {
    [redis, single, two, three] = await Promise.all([startRedis(), startSingleNode(), startCluster(TWO), startCluster(THREE)]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop(), three?.stop()]);
  });

  test('the generator is a pure function of its seed', () => {
    expect(randomCommands(SEEDS[0]!, 300)).toEqual(randomCommands(SEEDS[0]!, 300));
  });

  for (const seed of SEEDS) {
    for (const target of TARGETS) {
      for (const proto of [2, 3] as const) {
        test(`seed ${seed}: ${COMMANDS} random commands, ${target.name}, RESP${proto}`, async () => {
          const d = await Differential.open(redis.port, target.port(), proto);
          try {
            await d.run(['FLUSHALL']);
            const mix = await runRandom(d, seed);
            if (target === TARGETS[0] && proto === 2) console.log(`random differential, ${mix.summary()} (seed ${seed})`);
            expect(d.mismatches.slice(0, 20), `seed ${seed}, ${d.mismatches.length} mismatches (replay with KV_TEST_SEED=${seed})`).toEqual([]);
            checkMix(mix, seed);
          } finally {
            d.close();
          }
        }, 30_000);
      }
    }
  }
});
