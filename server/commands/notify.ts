// Keyspace notifications (Redis's notify.c): with `notify-keyspace-events`
// set, a write publishes __keyspace@0__:<key> <event> and
// __keyevent@0__:<event> <key> for each key it changed, on the node that owns
// the key, to the subscribers of the whole cluster (as a PUBLISH). The events
// of a command come from the table below, by its name, once it has run: the
// routing stage's door for writes asks keyEventsOf() before and after.

import type { AnyReply } from '../protocol/resp.js';
import type { CommandSpec, Ctx, NodeView } from './types.js';
import { writtenKeyPositions } from './key-positions.js';
import { pubsubOf } from './pubsub.js';

// Redis's NOTIFY_* classes, with their letters.
const CLASS: Record<string, number> = { K: 1, E: 2, g: 4, $: 8, l: 16, s: 32, h: 64, z: 128, x: 256, e: 512, t: 1024, m: 2048, d: 4096, n: 8192 };
const ALL = CLASS['g']! | CLASS['$']! | CLASS['l']! | CLASS['s']! | CLASS['h']! | CLASS['z']! | CLASS['x']! | CLASS['e']! | CLASS['t']! | CLASS['d']!;

/** The classes a value of notify-keyspace-events selects, or null when a character is not one (Redis's keyspaceEventsStringToFlags). */
export function parseEventClasses(value: string): number | null {
  let flags = 0;
  for (const c of value) {
    if (c === 'A') flags |= ALL;
    else if (CLASS[c] !== undefined) flags |= CLASS[c]!;
    else return null;
  }
  return flags;
}

/** The canonical text of some classes, as CONFIG GET shows it (keyspaceEventsFlagsToString). */
export function formatEventClasses(flags: number): string {
  let out = '';
  if ((flags & ALL) === ALL) out += 'A';
  else for (const c of 'g$lshzxetd') if (flags & CLASS[c]!) out += c;
  for (const c of 'KEmn') if (flags & CLASS[c]!) out += c;
  return out;
}

export const INVALID_EVENT_CLASSES = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

const FLAGS = new WeakMap<NodeView, number>();
/** Nodes of this process with notifications on: a write elsewhere pays one comparison. */
let notifying = 0;

/** CONFIG SET notify-keyspace-events (already checked). */
export function setEventClasses(node: NodeView, value: string): void {
  const flags = parseEventClasses(value) ?? 0;
  const before = FLAGS.get(node) ?? 0;
  notifying += (flags !== 0 ? 1 : 0) - (before !== 0 ? 1 : 0);
  FLAGS.set(node, flags);
  node.store.onExpired = flags & CLASS['x']! ? (key) => notify(node, 'x', 'expired', key) : null;
}

/** Publishes one event of class `cls` for `key`, if the node's classes select it and a kind (K, E). */
export function notify(node: NodeView, cls: string, event: string, key: string): void {
  const flags = FLAGS.get(node) ?? 0;
  if ((flags & CLASS[cls]!) === 0) return;
  const registry = pubsubOf(node);
  if (flags & CLASS['K']!) registry.publishEverywhere(`__keyspace@0__:${key}`, event);
  if (flags & CLASS['E']!) registry.publishEverywhere(`__keyevent@0__:${event}`, key);
}

type Event = readonly [cls: string, event: string];
/** The events of a command for the key at argv position `pos` (the first written key is position 0 of `nth`). */
type Events = Event | ((argv: readonly string[], nth: number) => Event | null);

