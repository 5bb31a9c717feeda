// Lists against redis-server 7.0.15: seeded random sequences of every list
// command (blocking ones included, where they need not wait) sent to Redis and
// to kv (one node; two nodes through either, so through foo every command is
// forwarded and every blocking one goes by KV.BLOCK), replies compared byte for
// byte in RESP2 and RESP3. Then the blocking behaviours side by side with two
// connections per server: wake-ups, first blocked first served, BLMOVE chains,
// MULTI, pipelined commands behind a blocked one, CLIENT UNBLOCK, timeouts and
// Redis's timeout parsing.
//
// KV_TEST_SEED replays a run.

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, startRedis, startSingleNode, type ClusterSpec, type ExternalServer, type TestCluster } from './support/servers.js';
import { Differential, encodeCommand, type Step } from './support/differential.js';
import { Rng } from './support/random-commands.js';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';

const COMMANDS = 1200;
const SEED = Number(process.env['KV_TEST_SEED']?.split(',')[0] ?? randomInt(1, 2 ** 32));
console.log(`lists: seed ${SEED} (replay with KV_TEST_SEED=${SEED})`);

const TWO: ClusterSpec = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };

// Every key lives on bar in the two-node table (n-z): through foo each command is forwarded.
const LISTS = ['q1', 'q2', 'q3'];
const OTHER = ['str', 'nokey'];
const ELEMENTS = ['a', 'b', 'c', 'a', '1', '2', '-3', '10', '', 'x'.repeat(70), 'y'.repeat(9000)];

function sequence(seed: number, n: number): Step[] {
  const rng = new Rng(seed);
  const key = (): string => (rng.chance(0.92) ? rng.pick(LISTS) : rng.pick(OTHER));
  const el = (): string => rng.pick(ELEMENTS);
  const els = (): string[] => Array.from({ length: 1 + rng.int(5) }, el);
  const index = (): string => rng.pick([String(rng.int(14) - 7), '0', '-1', '100', '-100', 'x', '9223372036854775807', '-9223372036854775808']);
  const end = (): string => rng.pick(['LEFT', 'RIGHT', 'left', 'right']);
  const timeout = (): string => rng.pick(['0.01', '0.01', '0.01', '-1', 'x', '0.001']);
  const gens: (() => Step)[] = [
    () => ['LPUSH', key(), ...els()],
    () => ['RPUSH', key(), ...els()],
    () => ['RPUSH', key(), ...els()],
    () => [rng.pick(['LPUSHX', 'RPUSHX']), key(), ...els()],
    () => [rng.pick(['LPOP', 'RPOP']), key(), ...rng.pick([[], ['2'], ['0'], ['-1'], ['x'], ['100']])],
    () => ['LRANGE', key(), index(), index()],
    () => ['LRANGE', key(), '0', '-1'],
    () => ['LINDEX', key(), index()],
    () => ['LSET', key(), index(), el()],
    () => ['LLEN', key()],
    () => ['LINSERT', key(), rng.pick(['BEFORE', 'AFTER', 'after', 'middle']), el(), el()],
    () => ['LREM', key(), rng.pick(['0', '1', '-1', '2', '-2', 'x']), el()],
    () => ['LTRIM', key(), index(), index()],
    () => ['LPOS', key(), el(), ...rng.pick([[], ['RANK', rng.pick(['1', '2', '-1', '-2', '0', '-9223372036854775808'])], ['COUNT', rng.pick(['0', '1', '2', '-1'])], ['MAXLEN', rng.pick(['0', '2', '-1'])], ['RANK', '-1', 'COUNT', '0', 'MAXLEN', '3'], ['BOGUS'], ['RANK']])],
    () => ['LMOVE', key(), key(), end(), end()],
    () => ['LMOVE', key(), key(), 'UP', 'LEFT'],
    () => ['RPOPLPUSH', key(), key()],
    () => ['LMPOP', rng.pick(['1', '2', '3', '0', 'x']), key(), key(), key(), ...rng.pick([[end()], [end(), 'COUNT', rng.pick(['1', '3', '0', '100'])], ['COUNT', '2']])],
    () => [rng.pick(['BLPOP', 'BRPOP']), key(), key(), timeout()],
    () => ['BLMOVE', key(), key(), end(), end(), timeout()],
    () => ['BRPOPLPUSH', key(), key(), timeout()],
    () => ['BLMPOP', timeout(), '2', key(), key(), end(), ...rng.pick([[], ['COUNT', '2']])],
    () => ['TYPE', key()],
    () => ['OBJECT', 'ENCODING', key()],
    () => ['EXISTS', key()],
    () => ['SET', 'str', 'v'],
    () => ['DEL', rng.pick(LISTS)],
  ];
  return Array.from({ length: n }, () => rng.pick(gens)());
}

