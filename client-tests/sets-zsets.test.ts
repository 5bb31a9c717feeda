// Sets and sorted sets against redis-server 7.0.15: seeded random sequences of
// every set and sorted-set command (multi-key ones over keys that share an
// owner) sent to Redis and to kv (one node; two nodes through either), replies
// compared byte for byte in RESP2 and RESP3, except where Redis itself is not
// deterministic: a hash table's order (compared as multisets) and random picks
// (compared by count). Then whole SSCAN/ZSCAN walks, and what a cluster answers
// when a multi-key command's keys live on two nodes.
//
// KV_TEST_SEED replays a run (as in random-differential.test.ts).

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, startRedis, startSingleNode, type ClusterSpec, type ExternalServer, type TestCluster } from './support/servers.js';
import { Differential, EXACT, SORTED, splitAggregate, type Compare, type Step } from './support/differential.js';
import { Rng } from './support/random-commands.js';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';

const COMMANDS = 1500;
const SEED = Number(process.env['KV_TEST_SEED']?.split(',')[0] ?? randomInt(1, 2 ** 32));
console.log(`sets and sorted sets: seed ${SEED} (replay with KV_TEST_SEED=${SEED})`);

const TWO: ClusterSpec = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };

/** Random picks: only how many came back can agree. */
const COUNT_ONLY: Compare = { kind: 'canon', fn: (reply) => splitAggregate(reply)?.header ?? reply };

// Every key of a sequence lives on bar in the two-node table (n-z), so every
// multi-key command runs on one node; through foo, each is forwarded.
const SETS = ['s1', 's2', 's3'];
// z1-z3 stay listpacks (few, short members); zs and zd become skiplists (a long member).
// Lex ranges go to the listpacks only: over members of mixed scores Redis's
// answer follows its skip list's random levels, and only a listpack's is fixed.
const LEX_ZSETS = ['z1', 'z2', 'z3'];
const ZSETS = [...LEX_ZSETS, 'zs'];
const OTHER = ['str', 'nokey', 'sd', 'zd'];
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', '1', '2', '3', '10', '-3', 'x'.repeat(70)];
const SHORT = MEMBERS.filter((m) => m.length < 64);
const SCORES = ['1', '2', '-1.5', '0.1', 'inf', '-inf', '3e2', '10', '7', '(1', '(2', '1e-5'];