const BY_COMMAND: Record<string, Events> = {
  // strings
  set: ['$', 'set'],
  setnx: ['$', 'set'],
  setex: ['$', 'set'],
  psetex: ['$', 'set'],
  getset: ['$', 'set'],
  mset: ['$', 'set'],
  msetnx: ['$', 'set'],
  incr: ['$', 'incrby'],
  decr: ['$', 'incrby'],
  incrby: ['$', 'incrby'],
  decrby: ['$', 'incrby'],
  incrbyfloat: ['$', 'incrbyfloat'],
  append: ['$', 'append'],
  setrange: ['$', 'setrange'],
  setbit: ['$', 'setbit'],
  bitfield: ['$', 'setbit'],
  bitop: ['$', 'set'],
  // keys
  del: ['g', 'del'],
  unlink: ['g', 'del'],
  getdel: ['g', 'del'],
  expire: ['g', 'expire'],
  pexpire: ['g', 'expire'],
  expireat: ['g', 'expire'],
  pexpireat: ['g', 'expire'],
  persist: ['g', 'persist'],
  getex: (argv) => (argv.some((a) => /^persist$/i.test(a)) ? ['g', 'persist'] : argv.length > 2 ? ['g', 'expire'] : null),
  rename: (_argv, nth) => (nth === 0 ? ['g', 'rename_from'] : ['g', 'rename_to']),
  renamenx: (_argv, nth) => (nth === 0 ? ['g', 'rename_from'] : ['g', 'rename_to']),
  copy: ['g', 'copy_to'],
  restore: ['g', 'restore'],
  // hashes (and the guide's buckets)
  hset: ['h', 'hset'],
  hmset: ['h', 'hset'],
  hsetnx: ['h', 'hset'],
  hdel: ['h', 'hdel'],
  hincrby: ['h', 'hincrby'],
  hincrbyfloat: ['h', 'hincrbyfloat'],
  put: ['h', 'hset'],
  delete: ['h', 'hdel'],
  // lists
  lpush: ['l', 'lpush'],
  lpushx: ['l', 'lpush'],
  rpush: ['l', 'rpush'],
  rpushx: ['l', 'rpush'],
  lpop: ['l', 'lpop'],
  rpop: ['l', 'rpop'],
  blpop: ['l', 'lpop'],
  brpop: ['l', 'rpop'],
  linsert: ['l', 'linsert'],
  lset: ['l', 'lset'],
  lrem: ['l', 'lrem'],
  ltrim: ['l', 'ltrim'],
  rpoplpush: (_argv, nth) => (nth === 0 ? ['l', 'rpop'] : ['l', 'lpush']),
  brpoplpush: (_argv, nth) => (nth === 0 ? ['l', 'rpop'] : ['l', 'lpush']),
  lmove: (argv, nth) => ['l', nth === 0 ? `${argv[3]!.toLowerCase()}pop` : `${argv[4]!.toLowerCase()}push`],
  blmove: (argv, nth) => ['l', nth === 0 ? `${argv[3]!.toLowerCase()}pop` : `${argv[4]!.toLowerCase()}push`],
  // sets
  sadd: ['s', 'sadd'],
  srem: ['s', 'srem'],
  spop: ['s', 'spop'],
  smove: (_argv, nth) => (nth === 0 ? ['s', 'srem'] : ['s', 'sadd']),
  sinterstore: ['s', 'sinterstore'],
  sunionstore: ['s', 'sunionstore'],
  sdiffstore: ['s', 'sdiffstore'],
  // sorted sets
  zadd: (argv) => (argv.some((a) => /^incr$/i.test(a)) ? ['z', 'zincr'] : ['z', 'zadd']),
  zincrby: ['z', 'zincr'],
  zrem: ['z', 'zrem'],
  zremrangebyscore: ['z', 'zremrangebyscore'],
  zremrangebyrank: ['z', 'zremrangebyrank'],
  zremrangebylex: ['z', 'zremrangebylex'],
  zpopmin: ['z', 'zpopmin'],
  zpopmax: ['z', 'zpopmax'],
  bzpopmin: ['z', 'zpopmin'],
  bzpopmax: ['z', 'zpopmax'],
  zunionstore: ['z', 'zunionstore'],
  zinterstore: ['z', 'zinterstore'],
  zdiffstore: ['z', 'zdiffstore'],
  zrangestore: ['z', 'zrangestore'],
  // SORT … STORE; without STORE it writes no key.
  sort: ['l', 'sortstore'],
};

