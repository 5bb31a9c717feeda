// Bucket migration. When this node's table stops naming it for a range of first
// bytes, the keys of that range it still holds move to the range's new owner in
// batches, with their values and expiry times, while both nodes serve. It is
// Redis Cluster's MIGRATING/IMPORTING with ASK, done between the nodes:
//
// - On the source, a key it still holds is served here; a key of a moving range
//   that it does not hold (never existed, or already moved) goes to the new
//   owner. A key in a batch that is on its way ("in flight") goes to the new
//   owner too, over the same link as the batch, so it arrives after its value.
//   The source deletes a key (through the write log: its AOF and replicas see
//   the DEL) only when the new owner has acknowledged the batch, which it does
//   after its own AOF has the key.
// - On the new owner, a key it does not hold, in a range it is importing, is
//   first looked for on the source (unless the request comes from there).
// - A batch that fails (the link broke, the target timed out) keeps its keys
//   "in flight": they are not served here again, only re-sent. The target takes
//   a key only if it does not have it already (it keeps its own, which is the
//   newer), so re-sending a batch never goes back in time.
// - Nothing is sent before the target says it owns the range (it has the new
//   table: its answer to "start", or the "owned" message it sends its peers when
//   its table changes, ahead of its requests on the same link). Until then the
//   target sends requests for the range back, and the source serves them. A
//   target that refuses a key anyway (its table changed again) leaves it here.
//
// This module keeps the state and moves the keys; routing-stage.ts asks it where
// a key is while a move is on.

import type { PeerLink } from './peer-link.js';
import { ownersByByte } from './router.js';
import type { RouteEntry } from './config.js';
import type { Store } from '../store/store.js';
import { dumpPayload } from '../persistence/rdb.js';
import * as r from '../protocol/resp.js';
import { arrayElements, integerValue, isErrorReply, stringValue } from '../protocol/reply-framer.js';

type AnyReply = r.AnyReply;

export interface MigrationHost {
  readonly self: string;
  readonly store: Store;
  readonly links: ReadonlyMap<string, PeerLink>;
  table(): readonly RouteEntry[];
  /** A numeric setting (migrate-keys-per-second, migrate-batch-keys). */
  setting(name: string): number;
  log(msg: string): void;
  /** Runs a write on this node's own keys through the routing stage's door: WATCH, the AOF and replicas see it. */
  runLocal(argv: string[]): AnyReply;
  /** False on a replica: its keys are its primary's, which moves them. */
  active(): boolean;
}

/** Bytes of values per batch, past which a batch is sent even if it has fewer keys. */
const BATCH_BYTES = 1024 * 1024;
/** Batches on their way to one target at a time. */
const BATCHES_IN_FLIGHT = 2;
/**
 * Batches share the link with forwarded client requests, which wait behind
 * them: a batch whose round trip passes SLOW_MS halves the next batches (down
 * to MIN_BATCH keys), one under FAST_MS doubles them (up to migrate-batch-keys).
 */
const SLOW_MS = 50;
const FAST_MS = 10;
const MIN_BATCH = 8;
/** How long a target that refused or failed is left alone. */
const RETRY_MS = 500;
/** Keys a rescan looks at per turn of the event loop. */
const SCAN_CHUNK = 20_000;
/** How often progress is logged during a long move, and importers re-check their sources. */
const PROGRESS_MS = 3000;

