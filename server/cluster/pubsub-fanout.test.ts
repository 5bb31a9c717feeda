// pubsub-fanout.ts with peers that are fakes of PeerLink: PUBLISH sends one
// KV.PUBLISH per peer and answers the sum of the counts, a peer that fails
// counts 0; PUBSUB merges the nodes' answers (channels and patterns once
// each, NUMSUB summed); the receiving side checks what a peer sends.

import { afterEach, describe, expect, test } from 'vitest';
import { testClient, testNode, type TestNode } from '../commands/test-node.js';
import { lookupCommand } from '../commands/table.js';
import type { CommandSpec, Ctx } from '../commands/types.js';
import type { AnyReply } from '../protocol/resp.js';
import type { PeerLink } from './peer-link.js';
import { answerPeer, pubsubAcrossCluster } from './pubsub-fanout.js';
import { pubsubOf } from '../commands/pubsub.js';

let nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes) n.close();
  nodes = [];
});

/** A peer that answers each request as a real node would (through answerPeer), or with an error, and records what it got. */
function fakePeer(answer: ((argv: string[]) => AnyReply) | 'down'): { link: PeerLink; got: string[][] } {
  const got: string[][] = [];
  const link = {
    send(argv: readonly string[], cb: (reply: AnyReply) => void): void {
      got.push([...argv]);
      if (answer === 'down') cb('-ERR node bar (127.0.0.1:1) is unreachable: connection refused (ECONNREFUSED)\r\n');
      else queueMicrotask(() => cb(answer([...argv])));
    },
  };
  return { link: link as unknown as PeerLink, got };
}

/** A node with its own subscribers, standing in for a peer. */
function peerNode(): { ctx: Ctx; answer: (argv: string[]) => AnyReply } {
  const n = testNode();
  nodes.push(n);
  return { ctx: n.ctx, answer: (argv) => answerPeer(n.ctx.node, argv) };
}

function subscriber(ctx: Ctx, kind: 'SUBSCRIBE' | 'PSUBSCRIBE' | 'SSUBSCRIBE', ...names: string[]): AnyReply[] {
  const client = { ...testClient(), id: Math.floor(Math.random() * 1e9) };
  const got: AnyReply[] = [];
  client.push = (m) => got.push(m);
  lookupCommand(kind)!.run!({ ...ctx, client }, [kind, ...names]);
  return got;
}

function spec(...words: string[]): CommandSpec {
  const c = lookupCommand(words[0]!)!;
  return words.length > 1 ? c.subcommands!.find((s) => s.name === `${c.name}|${words[1]!.toLowerCase()}`)! : c;
}

async function across(ctx: Ctx, links: Map<string, PeerLink>, ...argv: string[]): Promise<AnyReply> {
  const s = spec(...argv.slice(0, argv[0] === 'PUBSUB' ? 2 : 1));
  return pubsubAcrossCluster(ctx, s, argv, links, () => s.run!(ctx, argv));
}

describe('PUBLISH across the cluster', () => {
  test('delivered here and on each peer, exactly once each; the reply is the sum', async () => {
    const here = peerNode();
    const bar = peerNode();
    const baz = peerNode();
    const mine = subscriber(here.ctx, 'SUBSCRIBE', 'news');
    const onBar = subscriber(bar.ctx, 'PSUBSCRIBE', 'n*');
    const onBaz = subscriber(baz.ctx, 'SUBSCRIBE', 'news');
    const pBar = fakePeer(bar.answer);
    const pBaz = fakePeer(baz.answer);
    const links = new Map([['bar', pBar.link], ['baz', pBaz.link]]);
    expect(await across(here.ctx, links, 'PUBLISH', 'news', 'hi')).toBe(':3\r\n');
    expect(pBar.got).toEqual([['KV.PUBLISH', 'news', 'hi']]);
    expect(pBaz.got).toEqual([['KV.PUBLISH', 'news', 'hi']]);
    expect([mine.length, onBar.length, onBaz.length]).toEqual([1, 1, 1]);
    expect(onBar[0]).toBe('*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n');
  });

  test('a peer that is down counts 0; the others still get the message', async () => {
    const here = peerNode();
    const baz = peerNode();
    const onBaz = subscriber(baz.ctx, 'SUBSCRIBE', 'c');
    const links = new Map([['bar', fakePeer('down').link], ['baz', fakePeer(baz.answer).link]]);
    expect(await across(here.ctx, links, 'PUBLISH', 'c', 'm')).toBe(':1\r\n');
    expect(onBaz).toHaveLength(1);
  });

  test('SPUBLISH goes as KV.SPUBLISH, to shard subscribers', async () => {
    const here = peerNode();
    const bar = peerNode();
    const onBar = subscriber(bar.ctx, 'SSUBSCRIBE', 's');
    const p = fakePeer(bar.answer);
    expect(await across(here.ctx, new Map([['bar', p.link]]), 'SPUBLISH', 's', 'm')).toBe(':1\r\n');
    expect(p.got).toEqual([['KV.SPUBLISH', 's', 'm']]);
    expect(onBar).toEqual(['*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n']);
  });

  test('a node without peers answers at once', () => {
    const here = peerNode();
    const s = spec('PUBLISH');
    expect(pubsubAcrossCluster(here.ctx, s, ['PUBLISH', 'c', 'm'], new Map(), () => s.run!(here.ctx, ['PUBLISH', 'c', 'm']))).toBe(':0\r\n');
  });
});

