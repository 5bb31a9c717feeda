// A checked load for tests that change the cluster under clients (migration):
// workers, each owning a set of keys spread over every first byte, write
// `${key}:${version}` with a per-key counter (SET, SET PX, DEL) and read back
// through whichever node they pick, and every reply is checked against what
// was acknowledged before the request was sent. Each worker runs one request
// at a time, so a reply can be judged exactly: a read must show the last
// acknowledged version (or a later one whose write failed, "in doubt"), never
// an older one, and never miss a key that exists. Also the admin side the
// checks need: a node's own keys (KV.LOCAL), KV.RELOAD, INFO fields.

import { Redis } from 'ioredis';
import { ReplyReader, show } from './reply-reader.js';
import { SECRET } from './servers.js';

/** Keys a worker owns: `${letter}${worker}:${i}` over `letters`. */
export function workerKeys(worker: number, letters: string, perLetter: number): string[] {
  const keys: string[] = [];
  for (const l of letters) for (let i = 0; i < perLetter; i++) keys.push(`${l}w${worker}:${i}`);
  return keys;
}

export function versionOf(value: string): number {
  return Number(value.slice(value.lastIndexOf(':') + 1));
}

interface Op {
  version: number;
  deleted: boolean;
  ttl: boolean;
}

/** What the clients know of one key: the last acknowledged write, and later writes that failed (they may have applied). */
export interface KeyState {
  acked: Op | null;
  doubt: Op[];
  sent: number;
}

export interface LoadOptions {
  /** Entry ports the workers pick from, at each request (the list may grow). */
  ports: () => readonly number[];
  workers: number;
  /** First bytes of the keys. */
  letters: string;
  perLetter: number;
  /** Immutable keys (value `${key}:seed`) the workers also read, checked exactly. */
  seeded?: readonly string[];
  /** Share of requests that write (the rest read); of writes, the share that DEL and that SET PX. */
  writeShare?: number;
  delShare?: number;
  ttlShare?: number;
  /** ms a request may take before it counts as failed. */
  timeoutMs?: number;
  /** The name of the node on a port, for messages. */
  nameOf?: (port: number) => string;
  /** Every fourth key is a hash, its version in field v (HSET, HGET), so moves carry both types. */
  hashes?: boolean;
}

export interface Problems {
  /** A read found no key where one was acknowledged. */
  missed: string[];
  /** A read saw a version older than the acknowledged one. */
  stale: string[];
  /** A read found a key that was acknowledged deleted. */
  resurrected: string[];
  /** A reply that is none of the values ever written. */
  garbage: string[];
  /** Requests that got an error reply or no reply. */
  errors: string[];
}

const KEEP = 20;

function note(list: string[], counts: Map<string[], number>, what: string): void {
  counts.set(list, (counts.get(list) ?? 0) + 1);
  if (list.length < KEEP) list.push(what);
}

/** The verdict on a value read for `key` given what was known when the read was sent; null when fine. */
export function judge(key: string, state: KeyState, got: string | null): keyof Problems | null {
  const possible: Op[] = [...(state.acked ? [state.acked] : []), ...state.doubt];
  if (got === null) {
    if (state.acked === null || state.acked.deleted || state.doubt.some((o) => o.deleted)) return null;
    return 'missed';
  }
  if (!got.startsWith(key + ':')) return 'garbage';
  const v = versionOf(got);
  if (possible.some((o) => !o.deleted && o.version === v)) return null;
  if (state.acked !== null && v < state.acked.version) return state.acked.deleted ? 'resurrected' : 'stale';
  return 'garbage';
}

export class CheckedLoad {
  readonly states = new Map<string, KeyState>();
  readonly problems: Problems = { missed: [], stale: [], resurrected: [], garbage: [], errors: [] };
  private readonly counts = new Map<string[], number>();
  reads = 0;
  writes = 0;
  seededReads = 0;
  private running = true;
  private loops: Promise<void>[] = [];
  private readonly clients: Redis[] = [];

  constructor(private readonly o: LoadOptions) {
    for (let w = 0; w < o.workers; w++) for (const k of workerKeys(w, o.letters, o.perLetter)) this.states.set(k, { acked: null, doubt: [], sent: 0 });
  }

  /** True for a key the load keeps as a hash (field v) rather than a string. */
  isHash(key: string): boolean {
    return this.o.hashes === true && Number(key.slice(key.lastIndexOf(':') + 1)) % 4 === 3;
  }

  count(kind: keyof Problems): number {
    return this.counts.get(this.problems[kind]) ?? 0;
  }

  /** Counts of every kind of problem, and the first few of each, for a failure message. */
  summary(): string {
    const kinds = Object.keys(this.problems) as (keyof Problems)[];
    return kinds.map((k) => `${k} ${this.count(k)}${this.problems[k].length ? `: ${this.problems[k].slice(0, 5).join(' | ')}` : ''}`).join('; ');
  }