/** Bytes as ranges for people: "g-m,q". */
export function describeBytes(bytes: Iterable<number>): string {
  const sorted = [...new Set(bytes)].sort((a, b) => a - b);
  const show = (b: number): string => (b > 32 && b < 127 && b !== 44 && b !== 45 ? String.fromCharCode(b) : `0x${b.toString(16).padStart(2, '0')}`);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? show(sorted[i]!) : `${show(sorted[i]!)}-${show(sorted[j]!)}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Bytes travel between nodes as one string, a char per byte. */
const bytesToWire = (bytes: Iterable<number>): string => String.fromCharCode(...new Set(bytes));
const bytesFromWire = (s: string): number[] => [...s].map((c) => c.charCodeAt(0)).filter((b) => b < 256);

interface Outgoing {
  /** Keys still to send (or to send again). */
  readonly queue: Set<string>;
  batches: number;
  moved: number;
  readonly startedAt: number;
  retryAt: number;
  lastLog: number;
  /** A "done" is on its way to the target. */
  finishing: boolean;
  /** The store was scanned again since the queue emptied. */
  scanned: boolean;
  /** Keys per batch now, adapted to the target's round trips. */
  window: number;
}

export class Migration {
  /** First bytes this node is moving away, with their target. */
  private readonly outgoing = new Map<number, string>();
  /** Per target: what is left to send, and progress. */
  private readonly targets = new Map<string, Outgoing>();
  /** Keys sent and not yet acknowledged, with their target: served there, not here. */
  private readonly inFlight = new Map<string, string>();
  /**
   * Keys the target may or may not have: their batch failed, or this node
   * restarted in the middle of a move. Neither served here nor sent on to the
   * target until they are sent again (the target keeps its own copy if it has one).
   */
  private readonly resendFirst = new Set<string>();
  /** Keys taken from each source during its move here, so a batch sent twice is taken once. */
  private readonly taken = new Map<string, Set<string>>();
  /** First bytes this node owns whose keys may still be on another node, with that node. */
  private readonly importing = new Map<number, string>();
  private scheduled = false;
  /** A key of a moving range may have been created here since the last scan (see whereIs). */
  private maybeCreated = false;
  /** Moving bytes whose target said it owns them (it has the new table): it serves what it does not find here. */
  private readonly accepted = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  /** Tokens for migrate-keys-per-second. */
  private allowance = 0;
  private allowanceAt = Date.now();

  private readonly recheck: NodeJS.Timeout;

  constructor(private readonly host: MigrationHost) {
    // Imports are re-checked with their sources now and then (a "done" lost with a link), and long moves log progress.
    this.recheck = setInterval(() => {
      if (this.importing.size !== 0) for (const src of new Set(this.importing.values())) this.askSource(src);
      if (this.targets.size !== 0) this.tick();
    }, PROGRESS_MS);
    this.recheck.unref();
  }

  /** True while this node may hold keys that another node owns: routing asks whereIs() then. */
  get moving(): boolean {
    return this.outgoing.size !== 0 || this.inFlight.size !== 0;
  }

  /** True while this node may have to look for its keys on another node: routing asks importSource() then. */
  get importingAny(): boolean {
    return this.importing.size !== 0;
  }

  /**
   * Where a key of a range this node does not own is served, while it moves:
   * its target when it is in flight, here when this node still holds it, or
   * null for the table's owner. `sender` is the node that passed the request
   * here; when that is the target and the range is moving there, the target
   * does not own it yet by its own table (it sent the request back), so the
   * key is this node's until it does.
   */
  whereIs(key: string, tableOwner: string, sender: string | undefined): string | null {
    // A key the target may or may not have (its batch failed, or this node restarted
    // mid-move) is sent again before the request, which then follows it.
    if (this.resendFirst.size !== 0 && this.resendFirst.has(key)) {
      this.shipNow([key]);
      // Not served here before it went again, even when it cannot go yet (the target is down).
      return this.inFlight.get(key) ?? tableOwner;
    }
    const dest = this.inFlight.get(key);
    if (dest !== undefined) return dest;
    if (this.host.store.has(key)) return this.host.self;
    const b = key.charCodeAt(0);
    if (sender === tableOwner && this.outgoing.get(b) === tableOwner && !this.accepted.has(b)) {
      this.maybeCreated = true;
      return this.host.self;
    }
    return null;
  }

  /** True while this node may look for keys on `node` (a range it takes over from it). */
  importsFrom(node: string): boolean {
    for (const src of this.importing.values()) if (src === node) return true;
    return false;
  }

  /** For a key of a range this node owns and does not hold: the node it may still be on, or null. */
  importSource(key: string, path: readonly string[]): string | null {
    const src = this.importing.get(key.charCodeAt(0));
    if (src === undefined || path.includes(src) || this.host.store.has(key)) return null;
    return src;
  }

  /**
   * The table changed from `before` to the current one. Ranges that were this
   * node's and now name another node start moving there; ranges that are now
   * this node's are looked for on their previous owner until it is done,
   * unless that node is now this one's replica (a failover: the data is here).
   */
  tableChanged(before: readonly RouteEntry[], followsMe: (node: string) => boolean): void {
    if (!this.host.active()) return;
    this.accepted.clear();
    this.tellOwned();
    const old = ownersByByte(before);
    const now = ownersByByte(this.host.table());
    const self = this.host.self;
    for (let b = 0; b < 256; b++) {
      if (now[b] === self) {
        this.outgoing.delete(b);
        const prev = old[b];
        if (prev !== null && prev !== self && prev !== undefined && !followsMe(prev)) this.importing.set(b, prev);
      } else {
        this.importing.delete(b);
        if (now[b] === null) this.outgoing.delete(b);
        else if (old[b] === self || this.outgoing.has(b)) this.outgoing.set(b, now[b]!);
      }
    }
    this.allowance = 0;
    this.allowanceAt = Date.now();
    void this.rescan();
    this.announce();
    this.tick();
  }

  /**
   * At start (after the AOF is loaded): keys left from a move a crash
   * interrupted go on moving, and every peer is asked what it is moving here,
   * so that this node, back from a crash in the middle of taking a range, looks
   * for the keys it does not have yet before it answers a client. Resolves when
   * every peer answered or is down, or after `waitMs`.
   */
  async resume(waitMs: number): Promise<void> {
    if (!this.host.active()) return;
    // Clients wait (-LOADING) while the store is scanned.
    await this.rescan();
    // Any of them may be on the target already, with writes since: none is served here before it is sent again.
    for (const t of this.targets.values()) for (const key of t.queue) this.resendFirst.add(key);
    this.announce();
    this.tick();
    // Links still connecting ask when they are up (linkUp); a request sent now
    // to a peer that is not up yet would only put its link into backoff.
    // Answers from before the scan (links up while the AOF loaded) knew nothing of what moves: ask again.
    this.answered.clear();
    for (const [peer, link] of this.host.links) if (link.state === 'up') this.askSource(peer, true);
    this.starting = true;
    const deadline = Date.now() + waitMs;
    const settled = (): boolean => [...this.host.links].every(([peer, link]) => this.answered.has(peer) || link.state === 'down' || link.state === 'idle');
    while (!settled() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 5));
    this.starting = false;
  }

  /** Set while resume() waits for the peers' first answers. */
  private starting = false;

  /** Peers that answered KV.MIGRATIONS at least once since this node started. */
  private readonly answered = new Set<string>();

  /**
   * Finds every key held here that the table gives to another node, and
   * queues it for that node: SCAN_CHUNK keys a turn, so that a node with
   * millions of keys keeps answering while it starts a move. A new scan
   * replaces one under way. Resolves when the walk is done.
   */
  private rescan(): Promise<void> {
    const keys = this.host.store.keys();
    const scan = { keys, pos: 0, done: null as (() => void) | null };
    this.scanning = scan;
    const ended = new Promise<void>((resolve) => (scan.done = resolve));
    const step = (): void => {
      if (this.scanning !== scan) return scan.done!();
      const owners = ownersByByte(this.host.table());
      const end = Math.min(keys.length, scan.pos + SCAN_CHUNK);
      for (; scan.pos < end; scan.pos++) {
        const key = keys[scan.pos]!;
        if (key.length === 0) continue;
        const b = key.charCodeAt(0);
        const owner = owners[b];
        if (owner === null || owner === undefined || owner === this.host.self) continue;
        this.outgoing.set(b, owner);
        this.targetOf(owner).queue.add(key);
      }
      if (scan.pos < keys.length) {
        this.tick();
        setImmediate(step);
        return;
      }
      for (const [b, dest] of this.outgoing) if (owners[b] !== dest) this.outgoing.delete(b);
      this.scanning = null;
      scan.done!();
      this.tick();
    };
    step();
    return ended;
  }

  /** The scan under way, if any: no range is done while it runs. */
  private scanning: { readonly keys: string[]; pos: number } | null = null;

  private targetOf(dest: string): Outgoing {
    let t = this.targets.get(dest);
    if (t === undefined) {
      const now = Date.now();
      t = { queue: new Set(), batches: 0, moved: 0, startedAt: now, retryAt: 0, lastLog: now, finishing: false, scanned: false, window: 32 };
      this.targets.set(dest, t);
    }
    return t;
  }

  private bytesTo(dest: string): number[] {
    return [...this.outgoing].filter(([, d]) => d === dest).map(([b]) => b);
  }

  /** Tells each target which ranges are coming, so it looks here for the keys it does not have yet. */
  announce(only?: string): void {
    const dests = new Set(this.outgoing.values());
    for (const dest of dests) {
      if (only !== undefined && dest !== only) continue;
      this.upLink(dest)?.send(['KV.MIGRATING', 'start', bytesToWire(this.bytesTo(dest))], (reply) => this.takenBy(dest, reply));
    }
  }

  /** A link came up: announce what moves there, and ask that node what it moves here. */
  linkUp(peer: string): void {
    if (!this.host.active()) return;
    this.tellOwned(peer);
    this.announce(peer);
    this.askSource(peer, this.starting);
  }

  /**
   * KV.MIGRATIONS from `peer`: the bytes this node may still hold keys of that
   * `peer` should look for here: [those this node owns, those moving to `peer`].
   */
  migrationsFor(peer: string): r.Reply {
    const owners = ownersByByte(this.host.table());
    const owned: number[] = [];
    for (let b = 0; b < 256; b++) if (owners[b] === this.host.self) owned.push(b);
    return r.bulkArray([bytesToWire(owned), bytesToWire(this.bytesTo(peer))], 2);
  }

  /**
   * Asks `src` which ranges it may still hold keys of: imports from it that it
   * neither owns nor moves here are done; ranges it moves here are imported
   * (this node may have restarted since it was told).
   */
  private askSource(src: string, atStart = false): void {
    this.upLink(src)?.send(['KV.MIGRATIONS'], (reply) => {
      if (isErrorReply(reply) && (stringValue(reply) ?? '').startsWith('LOADING')) {
        // That node is loading its data: it cannot say yet what it holds.
        setTimeout(() => this.askSource(src, atStart), 100).unref();
        return;
      }
      this.answered.add(src);
      const parts = arrayElements(reply)?.map((e) => stringValue(e));
      if (parts === undefined || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') return;
      const owned = new Set(bytesFromWire(parts[0]));
      const moving = bytesFromWire(parts[1]);
      // What it owns of the ranges moving there, it takes.
      for (const [b, dest] of this.outgoing) if (dest === src && owned.has(b)) this.accepted.add(b);
      this.acceptedNow(src);
      const mine = ownersByByte(this.host.table());
      for (const [b, from] of this.importing) if (from === src && !owned.has(b) && !moving.includes(b)) this.importing.delete(b);
      for (const b of moving) if (mine[b] === this.host.self) this.importing.set(b, src);
      // A node that starts owning ranges a peer still owns (a node just added, before
      // the others reloaded) looks for those keys there until the peer moves them.
      if (atStart) for (const b of owned) if (mine[b] === this.host.self && !this.importing.has(b)) this.importing.set(b, src);
    });
  }

  /**
   * KV.MIGRATING from `from`. start|done <bytes>: a range moving here begins or
   * ends; the answer is the bytes this node takes (those it owns by its table).
   * owned <bytes>: every byte `from` owns by its table, sent when its table
   * changes or its link comes up, ahead of any request it sends here; ranges
   * moving there that it owns are served there from now on.
   */
  onMigrating(from: string, phase: string, wire: string): string {
    if (phase === 'owned') {
      const owned = new Set(bytesFromWire(wire));
      for (const [b, dest] of this.outgoing) {
        if (dest !== from) continue;
        if (owned.has(b)) this.accepted.add(b);
        else this.accepted.delete(b);
      }
      this.acceptedNow(from);
      return '';
    }
    const owners = ownersByByte(this.host.table());
    const mine = bytesFromWire(wire).filter((b) => owners[b] === this.host.self);
    for (const b of mine) {
      if (phase === 'start') this.importing.set(b, from);
      else if (this.importing.get(b) === from) this.importing.delete(b);
    }
    if (phase === 'done' && mine.length > 0) this.host.log(`import of ${describeBytes(mine)} from ${from} done`);
    if (phase === 'done' && ![...this.importing.values()].includes(from)) this.taken.delete(from);
    return bytesToWire(mine);
  }

  /**
   * The link to `peer` if it is up. Messages about a move go only over links
   * that are up (a link that comes up sends them: linkUp): one sent to a peer
   * still starting would put the link into its backoff, and clients' requests
   * through it would fail fast for that long.
   */
  private upLink(peer: string): PeerLink | undefined {
    const link = this.host.links.get(peer);
    return link?.state === 'up' ? link : undefined;
  }

  /** Tells `peer` (or every peer) which bytes this node owns, ahead of the requests it sends there. */
  private tellOwned(peer?: string): void {
    const owners = ownersByByte(this.host.table());
    const owned: number[] = [];
    for (let b = 0; b < 256; b++) if (owners[b] === this.host.self) owned.push(b);
    for (const name of this.host.links.keys()) if (peer === undefined || name === peer) this.upLink(name)?.send(['KV.MIGRATING', 'owned', bytesToWire(owned)], () => {});
  }

  /** A target's answer naming bytes it takes: they are served there from now on. */
  private takenBy(dest: string, reply: r.AnyReply): void {
    const s = stringValue(reply);
    if (typeof s !== 'string' || isErrorReply(reply)) return;
    for (const b of bytesFromWire(s)) if (this.outgoing.get(b) === dest) this.accepted.add(b);
    this.acceptedNow(dest);
  }

  /** `dest` may take ranges now: what waited for it goes. */
  private acceptedNow(dest: string): void {
    const t = this.targets.get(dest);
    if (t === undefined) return;
    t.retryAt = 0;
    this.tick();
  }

  /**
   * KV.IMPORT <from> (<key> <expiry ms, 0 for none> <DUMP payload>)…: per key,
   * 1 taken, 0 already here (this node's copy is kept: it is the newer), -1
   * refused (not this node's by its table).
   */
  importBatch(from: string, argv: readonly string[]): r.AnyReply {
    const owners = ownersByByte(this.host.table());
    const store = this.host.store;
    const results: r.Reply[] = [];
    for (let i = 2; i + 2 < argv.length; i += 3) {
      const key = argv[i]!;
      if (key.length === 0 || owners[key.charCodeAt(0)] !== this.host.self) {
        results.push(r.integer(-1));
        continue;
      }
      if (!this.importing.has(key.charCodeAt(0))) this.importing.set(key.charCodeAt(0), from);
      let taken = this.taken.get(from);
      if (taken === undefined) this.taken.set(from, (taken = new Set()));
      // Taken before (a batch sent again after a timeout): clients may have changed or deleted it here since.
      if (store.has(key) || taken.has(key)) {
        taken.add(key);
        results.push(r.ZERO);
        continue;
      }
      taken.add(key);
      // Through RESTORE, which checks the payload, so the AOF and replicas get it as RESTORE … ABSTTL.
      const reply = this.host.runLocal(['RESTORE', key, argv[i + 1]!, argv[i + 2]!, 'ABSTTL']);
      results.push(typeof reply === 'string' && isErrorReply(reply) ? reply : r.ONE);
    }
    return r.arrayOf(results);
  }

  /** Schedules the next round of batches. */
  private tick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.shipSome();
    });
  }

  /** Keys allowed by migrate-keys-per-second now (Infinity when unthrottled). */
  private budget(): number {
    const rate = this.host.setting('migrate-keys-per-second');
    if (rate <= 0) return Infinity;
    const now = Date.now();
    this.allowance = Math.min(rate, this.allowance + ((now - this.allowanceAt) * rate) / 1000);
    this.allowanceAt = now;
    return Math.floor(this.allowance);
  }

  private shipSome(): void {
    if (!this.host.active()) return;
    const now = Date.now();
    let waiting = false;
    for (const [dest, t] of this.targets) {
      if (now - t.lastLog >= PROGRESS_MS && (t.queue.size > 0 || t.batches > 0)) {
        t.lastLog = now;
        const secs = (now - t.startedAt) / 1000;
        this.host.log(`moving ${describeBytes(this.bytesTo(dest))} to ${dest}: ${t.moved} keys moved, ${t.queue.size} left (${Math.round(t.moved / Math.max(secs, 0.001))} keys/s)`);
      }
      if (t.retryAt > now) {
        waiting = true;
        continue;
      }
      while (t.batches < BATCHES_IN_FLIGHT && t.queue.size > 0) {
        const allowed = this.budget();
        if (allowed <= 0) {
          waiting = true;
          break;
        }
        if (!this.sendBatch(dest, t, Math.min(allowed, t.window, this.host.setting('migrate-batch-keys') || 256))) {
          // Nothing can go yet (the target has not said it owns these ranges): ask it
          // again (its answer to "start" says what it takes), and wait.
          this.announce(dest);
          t.retryAt = now + RETRY_MS;
          waiting = true;
          break;
        }
      }
      if (t.queue.size === 0 && t.batches === 0 && !t.finishing && this.scanning === null) this.finish(dest, t);
    }
    if (waiting && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.tick();
      }, 50);
    }
  }

  /** Sends up to `max` keys of `t`'s queue to `dest` (fewer when their values pass BATCH_BYTES). */
  private sendBatch(dest: string, t: Outgoing, max: number): boolean {
    const taken: string[] = [];
    // Keys of ranges the target does not take yet stay where they are in the queue.
    let looked = 0;
    for (const key of t.queue) {
      if (taken.length >= max || looked++ >= 16 * max) break;
      if (this.accepted.has(key.charCodeAt(0))) taken.push(key);
    }
    for (const key of taken) t.queue.delete(key);
    const before = t.batches;
    const rest = this.ship(dest, t, taken);
    for (const key of rest) t.queue.add(key);
    return t.batches !== before || rest.length < taken.length;
  }

  /**
   * A command needs keys this node holds together with keys already on their
   * new owner: the held ones go now, ahead of the command, which then follows
   * them to the new owner over the same link. True when any was sent.
   */
  shipNow(keys: readonly string[]): boolean {
    if (!this.host.active()) return false;
    const owners = ownersByByte(this.host.table());
    const byDest = new Map<string, string[]>();
    for (const key of keys) {
      const owner = owners[key.charCodeAt(0)];
      if (key.length === 0 || owner === null || owner === undefined || owner === this.host.self) continue;
      if ((this.inFlight.has(key) && !this.resendFirst.has(key)) || !this.host.store.has(key)) continue;
      byDest.set(owner, [...(byDest.get(owner) ?? []), key]);
    }
    for (const [dest, list] of byDest) {
      const t = this.targetOf(dest);
      for (const key of list) t.queue.delete(key);
      for (const key of this.ship(dest, t, list)) t.queue.add(key);
    }
    return byDest.size > 0;
  }

  /**
   * Sends `keys` to `dest` in one KV.IMPORT, as far as BATCH_BYTES allows;
   * returns the keys left for later. Keys gone, or no longer moving to `dest`,
   * are dropped or requeued for their owner.
   */
  private ship(dest: string, t: Outgoing, keys: readonly string[]): string[] {
    const link = this.host.links.get(dest);
    const store = this.host.store;
    const owners = ownersByByte(this.host.table());
    const argv = ['KV.IMPORT', this.host.self];
    const sent: string[] = [];
    // Keys of ranges the target has not said it owns wait: it would refuse them.
    const later: string[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < keys.length && bytes < BATCH_BYTES; i++) {
      const key = keys[i]!;
      if (!this.accepted.has(key.charCodeAt(0))) {
        later.push(key);
        continue;
      }
      const owner = owners[key.charCodeAt(0)];
      const value = store.get(key);
      if (value === undefined || owner === this.host.self || owner === null || owner === undefined) {
        // Gone (deleted or expired here), or this node's again (the table changed back).
        if (value === undefined) {
          if (this.inFlight.get(key) === dest) this.inFlight.delete(key);
          this.resendFirst.delete(key);
        }
        continue;
      }
      if (owner !== dest) {
        this.targetOf(owner).queue.add(key);
        continue;
      }
      const at = store.expireTime(key);
      const payload = dumpPayload(value).toString('latin1');
      argv.push(key, String(at > 0 ? at : 0), payload);
      bytes += key.length + payload.length;
      sent.push(key);
      this.inFlight.set(key, dest);
      this.resendFirst.delete(key);
    }
    const rest = later.length === 0 ? keys.slice(i) : [...later, ...keys.slice(i)];
    if (sent.length === 0) return rest;
    if (this.host.setting('migrate-keys-per-second') > 0) this.allowance -= sent.length;
    t.batches++;
    const sentAt = Date.now();
    const done = (reply: r.AnyReply): void => {
      const rtt = Date.now() - sentAt;
      const most = this.host.setting('migrate-batch-keys') || 256;
      if (rtt > SLOW_MS) t.window = Math.max(MIN_BATCH, t.window >> 1);
      else if (rtt < FAST_MS && sent.length >= t.window) t.window = Math.min(most, t.window * 2);
      this.batchDone(dest, t, sent, reply);
    };
    if (link === undefined) done(r.error(`ERR no link to node ${dest}`));
    else link.send(argv, done);
    return rest;
  }

  private batchDone(dest: string, t: Outgoing, keys: readonly string[], reply: AnyReply): void {
    t.batches--;
    const results = isErrorReply(reply) ? null : arrayElements(reply);
    if (results === null || results.length !== keys.length) {
      // The target may or may not have them: they stay in flight (served there,
      // not here) and go again; the target keeps its own copy of any it has.
      for (const k of keys) {
        t.queue.add(k);
        if (this.inFlight.get(k) === dest) this.resendFirst.add(k);
      }
      t.retryAt = Date.now() + RETRY_MS;
      this.host.log(`moving keys to ${dest}: ${keys.length} keys not acknowledged (${(stringValue(reply) ?? 'unexpected reply').slice(0, 200)}), sending them again`);
      this.tick();
      return;
    }
    let refused = 0;
    keys.forEach((key, i) => {
      const n = integerValue(results[i]!);
      if (this.inFlight.get(key) !== dest) return;
      if (n === 1 || n === 0) {
        if (this.outgoing.get(key.charCodeAt(0)) === dest) this.accepted.add(key.charCodeAt(0));
        this.inFlight.delete(key);
        this.host.runLocal(['DEL', key]);
        t.moved++;
      } else {
        // Refused: the target does not own it yet. Served here meanwhile.
        this.inFlight.delete(key);
        t.queue.add(key);
        refused++;
      }
    });
    if (refused > 0) t.scanned = false;
    if (refused > 0) t.retryAt = Date.now() + RETRY_MS;
    this.tick();
  }

  /** Nothing left for `dest`: check the store once more, then tell it the ranges are done. */
  private finish(dest: string, t: Outgoing): void {
    if (!t.scanned || this.maybeCreated) {
      // Once more over the store (keys made here during the move): this is called again after it.
      t.scanned = true;
      this.maybeCreated = false;
      void this.rescan();
      return;
    }
    const bytes = this.bytesTo(dest);
    if (bytes.length === 0) {
      this.targets.delete(dest);
      return;
    }
    t.finishing = true;
    const link = this.host.links.get(dest);
    const retry = (): void => {
      t.finishing = false;
      t.retryAt = Date.now() + RETRY_MS;
      this.tick();
    };
    if (link === undefined) return retry();
    link.send(['KV.MIGRATING', 'done', bytesToWire(bytes)], (reply) => {
      const s = stringValue(reply);
      if (typeof s !== 'string' || isErrorReply(reply)) return retry();
      const taken = new Set(bytesFromWire(s));
      // A key made here while the "done" travelled goes first: the range is not done.
      if (this.maybeCreated) return retry();
      const done = bytes.filter((b) => taken.has(b) && this.outgoing.get(b) === dest);
      for (const b of done) {
        this.outgoing.delete(b);
        this.accepted.delete(b);
      }
      if (done.length > 0) {
        const secs = (Date.now() - t.startedAt) / 1000;
        this.host.log(`moved ${describeBytes(done)} to ${dest}: ${t.moved} keys in ${secs.toFixed(1)} s`);
      }
      if (this.bytesTo(dest).length > 0 || t.queue.size > 0) return retry();
      this.targets.delete(dest);
    });
  }

  /** INFO cluster lines: each move out and in, with its counts. */
  info(): Record<string, string> {
    const out: Record<string, string> = {};
    const now = Date.now();
    for (const [dest, t] of this.targets) {
      const secs = Math.max((now - t.startedAt) / 1000, 0.001);
      out[`kv_migrating_to_${dest}`] =
        `ranges=${describeBytes(this.bytesTo(dest))},keys_moved=${t.moved},keys_left=${t.queue.size},in_flight_batches=${t.batches},keys_per_sec=${Math.round(t.moved / secs)}`;
    }
    const bySource = new Map<string, number[]>();
    for (const [b, src] of this.importing) bySource.set(src, [...(bySource.get(src) ?? []), b]);
    for (const [src, bytes] of bySource) out[`kv_importing_from_${src}`] = `ranges=${describeBytes(bytes)}`;
    out['kv_migration_keys_in_flight'] = String(this.inFlight.size);
    return out;
  }

  close(): void {
    clearInterval(this.recheck);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
