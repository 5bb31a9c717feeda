// The routing stage of the pipeline: after a command is looked up and checked,
// decide where it runs. The router (a pure function) names the owner of each key;
// this stage runs the command here, forwards it to the owner over a peer link
// (relaying the owner's reply unchanged), splits a multi-key command by owner and
// merges the replies, or fans a keyspace command out to every node.
//
// Forwarded requests travel in an envelope, KV.FWD <proto> <path> <argv…>, whose
// path lists the nodes passed so far: the owner routes again with its own table,
// and a request that would revisit a node fails with the path instead of looping.
// KV.LOCAL <proto> <argv…> runs a command on a node's own keys only (fan-out).

import * as r from '../protocol/resp.js';
import { arrayElements, integerValue, isErrorReply, stringValue } from '../protocol/reply-framer.js';
import type { CommandSpec, Ctx, QueuedCommand } from '../commands/types.js';
import { keyPositions, keyRange, writtenKeyPositions } from '../commands/key-positions.js';
import type { NodeAddress, RouteEntry } from './config.js';
import { inspectBucket, ownerOf, ownersByByte } from './router.js';
import type { PeerLink } from './peer-link.js';
import { keyMoveOf, moveKey } from './move-key.js';
import type { Migration } from './migration.js';
import type { BlockedClients } from './blocking.js';
import { lookupCommand } from '../commands/table.js';
import { propagation } from '../commands/propagate.js';
import { EXECABORT } from '../commands/transactions.js';
import { INVALID_CURSOR, parseScanCursor } from '../commands/scan-args.js';
import { pubsubAcrossCluster } from './pubsub-fanout.js';
import { keyEventsOf } from '../commands/notify.js';

export type MaybeAsync = r.AnyReply | Promise<r.AnyReply>;

const READONLY = "READONLY You can't write against a read only replica.";

// Ordering across nodes. Replies always go back in request order; these two
// rules also make requests *run* in order, as on one Redis:
// - a command that takes several round trips between nodes holds the client's
//   later commands until it is done (isMultiStep), or a read sent right after it
//   could overtake its steps and see the keys half moved;
// - a command that reaches every node directly waits for the client's earlier
//   replies (fansOut), or it could overtake a write still travelling two hops.
// The connection applies both; which commands they concern is decided here.

/**
 * Replies of commands that take several round trips between nodes (RENAME and
 * MSETNX across owners, or forwarded to a node that may split them; EXEC after
 * remote WATCH checks).
 */
const multiStep = new WeakSet<Promise<r.AnyReply>>();

function inSteps(p: Promise<r.AnyReply>): Promise<r.AnyReply> {
  multiStep.add(p);
  return p;
}

/** Replies of blocked clients (BLPOP…): their connection is still read, so that their close is seen. */
const blockedWaits = new WeakSet<Promise<r.AnyReply>>();

/** A reply its client waits for before anything else of its runs (a blocked BLPOP: Redis runs nothing else for a blocked client). */
export function holdsClient(p: Promise<r.AnyReply>): Promise<r.AnyReply> {
  blockedWaits.add(p);
  return inSteps(p);
}

/** True for a blocked client's reply: hold its later requests, but keep reading (Redis reads a blocked client, and frees it at EOF). */
export function isBlockedWait(reply: MaybeAsync): boolean {
  return reply instanceof Promise && blockedWaits.has(reply);
}

/** True when `reply` is still in progress over several steps: run nothing else for its client until it settles. */
export function isMultiStep(reply: MaybeAsync): boolean {
  return reply instanceof Promise && multiStep.has(reply);
}

/** True for a command that reaches every node directly (KEYS, SCAN, DBSIZE, FLUSHALL…). */
export function fansOut(argv: readonly string[]): boolean {
  return lookupCommand(argv[0]!)?.routing.startsWith('all-') ?? false;
}

export interface RoutingCounters {
  local: number;
  forwarded: number;
  received: number;
}

export class RoutingStage {
  readonly counters: RoutingCounters = { local: 0, forwarded: 0, received: 0 };

