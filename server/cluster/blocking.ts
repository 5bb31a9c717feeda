// Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; BZPOPMIN, BZPOPMAX, BZMPOP), here and across
// nodes, and the waits CLIENT UNBLOCK ends (Redis's blocked.c). The routing stage hands every
// blocking command here (routing kind 'blocking').
//
// On the node that owns the keys, a command that finds nothing to pop waits in
// a FIFO queue per key; a write that stores or pushes a list there signals the
// key (store/blocked-keys.ts), and after that command the waiters are served
// in arrival order, each by the command narrowed to the ready key, run through
// the routing stage's door (so it is logged as the LPOP/LMOVE it became).
//
// A client of another node waits on the owner without holding the link
// between them, whose replies come back in order:
//   entry → owner   KV.BLOCK <id> <backstop-ms> <proto> <path> <argv…>
//                   answered at once: the command's reply, or +BLOCKED
//   owner → entry   KV.UNBLOCKED <entry> <id> <reply>, on the owner's own link,
//                   when it served the waiter: +OK, or an error if the entry
//                   no longer has that client (the owner then puts the
//                   elements back where they came from)
//   entry → owner   KV.UNBLOCK <id> on timeout, disconnect or CLIENT UNBLOCK:
//                   +CANCELLED, or +SERVED (a KV.UNBLOCKED is on its way and
//                   decides), or +UNKNOWN
// The owner's timer is only a backstop (the entry's timeout plus a margin).

import * as r from '../protocol/resp.js';
import type { ClientState, CommandSpec, Ctx } from '../commands/types.js';
import { parseBlocking as parseListBlocking, servingArgv as listServingArgv, wouldBlock as listWouldBlock, type BlockingArgs } from '../commands/lists.js';
import { parseZBlocking, zPutBack, zServingArgv, zWouldBlock } from '../commands/zsets.js';
import { ZSetValue } from '../store/zset.js';
import { lookupCommand } from '../commands/table.js';
import { arrayElements, isErrorReply, stringValue } from '../protocol/reply-framer.js';
import { QuickList } from '../store/quicklist.js';
import type { Store } from '../store/store.js';
import type { PeerLink } from './peer-link.js';
import { moveAcross, moveEnds, pushPopped } from './list-move.js';
import { holdsClient, type MaybeAsync } from './routing-stage.js';