function sequence(seed: number, n: number): Step[] {
  const rng = new Rng(seed);
  const set = (): string => (rng.chance(0.9) ? rng.pick(SETS) : rng.pick([...ZSETS, ...OTHER]));
  const zset = (): string => (rng.chance(0.9) ? rng.pick(ZSETS) : rng.pick([...SETS, ...OTHER]));
  const member = (): string => rng.pick(MEMBERS);
  const members = (): string[] => Array.from({ length: 1 + rng.int(4) }, member);
  const zmembers = (key: string): string[] => Array.from({ length: 1 + rng.int(4) }, () => rng.pick(key === 'zs' || key === 'zd' ? MEMBERS : SHORT));
  const lexKey = (): string => (rng.chance(0.95) ? rng.pick(LEX_ZSETS) : rng.pick(['nokey', 'str', 's1']));
  const zdest = (): string => rng.pick(['zd', 'zs']);
  const score = (): string => rng.pick(SCORES.filter((s) => !s.startsWith('(')));
  const bound = (): string => rng.pick([...SCORES, '-inf', '+inf', 'x']);
  const lex = (): string => rng.pick(['-', '+', '[a', '(b', '[d', '(f', '[1', 'a']);
  const rank = (): string => String(rng.int(12) - 6);
  const zkeys = (): string[] => Array.from({ length: 1 + rng.int(3) }, zset);
  const skeys = (): string[] => Array.from({ length: 1 + rng.int(3) }, set);
  const out: Step[] = [];
  const gens: (() => Step)[] = [
    () => ['SADD', set(), ...members()],
    () => ['SADD', set(), ...members()],
    () => ['SREM', set(), ...members()],
    () => ({ argv: ['SMEMBERS', set()], how: SORTED }),
    () => ['SISMEMBER', set(), member()],
    () => ['SMISMEMBER', set(), ...members()],
    () => ['SCARD', set()],
    () => ['SMOVE', set(), set(), member()],
    () => ({ argv: ['SINTER', ...skeys()], how: SORTED }),
    () => ({ argv: ['SUNION', ...skeys()], how: SORTED }),
    () => ({ argv: ['SDIFF', ...skeys()], how: SORTED }),
    () => [rng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), rng.pick(['sd', ...SETS]), ...skeys()],
    () => ['SINTERCARD', '2', set(), set(), ...(rng.chance(0.5) ? ['LIMIT', String(rng.int(3))] : [])],
    () => ({ argv: ['SRANDMEMBER', set(), String(rng.int(20) - 10)], how: COUNT_ONLY }),
    // Only SPOPs whose outcome is fixed: all of a set, or none.
    () => ({ argv: ['SPOP', set(), rng.pick(['100', '0'])], how: SORTED }),
    () => ['OBJECT', 'ENCODING', rng.pick([...SETS, ...ZSETS])],
    () => {
      const k = zset();
      return ['ZADD', k, ...rng.pick([[], ['NX'], ['XX'], ['GT'], ['LT', 'CH'], ['CH'], ['XX', 'GT']]), ...zmembers(k).flatMap((m) => [score(), m])];
    },
    () => {
      const k = zset();
      return ['ZADD', k, ...zmembers(k).flatMap((m) => [score(), m])];
    },
    () => {
      const k = zset();
      return ['ZADD', k, 'INCR', score(), zmembers(k)[0]!];
    },
    () => {
      const k = zset();
      return ['ZINCRBY', k, score(), zmembers(k)[0]!];
    },
    () => ['ZREM', zset(), ...members()],
    () => ['ZCARD', zset()],
    () => ['ZSCORE', zset(), member()],
    () => ['ZMSCORE', zset(), ...members()],
    () => [rng.pick(['ZRANK', 'ZREVRANK']), zset(), member()],
    () => ['ZCOUNT', zset(), bound(), bound()],
    () => ['ZLEXCOUNT', lexKey(), lex(), lex()],
    () => ['ZRANGE', zset(), rank(), rank(), ...rng.pick([[], ['WITHSCORES'], ['REV'], ['REV', 'WITHSCORES']])],
    () => ['ZRANGE', zset(), bound(), bound(), 'BYSCORE', ...rng.pick([[], ['REV'], ['LIMIT', String(rng.int(4) - 1), String(rng.int(4) - 1)], ['WITHSCORES']])],
    () => ['ZRANGE', lexKey(), lex(), lex(), 'BYLEX', ...rng.pick([[], ['REV'], ['LIMIT', '1', '2'], ['REV', 'LIMIT', String(rng.int(4) - 1), String(rng.int(4) - 1)]])],
    () => [rng.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), zset(), bound(), bound(), ...rng.pick([[], ['WITHSCORES'], ['LIMIT', '1', '2']])],
    () => [rng.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), lexKey(), lex(), lex()],
    () => ['ZREVRANGE', zset(), rank(), rank(), 'WITHSCORES'],
    () => ['ZRANGESTORE', zdest(), zset(), rank(), rank()],
    () => ['ZREMRANGEBYRANK', zset(), rank(), rank()],
    () => ['ZREMRANGEBYSCORE', zset(), bound(), bound()],
    () => ['ZREMRANGEBYLEX', lexKey(), lex(), lex()],
    () => [rng.pick(['ZPOPMIN', 'ZPOPMAX']), zset(), ...rng.pick([[], ['2'], ['0']])],
    () => ['ZMPOP', '2', zset(), zset(), rng.pick(['MIN', 'MAX']), ...rng.pick([[], ['COUNT', '2']])],
    () => {
      const keys = zkeys();
      return [rng.pick(['ZUNION', 'ZINTER']), String(keys.length), ...keys, ...rng.pick([[], ['WEIGHTS', ...keys.map(() => rng.pick(['1', '2', '0', '-1']))], ['AGGREGATE', rng.pick(['MIN', 'MAX', 'SUM'])]]), ...rng.pick([[], ['WITHSCORES']])];
    },
    () => {
      const keys = zkeys();
      return ['ZDIFF', String(keys.length), ...keys, ...rng.pick([[], ['WITHSCORES']])];
    },
    () => {
      const keys = zkeys();
      return [rng.pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), zdest(), String(keys.length), ...keys];
    },
    () => ['ZINTERCARD', '2', zset(), zset(), ...(rng.chance(0.5) ? ['LIMIT', '1'] : [])],
    () => ({ argv: ['ZRANDMEMBER', zset(), String(rng.int(20) - 10), ...(rng.chance(0.5) ? ['WITHSCORES'] : [])], how: COUNT_ONLY }),
    () => ['TYPE', rng.pick([...SETS, ...ZSETS, ...OTHER])],
    () => ['SET', 'str', 'v'],
    () => ['DEL', rng.pick([...SETS, ...ZSETS])],
  ];
  for (let i = 0; i < n; i++) out.push(rng.pick(gens)());
  return out;
}

