// Pub/sub across the cluster: both sides of its node-to-node messages.
// PUBLISH delivers to this node's subscribers, then sends
// KV.PUBLISH <channel> <message> (KV.SPUBLISH for a shard channel) to every
// peer over its link; each peer delivers to its own subscribers and answers
// how many, and PUBLISH answers the sum, the cluster-wide receiver count. A
// link is FIFO, so one publisher's messages reach every node in the order it
// sent them. A peer that is down counts 0: its link fails fast, and the
// message is not kept for it (pub/sub is fire and forget, as in Redis).
// PUBSUB CHANNELS/NUMSUB/NUMPAT (and the SHARD ones) merge every node's
// answer to KV.PUBSUB, skipping a node that is down the same way.

import * as r from '../protocol/resp.js';
import { arrayElements, integerValue, isErrorReply, stringValue } from '../protocol/reply-framer.js';
import type { CommandSpec, Ctx, NodeView } from '../commands/types.js';
import { channelsReply, numsubReply, pubsubOf, pubsubSyntax } from '../commands/pubsub.js';
import type { PeerLink } from './peer-link.js';

type MaybeAsync = r.AnyReply | Promise<r.AnyReply>;

/**
 * A command of routing 'pubsub' from a client of this node: `here` runs it on
 * this node's subscribers (through the routing stage's door); the peers add theirs.
 */
export function pubsubAcrossCluster(ctx: Ctx, spec: CommandSpec, argv: readonly string[], links: ReadonlyMap<string, PeerLink>, here: () => MaybeAsync): MaybeAsync {
  if (spec.name === 'publish' || spec.name === 'spublish') {
    const local = here();
    if (links.size === 0 || typeof local !== 'string' || isErrorReply(local)) return local;
    const message = [spec.name === 'publish' ? 'KV.PUBLISH' : 'KV.SPUBLISH', argv[1]!, argv[2]!];
    // One promise per PUBLISH, however many peers: this is the hot path of a publisher.
    let receivers = integerValue(local) ?? 0;
    let waiting = links.size;
    return new Promise((resolve) => {
      for (const link of links.values()) {
        link.send(message, (reply) => {
          receivers += integerValue(reply) ?? 0; // an error (a peer down or late): none of its subscribers got it
          if (--waiting === 0) resolve(r.integer(receivers));
        });
      }
    });
  }
  if (links.size === 0) return here();
  const syntax = spec.name === 'pubsub|channels' || spec.name === 'pubsub|shardchannels' ? pubsubSyntax(argv) : null;
  if (syntax !== null) return syntax;
  const question = peerQuestion(spec.name, argv);
  const local = answerPeer(ctx.node, question);
  return askEveryPeer(links, question).then((peers) => merge(spec.name, argv, [local, ...peers]));
}

/** A message this node publishes itself (a keyspace event), sent to every peer; nobody waits for the counts. */
export function sendToPeers(links: ReadonlyMap<string, PeerLink>, channel: string, message: string): void {
  for (const link of links.values()) link.send(['KV.PUBLISH', channel, message], () => {});
}

/** The KV.PUBSUB message that asks a peer for its part of a PUBSUB subcommand. */
function peerQuestion(name: string, argv: readonly string[]): string[] {
  switch (name) {
    case 'pubsub|numpat':
      return ['KV.PUBSUB', 'PATTERNS'];
    case 'pubsub|numsub':
      return ['KV.PUBSUB', 'NUMSUB', ...argv.slice(2)];
    case 'pubsub|shardnumsub':
      return ['KV.PUBSUB', 'SHARDNUMSUB', ...argv.slice(2)];
    case 'pubsub|shardchannels':
      return ['KV.PUBSUB', 'SHARDCHANNELS', ...argv.slice(2)];
    default:
      return ['KV.PUBSUB', 'CHANNELS', ...argv.slice(2)];
  }
}

/** Every peer's reply to `argv`, in the links' order; a peer down or failing gives its error reply. */
function askEveryPeer(links: ReadonlyMap<string, PeerLink>, argv: readonly string[]): Promise<r.AnyReply[]> {
  return Promise.all([...links.values()].map((link) => new Promise<r.AnyReply>((resolve) => link.send(argv, resolve))));
}

/** The elements of a peer's list reply as strings; nothing from a peer that failed. */
function names(reply: r.AnyReply): string[] {
  if (isErrorReply(reply)) return [];
  return (arrayElements(reply) ?? []).map(stringValue).filter((s): s is string => typeof s === 'string');
}

function merge(name: string, argv: readonly string[], replies: readonly r.AnyReply[]): r.Reply {
  switch (name) {
    case 'pubsub|numpat':
      // Unique patterns, as Redis counts them: one subscribed on two nodes is one.
      return r.integer(new Set(replies.flatMap(names)).size);
    case 'pubsub|numsub':
    case 'pubsub|shardnumsub': {
      const channels = argv.slice(2);
      const counts = channels.map(() => 0);
      for (const reply of replies) {
        if (isErrorReply(reply)) continue;
        (arrayElements(reply) ?? []).forEach((e, i) => {
          if (i < counts.length) counts[i]! += integerValue(e) ?? 0;
        });
      }
      return numsubReply(channels, counts);
    }
    default:
      // Each channel once, however many nodes have subscribers to it.
      return channelsReply([...new Set(replies.flatMap(names))]);
  }
}

/**
 * The receiving side, for a peer's KV.PUBLISH, KV.SPUBLISH and KV.PUBSUB: this
 * node's subscribers only. Replies are RESP2 integers and arrays.
 */
export function answerPeer(node: NodeView, argv: readonly string[]): r.Reply {
  const name = argv[0]!.toUpperCase();
  const registry = pubsubOf(node);
  if (name === 'KV.PUBLISH' || name === 'KV.SPUBLISH') {
    if (argv.length !== 3) return r.error(`ERR malformed ${name}: expected <channel> <message>`);
    return r.integer(registry.publish(argv[1]!, argv[2]!, name === 'KV.SPUBLISH'));
  }
  const what = (argv[1] ?? '').toUpperCase();
  switch (what) {
    case 'CHANNELS':
    case 'SHARDCHANNELS':
      if (argv.length > 3) break;
      return r.bulkArray(registry.channelNames(what === 'SHARDCHANNELS', argv[2] ?? null), 2);
    case 'NUMSUB':
    case 'SHARDNUMSUB':
      return r.array(registry.numsub(what === 'SHARDNUMSUB', argv.slice(2)).map((n) => r.integer(n)));
    case 'PATTERNS':
      if (argv.length !== 2) break;
      return r.bulkArray(registry.patternNames(), 2);
  }
  return r.error('ERR malformed KV.PUBSUB: expected CHANNELS|SHARDCHANNELS [pattern], NUMSUB|SHARDNUMSUB [channel...] or PATTERNS');
}
