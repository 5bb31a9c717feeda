// The write log redoes what happened: random write sequences run on one node
// while its log is read, then the logged commands are replayed on a fresh node,
// and the two must hold the same keys, values and expiry times (to the ms).
// Relative times (EX, EXPIRE…) must come out absolute, or the replay, made
// later, would move them.

import { afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { execute, type PipelineHost } from '../pipeline.js';
import { RoutingStage } from '../cluster/routing-stage.js';
import { configFor, parseConfig } from '../cluster/config.js';
import { testClient, testNode, type TestNode } from './test-node.js';
import { Hash, type Store } from '../store/store.js';

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
});

/** A one-node host whose commands go through the routing stage, the door of the write log. */
function host(): { run: (...argv: string[]) => string; store: Store } {
  const node = testNode();
  nodes.push(node);
  const cfg = configFor(parseConfig('node solo 127.0.0.1:1\nroute * solo\n'), 'solo');
  const h: PipelineHost = { view: node.ctx.node, routing: new RoutingStage('solo', cfg.table, cfg.nodes, new Map(), 8), passwordRequired: () => false, log: () => {} };
  const client = testClient();
  return {
    store: node.store,
    run: (...argv) => {
      const reply = execute(h, client, argv);
      if (typeof reply !== 'string') throw new Error(`unexpected non-string reply to ${argv.join(' ')}`);
      return reply;
    },
  };
}

/** Every key with its value and expiry time, in key order. */
function contents(store: Store): [string, unknown, number][] {
  return store
    .keys()
    .sort()
    .map((k) => {
      const v = store.get(k)!;
      const shown = typeof v === 'string' ? v : v instanceof Hash ? [...v.fields].sort() : v.type === 'set' ? ['set', v.rebuild(k).flatMap((c) => c.slice(2)).sort()] : ['zset', v.rebuild(k)];
      return [k, shown, store.expireTime(k)];
    });
}

const key = fc.constantFrom('a', 'b', 'c', 'h', 'bk');
const field = fc.constantFrom('f', 'g', 'x');
const value = fc.oneof(fc.constantFrom('1', '-3', '2.5', '', 'v\r\nw'), fc.string({ maxLength: 8 }));
// Times that are past already, or far enough ahead (also as ms) that no key expires while a case runs.
const secs = fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 10_000, max: 100_000 })).map(String);
const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, value, fc.constantFrom('EX', 'PX'), fc.integer({ min: 10_000, max: 1e6 })).map(([k, v, u, n]) => ['SET', k, v, u, String(n)]),
  fc.tuple(key, value, fc.constantFrom('NX', 'XX', 'KEEPTTL', 'GET')).map(([k, v, o]) => ['SET', k, v, o]),
  fc.tuple(key, secs, value).map(([k, s, v]) => ['SETEX', k, s, v]),
  fc.tuple(key, secs, value).map(([k, s, v]) => ['PSETEX', k, s, v]),
  fc.tuple(key, fc.constantFrom('INCR', 'DECR', 'GETDEL', 'PERSIST', 'DEL')).map(([k, c]) => [c, k]),
  fc.tuple(key, fc.constantFrom('1.5', '-0.25', '3')).map(([k, n]) => ['INCRBYFLOAT', k, n]),
  fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(key, fc.integer({ min: 0, max: 10 }), value).map(([k, o, v]) => ['SETRANGE', k, String(o), v]),
  fc.tuple(key, fc.constantFrom('EXPIRE', 'PEXPIRE'), secs).map(([k, c, s]) => [c, k, s]),
  fc.tuple(key, fc.constantFrom('EXPIREAT', 'PEXPIREAT')).map(([k, c]) => [c, k, String(c === 'EXPIREAT' ? 4e9 : 4e12)]),
  fc.tuple(key, fc.constantFrom(['EX', '500'], ['PX', '12345'], ['PERSIST'], [])).map(([k, o]) => ['GETEX', k, ...o]),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(key, field, value).map(([k, f, v]) => ['HSET', k, f, v]),
  fc.tuple(key, field).map(([k, f]) => ['HDEL', k, f]),
  fc.tuple(key, field).map(([k, f]) => ['HINCRBYFLOAT', k, f, '0.1']),
  fc.tuple(key, field).map(([k, f]) => ['HINCRBY', k, f, '2']),
  fc.tuple(key, value, key, value).map(([a, x, b, y]) => ['MSET', a, x, b, y]),
  fc.tuple(key, field, value).map(([k, f, v]) => ['PUT', k, f, v]),
  fc.tuple(key, field).map(([k, f]) => ['DELETE', k, f]),
  fc.constant(['FLUSHALL'] as string[]),
  fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['SADD', k, ...ms]),
  fc.tuple(key, field).map(([k, m]) => ['SREM', k, m]),
  fc.tuple(key, fc.constantFrom([], ['1'], ['2'], ['5'])).map(([k, c]) => ['SPOP', k, ...c]),
  fc.tuple(key, key, field).map(([a, b, m]) => ['SMOVE', a, b, m]),
  fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, key, key).map(([c, d, a, b]) => [c, d, a, b]),
  fc.tuple(key, fc.constantFrom('1', '-2.5', '0.1', 'inf'), field).map(([k, sc, m]) => ['ZADD', k, sc, m]),
  fc.tuple(key, fc.constantFrom('1', '0.1'), field).map(([k, by, m]) => ['ZINCRBY', k, by, m]),
  fc.tuple(key, field).map(([k, m]) => ['ZREM', k, m]),
  fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key).map(([c, k]) => [c, k]),
  fc.tuple(key, key).map(([a, b]) => ['ZMPOP', '2', a, b, 'MAX', 'COUNT', '2']),
  fc.tuple(fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'), key, key, key).map(([c, d, a, b]) => [c, d, '2', a, b]),
  fc.tuple(key, key).map(([d, a]) => ['ZRANGESTORE', d, a, '0', '1']),
  fc.tuple(key, key).map(([d, a]) => ['COPY', a, d, 'REPLACE']),
);