  /** Set by the node: true for a replica, whose keys are its primary's; keyspace commands skip it. */
  isReplica: (node: string) => boolean = () => false;

  /** Set by the node: the keys this node moves away or takes in while the table changes. */
  migration: Migration | null = null;

  /** Set by the node: where blocking commands wait (cluster/blocking.ts). */
  blocking: BlockedClients | null = null;

  /** Primaries replaced by a promoted replica (old name → new), as the cluster learned them. */
  readonly replaced = new Map<string, string>();

  constructor(
    private readonly self: string,
    private table: readonly RouteEntry[],
    private nodes: readonly NodeAddress[],
    private readonly links: ReadonlyMap<string, PeerLink>,
    private readonly maxHops: number,
  ) {}

  /** The table as it routes now. */
  get currentTable(): readonly RouteEntry[] {
    return this.table;
  }

  /** A new table and node list (a reload): routing uses them from the next request on. */
  setView(table: readonly RouteEntry[], nodes: readonly NodeAddress[]): void {
    const before = this.table;
    this.nodes = nodes;
    this.table = table;
    for (const [oldNode, newNode] of this.replaced) this.table = this.table.map((e) => (e.node === oldNode ? { ...e, node: newNode } : e));
    // Ranges that changed owner, with the owner they had: see owner().
    this.previous.clear();
    const [was, is] = [ownersByByte(before), ownersByByte(this.table)];
    for (let b = 0; b < 256; b++) {
      const prev = was[b]!;
      if (prev !== null && is[b] !== null && prev !== is[b] && prev !== this.self) this.previous.set(b, prev);
    }
  }

  /** First bytes whose owner changed at the last reload, with the node that owned them before. */
  private readonly previous = new Map<number, string>();

  /**
   * A replica took over from its primary (a failover): every entry that named
   * the old primary names the new one from now on. The router stays a pure
   * function of the table; only the table changes.
   */
  replaceOwner(oldNode: string, newNode: string): boolean {
    if (oldNode === newNode || this.replaced.get(oldNode) === newNode) return false;
    for (const [o, n] of this.replaced) if (n === oldNode) this.replaced.set(o, newNode);
    this.replaced.set(oldNode, newNode);
    this.replaced.delete(newNode);
    this.table = this.table.map((e) => (e.node === oldNode ? { ...e, node: newNode } : e));
    return true;
  }

  /**
   * A command that takes several steps between nodes reads a key here and
   * changes it a step later: a key of a moving range must not be shipped in
   * between (the move would bring back what the command deleted). Such keys go
   * to their new owner first, and the command follows them there.
   */
  private settleMoving(spec: CommandSpec, argv: readonly string[]): void {
    if (this.migration?.moving) this.migration.shipNow(keyPositions(spec, argv).map((i) => argv[i]!));
  }

  /** Runs `spec` for `argv` wherever its keys live. */
  dispatch(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    switch (spec.routing) {
      case 'local':
        return this.runHere(ctx, spec, argv);
      case 'keyed':
        return this.keyed(ctx, spec, argv);
      case 'split-concat':
      case 'split-sum':
      case 'split-ok':
        return this.split(ctx, spec, argv);
      case 'msetnx':
        this.settleMoving(spec, argv);
        return this.msetnx(ctx, spec, argv);
      case 'rename':
        this.settleMoving(spec, argv);
        return this.rename(ctx, spec, argv);
      case 'transaction':
        return this.transaction(ctx, spec, argv);
      case 'watch':
        return this.watch(ctx, spec, argv);
      case 'wait':
        return this.wait(ctx, spec, argv);
      case 'list-move':
        this.settleMoving(spec, argv);
        return this.blocking!.listMove(ctx, spec, argv);
      case 'blocking':
        return this.blocking!.dispatch(ctx, spec, argv);
      case 'pubsub':
        // PUBLISH and PUBSUB reach every node's subscribers: here, and each peer over its link.
        return pubsubAcrossCluster(ctx, spec, argv, this.links, () => this.runHere(ctx, spec, argv));
      default:
        return this.everywhere(ctx, spec, argv);
    }
  }