export interface BlockingHost {
  readonly self: string;
  readonly store: Store;
  readonly links: ReadonlyMap<string, PeerLink>;
  /** Where `key` is served from, by the routing stage: a node, or an error reply. */
  owner(ctx: Ctx, key: string): string | { error: r.Reply };
  /** The node this node's table gives `key` to, whatever a move in progress says (null: no entry). */
  tableOwner(key: string): string | null;
  /** The routing stage's door for commands on this node's keys. */
  runHere(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync;
  /** A command on `node`'s keys: run here, or forwarded there. */
  runOn(ctx: Ctx, node: string, argv: string[]): Promise<r.AnyReply>;
  /** forward-timeout, ms. */
  forwardTimeoutMs(): number;
  log(msg: string): void;
}

// Lists and sorted sets block alike; these pick the type's own rules by the command's name.

/** BZPOPMIN, BZPOPMAX, BZMPOP: they wait for a sorted set, the others for a list. */
function forZset(argv: readonly string[]): boolean {
  return argv[0]!.length > 1 && (argv[0]![1] === 'z' || argv[0]![1] === 'Z');
}

function parseBlocking(argv: readonly string[]): BlockingArgs | string {
  return forZset(argv) ? parseZBlocking(argv) : parseListBlocking(argv);
}

function wouldBlock(store: Store, argv: readonly string[], args: BlockingArgs): boolean {
  return forZset(argv) ? zWouldBlock(store, args.keys) : listWouldBlock(store, args);
}

function servingArgv(argv: readonly string[], key: string): string[] {
  return forZset(argv) ? zServingArgv(argv, key) : listServingArgv(argv, key);
}

/** The value at a ready key can serve this waiter: a non-empty value of the type it waits for. */
function canServe(v: unknown, argv: readonly string[]): boolean {
  if (forZset(argv)) return v instanceof ZSetValue && v.size > 0;
  return v instanceof QuickList && v.length > 0;
}

/** A client waiting here: one of this node's, or another node's (remote). */
interface Waiter {
  readonly ctx: Ctx;
  readonly spec: CommandSpec;
  readonly argv: string[];
  /** Its keys, each once, in order. */
  readonly keys: string[];
  /** Answers the client: its reply promise here, KV.UNBLOCKED for a remote one. */
  readonly answer: (reply: r.AnyReply) => void;
  /** What its timer does: the timed-out reply here, nothing for a remote one (the entry answers). */
  readonly expire: () => void;
  timer: NodeJS.Timeout | null;
  /** When it stops waiting (ms since the epoch), 0 for ever. */
  readonly deadline: number;
  readonly remote: { entry: string; id: string; link: ClientState } | null;
}

/** A client of this node waiting on another node. */
interface RemoteBlock {
  readonly id: number;
  /** Where it waits: the keys' owner when it was sent there. */
  owner: string;
  readonly ctx: Ctx;
  readonly argv: string[];
  readonly timeoutMs: number;
  readonly startedAt: number;
  readonly resolve: (reply: r.AnyReply) => void;
  timer: NodeJS.Timeout | null;
  finished: boolean;
  /** Why it is being cancelled, once KV.UNBLOCK is sent. */
  cancelling: 'timeout' | 'error' | 'gone' | null;
  /** Its connection closed. */
  gone: boolean;
  /** Times the owner sent it back while this node's table still named that owner. */
  redirects: number;
}

const BLOCKED = '+BLOCKED\r\n';
/** KV.UNBLOCKED's reply when the owner no longer serves the keys (a table change): wait where they live now. */
const MOVED = '+MOVED\r\n';
const SERVED = '+SERVED\r\n';
const UNBLOCKED_ERROR = r.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
/** The owner drops a remote waiter this long after the entry's own timeout, if the entry never cancelled it. */
const BACKSTOP_MARGIN_MS = 5000;

export class BlockedClients {
  private readonly queues = new Map<string, Waiter[]>();
  /** Remote waiters here, by "<entry> <id>". */
  private readonly remoteWaiters = new Map<string, Waiter>();
  /** Remote waiters served, whose KV.UNBLOCKED is not yet answered, by "<entry> <id>". */
  private readonly inFlight = new Set<string>();
  /** This node's clients that wait, here or on another node, by client id. */
  private readonly byClient = new Map<number, Waiter | RemoteBlock>();
  private readonly remoteBlocks = new Map<number, RemoteBlock>();
  private nextId = 0;
  private serving = false;
  private scheduled = false;

