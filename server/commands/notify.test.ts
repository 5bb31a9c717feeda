// Keyspace notifications (notify.ts) on one node: the event classes as CONFIG
// SET reads and CONFIG GET shows them (pubsub.tcl's cases), and the events of
// writes as redis-server 7.0.15 publishes them: only for keys a command
// changed, "new" for a key created, "del" for one deleted, "expire" after a
// SET with a time, "expired", and masking by class. Writes run as the routing
// stage's door runs them (keyEventsOf before, after() once they changed something).

import { afterEach, describe, expect, test } from 'vitest';
import { testClient, testNode, type TestNode } from './test-node.js';
import type { ClientState, Ctx } from './types.js';
import { lookupCommand } from './table.js';
import { isErrorReply } from '../protocol/reply-framer.js';
import { formatEventClasses, keyEventsOf, parseEventClasses, setEventClasses } from './notify.js';
import { pubsubOf } from './pubsub.js';

let node: TestNode | null = null;
afterEach(() => {
  if (node !== null) setEventClasses(node.ctx.node, '');
  node?.close();
  node = null;
});

/** A node with notify-keyspace-events = `classes`; `run` writes as the routing stage does; `events` what a PSUBSCRIBE * client got. */
function session(classes: string): { run: (...argv: string[]) => string; events: () => string[]; ctx: Ctx } {
  node = testNode();
  const ctx = node.ctx;
  setEventClasses(ctx.node, formatEventClasses(parseEventClasses(classes)!));
  const sub: ClientState = { ...testClient(), id: 99 };
  const got: string[] = [];
  sub.push = (m) => got.push(typeof m === 'string' ? m : m.parts.join(''));
  lookupCommand('psubscribe')!.run!({ ...ctx, client: sub }, ['PSUBSCRIBE', '*']);
  const run = (...argv: string[]): string => {
    const spec = lookupCommand(argv[0]!)!;
    const store = ctx.node.store;
    const pending = spec.flags.includes('write') ? keyEventsOf(ctx, spec, argv) : null;
    store.log.unchanged = false;
    const reply = spec.run!(ctx, argv) as string;
    if (!isErrorReply(reply) && !store.log.unchanged) pending?.after(reply);
    return reply;
  };
  // "pmessage * <channel> <message>" → "<channel> <message>"
  const events = (): string[] =>
    got.splice(0).map((m) => {
      const parts = m.split('\r\n').filter((_, i) => i % 2 === 0 && i > 0);
      return `${parts[2]} ${parts[3]}`;
    });
  return { run, events, ctx };
}

describe('event classes', () => {
  test("CONFIG GET's canonical form (pubsub.tcl), and the characters refused", () => {
    const canonical = (v: string): string => formatEventClasses(parseEventClasses(v)!);
    expect(canonical('gKE')).toBe('gKE');
    expect(canonical('$lshzxeKE')).toBe('$lshzxeKE');
    expect(canonical('KA')).toBe('AK');
    expect(canonical('EA')).toBe('AE');
    expect(canonical('KEA')).toBe('AKE');
    expect(canonical('Am')).toBe('Am');
    expect(canonical('n')).toBe('n');
    expect(canonical('')).toBe('');
    expect(parseEventClasses('KZ')).toBeNull();
  });
});