  /**
   * Runs a command on this node's own keys. This is the one door every write
   * of a command passes: WATCH sees it, and the write log gets the commands
   * that redo it (commands/propagate.ts), as Redis's call() propagates.
   */
  runHere(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    this.counters.local++;
    const store = ctx.node.store;
    const writes = spec.flags.includes('write');
    // A replica's keys change only by its primary's stream.
    if (writes && !ctx.client.fromPrimary && ctx.node.replication.readOnly()) return r.error(READONLY);
    // Every write is a change that WATCH must see, whatever the command did to the value.
    if (writes && store.watch.active && spec.keys !== null) {
      for (const i of writtenKeyPositions(spec, argv)) store.watch.touch(argv[i]!);
    }
    // An AOF rewrite or a BGSAVE in progress copies each key before its first change.
    if (writes && store.log.interceptors.size !== 0) {
      for (const interceptor of store.log.interceptors) {
        if (spec.keys === null) interceptor.all();
        else for (const i of keyPositions(spec, argv)) interceptor.key(argv[i]!);
      }
    }
    if (writes && ctx.path.length === 0) this.wrote(ctx, this.self);
    // keyspace_hits/misses: a lookup per key of a read, as Redis's lookupKeyRead counts.
    if ((!writes || spec.readLookup === true) && spec.keys !== null && !spec.flags.includes('internal')) {
      const k = keyRange(spec, argv);
      if (k !== null) for (let i = k.first; i <= k.last; i += k.step) store.countLookup(argv[i]!);
    }
    // Keyspace notifications (null unless notify-keyspace-events is set): which keys exist before.
    const keyEvents = writes ? keyEventsOf(ctx, spec, argv) : null;
    store.log.unchanged = false;
    const reply = spec.run!(ctx, argv);
    // Only commands that write nothing answer later (WAIT).
    if (writes && !(reply instanceof Promise) && !isErrorReply(reply) && !store.log.unchanged) {
      if (store.log.active) for (const cmd of propagation(spec, argv, store)) store.log.append(cmd);
      else store.log.changes++; // counted for the save points even when nobody reads the log
      keyEvents?.after(reply);
    }
    return reply;
  }

  /** True when every key of `argv` is this node's by its table (a command without keys runs here too). */
  ownsAll(spec: CommandSpec, argv: readonly string[]): boolean {
    if (spec.keys === null) return true;
    for (const i of keyPositions(spec, argv)) {
      const route = ownerOf(this.table, argv[i]!);
      if ('error' in route || route.node !== this.self) return false;
    }
    return true;
  }

  /** Notes that a client's write went to `node`: its WAIT asks that node's replicas. */
  private wrote(ctx: Ctx, node: string): void {
    if (ctx.path.length === 0) (ctx.client.wroteTo ??= new Set()).add(node);
  }

  /**
   * WAIT: the client's writes may be on several nodes (forwarded to their
   * owners), so each node it wrote to counts its own replicas, and the answer
   * is the smallest count: the replicas that hold every one of its writes.
   * A link carries requests in order, so each owner has applied the client's
   * writes before it sees the WAIT.
   */
  private wait(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    const targets = ctx.path.length === 0 && ctx.client.wroteTo !== null ? [...ctx.client.wroteTo] : [this.self];
    if (targets.length === 1 && targets[0] === this.self) return this.runHere(ctx, spec, argv);
    const replies = targets.map((n) => (n === this.self ? this.runHere(ctx, spec, argv) : this.forward(ctx, n, argv)));
    return Promise.all(replies).then((all) => {
      const failed = all.find(isErrorReply);
      if (failed !== undefined) return failed;
      return r.integer(Math.min(...all.map((rep) => integerValue(rep) ?? 0)));
    });
  }