  constructor(private readonly host: BlockingHost) {
    // A key signalled outside any client's command (a migration's import) is served on the next turn.
    host.store.blocked.onReady = () => {
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.serveReady();
      });
    };
  }

  /** INFO's blocked_clients: this node's clients that wait, wherever their keys live. */
  get blockedClients(): number {
    return this.byClient.size;
  }

  /** INFO cluster's kv_blocked_for_peers: other nodes' clients waiting here. */
  get waitingForPeers(): number {
    return this.remoteWaiters.size;
  }

  /** A blocking command from the routing stage. */
  dispatch(ctx: Ctx, spec: CommandSpec, argv: string[], parsed?: BlockingArgs): MaybeAsync {
    const args = parsed ?? parseBlocking(argv);
    if (typeof args === 'string') return args;
    let target: string | null = null;
    for (const key of args.allKeys) {
      const o = this.host.owner(ctx, key);
      if (typeof o !== 'string') return o.error;
      if (target !== null && o !== target) {
        if (spec.name === 'blmove' || spec.name === 'brpoplpush') return this.moveAcross(ctx, argv, args, target, o);
        return r.error(`ERR keys of '${spec.name}' live on different nodes (${target}, ${o}); a blocking command needs all its keys on one node`);
      }
      target = o;
    }
    if (target === null || target === this.host.self) return this.blockHere(ctx, spec, argv, args);
    return this.blockThere(ctx, target, argv, args);
  }

  /**
   * BLMOVE or BRPOPLPUSH whose destination lives on another node than its
   * source: a BLPOP/BRPOP of the source where it lives, then the element is
   * pushed on the destination's node (list-move.ts; back to the source if refused).
   */
  private moveAcross(ctx: Ctx, argv: string[], args: BlockingArgs, srcNode: string, dstNode: string): MaybeAsync {
    const { from, to } = moveEnds(argv) as { from: 'LEFT' | 'RIGHT'; to: 'LEFT' | 'RIGHT' };
    const popArgv = [from === 'LEFT' ? 'BLPOP' : 'BRPOP', argv[1]!, argv[argv.length - 1]!];
    const popSpec = lookupCommand(popArgv[0]!)!;
    const popArgs: BlockingArgs = { keys: [argv[1]!], allKeys: [argv[1]!], timeoutMs: args.timeoutMs };
    const popped = srcNode === this.host.self ? this.blockHere(ctx, popSpec, popArgv, popArgs) : this.blockThere(ctx, srcNode, popArgv, popArgs);
    const runOn = (node: string, cmd: string[]): Promise<r.AnyReply> => this.host.runOn(ctx, node, cmd);
    return holdsClient(
      Promise.resolve(popped).then((reply) => {
        const parts = arrayElements(reply);
        const value = parts !== null && parts.length === 2 ? stringValue(parts[1]!) : null;
        // Timed out (a null array), or an error (the source holds another type).
        if (typeof value !== 'string') return reply;
        return pushPopped(runOn, value, { node: srcNode, key: argv[1]! }, { node: dstNode, key: argv[2]! }, from, to);
      }),
    );
  }

  /** LMOVE and RPOPLPUSH: where both lists live on one node, there; across nodes, in steps (list-move.ts). */
  listMove(ctx: Ctx, spec: CommandSpec, argv: string[]): MaybeAsync {
    const ends = moveEnds(argv);
    if (typeof ends === 'string') return ends;
    const src = this.host.owner(ctx, argv[1]!);
    if (typeof src !== 'string') return src.error;
    const dst = this.host.owner(ctx, argv[2]!);
    if (typeof dst !== 'string') return dst.error;
    if (src === dst) return src === this.host.self ? this.host.runHere(ctx, spec, argv) : this.host.runOn(ctx, src, argv);
    const runOn = (node: string, cmd: string[]): Promise<r.AnyReply> => this.host.runOn(ctx, node, cmd);
    return holdsClient(moveAcross(runOn, { node: src, key: argv[1]! }, { node: dst, key: argv[2]! }, ends.from, ends.to, ctx.proto));
  }

  // ---- on the owner ----

  /**
   * Keys are waited for where the table puts them, even while a range moves
   * (a source may still pop what it holds): pushes to a missing key go there,
   * and keys on their way arrive there.
   */
  private waitsHere(keys: readonly string[]): boolean {
    return keys.every((k) => this.host.tableOwner(k) === this.host.self);
  }

  private blockHere(ctx: Ctx, spec: CommandSpec, argv: string[], args: BlockingArgs): MaybeAsync {
    if (!wouldBlock(this.host.store, argv, args)) return this.host.runHere(ctx, spec, argv);
    const there = this.host.tableOwner(args.keys[0]!);
    if (!this.waitsHere(args.keys) && there !== null && this.host.links.has(there)) return this.blockThere(ctx, there, argv, args);
    return holdsClient(
      new Promise<r.AnyReply>((resolve) => {
        const w: Waiter = {
          ctx,
          spec,
          argv,
          keys: [...new Set(args.keys)],
          answer: resolve,
          expire: () => resolve(r.nilArray(ctx.proto)),
          timer: null,
          deadline: args.timeoutMs === 0 ? 0 : Date.now() + args.timeoutMs,
          remote: null,
        };
        this.byClient.set(ctx.client.id, w);
        this.addWaiter(w, args.timeoutMs);
      }),
    );
  }

  private addWaiter(w: Waiter, timeoutMs: number): void {
    for (const key of w.keys) {
      let q = this.queues.get(key);
      if (q === undefined) this.queues.set(key, (q = []));
      q.push(w);
      this.host.store.blocked.add(key);
    }
    if (timeoutMs > 0) {
      w.timer = setTimeout(() => {
        w.timer = null;
        this.removeWaiter(w);
        w.expire();
      }, timeoutMs);
    }
  }

  private removeWaiter(w: Waiter): void {
    for (const key of w.keys) {
      const q = this.queues.get(key);
      if (q === undefined) continue;
      const i = q.indexOf(w);
      if (i < 0) continue;
      q.splice(i, 1);
      if (q.length === 0) this.queues.delete(key);
      this.host.store.blocked.remove(key);
    }
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    if (w.remote !== null) this.remoteWaiters.delete(`${w.remote.entry} ${w.remote.id}`);
    else if (this.byClient.get(w.ctx.client.id) === w) this.byClient.delete(w.ctx.client.id);
  }

  /**
   * Serves the keys signalled ready, each to its waiters in arrival order, as
   * long as it holds a non-empty list. A BLMOVE served pushes to its
   * destination, which may serve others in turn (Redis's
   * handleClientsBlockedOnKeys). Called after every command.
   */
  serveReady(): void {
    const ready = this.host.store.blocked.ready;
    if (this.serving || ready.size === 0) return;
    this.serving = true;
    try {
      while (ready.size > 0) {
        const key = ready.values().next().value as string;
        ready.delete(key);
        const queue = this.queues.get(key);
        while (queue !== undefined && queue.length > 0) {
          // The first waiter for the type the key now holds (Redis serves list and zset waiters apart).
          const v = this.host.store.get(key);
          const w = queue.find((x) => canServe(v, x.argv));
          if (w === undefined) break;
          this.removeWaiter(w);
          const reply = this.host.runHere(w.ctx, w.spec, servingArgv(w.argv, key));
          // Every blocking command runs synchronously on its own node's keys.
          w.answer(reply instanceof Promise ? r.error('ERR internal error: asynchronous blocking pop') : reply);
        }
      }
    } finally {
      this.serving = false;
    }
  }

  /** KV.BLOCK, KV.UNBLOCK and KV.UNBLOCKED from the peer whose link `ctx.client` is. */
  fromPeer(ctx: Ctx, name: string, argv: string[]): MaybeAsync {
    const peer = ctx.client.peer!;
    if (name === 'kv.block') return this.blockForPeer(ctx, peer, argv);
    if (name === 'kv.unblock') {
      if (argv.length !== 2) return malformed('KV.UNBLOCK', 'expected <id>');
      const tag = `${peer} ${argv[1]!}`;
      const w = this.remoteWaiters.get(tag);
      if (w !== undefined) {
        this.removeWaiter(w);
        return r.simple('CANCELLED');
      }
      return this.inFlight.has(tag) ? SERVED : r.simple('UNKNOWN');
    }
    // KV.UNBLOCKED <entry> <id> <reply>
    if (argv.length !== 4) return malformed('KV.UNBLOCKED', 'expected <entry> <id> <reply>');
    if (argv[1] !== this.host.self) return r.error(`ERR KV.UNBLOCKED for node ${argv[1]!.slice(0, 64)} reached node ${this.host.self}`);
    const b = this.remoteBlocks.get(Number(argv[2]));
    if (b === undefined || b.owner !== peer || b.finished) return r.error('ERR no such blocked client');
    if (b.gone) {
      this.finish(b, r.nilArray(b.ctx.proto));
      return r.error('ERR client gone');
    }
    if (argv[3] === MOVED) {
      this.rehome(b, peer);
      return r.OK;
    }
    this.finish(b, argv[3]!);
    return r.OK;
  }

  /** KV.BLOCK <id> <backstop-ms> <proto> <path> <argv…>: serve now, or wait here for the peer's client. */
  private blockForPeer(linkCtx: Ctx, peer: string, argv: string[]): MaybeAsync {
    if (argv.length < 7) return malformed('KV.BLOCK', 'expected <id> <backstop-ms> <proto> <path> <command...>');
    const [, id, backstopField, protoField, pathField] = argv as [string, string, string, string, string];
    if (!/^[1-9]\d{0,15}$/.test(id)) return malformed('KV.BLOCK', 'bad id');
    if (!/^(0|[1-9]\d{0,15})$/.test(backstopField)) return malformed('KV.BLOCK', 'bad backstop');
    if (protoField !== '2' && protoField !== '3') return malformed('KV.BLOCK', 'protocol must be 2 or 3');
    const path = pathField.split(',');
    if (path.some((p) => p === '')) return malformed('KV.BLOCK', 'bad path');
    const inner = argv.slice(5);
    const spec = lookupCommand(inner[0]!);
    if (spec === undefined || spec.routing !== 'blocking') return malformed('KV.BLOCK', 'not a blocking command');
    const proto = protoField === '3' ? 3 : 2;
    const ctx: Ctx = { node: linkCtx.node, client: { ...linkCtx.client, proto }, proto, path };
    const args = parseBlocking(inner);
    if (typeof args === 'string') return args;
    let servedHere = true;
    for (const key of args.allKeys) {
      const o = this.host.owner(ctx, key);
      if (typeof o !== 'string') return o.error;
      if (o !== this.host.self) servedHere = false;
    }
    const tag = `${peer} ${id}`;
    // Sent again after the link came back: it still waits, or its answer is on its way.
    if (this.remoteWaiters.has(tag) || this.inFlight.has(tag)) return BLOCKED;
    if (servedHere && !wouldBlock(this.host.store, inner, args)) return this.host.runHere(ctx, spec, inner);
    // Nothing to pop here, and the table puts the keys elsewhere: the entry asks there.
    if (!this.waitsHere(args.keys)) return MOVED;
    const w: Waiter = {
      ctx,
      spec,
      argv: inner,
      keys: [...new Set(args.keys)],
      answer: (reply) => this.sendUnblocked(w, reply),
      expire: () => {},
      timer: null,
      deadline: 0,
      remote: { entry: peer, id, link: linkCtx.client },
    };
    this.remoteWaiters.set(tag, w);
    this.addWaiter(w, Number(backstopField));
    return BLOCKED;
  }

  /** A remote waiter was served: its entry node answers its client, or the elements go back. */
  private sendUnblocked(w: Waiter, reply: r.AnyReply): void {
    const { entry, id } = w.remote!;
    const tag = `${entry} ${id}`;
    const link = this.host.links.get(entry);
    const text = typeof reply === 'string' ? reply : reply.parts.join('');
    if (isErrorReply(text) || text === MOVED) {
      // Nothing was popped (BLMOVE into a key of another type, or the keys moved away): no element to put back.
      link?.send(['KV.UNBLOCKED', entry, id, text], () => {});
      return;
    }
    if (link === undefined) {
      this.putBack(w, text);
      return;
    }
    this.inFlight.add(tag);
    link.send(['KV.UNBLOCKED', entry, id, text], (answer) => {
      this.inFlight.delete(tag);
      if (answer === r.OK) return;
      const told = typeof answer === 'string' ? answer : '';
      // The entry did not take it (its client is gone, or it never had it): back in the list.
      // A link that broke after sending may have delivered it: then it is not put back (at most once).
      if (told.includes('may or may not have run')) {
        this.host.log(`blocking pop for ${entry} (id ${id}) served, delivery unknown: ${told.trim().slice(0, 200)}`);
        return;
      }
      this.putBack(w, text);
    });
  }

  /** Undoes a served pop whose client could not be told: the elements go back to the end they came from. */
  private putBack(w: Waiter, reply: string): void {
    const name = w.argv[0]!.toLowerCase();
    const back = (argv: string[]): void => {
      const spec = lookupCommand(argv[0]!)!;
      this.host.runHere({ ...w.ctx, path: [...w.ctx.path, 'undo'] }, spec, argv);
    };
    if (forZset(w.argv)) {
      const zadd = zPutBack(w.argv, reply);
      if (zadd !== null) back(zadd);
      this.host.log(`blocking pop for ${w.remote?.entry} (id ${w.remote?.id}) undone: its client was not there to take it`);
      return;
    }
    if (name === 'blmove' || name === 'brpoplpush') {
      // LMOVE back: from the destination's end it went to, to the source's end it came from.
      const from = name === 'brpoplpush' ? 'RIGHT' : w.argv[3]!.toUpperCase();
      const to = name === 'brpoplpush' ? 'LEFT' : w.argv[4]!.toUpperCase();
      back(['LMOVE', w.argv[2]!, w.argv[1]!, to, from]);
      return;
    }
    const parts = arrayElements(reply);
    if (parts === null || parts.length !== 2) return;
    const key = stringValue(parts[0]!);
    if (typeof key !== 'string') return;
    const left = name === 'blpop' || (name === 'blmpop' && servingArgv(w.argv, key)[4] === 'left');
    const popped = name === 'blmpop' ? (arrayElements(parts[1]!) ?? []).map((e) => stringValue(e) ?? '') : [stringValue(parts[1]!) ?? ''];
    back([left ? 'LPUSH' : 'RPUSH', key, ...popped.reverse()]);
    this.host.log(`blocking pop for ${w.remote?.entry} (id ${w.remote?.id}) undone: its client was not there to take it`);
  }

  // ---- on the entry node ----

  private blockThere(ctx: Ctx, owner: string, argv: string[], args: BlockingArgs): MaybeAsync {
    if (!this.host.links.has(owner)) return r.error(`ERR no link to node ${owner}`);
    const id = ++this.nextId;
    return holdsClient(
      new Promise<r.AnyReply>((resolve) => {
        const b: RemoteBlock = {
          id,
          owner,
          ctx,
          argv,
          timeoutMs: args.timeoutMs,
          startedAt: Date.now(),
          resolve,
          timer: null,
          finished: false,
          cancelling: null,
          gone: false,
          redirects: 0,
        };
        this.remoteBlocks.set(id, b);
        if (ctx.path.length === 0) this.byClient.set(ctx.client.id, b);
        if (b.timeoutMs > 0) b.timer = setTimeout(() => this.cancel(b, 'timeout'), b.timeoutMs);
        this.sendBlock(b);
      }),
    );
  }

  private sendBlock(b: RemoteBlock): void {
    const left = b.timeoutMs === 0 ? 0 : Math.max(1, b.timeoutMs - (Date.now() - b.startedAt));
    const backstop = left === 0 ? 0 : left + BACKSTOP_MARGIN_MS + this.host.forwardTimeoutMs();
    const path = [...b.ctx.path, this.host.self].join(',');
    const to = b.owner;
    this.host.links.get(to)!.send(['KV.BLOCK', String(b.id), String(backstop), b.ctx.proto === 3 ? '3' : '2', path, ...b.argv], (reply) => {
      if (b.finished || reply === BLOCKED) return;
      if (reply === MOVED) return this.rehome(b, to);
      // Served at once, an error, or the link failed: that is the client's answer.
      this.finish(b, reply);
    });
  }

  private finish(b: RemoteBlock, reply: r.AnyReply): void {
    if (b.finished) return;
    b.finished = true;
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    this.remoteBlocks.delete(b.id);
    if (this.byClient.get(b.ctx.client.id) === b) this.byClient.delete(b.ctx.client.id);
    b.resolve(reply);
  }

  /** Asks the owner to drop the waiter; what the client gets depends on its answer. */
  private cancel(b: RemoteBlock, why: 'timeout' | 'error' | 'gone'): void {
    if (b.finished || b.cancelling !== null) return;
    b.cancelling = why;
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    const final = why === 'error' ? UNBLOCKED_ERROR : r.nilArray(b.ctx.proto);
    const link = this.host.links.get(b.owner);
    if (link === undefined) return this.finish(b, final);
    link.send(['KV.UNBLOCK', String(b.id)], (answer) => {
      if (b.finished) return;
      if (answer === SERVED) {
        // Its KV.UNBLOCKED is on the owner's link: it decides. Should it never come, the client is not left waiting.
        b.timer = setTimeout(() => this.finish(b, final), 2 * this.host.forwardTimeoutMs() + 1000);
        return;
      }
      this.finish(b, final);
    });
  }

  /**
   * The table changed: a waiter whose keys this node no longer serves would
   * wait for pushes that now go elsewhere. This node's own clients wait where
   * the keys live now, for the time they have left; another node's client is
   * sent back to its entry node (KV.UNBLOCKED … +MOVED), which does the same.
   */
  tableChanged(): void {
    const all = new Set<Waiter>();
    for (const q of this.queues.values()) for (const w of q) all.add(w);
    for (const w of all) {
      if (this.waitsHere(w.keys)) continue;
      this.removeWaiter(w);
      if (w.remote !== null) {
        w.answer(MOVED);
        continue;
      }
      const args = parseBlocking(w.argv);
      if (typeof args === 'string') continue;
      const left = w.deadline === 0 ? 0 : w.deadline - Date.now();
      if (w.deadline !== 0 && left <= 0) {
        w.expire();
        continue;
      }
      void Promise.resolve(this.blockHere(w.ctx, w.spec, w.argv, { ...args, timeoutMs: left })).then(w.answer);
    }
  }

  /**
   * A client of this node that `from` no longer serves (a table change, or a
   * move in progress): it waits where this node's table puts its keys, for the
   * time it has left. Two nodes whose tables disagree are asked again a few
   * times, 100 ms apart, then the client is told.
   */
  private rehome(b: RemoteBlock, from: string): void {
    if (b.finished) return;
    const args = parseBlocking(b.argv);
    const target = typeof args === 'string' ? null : this.host.tableOwner(args.keys[0]!);
    if (target === null || typeof args === 'string') return this.finish(b, r.error(`ERR node ${from} no longer serves this blocking command's keys, and no node does`));
    const left = b.timeoutMs === 0 ? 0 : b.timeoutMs - (Date.now() - b.startedAt);
    if (b.timeoutMs !== 0 && left <= 0) return this.finish(b, r.nilArray(b.ctx.proto));
    if (target === this.host.self) {
      // Its keys are this node's now: it waits here, as a new waiter.
      this.endRemote(b);
      void Promise.resolve(this.blockHere(b.ctx, lookupCommand(b.argv[0]!)!, b.argv, { ...args, timeoutMs: left })).then(b.resolve);
      return;
    }
    if (target === from) {
      if (++b.redirects > 5) return this.finish(b, r.error(`ERR nodes ${this.host.self} and ${from} disagree about who owns '${args.keys[0]!.slice(0, 64)}'; try again`));
      setTimeout(() => {
        if (!b.finished && b.cancelling === null) this.sendBlock(b);
      }, 100).unref();
      return;
    }
    b.owner = target;
    this.sendBlock(b);
  }

  /** Forgets a remote wait without answering its client (it goes on waiting elsewhere). */
  private endRemote(b: RemoteBlock): void {
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    b.finished = true;
    this.remoteBlocks.delete(b.id);
    if (this.byClient.get(b.ctx.client.id) === b) this.byClient.delete(b.ctx.client.id);
  }

  /** The link to `node` is up (again): this node's clients waiting there are registered again (the owner may have dropped them). */
  linkUp(node: string): void {
    for (const b of this.remoteBlocks.values()) if (b.owner === node && !b.finished && b.cancelling === null) this.sendBlock(b);
  }

  /** A connection closed: its client stops waiting; a link's close drops the waiters of the node behind it. */
  clientClosed(client: ClientState): void {
    if (client.peer !== null) {
      for (const w of [...this.remoteWaiters.values()]) if (w.remote!.link === client) this.removeWaiter(w);
      return;
    }
    const x = this.byClient.get(client.id);
    if (x === undefined) return;
    if ('answer' in x) {
      // Answered anyway, so a half-closed connection finishes its replies and closes.
      this.removeWaiter(x);
      x.answer(r.nilArray(x.ctx.proto));
      return;
    }
    x.gone = true;
    this.cancel(x, 'gone');
  }

  /** CLIENT UNBLOCK: ends the wait of this node's client `id` as a timeout or with an error; false if it was not waiting. */
  unblockClient(id: number, error: boolean): boolean {
    const x = this.byClient.get(id);
    if (x === undefined) return false;
    if ('answer' in x) {
      this.removeWaiter(x);
      x.answer(error ? UNBLOCKED_ERROR : r.nilArray(x.ctx.proto));
    } else this.cancel(x, error ? 'error' : 'timeout');
    return true;
  }
}

function malformed(command: string, what: string): r.Reply {
  return r.error(`ERR malformed ${command}: ${what}`);
}
