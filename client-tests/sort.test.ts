// SORT and SORT_RO against redis-server 7.0.15: fixed cases (every option,
// BY/GET patterns with hash fields, numeric errors, STORE) and a seeded random
// sequence, sent to Redis and to kv (one node; two nodes through either),
// replies compared byte for byte in RESP2 and RESP3. Every key of a sequence
// lives on bar (n-z), so patterns read the sorted key's node; then what a
// cluster answers when a pattern or STORE names another node's key.
//
// KV_TEST_SEED replays a run (as in random-differential.test.ts).

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, startRedis, startSingleNode, type ClusterSpec, type ExternalServer, type TestCluster } from './support/servers.js';
import { Differential, SORTED, type Step } from './support/differential.js';
import { Rng } from './support/random-commands.js';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';

const COMMANDS = 800;
const SEED = Number(process.env['KV_TEST_SEED']?.split(',')[0] ?? randomInt(1, 2 ** 32));
console.log(`sort: seed ${SEED} (replay with KV_TEST_SEED=${SEED})`);

const TWO: ClusterSpec = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };

/** Data every fixed case starts from: a list, an intset, a set of words, sorted sets, weights, objects and hashes. */
const SETUP: Step[] = [
  ['FLUSHALL'],
  ['RPUSH', 'nl', '3', '10', '-1', '2.5', '3', '0x10', '1e2'],
  ['RPUSH', 'nw', 'pear', 'apple', 'fig', 'banana', 'Apple', 'fig'],
  ['RPUSH', 'nbad', '1', '2', 'x', '3'],
  ['SADD', 'ns', '5', '1', '3', '2', '4'],
  ['SADD', 'nsw', 'pear', 'apple', 'fig', 'banana'],
  ['ZADD', 'nz', '3', 'c', '1', 'a', '2', 'b', '5', 'e', '4', 'd'],
  ['MSET', 'w_pear', '4', 'w_apple', '1', 'w_fig', '3', 'w_banana', '2', 'w_Apple', '0.5'],
  ['MSET', 'w_a', '50', 'w_b', '40', 'w_c', '30', 'w_d', '20', 'w_e', '10'],
  ['MSET', 'o_a', 'A', 'o_b', 'B', 'o_c', 'C', 'o_pear', 'PEAR', 'o_3', 'three'],
  ['HSET', 'ph_a', 'name', 'alice', 'rank', '3'],
  ['HSET', 'ph_b', 'name', 'bob', 'rank', '1'],
  ['HSET', 'ph_c', 'name', 'carol', 'rank', '2'],
  ['MSET', 'x_a', 'zz', 'x_b', 'aa', 'x_c', 'mm'],
  ['SET', 'str', 'v'],
  ['HSET', 'nh', 'f', 'v'],
  ['MSET', 'sc_1', 'inf', 'sc_2', '1e400', 'sc_3', ' 3', 'sc_4', '3 ', 'sc_5', 'nan', 'sc_6', '', 'sc_7', '-inf', 'sc_8', '1e-400'],
  ['RPUSH', 'nsc', '1', '3', '6', '7'],
  ['RPUSH', 'nsc2', '1', '2'],
  ['RPUSH', 'nsc4', '4'],
  ['RPUSH', 'nsc5', '5'],
  ['RPUSH', 'nsc8', '8'],
];