  /**
   * Where `key` is served from here: its owner by this node's table, or an
   * error reply. While a range moves (cluster/migration.ts), the key may still
   * be here, on its way, or still on the node it comes from.
   */
  owner(ctx: Ctx, key: string): string | { error: r.Reply } {
    const route = ownerOf(this.table, key);
    if ('error' in route) return { error: r.error(route.error) };
    const m = this.migration;
    if (route.node === this.self) {
      const src = m !== null && m.importingAny ? m.importSource(key, ctx.path) : null;
      return src === null ? this.self : this.hopTo(ctx, key, src, true);
    }
    const sender = ctx.path.length > 0 ? ctx.path[ctx.path.length - 1] : undefined;
    if (m !== null && m.moving) {
      const at = m.whereIs(key, route.node, sender);
      if (at === this.self) return at;
      // In flight: after its value, over the same link, wherever the request came from.
      if (at !== null) return this.hopTo(ctx, key, at, true);
    }
    // A range given to a node that is not up (not started yet, gone, or still
    // connecting): its keys are still where they were, and that node serves them
    // until they can move (or passes the request on).
    if (this.previous.size !== 0 && this.links.get(route.node)?.state !== 'up') {
      const was = this.previous.get(key.charCodeAt(0));
      if (was !== undefined && was !== sender && this.links.get(was)?.state === 'up') return this.hopTo(ctx, key, was, false);
    }
    // Back to the node that sent it here, once: it looked here for a key of a
    // range it is taking over, and will serve it itself.
    return this.hopTo(ctx, key, route.node, route.node === sender && !ctx.path.includes(this.self));
  }

  /** The node one of `keys` may still be on, as this node takes its range over; null when none. */
  private importSourceOf(ctx: Ctx, keys: readonly string[]): string | null {
    const m = this.migration;
    if (m === null || !m.importingAny) return null;
    for (const key of keys) {
      const route = ownerOf(this.table, key);
      if ('error' in route || route.node !== this.self) continue;
      const src = m.importSource(key, ctx.path);
      if (src !== null) return src;
    }
    return null;
  }

  /** `node`, unless going there would loop (`revisit` allows a node already passed) or pass max-hops. */
  private hopTo(ctx: Ctx, key: string, node: string, revisit: boolean): string | { error: r.Reply } {
    if (!revisit && ctx.path.includes(node)) {
      return { error: r.error(`ERR forwarding loop for ${inspectBucket(key)}: ${[...ctx.path, this.self, node].join(' -> ')}`) };
    }
    if (ctx.path.length + 1 > this.maxHops) {
      return { error: r.error(`ERR too many hops for ${inspectBucket(key)}: ${[...ctx.path, this.self, node].join(' -> ')}`) };
    }
    return node;
  }

  /** Sends a command to `node` in a forwarding envelope; resolves to its reply, verbatim. */
  forward(ctx: Ctx, node: string, argv: readonly string[]): Promise<r.AnyReply> {
    const link = this.links.get(node);
    if (!link) return Promise.resolve(r.error(`ERR no link to node ${node}`));
    this.counters.forwarded++;
    if (ctx.path.length === 0 && lookupCommand(argv[0]!)?.flags.includes('write')) this.wrote(ctx, node);
    const path = ctx.path.length === 0 ? this.self : ctx.path.join(',') + ',' + this.self;
    return new Promise((resolve) => link.send(['KV.FWD', ctx.proto === 3 ? '3' : '2', path, ...argv], resolve));
  }

  /** Runs a command on `node`'s own keys only, here or there. */
  private onNode(ctx: Ctx, spec: CommandSpec, node: string, argv: readonly string[]): MaybeAsync {
    if (node === this.self) return this.runHere(ctx, spec, [...argv]);
    const link = this.links.get(node);
    if (!link) return r.error(`ERR no link to node ${node}`);
    this.counters.forwarded++;
    return new Promise((resolve) => link.send(['KV.LOCAL', String(ctx.proto), ...argv], resolve));
  }