  private client(port: number): Redis {
    // No retries, no offline queue, no resending after a reconnect: a request is
    // sent once, and a failure is the test's to judge (the write is in doubt).
    const c = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: false,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      enableReadyCheck: false,
      commandTimeout: this.o.timeoutMs ?? 5000,
      retryStrategy: () => 100,
    });
    c.on('error', () => {});
    this.clients.push(c);
    return c;
  }

  start(): void {
    const seeded = this.o.seeded ?? [];
    const writeShare = this.o.writeShare ?? 0.4;
    const delShare = this.o.delShare ?? 0.1;
    const ttlShare = this.o.ttlShare ?? 0.1;
    for (let w = 0; w < this.o.workers; w++) {
      const keys = workerKeys(w, this.o.letters, this.o.perLetter);
      const byPort = new Map<number, Redis>();
      const via = (): { c: Redis; port: number } => {
        const ports = this.o.ports();
        const port = ports[Math.floor(Math.random() * ports.length)]!;
        let c = byPort.get(port);
        if (c === undefined) byPort.set(port, (c = this.client(port)));
        return { c, port };
      };
      this.loops.push(
        (async () => {
          while (this.running) {
            const { c, port: p } = via();
            const port = this.o.nameOf?.(p) ?? String(p);
            if (c.status !== 'ready') {
              await new Promise((r) => setTimeout(r, 20));
              continue;
            }
            if (seeded.length > 0 && Math.random() < 0.2) {
              const key = seeded[Math.floor(Math.random() * seeded.length)]!;
              try {
                const got = await c.get(key);
                this.seededReads++;
                if (got === null) note(this.problems.missed, this.counts, `GET ${key} via ${port}: nil (seeded)`);
                else if (got !== `${key}:seed`) note(this.problems.garbage, this.counts, `GET ${key} via ${port}: ${got} (seeded)`);
              } catch (e) {
                note(this.problems.errors, this.counts, `GET ${key} via ${port}: ${(e as Error).message}`);
              }
              continue;
            }
            const key = keys[Math.floor(Math.random() * keys.length)]!;
            const st = this.states.get(key)!;
            if (Math.random() >= writeShare) {
              const before: KeyState = { acked: st.acked, doubt: [...st.doubt], sent: st.sent };
              let got: string | null;
              try {
                got = this.isHash(key) ? await c.hget(key, 'v') : await c.get(key);
              } catch (e) {
                note(this.problems.errors, this.counts, `GET ${key} via ${port}: ${(e as Error).message}`);
                continue;
              }
              this.reads++;
              const verdict = judge(key, before, got);
              if (verdict !== null) {
                const expected = before.acked === null ? 'never acknowledged' : before.acked.deleted ? `deleted at v${before.acked.version}` : `v${before.acked.version}`;
                note(this.problems[verdict], this.counts, `GET ${key} via ${port}: ${got ?? 'nil'}, acknowledged ${expected}${before.doubt.length ? ` (+${before.doubt.length} in doubt)` : ''}`);
              }
              continue;
            }
            const r = Math.random();
            const hash = this.isHash(key);
            const op: Op = { version: ++st.sent, deleted: r < delShare, ttl: !hash && r >= delShare && r < delShare + ttlShare };
            try {
              const value = `${key}:${op.version}`;
              const reply = op.deleted ? await c.del(key) : hash ? await c.hset(key, 'v', value) : op.ttl ? await c.set(key, value, 'PX', 3_600_000) : await c.set(key, value);
              this.writes++;
              if (!op.deleted && (hash ? typeof reply !== 'number' : reply !== 'OK')) throw new Error(`reply ${String(reply)}`);
              st.acked = op;
              st.doubt = [];
            } catch (e) {
              st.doubt.push(op);
              note(this.problems.errors, this.counts, `${op.deleted ? 'DEL' : 'SET'} ${key} v${op.version} via ${port}: ${(e as Error).message}`);
            }
          }
        })(),
      );
    }
  }

  /** Stops the workers (each finishes its request in flight) and closes the clients. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const c of this.clients) c.disconnect();
  }

  /** The keys that must exist at the end (acknowledged, not deleted, no doubt) and those that may. */
  expectedKeys(): { must: Set<string>; may: Set<string> } {
    const must = new Set<string>();
    const may = new Set<string>();
    for (const [k, st] of this.states) {
      const exists = st.acked !== null && !st.acked.deleted;
      if (st.doubt.length > 0) {
        if (exists || st.doubt.some((o) => !o.deleted)) may.add(k);
      } else if (exists) must.add(k);
    }
    return { must, may };
  }
}