const CASES: Step[] = [
  ['SORT', 'nl'],
  ['SORT', 'nl', 'DESC'],
  ['SORT', 'nl', 'LIMIT', '1', '3'],
  ['SORT', 'nl', 'LIMIT', '-5', '2'],
  ['SORT', 'nl', 'LIMIT', '5', '-1'],
  ['SORT', 'nl', 'LIMIT', '100', '10'],
  ['SORT', 'nl', 'LIMIT', '0', '0'],
  ['SORT', 'nl', 'LIMIT', '2', '100', 'DESC'],
  ['SORT', 'nl', 'ALPHA'],
  ['SORT', 'nl', 'ALPHA', 'DESC', 'LIMIT', '1', '2'],
  ['SORT', 'nw'],
  ['SORT', 'nw', 'ALPHA'],
  ['SORT', 'nw', 'ALPHA', 'DESC'],
  ['SORT', 'nw', 'BY', 'w_*'],
  ['SORT', 'nw', 'BY', 'w_*', 'DESC', 'LIMIT', '1', '3'],
  ['SORT', 'nw', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'GET', 'o_*'],
  ['SORT', 'nw', 'BY', 'x_*', 'ALPHA'],
  ['SORT', 'nw', 'BY', 'nosort'],
  ['SORT', 'nw', 'BY', 'nosort', 'DESC'],
  ['SORT', 'nw', 'BY', 'nosort', 'LIMIT', '1', '2'],
  ['SORT', 'nw', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3'],
  ['SORT', 'nw', 'BY', 'nosort', 'LIMIT', '9', '3'],
  ['SORT', 'nbad'],
  ['SORT', 'nbad', 'ALPHA'],
  ['SORT', 'nbad', 'BY', 'nosort'],
  ['SORT', 'ns'],
  ['SORT', 'ns', 'DESC', 'LIMIT', '1', '2'],
  ['SORT', 'ns', 'BY', 'nosort'],
  ['SORT', 'ns', 'GET', 'o_*', 'GET', '#'],
  { argv: ['SORT', 'nsw', 'BY', 'nosort'], how: SORTED },
  ['SORT', 'nsw', 'ALPHA'],
  ['SORT', 'nsw', 'BY', 'w_*', 'GET', 'o_*'],
  ['SORT', 'nsw', 'BY', 'nosort', 'STORE', 'ndst'],
  ['LRANGE', 'ndst', '0', '-1'],
  ['SORT', 'nz'],
  ['SORT', 'nz', 'ALPHA'],
  ['SORT', 'nz', 'ALPHA', 'DESC'],
  ['SORT', 'nz', 'BY', 'nosort'],
  ['SORT', 'nz', 'BY', 'nosort', 'DESC'],
  ['SORT', 'nz', 'BY', 'nosort', 'LIMIT', '1', '2'],
  ['SORT', 'nz', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
  ['SORT', 'nz', 'BY', 'w_*'],
  ['SORT', 'nz', 'BY', 'w_*', 'LIMIT', '1', '2', 'GET', 'o_*', 'GET', '#'],
  ['SORT', 'nz', 'BY', 'ph_*->rank', 'GET', 'ph_*->name', 'ALPHA'],
  ['SORT', 'nz', 'BY', 'ph_*->rank', 'GET', 'ph_*->name', 'GET', 'ph_*->nofield', 'GET', 'ph_*->'],
  ['SORT', 'nz', 'GET', 'ph_*', 'GET', 'nopattern', 'GET', 'w_*->x'],
  ['SORT', 'nz', 'BY', 'o_*', 'ALPHA'],
  ['SORT', 'nz', 'BY', 'o_*'],
  ['SORT', 'nl', 'STORE', 'ndst'],
  ['LRANGE', 'ndst', '0', '-1'],
  ['TYPE', 'ndst'],
  ['SORT', 'nz', 'BY', 'w_*', 'GET', 'o_*', 'GET', '#', 'STORE', 'ndst'],
  ['LRANGE', 'ndst', '0', '-1'],
  ['SORT', 'nokey'],
  ['SORT', 'nokey', 'STORE', 'ndst'],
  ['EXISTS', 'ndst'],
  ['SORT', 'nokey', 'STORE', 'ndst'],
  ['SORT', 'nl', 'LIMIT', '0', '0', 'STORE', 'str'],
  ['TYPE', 'str'],
  ['SET', 'str', 'v'],
  ['SORT', 'nl', 'STORE', 'str'],
  ['TYPE', 'str'],
  ['SET', 'str', 'v'],
  ['SORT', 'nbad', 'STORE', 'ndst'],
  ['SORT', 'str'],
  ['SORT', 'nh'],
  ['SORT', 'str', 'BADOPT'],
  ['SORT', 'nl', 'BADOPT'],
  ['SORT', 'nl', 'BY'],
  ['SORT', 'nl', 'GET'],
  ['SORT', 'nl', 'STORE'],
  ['SORT', 'nl', 'LIMIT', '1'],
  ['SORT', 'nl', 'LIMIT', 'x', '1'],
  ['SORT', 'nl', 'LIMIT', '1', 'y'],
  ['SORT', 'nl', 'LIMIT', '99999999999999999999', '1'],
  ['SORT', 'nl', 'asc', 'alpha', 'desc', 'Limit', '0', '2', 'by', 'nosort', 'get', '#'],
  ['SORT_RO', 'nl'],
  ['SORT_RO', 'nz', 'BY', 'w_*', 'GET', 'o_*'],
  ['SORT_RO', 'nl', 'STORE', 'ndst'],
  ['SORT_RO', 'nokey'],
  ['SORT_RO', 'str'],
  ['SORT'],
  ['SORT_RO'],
  // Scores out of range last: sort.c reads errno without clearing it, so after
  // an ERANGE Redis also refuses the next non-integer score it parses, until
  // something else sets errno (a new connection's accept: see below).
  ['SORT', 'nsc', 'BY', 'sc_*'],
  ['SORT', 'nsc2', 'BY', 'sc_*'],
  ['SORT', 'nsc4', 'BY', 'sc_*'],
  ['SORT', 'nsc5', 'BY', 'sc_*'],
  ['SORT', 'nsc8', 'BY', 'sc_*'],
];

const LISTS = ['nl', 'nw', 'nq'];
const SETS = ['ns', 'nsw', 'nt'];
const ZSETS = ['nz', 'nzz'];
const ELEMENTS = ['1', '2', '3', '10', '-4', '2.5', 'a', 'b', 'c', 'pear', 'fig', 'x'];

/** Random writes and sorts over those keys, the BY/GET keys among them. */
function sequence(seed: number, n: number): Step[] {
  const rng = new Rng(seed);
  const el = (): string => rng.pick(ELEMENTS);
  const els = (): string[] => Array.from({ length: 1 + rng.int(4) }, el);
  const num = (): string => rng.pick(['1', '2', '3', '7', '-1', '0.5', '10', '1e3', 'x', '']);
  const key = (): string => rng.pick([...LISTS, ...SETS, ...ZSETS, 'str', 'nokey', 'ndst']);
  const steps: Step[] = [];
  const gens: (() => Step)[] = [
    () => [rng.pick(['RPUSH', 'LPUSH']), rng.pick(LISTS), ...els()],
    () => ['SADD', rng.pick(SETS), ...els()],
    () => ['ZADD', rng.pick(ZSETS), ...els().flatMap((m) => [String(rng.int(5)), m])],
    () => ['SET', `w_${el()}`, num()],
    () => ['SET', `o_${el()}`, el()],
    () => ['HSET', `ph_${el()}`, rng.pick(['name', 'rank']), num()],
    () => ['DEL', rng.pick(['w_', 'o_', 'ph_']) + el()],
    () => ['LPOP', rng.pick(LISTS)],
    () => {
      const k = key();
      const argv = [rng.pick(['SORT', 'SORT', 'SORT_RO']), k];
      // BY w_* with ALPHA would tie on equal weights, which Redis leaves to its qsort: numeric BY or ALPHA alone.
      const by = rng.pick([null, null, 'w_*', 'nosort', 'ph_*->rank']);
      if (by !== null) argv.push('BY', by);
      // A set's hash-table order shows with nosort (without STORE): compared as a multiset, so whole.
      const setOrder = SETS.includes(k) && by === 'nosort';
      if (!setOrder && rng.chance(0.3)) argv.push('LIMIT', String(rng.int(6) - 1), String(rng.int(6) - 1));
      for (let i = rng.int(3); i > 0; i--) argv.push('GET', rng.pick(['#', 'o_*', 'w_*', 'ph_*->name', 'nopat']));
      if (rng.chance(0.4)) argv.push(rng.pick(['ASC', 'DESC']));
      if (by === null && rng.chance(0.4)) argv.push('ALPHA');
      if (argv[0] === 'SORT' && rng.chance(0.3)) argv.push('STORE', rng.pick(['ndst', 'nq', 'str']));
      return setOrder && !argv.includes('STORE') ? { argv, how: SORTED } : argv;
    },
    () => ['LRANGE', rng.pick(['ndst', 'nq']), '0', '-1'],
  ];
  for (let i = 0; i < n; i++) steps.push(rng.pick(gens)());
  return steps;
}

let redis: ExternalServer;
let single: TestCluster;
let two: TestCluster;

const TARGETS: { name: string; port: () => number }[] = [
  { name: 'single node', port: () => single.ports['solo']! },
  { name: 'two nodes via foo (forwarded)', port: () => two.ports['foo']! },
  { name: 'two nodes via bar (local)', port: () => two.ports['bar']! },
];

describeWithRedis('SORT and SORT_RO against redis-server', () => {
  beforeAll(async () => {
    [redis, single, two] = await Promise.all([startRedis(), startSingleNode(), startCluster(TWO)]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  for (const target of TARGETS) {
    for (const proto of [2, 3] as const) {
      test(`fixed cases and seed ${SEED}: ${COMMANDS} random commands, ${target.name}, RESP${proto}`, async () => {
        const d = await Differential.open(redis.port, target.port(), proto);
        try {
          await d.steps(SETUP);
          d.label = 'fixed';
          await d.steps(CASES);
          // Redis's errno after those cases: a connection accepted ends with accept()'s EAGAIN.
          (await RawClient.connect(redis.port)).close();
          await d.run(['FLUSHALL']);
          const steps = sequence(SEED, COMMANDS);
          for (let i = 0; i < steps.length; i++) {
            d.label = `seed ${SEED} step ${i}`;
            const s = steps[i]!;
            await ('argv' in s ? d.run(s.argv, s.how) : d.run(s));
          }
          expect(d.mismatches.slice(0, 10), `seed ${SEED}, ${d.mismatches.length} mismatches (replay with KV_TEST_SEED=${SEED})`).toEqual([]);
        } finally {
          d.close();
        }
      }, 60_000);
    }
  }

  test('a cluster refuses patterns and a STORE destination on another node, through either node', async () => {
    const enc = (argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
    const patterns = "-ERR SORT BY/GET patterns read keys of other nodes (foo), which kv does not do; keep them on the node of the sorted key\r\n";
    for (const port of [two.ports['foo']!, two.ports['bar']!]) {
      const c = await RawClient.connect(port);
      try {
        const ask = async (argv: string[]): Promise<string> => {
          c.send(enc(argv));
          return c.reply();
        };
        await ask(['FLUSHALL']);
        await ask(['RPUSH', 'nums', '2', '1', '3']);
        await ask(['MSET', 'a_1', '3', 'a_2', '2', 'a_3', '1', 'w_1', '1']);
        expect(await ask(['SORT', 'nums', 'BY', 'a_*'])).toBe(patterns);
        expect(await ask(['SORT_RO', 'nums', 'GET', 'a_*'])).toBe(patterns);
        expect(await ask(['SORT', 'nums', 'BY', 'w_*', 'GET', '#', 'GET', 'b_*->f'])).toBe(patterns);
        // A hash's field: the key is what counts ("n" is bar's, "->" names the field).
        expect(await ask(['SORT', 'nums', 'GET', 'n*->a_'])).toBe('*3\r\n$-1\r\n$-1\r\n$-1\r\n');
        // nosort, `#` and a pattern without `*` read no key.
        expect(await ask(['SORT', 'nums', 'BY', 'a_', 'GET', '#', 'GET', 'a_'])).toBe('*6\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n$-1\r\n');
        // With a LIMIT, only the elements returned are read by GET.
        expect(await ask(['SORT', 'nums', 'LIMIT', '0', '0', 'GET', 'a_*'])).toBe('*0\r\n');
        expect(await ask(['SORT', 'nums', 'STORE', 'dst'])).toBe("-ERR keys of 'sort' live on different nodes (bar, foo); this command needs them on one\r\n");
        expect(await ask(['SORT', 'nums', 'STORE', 'nums2'])).toBe(':3\r\n');
        expect(await ask(['LRANGE', 'nums2', '0', '-1'])).toBe('*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n');
      } finally {
        c.close();
      }
    }
  }, 30_000);
});