  private keyed(ctx: Ctx, spec: CommandSpec, argv: string[], shipped = false): MaybeAsync {
    const k = keyRange(spec, argv);
    if (k === null) return this.runHere(ctx, spec, argv);
    // The range rather than keyPositions()'s array: this runs for every request.
    // Counted keys with a destination before them (ZUNIONSTORE dest 2 a b) are not one range.
    const positions = spec.keys!.numkeys !== undefined ? keyPositions(spec, argv) : null;
    let target: string | null = null;
    const count = positions === null ? Math.floor((k.last - k.first) / k.step) + 1 : positions.length;
    for (let j = 0; j < count; j++) {
      const o = this.owner(ctx, argv[positions === null ? k.first + j * k.step : positions[j]!]!);
      if (typeof o !== 'string') return o.error;
      if (target !== null && o !== target) {
        // Some keys still here, the others already moved: these go first, and the command after them.
        if (!shipped && this.migration?.moving && this.migration.shipNow(keyPositions(spec, argv).map((p) => argv[p]!))) {
          return this.keyed(ctx, spec, argv, true);
        }
        // Some here, some maybe still on the node this range comes from: there, it sends them here first.
        const src = this.importSourceOf(ctx, keyPositions(spec, argv).map((p) => argv[p]!));
        if (src !== null) return this.forward(ctx, src, argv);
        return r.error(`ERR keys of '${spec.name}' live on different nodes (${target}, ${o}); this command needs them on one`);
      }
      target = o;
    }
    if (target === null || target === this.self) return this.runHere(ctx, spec, argv);
    return this.forward(ctx, target, argv);
  }

  /** Groups the keys (with their values, for MSET) by owner, in order. */
  private groupByOwner(ctx: Ctx, spec: CommandSpec, argv: string[]): Map<string, number[]> | r.Reply {
    const groups = new Map<string, number[]>();
    for (const i of keyPositions(spec, argv)) {
      const o = this.owner(ctx, argv[i]!);
      if (typeof o !== 'string') return o.error;
      let g = groups.get(o);
      if (!g) groups.set(o, (g = []));
      g.push(i);
    }
    return groups;
  }

  private subCommand(spec: CommandSpec, argv: string[], positions: number[]): string[] {
    const width = spec.keys!.step;
    const out = [argv[0]!];
    for (const i of positions) for (let j = 0; j < width; j++) out.push(argv[i + j]!);
    return out;
  }

  private split(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    if (spec.keys!.step === 2 && argv.length % 2 === 0) return this.runHere(ctx, spec, argv); // its own arity error
    const groups = this.groupByOwner(ctx, spec, argv);
    if (typeof groups === 'string') return groups;
    if (groups.size <= 1) {
      const [node] = groups.keys();
      return node === undefined || node === this.self ? this.runHere(ctx, spec, argv) : this.forward(ctx, node, argv);
    }
    const parts = [...groups].map(([node, positions]) => {
      const sub = this.subCommand(spec, argv, positions);
      return { positions, reply: node === this.self ? this.runHere(ctx, spec, sub) : this.forward(ctx, node, sub) };
    });
    return Promise.all(parts.map((p) => p.reply)).then((replies) => {
      const failed = replies.find(isErrorReply);
      if (failed !== undefined) return failed;
      if (spec.routing === 'split-sum') return r.integer(replies.reduce((sum, rep) => sum + (integerValue(rep) ?? 0), 0));
      if (spec.routing === 'split-ok') return r.OK;
      // split-concat: put each owner's values back at their keys' positions.
      const merged = new Array<r.AnyReply>(argv.length - 1);
      parts.forEach((p, k) => {
        const elements = arrayElements(replies[k]!) ?? [];
        p.positions.forEach((pos, j) => {
          merged[pos - 1] = elements[j] ?? r.nil(ctx.proto);
        });
      });
      return r.arrayOf(merged);
    });
  }