let redis: ExternalServer;
let single: TestCluster;
let two: TestCluster;

const TARGETS: { name: string; port: () => number }[] = [
  { name: 'single node', port: () => single.ports['solo']! },
  { name: 'two nodes via foo (forwarded)', port: () => two.ports['foo']! },
  { name: 'two nodes via bar (local)', port: () => two.ports['bar']! },
];

/** Waits until INFO clients shows `n` blocked clients on the server at `port`. */
async function blockedClients(port: number, n: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let i = 0; i < 200; i++) {
      const info = await c.command('INFO', 'clients');
      if (new RegExp(`blocked_clients:${n}\\r`).test(info)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`server on ${port} never showed ${n} blocked clients`);
  } finally {
    c.close();
  }
}

/** Sends argv to both servers of `d` without waiting (a command that blocks). */
function sendBoth(d: Differential, argv: readonly string[]): void {
  d.redis.send(encodeCommand(argv));
  d.ours.send(encodeCommand(argv));
}

/** Reads one reply from both servers of `d` and compares it. */
async function readBoth(d: Differential, what: string): Promise<void> {
  const [a, b] = await Promise.all([d.redis.reply(), d.ours.reply()]);
  d.count++;
  if (a !== b) d.mismatches.push({ label: d.label, command: what, redis: JSON.stringify(a), ours: JSON.stringify(b) });
}