/**
 * Immutable keys (value `${key}:seed`) read in pipelines of `batch` GETs
 * through every live port, as fast as the nodes answer: a read that misses
 * one, in any short window (a node restarting, a table not yet reloaded), is
 * more likely caught here than by the load's one-at-a-time requests.
 */
export class SeededProbe {
  reads = 0;
  readonly missed: string[] = [];
  missedCount = 0;
  errors = 0;
  readonly errorMessages: string[] = [];
  private running = true;
  private loops: Promise<void>[] = [];
  private readonly clients = new Map<number, Redis>();

  constructor(
    private readonly ports: () => readonly number[],
    private readonly keys: readonly string[],
    private readonly nameOf: (port: number) => string = String,
    private readonly batch = 50,
  ) {}

  start(loops = 2): void {
    for (let l = 0; l < loops; l++) {
      this.loops.push(
        (async () => {
          while (this.running) {
            const ports = this.ports();
            const port = ports[Math.floor(Math.random() * ports.length)]!;
            let c = this.clients.get(port);
            if (c === undefined) {
              c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, enableReadyCheck: false, commandTimeout: 5000, retryStrategy: () => 20 });
              c.on('error', () => {});
              this.clients.set(port, c);
            }
            if (c.status !== 'ready') {
              await new Promise((r) => setTimeout(r, 5));
              continue;
            }
            const chosen = Array.from({ length: this.batch }, () => this.keys[Math.floor(Math.random() * this.keys.length)]!);
            const p = c.pipeline();
            for (const k of chosen) p.get(k);
            const res = await p.exec().catch((e: Error) => {
              if (this.errorMessages.length < KEEP) this.errorMessages.push(`pipeline via ${this.nameOf(port)}: ${e.message}`);
              return null;
            });
            if (res === null) {
              this.errors++;
              continue;
            }
            res.forEach(([err, got], i) => {
              if (err !== null) {
                this.errors++;
                if (this.errorMessages.length < KEEP) this.errorMessages.push(`GET ${chosen[i]} via ${this.nameOf(port)}: ${err.message}`);
                return;
              }
              this.reads++;
              if (got !== `${chosen[i]}:seed`) {
                this.missedCount++;
                if (this.missed.length < KEEP) this.missed.push(`GET ${chosen[i]} via ${this.nameOf(port)}: ${got === null ? 'nil' : String(got)}`);
              }
            });
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const c of this.clients.values()) c.disconnect();
  }

  summary(): string {
    return (
      `${this.reads} probe reads, ${this.errors} failed${this.errorMessages.length ? ` (${this.errorMessages.slice(0, 3).join(' | ')})` : ''}, ` +
      `${this.missedCount} wrong${this.missed.length ? `: ${this.missed.slice(0, 5).join(' | ')}` : ''}`
    );
  }
}

// ---- the admin side ---------------------------------------------------------

/** A connection that presented the cluster secret, as a peer does (KV.LOCAL, KV.RELOAD). */
export async function peerConnection(port: number): Promise<ReplyReader> {
  const r = await ReplyReader.connect(port, 1 << 20);
  const hello = await r.call(5000, 'KV.HELLO', SECRET, 'test');
  if (hello.type !== '+') throw new Error(`KV.HELLO on ${port}: ${show(hello)}`);
  return r;
}

/** The keys a node holds itself (not the cluster's), matching `pattern`. */
export async function localKeys(port: number, pattern = '*'): Promise<string[]> {
  const r = await peerConnection(port);
  try {
    const reply = await r.call(30_000, 'KV.LOCAL', '2', 'KEYS', pattern);
    if (reply.type !== '*') throw new Error(`KV.LOCAL KEYS on ${port}: ${show(reply)}`);
    return reply.items!.map((i) => i.data!.toString('latin1'));
  } finally {
    r.close();
  }
}

/** KV.RELOAD on `port`: '+OK', or the error line. */
export async function reloadVia(port: number): Promise<string> {
  const r = await peerConnection(port);
  try {
    return show(await r.call(10_000, 'KV.RELOAD'));
  } finally {
    r.close();
  }
}

/** INFO <section> as field → value. */
export async function infoFields(port: number, section = 'cluster'): Promise<Map<string, string>> {
  const r = await ReplyReader.connect(port, 1 << 20);
  try {
    const reply = await r.call(5000, 'INFO', section);
    const out = new Map<string, string>();
    for (const line of (reply.data ?? Buffer.alloc(0)).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
    }
    return out;
  } finally {
    r.close();
  }
}

/** The INFO cluster fields about migration (kv_migrat…), as one line. */
export async function migrationInfo(port: number): Promise<string> {
  const f = await infoFields(port);
  return [...f].filter(([k]) => k.startsWith('kv_migrat')).map(([k, v]) => `${k}:${v}`).join(' ');
}
