// The pub/sub commands of pubsub.ts on one node: confirmations, messages and
// PUBSUB answers as the exact bytes redis-server 7.0.15 sent for the same
// sequences (RESP2 and RESP3), the subscribed-state rule of RESP2 and its PING,
// pattern matching, clean-up when a client goes, and a message too long for
// one string. Delivery to other nodes is cluster/pubsub-fanout.ts's (tested there).

import { afterEach, describe, expect, test } from 'vitest';
import { int, testClient, testNode, type TestNode } from './test-node.js';
import type { ClientState, Ctx } from './types.js';
import type { Proto } from '../protocol/resp.js';
import { LONG_REPLY, LongReply, type AnyReply } from '../protocol/resp.js';
import { lookupCommand } from './table.js';
import { dropSubscriptions, isSubscribed, pubsubOf, refusedWhileSubscribed, subscribedPong } from './pubsub.js';

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const frame = (type: '*' | '>', ...items: string[]): string => `${type}${items.length}\r\n${items.join('')}`;

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
});

interface Sub {
  client: ClientState;
  got: AnyReply[];
  run(...argv: string[]): string;
}

/** Clients of one node: each runs commands through the table and collects the messages pushed to it. */
function clients(): (proto?: Proto) => Sub {
  node = testNode();
  const view = node.ctx.node;
  let id = 1;
  return (proto = 2) => {
    const client: ClientState = { ...testClient(proto), id: id++ };
    const got: AnyReply[] = [];
    client.push = (m) => got.push(m);
    const run = (...argv: string[]): string => {
      const container = lookupCommand(argv[0]!)!;
      const spec = container.subcommands?.find((s) => s.name === `${container.name}|${argv[1]?.toLowerCase()}`) ?? container;
      const ctx: Ctx = { node: view, client, proto: client.proto, path: [] };
      const reply = spec.run!(ctx, argv);
      if (typeof reply !== 'string') throw new Error('test bug: not a short reply');
      return reply;
    };
    return { client, got, run };
  };
}

describe('SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs', () => {
  test('one confirmation per channel, counting channels and patterns together (RESP2, bytes from redis-server)', () => {
    const a = clients()();
    expect(a.run('SUBSCRIBE', 'a', 'b', 'a')).toBe(
      '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n',
    );
    expect(a.run('PSUBSCRIBE', 'p*', 'p*')).toBe('*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n');
    expect(a.run('UNSUBSCRIBE', 'zz')).toBe('*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n');
    // Without arguments: each in the order subscribed, then nothing left to name.
    expect(a.run('UNSUBSCRIBE')).toBe('*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n');
    expect(a.run('UNSUBSCRIBE')).toBe('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n');
    expect(a.run('PUNSUBSCRIBE', 'p*', 'q')).toBe('*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n*3\r\n$12\r\npunsubscribe\r\n$1\r\nq\r\n:0\r\n');
    expect(a.run('PUNSUBSCRIBE')).toBe('*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n');
  });

  test('RESP3: confirmations are pushes, and "no channel" is null', () => {
    const a = clients()(3);
    expect(a.run('UNSUBSCRIBE')).toBe('>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n');
    expect(a.run('PUNSUBSCRIBE', 'x')).toBe('>3\r\n$12\r\npunsubscribe\r\n$1\r\nx\r\n:0\r\n');
    expect(a.run('SSUBSCRIBE', 's', 't')).toBe('>3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n>3\r\n$10\r\nssubscribe\r\n$1\r\nt\r\n:2\r\n');
  });

  test('shard channels count apart from channels and patterns', () => {
    const a = clients()();
    expect(a.run('SSUBSCRIBE', 's')).toBe('*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n');
    expect(a.run('PSUBSCRIBE', 'a')).toBe('*3\r\n$10\r\npsubscribe\r\n$1\r\na\r\n:1\r\n');
    expect(a.run('SUNSUBSCRIBE', 'zz')).toBe('*3\r\n$12\r\nsunsubscribe\r\n$2\r\nzz\r\n:1\r\n');
    expect(a.run('SUNSUBSCRIBE')).toBe('*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n');
    expect(a.run('SUNSUBSCRIBE')).toBe('*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n');
    expect(isSubscribed(a.client)).toBe(true); // still the pattern
  });

  test('a client of another node (a forwarded transaction) cannot subscribe', () => {
    const a = clients()();
    a.client.peer = 'foo';
    expect(a.run('SUBSCRIBE', 'x')).toMatch(/^-ERR SUBSCRIBE cannot run on node test for a client of another node/);
    expect(pubsubOf(node!.ctx.node).channelNames(false, null)).toEqual([]);
  });
});