describeWithRedis('lists against redis-server', () => {
  beforeAll(async () => {
    [redis, single, two] = await Promise.all([startRedis(), startSingleNode(), startCluster(TWO)]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  for (const target of TARGETS) {
    for (const proto of [2, 3] as const) {
      test(`seed ${SEED}: ${COMMANDS} random list commands, ${target.name}, RESP${proto}`, async () => {
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
          for (const key of LISTS) await d.run(['LRANGE', key, '0', '-1']);
          expect(d.mismatches.slice(0, 10), `seed ${SEED}, ${d.mismatches.length} mismatches (replay with KV_TEST_SEED=${SEED})`).toEqual([]);
          expect(errors).toBeLessThan(COMMANDS * 0.4);
        } finally {
          d.close();
        }
      }, 120_000);
    }
  }

  test('errors and edge cases, word for word: arities, timeouts, LPOS options, LMPOP/BLMPOP parsing', async () => {
    for (const target of TARGETS) {
      const d = await Differential.open(redis.port, target.port(), 2);
      d.label = target.name;
      try {
        await d.run(['FLUSHALL']);
        await d.steps([
          ['LPUSH', 'q1'],
          ['LPOP'],
          ['LPOP', 'q1', '1', '2'],
          ['RPUSH', 'q1', 'a', 'b', 'c', 'a', 'b', 'c'],
          ['LPOS', 'q1', 'b', 'RANK', '-9223372036854775808'],
          ['LPOS', 'q1', 'b', 'RANK', '0'],
          ['LPOS', 'q1', 'b', 'COUNT', '-1'],
          ['LPOS', 'q1', 'b', 'MAXLEN', '-1'],
          ['LPOS', 'q1', 'b', 'RANK', '-1', 'COUNT', '0'],
          ['LPOS', 'nokey', 'b', 'COUNT', '0'],
          ['LPOS', 'nokey', 'b'],
          ['LINSERT', 'q1', 'nowhere', 'a', 'z'],
          ['LINSERT', 'nokey', 'nowhere', 'a', 'z'],
          ['LSET', 'nokey', 'x', 'v'],
          ['LSET', 'q1', 'x', 'v'],
          ['LSET', 'q1', '100', 'v'],
          ['LINDEX', 'nokey', 'x'],
          ['LINDEX', 'q1', 'x'],
          ['LRANGE', 'nokey', 'x', '1'],
          ['LTRIM', 'nokey', '0', 'x'],
          ['LREM', 'nokey', 'x', 'a'],
          ['LMPOP', '0', 'q1', 'LEFT'],
          ['LMPOP', '-1', 'q1', 'LEFT'],
          ['LMPOP', '1', 'q1', 'UP'],
          ['LMPOP', '1', 'q1', 'LEFT', 'COUNT', '0'],
          ['LMPOP', '1', 'q1', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
          ['LMPOP', '1', 'q1', 'LEFT', 'BOGUS'],
          ['BLMPOP', '0', '0', 'q1', 'LEFT'],
          ['BLMPOP', '-1', '1', 'q1', 'LEFT'],
          ['BLMPOP', 'x', '1', 'q1', 'UP'],
          ['BLPOP', 'q1', '-1'],
          ['BLPOP', 'q1', 'x'],
          ['BLPOP', 'q1', 'inf'],
          ['BLPOP', 'q1', 'nan'],
          ['BLPOP', 'q1', '1e400'],
          ['BLPOP', 'q1', '9223372036854775.808'],
          ['BLPOP', 'q1', ' 1'],
          ['BLPOP', 'q1', ''],
          ['BLMOVE', 'q1', 'q2', 'UP', 'LEFT', '0'],
          ['BLMOVE', 'q1', 'q2', 'LEFT', 'LEFT', '-0.5x'],
          ['BRPOPLPUSH', 'q1', 'q2', '-2'],
          ['BLPOP', 'q1', '0.0001'],
          ['SET', 'str', 'v'],
          ['BLPOP', 'nokey', 'str', 'q1', '0'],
          ['BLPOP', 'q1', 'str', '0'],
          ['BLMOVE', 'q1', 'str', 'RIGHT', 'LEFT', '0'],
          ['LRANGE', 'q1', '0', '-1'],
          ['BLMOVE', 'str', 'q1', 'RIGHT', 'LEFT', '0'],
          ['BLMPOP', '0', '3', 'nokey', 'q1', 'str', 'RIGHT', 'COUNT', '3'],
          ['BLPOP', 'nokey', '0.01'],
          ['BRPOPLPUSH', 'nokey', 'q2', '0.01'],
          ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'],
          ['CLIENT', 'UNBLOCK', 'x'],
          ['CLIENT', 'UNBLOCK', '12345', 'SOON'],
          ['CLIENT', 'UNBLOCK', '12345', 'ERROR'],
          ['CLIENT', 'UNBLOCK', '1', '2', '3'],
          // Blocking pops inside MULTI do not wait, and pop as their plain forms.
          ['MULTI'],
          ['BLPOP', 'q1', '0'],
          ['BLMPOP', '0', '1', 'q1', 'RIGHT', 'COUNT', '10'],
          ['BLPOP', 'q1', '0'],
          ['BRPOPLPUSH', 'q1', 'q2', '0'],
          ['BLMOVE', 'q1', 'q2', 'LEFT', 'LEFT', '0'],
          ['EXEC'],
          ['EXISTS', 'q1'],
        ]);
        expect(d.mismatches).toEqual([]);
      } finally {
        d.close();
      }
    }
  }, 60_000);

  test('large lists: deep indexes, trims and removals across many nodes of the quicklist', async () => {
    const d = await Differential.open(redis.port, two.ports['foo']!, 2);
    try {
      await d.run(['FLUSHALL']);
      for (let i = 0; i < 5000; i += 500) await d.run(['RPUSH', 'big', ...Array.from({ length: 500 }, (_, j) => `e${(i + j) % 977}`)]);
      await d.steps([
        ['LLEN', 'big'],
        ['LINDEX', 'big', '2500'],
        ['LINDEX', 'big', '-1234'],
        ['LRANGE', 'big', '1990', '2010'],
        ['LSET', 'big', '3000', 'changed'],
        ['LINSERT', 'big', 'AFTER', 'changed', 'inserted'],
        ['LPOS', 'big', 'e5', 'RANK', '-2', 'COUNT', '3'],
        ['LREM', 'big', '-3', 'e7'],
        ['LREM', 'big', '0', 'e8'],
        ['LTRIM', 'big', '100', '-100'],
        ['LRANGE', 'big', '2890', '2910'],
        ['LPOP', 'big', '700'],
        ['RPOP', 'big', '10'],
        ['LMPOP', '1', 'big', 'RIGHT', 'COUNT', '3'],
        ['LLEN', 'big'],
      ]);
      expect(d.mismatches).toEqual([]);
    } finally {
      d.close();
    }
  }, 60_000);

  for (const target of TARGETS) {
    test(`blocked clients side by side with redis-server, ${target.name}`, async () => {
      const port = target.port();
      const pusher = await Differential.open(redis.port, port, 2);
      const b1 = await Differential.open(redis.port, port, 2);
      const b2 = await Differential.open(redis.port, port, 3);
      const b3 = await Differential.open(redis.port, port, 2);
      const all = [pusher, b1, b2, b3];
      const waitBlocked = (n: number): Promise<unknown> => Promise.all([blockedClients(redis.port, n), blockedClients(port, n)]);
      try {
        await pusher.run(['FLUSHALL']);
        // A push wakes the waiter; variadic LPUSH gives it the last element pushed.
        sendBoth(b1, ['BLPOP', 'q1', '0']);
        await waitBlocked(1);
        await pusher.run(['LPUSH', 'q1', 'foo', 'bar']);
        await readBoth(b1, 'BLPOP q1 0');
        await pusher.run(['LRANGE', 'q1', '0', '-1']);
        // First blocked, first served: three waiters, one RPUSH of three elements.
        await pusher.run(['DEL', 'q1']);
        sendBoth(b1, ['BLPOP', 'q1', '0']);
        await waitBlocked(1);
        sendBoth(b2, ['BRPOP', 'q2', 'q1', '0']);
        await waitBlocked(2);
        sendBoth(b3, ['BLMPOP', '0', '1', 'q1', 'LEFT', 'COUNT', '5']);
        await waitBlocked(3);
        await pusher.run(['RPUSH', 'q1', 'a', 'b', 'c', 'd', 'e']);
        for (const b of [b1, b2, b3]) await readBoth(b, 'served in order');
        await pusher.run(['EXISTS', 'q1']);
        // A transaction's pushes are seen after EXEC: LPUSH then DEL wakes nobody.
        sendBoth(b1, ['BLPOP', 'q1', '0']);
        await waitBlocked(1);
        await pusher.steps([['MULTI'], ['LPUSH', 'q1', 'a'], ['DEL', 'q1'], ['EXEC'], ['LPUSH', 'q1', 'b']]);
        await readBoth(b1, 'BLPOP after MULTI');
        // Linked BLMOVEs: one push travels q1 → q2 → q3.
        sendBoth(b1, ['BLMOVE', 'q1', 'q2', 'RIGHT', 'LEFT', '0']);
        await waitBlocked(1);
        sendBoth(b2, ['BLMOVE', 'q2', 'q3', 'LEFT', 'RIGHT', '0']);
        await waitBlocked(2);
        await pusher.run(['RPUSH', 'q1', 'foo']);
        await readBoth(b1, 'BLMOVE q1 q2');
        await readBoth(b2, 'BLMOVE q2 q3');
        await pusher.steps([['LRANGE', 'q1', '0', '-1'], ['LRANGE', 'q2', '0', '-1'], ['LRANGE', 'q3', '0', '-1']]);
        // A destination of the wrong type: the waiter gets WRONGTYPE, the next one the element.
        await pusher.steps([['DEL', 'q1', 'q2', 'q3'], ['SET', 'str', 'x']]);
        sendBoth(b1, ['BRPOPLPUSH', 'q1', 'str', '0']);
        await waitBlocked(1);
        sendBoth(b2, ['BRPOPLPUSH', 'q1', 'q2', '0']);
        await waitBlocked(2);
        await pusher.run(['LPUSH', 'q1', 'foo']);
        await readBoth(b1, 'BRPOPLPUSH into a string');
        await readBoth(b2, 'BRPOPLPUSH next in line');
        // A key moved into place (RENAME) wakes its waiter.
        sendBoth(b1, ['BLPOP', 'q3', '0']);
        await waitBlocked(1);
        await pusher.steps([['RPUSH', 'r1', 'x', 'y'], ['RENAME', 'r1', 'q3']]);
        await readBoth(b1, 'BLPOP after RENAME');
        // Nothing else of a blocked client runs until it is served: its PING waits behind.
        b1.redis.send(encodeCommand(['BLPOP', 'q1', '0']) + encodeCommand(['PING']));
        b1.ours.send(encodeCommand(['BLPOP', 'q1', '0']) + encodeCommand(['PING']));
        await waitBlocked(1);
        await pusher.run(['RPUSH', 'q1', 'late']);
        await readBoth(b1, 'BLPOP before PING');
        await readBoth(b1, 'PING after');
        // A timeout answers a null array, in either protocol.
        sendBoth(b2, ['BLMOVE', 'q9', 'q2', 'LEFT', 'LEFT', '0.05']);
        await readBoth(b2, 'BLMOVE timeout RESP3');
        const started = Date.now();
        await b1.run(['BLPOP', 'q9', '0.2']);
        expect(Date.now() - started).toBeGreaterThanOrEqual(150);
        expect(all.flatMap((d) => d.mismatches)).toEqual([]);
      } finally {
        for (const d of all) d.close();
      }
    }, 60_000);

    test(`CLIENT UNBLOCK, TIMEOUT and ERROR, ${target.name}`, async () => {
      const port = target.port();
      for (const server of [redis.port, port]) {
        const blocked = await RawClient.connect(server);
        const admin = await RawClient.connect(server);
        try {
          const id = (await blocked.command('CLIENT', 'ID')).slice(1, -2);
          blocked.send(encodeCommand(['BLPOP', 'q8', '0']));
          await blockedClients(server, 1);
          expect(await admin.command('CLIENT', 'UNBLOCK', id)).toBe(':1\r\n');
          expect(await blocked.reply()).toBe('*-1\r\n');
          expect(await admin.command('CLIENT', 'UNBLOCK', id)).toBe(':0\r\n');
          blocked.send(encodeCommand(['BRPOPLPUSH', 'q8', 'q9', '0']));
          await blockedClients(server, 1);
          expect(await admin.command('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(':1\r\n');
          expect(await blocked.reply()).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
          await blockedClients(server, 0);
          // The waiter is gone: a later push stays in the list.
          expect(await admin.command('RPUSH', 'q8', 'kept')).toBe(':1\r\n');
          expect(await admin.command('LPOP', 'q8')).toBe('$4\r\nkept\r\n');
        } finally {
          blocked.close();
          admin.close();
        }
      }
    }, 30_000);
  }

  test('DUMP of a kv list restores in redis-server, and the other way', async () => {
    const ours = await RawClient.connect(two.ports['foo']!);
    const theirs = await RawClient.connect(redis.port);
    try {
      const elements = ['a', '12', '-5', '', 'z'.repeat(10_000), ...Array.from({ length: 400 }, (_, i) => `e${i}`)];
      for (const c of [ours, theirs]) {
        await c.command('DEL', 'dl', 'dl2');
        await c.command('RPUSH', 'dl', ...elements);
      }
      const bulk = (reply: string): string => reply.slice(reply.indexOf('\r\n') + 2, -2);
      const fromKv = bulk(await ours.command('DUMP', 'dl'));
      const fromRedis = bulk(await theirs.command('DUMP', 'dl'));
      expect(await theirs.command('RESTORE', 'dl2', '0', fromKv)).toBe('+OK\r\n');
      expect(await ours.command('RESTORE', 'dl2', '0', fromRedis)).toBe('+OK\r\n');
      const all = await theirs.command('LRANGE', 'dl', '0', '-1');
      expect(await theirs.command('LRANGE', 'dl2', '0', '-1')).toBe(all);
      expect(await ours.command('LRANGE', 'dl2', '0', '-1')).toBe(all);
    } finally {
      ours.close();
      theirs.close();
    }
  });

  test('LMOVE, RPOPLPUSH, BLMOVE and BRPOPLPUSH between lists on two nodes answer as redis-server does', async () => {
    // a1, a2 live on foo, q1, q2 on bar: every move crosses, entered through either node.
    for (const entry of ['foo', 'bar']) {
      const d = await Differential.open(redis.port, two.ports[entry]!, entry === 'foo' ? 2 : 3);
      d.label = `through ${entry}`;
      try {
        await d.run(['FLUSHALL']);
        await d.steps([
          ['RPUSH', 'a1', 'x', 'y', 'z'],
          ['LMOVE', 'a1', 'q1', 'LEFT', 'RIGHT'],
          ['LMOVE', 'a1', 'q1', 'RIGHT', 'LEFT'],
          ['RPOPLPUSH', 'q1', 'a2'],
          ['LMOVE', 'nokey', 'q1', 'LEFT', 'LEFT'],
          ['LMOVE', 'a1', 'q1', 'UP', 'LEFT'],
          ['SET', 'qs', 'v'],
          ['SET', 'as', 'v'],
          ['LMOVE', 'a1', 'qs', 'LEFT', 'LEFT'],
          ['LMOVE', 'nokey', 'qs', 'LEFT', 'LEFT'],
          ['LMOVE', 'as', 'q1', 'LEFT', 'LEFT'],
          ['RPOPLPUSH', 'as', 'qs'],
          ['BLMOVE', 'a1', 'q2', 'LEFT', 'LEFT', '0'],
          ['BRPOPLPUSH', 'q1', 'a2', '0'],
          ['BLMOVE', 'a2', 'qs', 'LEFT', 'LEFT', '0'],
          ['BLMOVE', 'as', 'q2', 'LEFT', 'LEFT', '0'],
          ['BLMOVE', 'nokey', 'q2', 'LEFT', 'LEFT', '0.01'],
          ['BRPOPLPUSH', 'a9', 'q9', '0.01'],
          ['LRANGE', 'a1', '0', '-1'],
          ['LRANGE', 'a2', '0', '-1'],
          ['LRANGE', 'q1', '0', '-1'],
          ['LRANGE', 'q2', '0', '-1'],
        ]);
        // Blocked on one node, pushed to from the other; a destination of the wrong type refuses it, the element goes back.
        const blocker = await Differential.open(redis.port, two.ports[entry]!, 2);
        try {
          sendBoth(blocker, ['BLMOVE', 'a3', 'q3', 'RIGHT', 'LEFT', '0']);
          await Promise.all([blockedClients(redis.port, 1), blockedClients(two.ports[entry]!, 1)]);
          await d.run(['RPUSH', 'a3', 'one', 'two']);
          await readBoth(blocker, 'BLMOVE a3 q3 across nodes');
          await d.steps([['LRANGE', 'a3', '0', '-1'], ['LRANGE', 'q3', '0', '-1'], ['SET', 'q4', 'v']]);
          sendBoth(blocker, ['BRPOPLPUSH', 'a4', 'q4', '0']);
          await Promise.all([blockedClients(redis.port, 1), blockedClients(two.ports[entry]!, 1)]);
          await d.run(['RPUSH', 'a4', 'a', 'b', 'c']);
          await readBoth(blocker, 'BRPOPLPUSH into a string across nodes');
          await d.run(['LRANGE', 'a4', '0', '-1']);
          expect(blocker.mismatches).toEqual([]);
        } finally {
          blocker.close();
        }
        expect(d.mismatches).toEqual([]);
      } finally {
        d.close();
      }
    }
  }, 30_000);

  test('keys on two nodes: blocking and multi-key list commands are refused by name', async () => {
    const c = await RawClient.connect(two.ports['foo']!);
    try {
      expect(await c.command('BLPOP', 'a', 'z', '0')).toBe("-ERR keys of 'blpop' live on different nodes (foo, bar); a blocking command needs all its keys on one node\r\n");
      expect(await c.command('LMPOP', '2', 'a', 'z', 'LEFT')).toBe("-ERR keys of 'lmpop' live on different nodes (foo, bar); this command needs them on one\r\n");
      // Argument errors come first, as Redis checks them before any key.
      expect(await c.command('BLPOP', 'a', 'z', '-1')).toBe('-ERR timeout is negative\r\n');
    } finally {
      c.close();
    }
  });
});