describe('events of writes', () => {
  test('keyspace and keyevent channels, in that order, for each key a command changed', () => {
    const s = session('KEA');
    s.run('SET', 'foo', 'bar');
    expect(s.events()).toEqual(['__keyspace@0__:foo set', '__keyevent@0__:set foo']);
    s.run('MSET', 'a', '1', 'b', '2');
    expect(s.events()).toEqual(['__keyspace@0__:a set', '__keyevent@0__:set a', '__keyspace@0__:b set', '__keyevent@0__:set b']);
  });

  test('SORT … STORE: sortstore, or del when it stores nothing; SORT alone writes no key', () => {
    const s = session('Elg');
    s.run('RPUSH', 'src', '2', '1');
    s.run('SET', 'dd', 'x');
    s.events();
    s.run('SORT', 'src', 'STORE', 'dd');
    s.run('SORT', 'nokey', 'STORE', 'dd');
    s.run('SORT', 'nokey', 'STORE', 'dd');
    s.run('SORT', 'src');
    expect(s.events()).toEqual(['__keyevent@0__:sortstore dd', '__keyevent@0__:del dd']);
  });

  test('masked by class: K$ publishes string events only', () => {
    const s = session('K$');
    s.run('HSET', 'h', 'f', 'v');
    s.run('SET', 'foo', 'bar');
    expect(s.events()).toEqual(['__keyspace@0__:foo set']);
  });

  test('generic events: expire and del, none for a key that is not there', () => {
    const s = session('KEg');
    s.run('SET', 'foo', 'bar');
    s.run('EXPIRE', 'foo', '100');
    s.run('DEL', 'foo', 'missing');
    s.run('EXPIRE', 'missing', '100');
    s.run('PERSIST', 'missing');
    expect(s.events()).toEqual(['__keyspace@0__:foo expire', '__keyevent@0__:expire foo', '__keyspace@0__:foo del', '__keyevent@0__:del foo']);
    s.run('SET', 'past', 'x');
    s.run('EXPIREAT', 'past', '1');
    expect(s.events()).toEqual(['__keyspace@0__:past del', '__keyevent@0__:del past']);
    s.run('SET', 'r', 'x');
    s.run('RENAME', 'r', 's');
    expect(s.events()).toEqual(['__keyspace@0__:r rename_from', '__keyevent@0__:rename_from r', '__keyspace@0__:s rename_to', '__keyevent@0__:rename_to s']);
  });

  test('strings: SET with a time is set then expire; SET NX/XX that did not set, nothing; INCR is incrby', () => {
    const s = session('KA');
    s.run('SET', 'k', 'v', 'EX', '100');
    s.run('SET', 'k', 'w', 'NX');
    s.run('SET', 'nope', 'w', 'XX');
    s.run('SET', 'nope', 'w', 'XX', 'GET');
    s.run('SETNX', 'k', 'w');
    s.run('INCR', 'n');
    s.run('APPEND', 'k', 'x');
    expect(s.events()).toEqual(['__keyspace@0__:k set', '__keyspace@0__:k expire', '__keyspace@0__:n incrby', '__keyspace@0__:k append']);
  });

  test('hashes: hset and hincrby (pubsub.tcl); an HDEL that empties the hash is hdel then del', () => {
    const s = session('KA');
    s.run('HMSET', 'myhash', 'yes', '1', 'no', '0');
    s.run('HINCRBY', 'myhash', 'yes', '10');
    s.run('HDEL', 'myhash', 'nothere');
    s.run('HDEL', 'myhash', 'yes', 'no');
    expect(s.events()).toEqual(['__keyspace@0__:myhash hset', '__keyspace@0__:myhash hincrby', '__keyspace@0__:myhash hdel', '__keyspace@0__:myhash del']);
  });

  test('new keys (En): a key created, not one overwritten', () => {
    const s = session('En');
    s.run('SET', 'foo', 'bar');
    s.run('SET', 'foo', 'baz');
    s.run('SET', 'bar', 'bar');
    expect(s.events()).toEqual(['__keyevent@0__:new foo', '__keyevent@0__:new bar']);
  });

  test('expired (Ex): a key that expires, whoever finds it', async () => {
    const s = session('Ex');
    s.run('PSETEX', 'foo', '5', '1');
    expect(s.events()).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.ctx.node.store.has('foo')).toBe(false);
    expect(s.events()).toEqual(['__keyevent@0__:expired foo']);
  });

  test('every event also goes to the peers, but not a replica\'s repeat of its primary\'s nor a migration\'s; nothing with no classes set', () => {
    const s = session('KE$');
    const sent: string[] = [];
    pubsubOf(s.ctx.node).toPeers = (ch, m) => sent.push(`${ch} ${m}`);
    s.run('SET', 'k', 'v');
    expect(sent).toEqual(['__keyspace@0__:k set', '__keyevent@0__:set k']);
    // A replica's writes from its primary's stream: the primary published them already.
    const replicated = { ...s.ctx, client: { ...s.ctx.client, fromPrimary: true } };
    expect(keyEventsOf(replicated, lookupCommand('set')!, ['SET', 'k', 'x'])).toBeNull();
    // Nor the RESTOREs and DELs of a key moving to another node.
    expect(keyEventsOf({ ...s.ctx, path: ['migration'] }, lookupCommand('del')!, ['DEL', 'k'])).toBeNull();
    setEventClasses(s.ctx.node, '');
    s.run('SET', 'k', 'w');
    expect(sent).toHaveLength(2);
    expect(s.events()).toHaveLength(2);
  });
});