describe('PUBLISH', () => {
  test('counts every receiver: channel subscribers, and each matching pattern subscription', () => {
    const client = clients();
    const a = client();
    const b = client(3);
    const pub = client();
    a.run('SUBSCRIBE', 'foo.bar');
    a.run('PSUBSCRIBE', 'foo.*');
    b.run('PSUBSCRIBE', 'foo.*');
    expect(pub.run('PUBLISH', 'foo.bar', 'hello')).toBe(int(3));
    expect(a.got).toEqual([
      frame('*', bulk('message'), bulk('foo.bar'), bulk('hello')),
      frame('*', bulk('pmessage'), bulk('foo.*'), bulk('foo.bar'), bulk('hello')),
    ]);
    expect(b.got).toEqual([frame('>', bulk('pmessage'), bulk('foo.*'), bulk('foo.bar'), bulk('hello'))]);
    expect(pub.run('PUBLISH', 'nobody', 'x')).toBe(int(0));
  });

  test("patterns are Redis's globs, case-sensitive (pubsub.tcl's cases)", () => {
    const client = clients();
    const a = client();
    a.run('PSUBSCRIBE', 'foo.*', 'bar.*', 'h[ae]llo', 'x?z');
    const pub = client();
    const count = (ch: string): string => pub.run('PUBLISH', ch, 'm');
    expect([count('foo.1'), count('bar.1'), count('foo1'), count('barfoo.1'), count('qux.1'), count('hallo'), count('hillo'), count('xyz'), count('FOO.1')]).toEqual(
      [1, 1, 0, 0, 0, 1, 0, 1, 0].map(int),
    );
  });

  test('SPUBLISH reaches shard subscribers only, as smessage; PUBLISH does not reach them', () => {
    const client = clients();
    const a = client(3);
    a.run('SSUBSCRIBE', 's');
    a.run('PSUBSCRIBE', '*');
    const pub = client();
    expect(pub.run('SPUBLISH', 's', 'm')).toBe(int(1));
    expect(a.got).toEqual(['>3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n']);
    expect(pub.run('PUBLISH', 's', 'n')).toBe(int(1)); // the pattern, not the shard subscription
  });

  test('a client whose protocol changed gets messages in the new one', () => {
    const client = clients();
    const a = client(3);
    a.run('SUBSCRIBE', 'c');
    a.client.proto = 2; // HELLO 2
    client().run('PUBLISH', 'c', 'm');
    expect(a.got).toEqual([frame('*', bulk('message'), bulk('c'), bulk('m'))]);
  });

  test('a message too long for one string with its header goes as pieces', () => {
    const client = clients();
    const a = client();
    a.run('SUBSCRIBE', 'big');
    const message = 'x'.repeat(LONG_REPLY);
    expect(client().run('PUBLISH', 'big', message)).toBe(int(1));
    const got = a.got[0]!;
    expect(got).toBeInstanceOf(LongReply);
    expect((got as LongReply).parts[1]).toBe(message);
    expect((got as LongReply).parts[0]).toBe(`*3\r\n${bulk('message')}${bulk('big')}$${LONG_REPLY}\r\n`);
  });
});

describe('PUBSUB', () => {
  test('CHANNELS, NUMSUB and NUMPAT (unique patterns), as redis-server answers', () => {
    const client = clients();
    const a = client();
    const b = client();
    a.run('SUBSCRIBE', 'a', 'ab');
    b.run('SUBSCRIBE', 'a');
    a.run('PSUBSCRIBE', 'foo*', 'bar*');
    b.run('PSUBSCRIBE', 'foo*', 'baz*');
    const q = client();
    expect(q.run('PUBSUB', 'NUMPAT')).toBe(int(3));
    expect(q.run('PUBSUB', 'NUMSUB', 'a', 'b', 'ab')).toBe('*6\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:0\r\n$2\r\nab\r\n:1\r\n');
    expect(q.run('PUBSUB', 'NUMSUB')).toBe('*0\r\n');
    expect(q.run('PUBSUB', 'CHANNELS')).toBe('*2\r\n$1\r\na\r\n$2\r\nab\r\n');
    expect(q.run('PUBSUB', 'CHANNELS', 'a?')).toBe('*1\r\n$2\r\nab\r\n');
    expect(q.run('PUBSUB', 'CHANNELS', 'a', 'b')).toBe("-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n");
    expect(q.run('PUBSUB', 'SHARDCHANNELS')).toBe('*0\r\n');
    expect(q.run('PUBSUB', 'SHARDNUMSUB', 'a')).toBe('*2\r\n$1\r\na\r\n:0\r\n');
  });

  test('PUBSUB HELP is Redis 7.0.15 text', () => {
    const help = clients()().run('PUBSUB', 'HELP');
    expect(help.startsWith('*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n')).toBe(true);
    expect(help.endsWith('+HELP\r\n+    Prints this help.\r\n')).toBe(true);
  });
});

describe('subscribed state', () => {
  test("RESP2: only (un)subscribing, PING, QUIT and RESET, with Redis's words; RESP3: anything", () => {
    const client = clients();
    const a = client();
    expect(refusedWhileSubscribed(a.client, 'get')).toBeNull();
    a.run('SUBSCRIBE', 'x');
    expect(refusedWhileSubscribed(a.client, 'get')).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    expect(refusedWhileSubscribed(a.client, 'client|id')).toMatch(/^-ERR Can't execute 'client\|id'/);
    for (const ok of ['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']) {
      expect(refusedWhileSubscribed(a.client, ok)).toBeNull();
    }
    expect(subscribedPong(a.client, ['PING'])).toBe('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    expect(subscribedPong(a.client, ['PING', 'hi'])).toBe('*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
    a.client.proto = 3;
    expect(refusedWhileSubscribed(a.client, 'get')).toBeNull();
    expect(subscribedPong(a.client, ['PING'])).toBeNull();
    a.client.proto = 2;
    a.run('UNSUBSCRIBE');
    expect(refusedWhileSubscribed(a.client, 'get')).toBeNull();
    expect(subscribedPong(a.client, ['PING'])).toBeNull();
  });

  test('a client that goes is forgotten: no channel or pattern left, nothing delivered', () => {
    const client = clients();
    const a = client();
    a.run('SUBSCRIBE', 'c1', 'c2');
    a.run('PSUBSCRIBE', 'p*');
    a.run('SSUBSCRIBE', 's');
    const registry = pubsubOf(node!.ctx.node);
    dropSubscriptions(node!.ctx.node, a.client);
    expect(registry.counts()).toEqual({ channels: 0, patterns: 0, shardChannels: 0 });
    expect(registry.channelNames(true, null)).toEqual([]);
    expect(client().run('PUBLISH', 'c1', 'm')).toBe(int(0));
    expect(a.got).toEqual([]);
    expect(isSubscribed(a.client)).toBe(false);
  });
});