  /**
   * MSETNX across nodes: check that no key exists on any owner, then set each
   * owner's keys. Atomic on one node; across nodes a concurrent writer may slip
   * in between the check and the set (the README says so).
   */
  private msetnx(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    if (argv.length % 2 === 0) return this.runHere(ctx, spec, argv);
    const groups = this.groupByOwner(ctx, spec, argv);
    if (typeof groups === 'string') return groups;
    if (groups.size <= 1) {
      const [node] = groups.keys();
      if (node === undefined || node === this.self) return this.runHere(ctx, spec, argv);
      // The owner by this table may split it further, over several steps.
      return inSteps(this.forward(ctx, node, argv));
    }
    const existsArgv = ['EXISTS', ...keyPositions(spec, argv).map((i) => argv[i]!)];
    return inSteps(Promise.resolve(this.split(ctx, lookupCommand('exists')!, existsArgv)).then(
      async (exists) => {
        if (isErrorReply(exists)) return exists;
        if (integerValue(exists) !== 0) return r.ZERO;
        const replies = await Promise.all(
          [...groups].map(([node, positions]) => {
            const sub = this.subCommand(spec, argv, positions);
            return node === this.self ? this.runHere(ctx, spec, sub) : this.forward(ctx, node, sub);
          }),
        );
        const failed = replies.find(isErrorReply);
        if (failed !== undefined) return failed;
        return replies.every((rep) => integerValue(rep) === 1) ? r.ONE : r.ZERO;
      },
    ));
  }

  /**
   * RENAME, RENAMENX and COPY: where both keys have one owner, the command runs
   * there; across nodes, the key travels as move-key.ts does it.
   */
  private rename(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    const src = this.owner(ctx, argv[1]!);
    if (typeof src !== 'string') return src.error;
    const dst = this.owner(ctx, argv[2]!);
    if (typeof dst !== 'string') return dst.error;
    if (src === dst) {
      if (src === this.self) return this.runHere(ctx, spec, argv);
      // The next node's table may put the two keys on different nodes: several steps there.
      return inSteps(this.forward(ctx, src, argv));
    }
    const move = keyMoveOf(spec, argv);
    if (typeof move === 'string') return move;
    const at = (node: string, cmd: string[]): Promise<r.AnyReply> =>
      // Here, through runHere like any command: its writes reach WATCH and the write log.
      node === this.self ? Promise.resolve(this.runHere(ctx, lookupCommand(cmd[0]!)!, cmd)) : this.forward(ctx, node, cmd);
    return inSteps(moveKey(at, { node: src, key: argv[1]! }, { node: dst, key: argv[2]! }, move));
  }

  /**
   * EXEC: the queued commands run together on the one node that owns all their
   * keys: here, synchronously, so nothing interleaves (as in Redis); or
   * forwarded whole to that node in a KV.TX envelope. A transaction whose keys
   * live on several nodes, or that holds a command spanning every node, is
   * refused, as Redis Cluster refuses keys in different slots.
   */
  private transaction(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    const queued = ctx.client.multi;
    if (queued === null) return this.runHere(ctx, spec, argv);
    const failed = ctx.client.multiFailed;
    const watched = ctx.client.watched;
    ctx.client.multi = null;
    ctx.client.multiFailed = false;
    ctx.client.watched = [];
    if (failed) return EXECABORT;
    if (watched.some((w) => typeof w.version !== 'string')) {
      return inSteps(
        Promise.all(watched.map((w) => w.version)).then((versions) =>
          this.runTransaction(ctx, queued, watched.map((w, k) => ({ key: w.key, version: versions[k]! }))),
        ),
      );
    }
    return this.runTransaction(ctx, queued, watched as { key: string; version: string }[]);
  }

  private runTransaction(ctx: Ctx, queued: readonly QueuedCommand[], watched: readonly { key: string; version: string }[]): MaybeAsync {
    const target = this.transactionTarget(ctx, queued, watched);
    if (typeof target === 'object' && target !== null && target.spans === true && this.migration !== null) {
      const keys = [...watched.map((w) => w.key), ...queued.flatMap((q) => keyPositions(q.spec, q.argv).map((i) => q.argv[i]!))];
      // Some keys still here, the others already moved: these go first, and the transaction after them.
      if (this.migration.moving && this.migration.shipNow(keys)) return this.runTransactionAt(ctx, queued, watched, this.transactionTarget(ctx, queued, watched));
      // Some here, some maybe still on the node this range comes from: there, it sends them here first.
      const src = this.importSourceOf(ctx, keys);
      if (src !== null) return this.runTransactionAt(ctx, queued, watched, src);
    }
    return this.runTransactionAt(ctx, queued, watched, target);
  }