let redis: ExternalServer;
let single: TestCluster;
let two: TestCluster;

const TARGETS: { name: string; port: () => number }[] = [
  { name: 'single node', port: () => single.ports['solo']! },
  { name: 'two nodes via foo (forwarded)', port: () => two.ports['foo']! },
  { name: 'two nodes via bar (local)', port: () => two.ports['bar']! },
];

describeWithRedis('sets and sorted sets against redis-server', () => {
  beforeAll(async () => {
    [redis, single, two] = await Promise.all([startRedis(), startSingleNode(), startCluster(TWO)]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  for (const target of TARGETS) {
    for (const proto of [2, 3] as const) {
      test(`seed ${SEED}: ${COMMANDS} random set and sorted-set commands, ${target.name}, RESP${proto}`, async () => {
        const d = await Differential.open(redis.port, target.port(), proto);
        try {
          await d.run(['FLUSHALL']);
          const steps = sequence(SEED, COMMANDS);
          let errors = 0;
          for (let i = 0; i < steps.length; i++) {
            d.label = `seed ${SEED} step ${i}`;
            const s = steps[i]!;
            const reply = 'argv' in s ? await d.run(s.argv, s.how) : await d.run(s);
            if (reply.startsWith('-')) errors++;
          }
          for (const key of SETS) await d.scanAll(['SSCAN', key], ['COUNT', '3']);
          for (const key of ZSETS) await d.scanAll(['ZSCAN', key], ['COUNT', '3']);
          expect(d.mismatches.slice(0, 10), `seed ${SEED}, ${d.mismatches.length} mismatches (replay with KV_TEST_SEED=${SEED})`).toEqual([]);
          // The sequence did real work: most commands succeeded.
          expect(errors).toBeLessThan(COMMANDS * 0.35);
        } finally {
          d.close();
        }
      }, 60_000);
    }
  }

  test('large sets and sorted sets: encodings, whole-walk scans, ranges deep inside', async () => {
    const d = await Differential.open(redis.port, two.ports['foo']!, 2);
    try {
      await d.run(['FLUSHALL']);
      const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
      for (let i = 0; i < members.length; i += 500) {
        await d.run(['SADD', 'sbig', ...members.slice(i, i + 500)]);
        await d.run(['ZADD', 'zbig', ...members.slice(i, i + 500).flatMap((m, j) => [String(((i + j) * 7919) % 1000 / 8), m])]);
        await d.run(['SADD', 'sint', ...members.slice(i, i + 500).map((_, j) => String(i + j))]);
      }
      await d.steps([
        ['OBJECT', 'ENCODING', 'sbig'],
        ['OBJECT', 'ENCODING', 'zbig'],
        ['OBJECT', 'ENCODING', 'sint'],
        ['SCARD', 'sint'],
        ['ZRANGE', 'zbig', '1500', '1510', 'WITHSCORES'],
        ['ZRANGE', 'zbig', '(60', '+inf', 'BYSCORE', 'LIMIT', '700', '5', 'WITHSCORES'],
        ['ZREVRANGEBYSCORE', 'zbig', '100', '50', 'LIMIT', '30', '4'],
        ['ZRANK', 'zbig', 'm1234'],
        ['ZREVRANK', 'zbig', 'm1234'],
        ['ZCOUNT', 'zbig', '10', '(20.5'],
        ['ZREMRANGEBYRANK', 'zbig', '100', '199'],
        ['ZRANGE', 'zbig', '95', '105'],
        ['ZUNIONSTORE', 'zu', '2', 'zbig', 'sbig', 'WEIGHTS', '2', '0.5'],
        ['ZRANGE', 'zu', '0', '9', 'WITHSCORES'],
        ['SINTERCARD', '2', 'sbig', 'zbig'],
        { argv: ['SINTER', 'sbig', 'sint'], how: EXACT },
      ]);
      await d.scanAll(['SSCAN', 'sbig'], ['COUNT', '100']);
      await d.scanAll(['ZSCAN', 'zbig'], ['COUNT', '100', 'MATCH', '*7*']);
      expect(d.mismatches).toEqual([]);
    } finally {
      d.close();
    }
  }, 60_000);

  /**
   * One blocking scenario on a server: `waiters` connections each send one
   * blocking command (in order, each blocked before the next), then `writer`
   * runs; returns what each waiter got and what the writer's commands answered.
   */
  async function blockingScenario(port: number, writerPort: number, waiters: string[][], writes: string[][], proto: 2 | 3): Promise<string[]> {
    const enc = (argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
    const clients: RawClient[] = [];
    const out: string[] = [];
    try {
      const setup = await RawClient.connect(port);
      clients.push(setup);
      setup.send(enc(['DEL', 'zq', 'zr', 'lq']));
      await setup.reply();
      for (const argv of waiters) {
        const c = await RawClient.connect(port);
        clients.push(c);
        if (proto === 3) {
          c.send(enc(['HELLO', '3']));
          await c.reply();
        }
        c.send(enc(argv));
        // Blocked before the next one comes: FIFO order is then defined.
        await new Promise((ok) => setTimeout(ok, 100));
      }
      const w = await RawClient.connect(writerPort);
      clients.push(w);
      for (const argv of writes) {
        w.send(enc(argv));
        out.push(await w.reply());
      }
      for (const c of clients.slice(1, 1 + waiters.length)) out.push(await c.reply(3000));
    } finally {
      for (const c of clients) c.close();
    }
    return out;
  }

  for (const proto of [2, 3] as const) {
    test(`blocking pops wake in FIFO order, by type, through a hop, as on redis-server (RESP${proto})`, async () => {
      const waiters = [
        ['BZPOPMIN', 'zq', 'zr', '5'],
        ['BLPOP', 'zq', '5'],
        ['BZMPOP', '5', '2', 'zr', 'zq', 'MAX', 'COUNT', '2'],
        ['BZPOPMAX', 'zq', '5'],
        ['BZPOPMIN', 'zr', '0.2'],
      ];
      // ZADD serves the sorted-set waiters in order, passing over the BLPOP; the list pushed at zq then serves it.
      const writes = [['ZADD', 'zq', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZCARD', 'zq'], ['DEL', 'zq'], ['RPUSH', 'zq', 'l']];
      const expected = await blockingScenario(redis.port, redis.port, waiters, writes, proto);
      // The waiters on foo, their keys (zq, zr) on bar, written on bar: each woken across the link.
      const ours = await blockingScenario(two.ports['foo']!, two.ports['bar']!, waiters, writes, proto);
      expect(ours).toEqual(expected);
      const popped = proto === 2 ? ['*3\r\n$2\r\nzq\r\n$1\r\na\r\n$1\r\n1\r\n', '*2\r\n$2\r\nzq\r\n$1\r\nl\r\n'] : ['*3\r\n$2\r\nzq\r\n$1\r\na\r\n,1\r\n', '*2\r\n$2\r\nzq\r\n$1\r\nl\r\n'];
      expect(expected.slice(4, 6)).toEqual(popped);
      expect(expected[1]).toBe(':0\r\n');
      expect(expected[8]).toBe(proto === 2 ? '*-1\r\n' : '_\r\n');
    }, 20_000);
  }

  test('keys on two nodes: multi-key set commands are refused by name, nothing written', async () => {
    const c = await RawClient.connect(two.ports['foo']!);
    try {
      c.send('*4\r\n$4\r\nSADD\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n');
      expect(await c.reply()).toBe(':2\r\n');
      c.send('*3\r\n$6\r\nSINTER\r\n$1\r\na\r\n$1\r\nz\r\n');
      expect(await c.reply()).toBe("-ERR keys of 'sinter' live on different nodes (foo, bar); this command needs them on one\r\n");
      c.send('*4\r\n$11\r\nSUNIONSTORE\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n');
      expect(await c.reply()).toBe("-ERR keys of 'sunionstore' live on different nodes (bar, foo); this command needs them on one\r\n");
      c.send('*5\r\n$6\r\nZUNION\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\nz\r\n$10\r\nWITHSCORES\r\n');
      expect(await c.reply()).toBe("-ERR keys of 'zunion' live on different nodes (foo, bar); this command needs them on one\r\n");
      c.send('*3\r\n$6\r\nEXISTS\r\n$1\r\nz\r\n$1\r\nb\r\n');
      expect(await c.reply()).toBe(':0\r\n');
    } finally {
      c.close();
    }
  });
});
