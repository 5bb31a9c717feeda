// Pub/sub on one node (Redis's pubsub.c): SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE,
// their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB, over this node's own
// subscribers. A message reaches a client through its connection's push hook,
// outside request order (a RESP3 push, or a RESP2 message array). Reaching the
// other nodes' subscribers, and merging PUBSUB's answers, is
// cluster/pubsub-fanout.ts's part; these handlers are what each node runs.
// Shard channels are a namespace of their own, as on a standalone Redis.

import * as r from '../protocol/resp.js';
import type { ClientState, Ctx, Handler, NodeView, Subscriptions } from './types.js';
import { globMatch } from './glob.js';

export type Kind = 'channel' | 'pattern' | 'shard';

const WORDS: Record<Kind, { sub: string; unsub: string; message: string }> = {
  channel: { sub: 'subscribe', unsub: 'unsubscribe', message: 'message' },
  pattern: { sub: 'psubscribe', unsub: 'punsubscribe', message: 'pmessage' },
  shard: { sub: 'ssubscribe', unsub: 'sunsubscribe', message: 'smessage' },
};

/** The subscribers of one node, by channel, pattern and shard channel. */
export class PubSub {
  private readonly byKind: Record<Kind, Map<string, Set<ClientState>>> = { channel: new Map(), pattern: new Map(), shard: new Map() };

  /** Set by the node: sends a message to every peer's subscribers, answered by no one (keyspace notifications). */
  toPeers: ((channel: string, message: string) => void) | null = null;

  /** A message the node itself publishes (a keyspace event): here and on every peer, nobody waiting for a count. */
  publishEverywhere(channel: string, message: string): void {
    this.publish(channel, message, false);
    this.toPeers?.(channel, message);
  }

  /** Delivers `message` to every local subscriber of `channel` (and of a matching pattern); returns how many got it. */
  publish(channel: string, message: string, shard: boolean): number {
    let receivers = 0;
    const direct = this.byKind[shard ? 'shard' : 'channel'].get(channel);
    if (direct !== undefined) {
      const encoded = new Encoded([shard ? 'smessage' : 'message', channel], message);
      for (const client of direct) {
        client.push?.(encoded.for(client.proto));
        receivers++;
      }
    }
    if (shard) return receivers;
    for (const [pattern, clients] of this.byKind.pattern) {
      if (!globMatch(pattern, channel)) continue;
      const encoded = new Encoded(['pmessage', pattern, channel], message);
      for (const client of clients) {
        client.push?.(encoded.for(client.proto));
        receivers++;
      }
    }
    return receivers;
  }

  add(kind: Kind, name: string, client: ClientState): void {
    const subs = subscriptionsOf(client);
    const own = setOf(subs, kind);
    if (own.has(name)) return;
    own.add(name);
    const map = this.byKind[kind];
    let clients = map.get(name);
    if (clients === undefined) map.set(name, (clients = new Set()));
    clients.add(client);
  }

  /** True when the client was subscribed to `name`. */
  remove(kind: Kind, name: string, client: ClientState): boolean {
    const own = client.pubsub === null ? null : setOf(client.pubsub, kind);
    if (own === null || !own.delete(name)) return false;
    const map = this.byKind[kind];
    const clients = map.get(name);
    if (clients !== undefined) {
      clients.delete(client);
      if (clients.size === 0) map.delete(name);
    }
    return true;
  }

  /** The channels (or shard channels) with a subscriber here, matching `pattern` when given. */
  channelNames(shard: boolean, pattern: string | null): string[] {
    const names = [...this.byKind[shard ? 'shard' : 'channel'].keys()];
    return pattern === null ? names : names.filter((n) => globMatch(pattern, n));
  }

  /** How many clients here subscribe to each channel (patterns not counted, as in Redis). */
  numsub(shard: boolean, channels: readonly string[]): number[] {
    const map = this.byKind[shard ? 'shard' : 'channel'];
    return channels.map((c) => map.get(c)?.size ?? 0);
  }

  /** The patterns with a subscriber here, each once. */
  patternNames(): string[] {
    return [...this.byKind.pattern.keys()];
  }