  /** The one node every key of a transaction lives on (null: no keys), or why there is none. */
  private transactionTarget(ctx: Ctx, queued: readonly QueuedCommand[], watched: readonly { key: string; version: string }[]): string | null | { error: r.Reply; spans?: true } {
    let target: string | null = null;
    for (const w of watched) {
      const o = this.owner(ctx, w.key);
      if (typeof o !== 'string') return o;
      if (target !== null && o !== target) {
        return { error: r.error(`ERR MULTI/EXEC needs every key on one node; this transaction has keys on ${target} and ${o}`), spans: true };
      }
      target = o;
    }
    for (const q of queued) {
      if (q.spec.routing.startsWith('all-') && this.nodes.length > 1) {
        return { error: r.error(`ERR ${q.spec.name.toUpperCase()} cannot run inside MULTI: it spans every node of the cluster`) };
      }
      for (const i of keyPositions(q.spec, q.argv)) {
        const o = this.owner(ctx, q.argv[i]!);
        if (typeof o !== 'string') return o;
        if (target !== null && o !== target) {
          return { error: r.error(`ERR MULTI/EXEC needs every key on one node; this transaction has keys on ${target} and ${o}`), spans: true };
        }
        target = o;
      }
    }
    return target;
  }

  private runTransactionAt(
    ctx: Ctx,
    queued: readonly QueuedCommand[],
    watched: readonly { key: string; version: string }[],
    target: string | null | { error: r.Reply },
  ): MaybeAsync {
    if (target !== null && typeof target !== 'string') return target.error;
    if (target === null || target === this.self) {
      // A watched key that changed since WATCH: the transaction does not run.
      for (const w of watched) if (String(ctx.node.store.watch.versionOf(w.key)) !== w.version) return r.nilArray(ctx.proto);
      const replies: MaybeAsync[] = [];
      for (const q of queued) {
        // A blocking pop in a transaction does not wait (Redis's CLIENT_DENY_BLOCKING): it runs as itself.
        const reply = q.spec.routing === 'blocking' ? this.runHere(ctx, q.spec, q.argv) : this.dispatch(ctx, q.spec, q.argv);
        // Every key is here, so every command runs now and answers synchronously; only a
        // PUBLISH's count waits for the other nodes' subscribers (it was delivered here already).
        replies.push(reply instanceof Promise && q.spec.routing !== 'pubsub' ? r.error('ERR internal error: asynchronous command in a transaction') : reply);
      }
      if (replies.some((rep) => rep instanceof Promise)) return Promise.all(replies).then(r.arrayOf);
      return r.arrayOf(replies as r.AnyReply[]);
    }
    const link = this.links.get(target);
    if (!link) return r.error(`ERR no link to node ${target}`);
    this.counters.forwarded++;
    const envelope = ['KV.TX', String(ctx.proto), [...ctx.path, this.self].join(','), String(watched.length)];
    for (const w of watched) envelope.push(w.key, w.version);
    for (const q of queued) envelope.push(String(q.argv.length), ...q.argv);
    this.wrote(ctx, target);
    return new Promise((resolve) => link.send(envelope, resolve));
  }

  /**
   * WATCH: each key's version comes from its owner, and EXEC checks it there.
   * The keys are recorded at once, with versions still pending if remote, so a
   * pipelined WATCH … EXEC cannot run its EXEC unwatched.
   */
  private watch(ctx: Ctx, _spec: CommandSpec, argv: string[]): MaybeAsync {
    const found: MaybeAsync[] = [];
    for (let i = 1; i < argv.length; i++) {
      const o = this.owner(ctx, argv[i]!);
      if (typeof o !== 'string') return o.error;
      const versionArgv = ['KV.VERSION', argv[i]!];
      found.push(o === this.self ? this.runHere(ctx, lookupCommand('kv.version')!, versionArgv) : this.forward(ctx, o, versionArgv));
    }
    // A version that could not be had never matches: that EXEC will not run.
    const versionOf = (reply: r.AnyReply): string => (isErrorReply(reply) ? 'unknown' : String(integerValue(reply)));
    found.forEach((v, k) => {
      ctx.client.watched.push({ key: argv[k + 1]!, version: v instanceof Promise ? v.then(versionOf) : versionOf(v) });
    });
    if (!found.some((v) => v instanceof Promise)) return (found as r.AnyReply[]).find(isErrorReply) ?? r.OK;
    return Promise.all(found).then((replies) => replies.find(isErrorReply) ?? r.OK);
  }