describe('the write log', () => {
  test('replaying what it logged rebuilds the same keys, values and expiry times', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (cmds) => {
        const source = host();
        const logged: (readonly string[])[] = [];
        const stop = source.store.log.subscribe((c) => logged.push(c));
        for (const c of cmds) source.run(...c);
        stop();
        const replica = host();
        for (const c of logged) {
          const reply = replica.run(...c);
          expect(reply.startsWith('-'), `${c.join(' ')} -> ${reply}`).toBe(false);
        }
        expect(contents(replica.store)).toEqual(contents(source.store));
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  test('SPOP is logged as the SREM (or DEL) of what it took, which a replay repeats exactly', () => {
    const source = host();
    source.run('SADD', 's', 'a', 'b', 'c', 'd');
    const logged: (readonly string[])[] = [];
    source.store.log.subscribe((c) => logged.push(c));
    const one = source.run('SPOP', 's');
    source.run('SPOP', 's', '2');
    source.run('SPOP', 's', '5');
    source.run('SPOP', 's');
    const taken = one.split('\r\n')[1]!;
    expect(logged[0]).toEqual(['SREM', 's', taken]);
    expect(logged[1]!.slice(0, 2)).toEqual(['SREM', 's']);
    expect(logged[1]!.length).toBe(4);
    expect(logged[2]).toEqual(['DEL', 's']);
    expect(logged.length).toBe(3);
  });

  test('relative times are logged as absolute ones', () => {
    const source = host();
    const logged: (readonly string[])[] = [];
    source.store.log.subscribe((c) => logged.push(c));
    source.run('SET', 'k', 'v', 'EX', '100');
    source.run('EXPIRE', 'k', '50');
    source.run('HSET', 'h', 'f', '1');
    source.run('GETEX', 'k', 'PERSIST');
    source.run('GET', 'k');
    expect(logged[0]!.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expect(Number(logged[0]![4]) - Date.now()).toBeGreaterThan(99_000);
    expect(logged[1]!.slice(0, 2)).toEqual(['PEXPIREAT', 'k']);
    expect(Number(logged[1]![2]) - Date.now()).toBeGreaterThan(49_000);
    expect(Number(logged[1]![2]) - Date.now()).toBeLessThanOrEqual(50_000);
    expect(logged.slice(2)).toEqual([['HSET', 'h', 'f', '1'], ['PERSIST', 'k']]);
  });

  test('a key that expires is logged as its DEL; reads and failed writes log nothing', () => {
    const source = host();
    const logged: (readonly string[])[] = [];
    source.run('SET', 'gone', 'v', 'PX', '1');
    source.run('SET', 's', 'v');
    source.store.log.subscribe((c) => logged.push(c));
    const until = Date.now() + 5;
    while (Date.now() < until) {
      /* wait for the expiry */
    }
    source.run('GET', 'gone');
    source.run('INCR', 's');
    source.run('HSET', 's', 'f', 'v');
    expect(logged).toEqual([['DEL', 'gone']]);
  });
});