describe('PUBSUB across the cluster', () => {
  test('CHANNELS and SHARDCHANNELS list each channel once; NUMSUB sums; NUMPAT counts unique patterns', async () => {
    const here = peerNode();
    const bar = peerNode();
    subscriber(here.ctx, 'SUBSCRIBE', 'a', 'b');
    subscriber(bar.ctx, 'SUBSCRIBE', 'b', 'c');
    subscriber(bar.ctx, 'SUBSCRIBE', 'b');
    subscriber(here.ctx, 'PSUBSCRIBE', 'p*', 'q*');
    subscriber(bar.ctx, 'PSUBSCRIBE', 'p*', 'r*');
    subscriber(bar.ctx, 'SSUBSCRIBE', 's');
    const links = new Map([['bar', fakePeer(bar.answer).link], ['down', fakePeer('down').link]]);
    expect(await across(here.ctx, links, 'PUBSUB', 'CHANNELS')).toBe('*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'CHANNELS', '[bc]')).toBe('*2\r\n$1\r\nb\r\n$1\r\nc\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'NUMSUB', 'a', 'b', 'c', 'z')).toBe('*8\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:3\r\n$1\r\nc\r\n:1\r\n$1\r\nz\r\n:0\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'NUMPAT')).toBe(':3\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'SHARDCHANNELS')).toBe('*1\r\n$1\r\ns\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'SHARDNUMSUB', 's')).toBe('*2\r\n$1\r\ns\r\n:1\r\n');
    expect(await across(here.ctx, links, 'PUBSUB', 'CHANNELS', 'a', 'b')).toBe("-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n");
  });

  test('an empty channel name is a channel like any other', async () => {
    const here = peerNode();
    const bar = peerNode();
    subscriber(bar.ctx, 'SUBSCRIBE', '');
    expect(await across(here.ctx, new Map([['bar', fakePeer(bar.answer).link]]), 'PUBSUB', 'CHANNELS')).toBe('*1\r\n$0\r\n\r\n');
  });
});

describe('the receiving side', () => {
  test('KV.PUBLISH delivers to local subscribers only and answers their count', () => {
    const n = peerNode();
    const got = subscriber(n.ctx, 'SUBSCRIBE', 'c');
    expect(answerPeer(n.ctx.node, ['kv.publish', 'c', 'm'])).toBe(':1\r\n');
    expect(got).toHaveLength(1);
    expect(pubsubOf(n.ctx.node).numsub(false, ['c'])).toEqual([1]);
  });

  test('malformed messages are errors naming what is wrong', () => {
    const n = peerNode();
    expect(answerPeer(n.ctx.node, ['KV.PUBLISH', 'c'])).toBe('-ERR malformed KV.PUBLISH: expected <channel> <message>\r\n');
    expect(answerPeer(n.ctx.node, ['KV.PUBSUB', 'WHAT'])).toMatch(/^-ERR malformed KV.PUBSUB: expected /);
    expect(answerPeer(n.ctx.node, ['KV.PUBSUB', 'PATTERNS', 'x'])).toMatch(/^-ERR malformed KV.PUBSUB/);
    expect(answerPeer(n.ctx.node, ['KV.PUBSUB', 'CHANNELS', 'a', 'b'])).toMatch(/^-ERR malformed KV.PUBSUB/);
  });
});