  /** INFO's pubsub_channels, pubsub_patterns and pubsubshard_channels: this node's. */
  counts(): { channels: number; patterns: number; shardChannels: number } {
    return { channels: this.byKind.channel.size, patterns: this.byKind.pattern.size, shardChannels: this.byKind.shard.size };
  }
}

/** A message encoded once per protocol, however many subscribers get it. */
class Encoded {
  private resp2: r.AnyReply | null = null;
  private resp3: r.AnyReply | null = null;
  constructor(
    private readonly words: readonly string[],
    private readonly message: string,
  ) {}

  for(proto: r.Proto): r.AnyReply {
    if (proto === 3) return (this.resp3 ??= this.encode('>'));
    return (this.resp2 ??= this.encode('*'));
  }

  private encode(type: '*' | '>'): r.AnyReply {
    let head = type + (this.words.length + 1) + '\r\n';
    for (const w of this.words) head += r.bulk(w);
    const m = this.message;
    // A message near 512 MB with its header would pass V8's longest string: sent as pieces.
    if (m.length >= r.LONG_REPLY) return new r.LongReply([head + '$' + m.length + '\r\n', m, '\r\n']);
    return head + '$' + m.length + '\r\n' + m + '\r\n';
  }
}

const BY_NODE = new WeakMap<NodeView, PubSub>();

/** The subscribers of `node`. */
export function pubsubOf(node: NodeView): PubSub {
  let p = BY_NODE.get(node);
  if (p === undefined) BY_NODE.set(node, (p = new PubSub()));
  return p;
}

function subscriptionsOf(client: ClientState): Subscriptions {
  return (client.pubsub ??= { channels: new Set(), patterns: new Set(), shardChannels: new Set() });
}

function setOf(subs: Subscriptions, kind: Kind): Set<string> {
  return kind === 'channel' ? subs.channels : kind === 'pattern' ? subs.patterns : subs.shardChannels;
}

/** The count a (un)subscribe confirmation carries: channels and patterns together; shard channels alone. */
function countOf(client: ClientState, kind: Kind): number {
  const s = client.pubsub;
  if (s === null) return 0;
  return kind === 'shard' ? s.shardChannels.size : s.channels.size + s.patterns.size;
}

/** True while the client holds any subscription (Redis's CLIENT_PUBSUB flag). */
export function isSubscribed(client: ClientState): boolean {
  const s = client.pubsub;
  return s !== null && s.channels.size + s.patterns.size + s.shardChannels.size > 0;
}