  /** A keyspace command on every node of the cluster, merged into one reply. */
  private everywhere(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    if (ctx.path.length > 0) return this.runHere(ctx, spec, argv); // already fanned out
    // A read-only replica flushes nothing, here or elsewhere, as a Redis replica refuses FLUSHALL.
    if (spec.flags.includes('write') && ctx.node.replication.readOnly()) return r.error(READONLY);
    if (spec.routing === 'all-scan') return this.scan(ctx, spec, argv);
    // A replica holds its primary's keys again: counted, listed or flushed once, through the primary.
    const primaries = this.nodes.filter((n) => !this.isReplica(n.name));
    const targets = primaries.length > 0 ? primaries : this.nodes;
    const replies = targets.map((n) => this.onNode(ctx, spec, n.name, argv));
    if (targets.length === 1) return replies[0]!;
    return Promise.all(replies).then((all) => {
      // An error from one node fails the whole command, naming that node.
      const failedAt = all.findIndex(isErrorReply);
      if (failedAt >= 0) return all[failedAt]!;
      switch (spec.routing) {
        case 'all-sum':
          return r.integer(all.reduce((s, rep) => s + (integerValue(rep) ?? 0), 0));
        case 'all-ok':
          return r.OK;
        case 'all-randomkey': {
          const found = all.filter((rep) => typeof stringValue(rep) === 'string');
          return found.length === 0 ? r.nil(ctx.proto) : found[Math.floor(Math.random() * found.length)]!;
        }
        default: {
          const elements = all.flatMap((rep) => arrayElements(rep) ?? []);
          return r.arrayOf(elements);
        }
      }
    });
  }

  /**
   * SCAN over the cluster: the cursor holds the node index in its low part and
   * that node's own cursor in the rest. A node's walk ends at its cursor 0; the
   * scan then moves on to the next node, and ends after the last.
   */
  private scan(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    const n = this.nodes.length;
    const cursor = parseScanCursor(argv[1]!);
    if (cursor === null) return INVALID_CURSOR;
    const index = Number(cursor % BigInt(n));
    const local = cursor / BigInt(n);
    return this.scanFrom(ctx, spec, argv, index, String(local));
  }

  /**
   * One SCAN call on node `index`. When that node's walk ends with nothing found,
   * the call goes on to the next node, so an empty cluster answers cursor 0 at
   * once, as an empty Redis does.
   */
  private async scanFrom(ctx: Ctx, spec: CommandSpec, argv: string[], index: number, local: string): Promise<r.AnyReply> {
    const n = this.nodes.length;
    const sub = [argv[0]!, local, ...argv.slice(2)];
    // A replica's keys are its primary's: its turn in the walk is empty.
    const reply = this.isReplica(this.nodes[index]!.name) ? r.arrayHeader(2) + r.bulk('0') + r.EMPTY_ARRAY : await this.onNode(ctx, spec, this.nodes[index]!.name, sub);
    if (isErrorReply(reply)) return reply;
    const parts = arrayElements(reply);
    if (parts === null || parts.length !== 2) return reply;
    const nextLocal = Number(stringValue(parts[0]!) ?? '0');
    if (nextLocal !== 0) return r.prefixed(r.arrayHeader(2) + r.bulk(String(nextLocal * n + index)), parts[1]!);
    if (index + 1 >= n) return r.prefixed(r.arrayHeader(2) + r.bulk('0'), parts[1]!);
    if (parts[1] === '*0\r\n') return this.scanFrom(ctx, spec, argv, index + 1, '0');
    return r.prefixed(r.arrayHeader(2) + r.bulk(String(index + 1)), parts[1]!);
  }
}