/** Commands whose 0 or nil reply means they changed nothing (beyond the store's own noChange). */
const NOTHING_IF_ZERO = new Set([
  'setnx', 'msetnx', 'renamenx', 'copy', 'hsetnx', 'hdel', 'delete', 'expire', 'pexpire', 'expireat', 'pexpireat', 'persist', 'getdel',
  'lpushx', 'rpushx', 'lpop', 'rpop', 'blpop', 'brpop', 'lrem', 'linsert', 'rpoplpush', 'brpoplpush', 'lmove', 'blmove',
  'srem', 'spop', 'smove', 'zrem', 'zremrangebyscore', 'zremrangebyrank', 'zremrangebylex', 'zpopmin', 'zpopmax', 'getex',
]);
const NOTHING = new Set([':0\r\n', '$-1\r\n', '_\r\n', '*-1\r\n', '*0\r\n', '%0\r\n', ':-1\r\n']);

/** SET and its kin with a time: 'expire' follows 'set'. */
function setsExpiry(name: string, argv: readonly string[]): boolean {
  if (name === 'setex' || name === 'psetex') return true;
  return name === 'set' && argv.slice(3).some((a) => /^(ex|px|exat|pxat)$/i.test(a));
}

function setHappened(argv: readonly string[], existed: boolean): boolean {
  const opts = argv.slice(3).map((a) => a.toLowerCase());
  if (opts.includes('nx')) return !existed;
  if (opts.includes('xx')) return existed;
  return true;
}

const EXPIRES = new Set(['expire', 'pexpire', 'expireat', 'pexpireat']);

/** A write about to run; `after` publishes its events once it has. */
export interface PendingEvents {
  after(reply: AnyReply): void;
}

/**
 * Before a write runs on this node: null when the node publishes no key
 * events (the usual case, one comparison) or the command has none; otherwise
 * which of its keys exist, to tell new keys and deleted ones after it ran.
 */
export function keyEventsOf(ctx: Ctx, spec: CommandSpec, argv: readonly string[]): PendingEvents | null {
  if (notifying === 0) return null;
  // A replica applying its primary's stream: the primary, a node too, already told every node.
  // A key moving between nodes (cluster/migration.ts) is neither deleted nor new to the cluster.
  if (ctx.client.fromPrimary || ctx.path[0] === 'migration') return null;
  const node = ctx.node;
  const flags = FLAGS.get(node) ?? 0;
  if (flags === 0) return null;
  const events = BY_COMMAND[spec.name];
  if (events === undefined) return null;
  const store = node.store;
  const keys = writtenKeyPositions(spec, argv).map((i) => argv[i]!);
  const existed = keys.map((k) => store.has(k));
  return {
    after(reply) {
      if (typeof reply === 'string' && NOTHING_IF_ZERO.has(spec.name) && NOTHING.has(reply)) return;
      // SET NX or XX that did not set (its reply, with GET, is the old value either way).
      if (spec.name === 'set' && !setHappened(argv, existed[0]!)) return;
      keys.forEach((key, nth) => {
        const event = typeof events === 'function' ? events(argv, nth) : events;
        if (event === null) return;
        const exists = store.has(key);
        // DEL and its kin: only keys that were there. A SORT that stores nothing deletes its destination.
        if (event[1] === 'del' || (event[1] === 'sortstore' && !exists)) {
          if (existed[nth] && !exists) notify(node, 'g', 'del', key);
          return;
        }
        // An expiry in the past deletes the key: that is its event.
        if (EXPIRES.has(spec.name) && !exists) {
          if (existed[nth]) notify(node, 'g', 'del', key);
          return;
        }
        if (!existed[nth] && exists) notify(node, 'n', 'new', key);
        notify(node, event[0], event[1], key);
        if (setsExpiry(spec.name, argv)) notify(node, 'g', 'expire', key);
        // A container emptied (HDEL, LPOP, SREM…) goes: Redis says so after the command's event.
        if (existed[nth] && !exists && event[1] !== 'rename_from') notify(node, 'g', 'del', key);
      });
    },
  };
}