/** What a RESP2 client may send while subscribed (RESP3 has no such limit). */
const ALLOWED_WHEN_SUBSCRIBED = new Set(['subscribe', 'ssubscribe', 'psubscribe', 'unsubscribe', 'sunsubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

/** Redis's refusal of a command a subscribed RESP2 client may not send, or null. `name` is the full name (client|id). */
export function refusedWhileSubscribed(client: ClientState, name: string): r.Reply | null {
  if (client.proto !== 2 || ALLOWED_WHEN_SUBSCRIBED.has(name) || !isSubscribed(client)) return null;
  return r.error(`ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
}

/** PING's reply to a subscribed RESP2 client: ["pong", message or ""], or null when PING answers as usual. */
export function subscribedPong(client: ClientState, argv: readonly string[]): r.Reply | null {
  if (client.proto !== 2 || !isSubscribed(client)) return null;
  return r.bulkArray(['pong', argv[1] ?? ''], 2);
}

/** Ends every subscription of a client, without confirmations: its connection closed, or RESET. */
export function dropSubscriptions(node: NodeView, client: ClientState): void {
  const s = client.pubsub;
  if (s === null) return;
  const registry = pubsubOf(node);
  for (const c of [...s.channels]) registry.remove('channel', c, client);
  for (const p of [...s.patterns]) registry.remove('pattern', p, client);
  for (const c of [...s.shardChannels]) registry.remove('shard', c, client);
}

function confirmation(proto: r.Proto, word: string, name: string | null, count: number): r.Reply {
  return (proto === 3 ? '>3\r\n' : '*3\r\n') + r.bulk(word) + (name === null ? r.nil(proto) : r.bulk(name)) + r.integer(count);
}

/**
 * Messages go to the connection the client subscribed on. A transaction whose
 * keys live on another node runs there, on the link's behalf: it cannot
 * subscribe the client, and says so.
 */
function cannotSubscribe(ctx: Ctx, kind: Kind): r.Reply | null {
  if (ctx.client.peer === null && ctx.client.push !== null) return null;
  return r.error(`ERR ${WORDS[kind].sub.toUpperCase()} cannot run on node ${ctx.node.name} for a client of another node (inside a transaction forwarded there)`);
}

function subscribeTo(kind: Kind): Handler {
  return (ctx, argv) => {
    const refused = cannotSubscribe(ctx, kind);
    if (refused !== null) return refused;
    const registry = pubsubOf(ctx.node);
    let out = '';
    for (let i = 1; i < argv.length; i++) {
      registry.add(kind, argv[i]!, ctx.client);
      out += confirmation(ctx.proto, WORDS[kind].sub, argv[i]!, countOf(ctx.client, kind));
    }
    return out;
  };
}

function unsubscribeFrom(kind: Kind): Handler {
  return (ctx, argv) => {
    const registry = pubsubOf(ctx.node);
    const word = WORDS[kind].unsub;
    // Without arguments: every one of that kind, in the order they were subscribed.
    const names = argv.length > 1 ? argv.slice(1) : ctx.client.pubsub === null ? [] : [...setOf(ctx.client.pubsub, kind)];
    if (names.length === 0) return confirmation(ctx.proto, word, null, countOf(ctx.client, kind));
    let out = '';
    for (const name of names) {
      registry.remove(kind, name, ctx.client);
      out += confirmation(ctx.proto, word, name, countOf(ctx.client, kind));
    }
    return out;
  };
}

export const subscribe = subscribeTo('channel');
export const psubscribe = subscribeTo('pattern');
export const ssubscribe = subscribeTo('shard');
export const unsubscribe = unsubscribeFrom('channel');
export const punsubscribe = unsubscribeFrom('pattern');
export const sunsubscribe = unsubscribeFrom('shard');

/** PUBLISH on this node's subscribers only; the routing stage adds the other nodes' (cluster/pubsub-fanout.ts). */
export const publish: Handler = (ctx, argv) => r.integer(pubsubOf(ctx.node).publish(argv[1]!, argv[2]!, false));
export const spublish: Handler = (ctx, argv) => r.integer(pubsubOf(ctx.node).publish(argv[1]!, argv[2]!, true));

/** PUBSUB CHANNELS / SHARDCHANNELS's reply. */
export function channelsReply(names: readonly string[]): r.Reply {
  return r.bulkArray(names, 2);
}

/** PUBSUB NUMSUB / SHARDNUMSUB's reply: channel, count, … (an array in RESP3 too, as Redis 7.0 sends it). */
export function numsubReply(channels: readonly string[], counts: readonly number[]): r.Reply {
  let out = r.arrayHeader(channels.length * 2);
  channels.forEach((c, i) => (out += r.bulk(c) + r.integer(counts[i]!)));
  return out;
}

export const pubsubChannels: Handler = (ctx, argv) => pubsubSyntax(argv) ?? channelsReply(pubsubOf(ctx.node).channelNames(false, argv[2] ?? null));
export const pubsubShardchannels: Handler = (ctx, argv) => pubsubSyntax(argv) ?? channelsReply(pubsubOf(ctx.node).channelNames(true, argv[2] ?? null));
export const pubsubNumsub: Handler = (ctx, argv) => numsubReply(argv.slice(2), pubsubOf(ctx.node).numsub(false, argv.slice(2)));
export const pubsubShardnumsub: Handler = (ctx, argv) => numsubReply(argv.slice(2), pubsubOf(ctx.node).numsub(true, argv.slice(2)));
export const pubsubNumpat: Handler = (ctx) => r.integer(pubsubOf(ctx.node).patternNames().length);

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

export const pubsubHelp: Handler = () => r.array(HELP.map(r.simple));

/** Redis's error for CHANNELS or SHARDCHANNELS with more than one pattern, or null. */
export function pubsubSyntax(argv: readonly string[]): r.Reply | null {
  if (argv.length <= 3) return null;
  return r.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!}'. Try PUBSUB HELP.`);
}
