// Durability for one node, between the node and the file formats: at start it
// replays the append-only file into the store; then it writes every change of
// the store's write log to it, holds replies until their writes are on disk
// when appendfsync is always, rewrites it (BGREWRITEAOF, or when it has grown
// past auto-aof-rewrite-percentage) without stopping service, and answers
// INFO persistence. The store and the commands know nothing of files.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AofLoader, AofWriter, aofRewriteDue, type AofBaseWriter, type AppendFsync } from './aof.js';
import { readSnapshot, snapshotChunks, storeEntries, writeSnapshot, type SnapshotEntry } from './rdb.js';
import type { Store, Value } from '../store/store.js';
import type { WriteInterceptor } from '../store/write-log.js';
import { rebuild } from '../commands/propagate.js';

export interface PersistenceHost {
  readonly store: Store;
  /** The node's current settings (appendonly, appendfsync, dir, …), as latin1 byte strings. */
  setting(name: string): string;
  log(msg: string): void;
}

/** A command replayed from the file; returns an error text if the node refuses it. */
export type Replay = (argv: string[]) => string | null;

/** Keys copied into a new base per turn of the event loop, so clients are served meanwhile. */
const REWRITE_KEYS_PER_TURN = 2000;
/** Commands replayed per turn while loading, so the node answers -LOADING meanwhile. */
const LOAD_COMMANDS_PER_TURN = 10_000;

/** Paths and names from settings: bytes in the file, UTF-8 on the file system. */
function fsText(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export class Persistence {
  private writer: AofWriter | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Replies waiting for the next group fsync (appendfsync always). */
  private waiting: (() => void)[] = [];
  private syncQueued = false;
  private dirty = false;
  private rewrite: Rewrite | null = null;
  private readonly cron: NodeJS.Timeout;
  private lastRewrite: { ok: boolean; at: number; ms: number } | null = null;
  loading = false;
  loadedAt = 0;
  /** dump.rdb: when it was last written (LASTSAVE), the write log's count then, and how BGSAVE went. */
  lastSave = Math.floor(Date.now() / 1000);
  private changesAtSave = 0;
  private bgsave: Snapshot | null = null;
  /** Settles when the BGSAVE in progress has written (or failed to write) its file. */
  private bgsaveEnded: Promise<void> = Promise.resolve();
  private lastBgsave: { ok: boolean; ms: number } | null = null;
  private saves = 0;

  constructor(
    private readonly host: PersistenceHost,
    private readonly replay: Replay,
  ) {
    this.cron = setInterval(() => {
      this.autoRewrite();
      this.savePoints();
    }, 1000);
    this.cron.unref();
  }

  get enabled(): boolean {
    return this.host.setting('appendonly') === 'yes';
  }

  private options(): { dir: string; appendDirname: string; appendFilename: string; appendFsync: AppendFsync; loadTruncated: boolean } {
    return {
      dir: fsText(this.host.setting('dir')),
      appendDirname: fsText(this.host.setting('appenddirname')),
      appendFilename: this.host.setting('appendfilename'),
      appendFsync: this.host.setting('appendfsync') as AppendFsync,
      loadTruncated: this.host.setting('aof-load-truncated') === 'yes',
    };
  }

  /**
   * Replays the append-only file into the store, a slice per turn of the event
   * loop. A torn tail is cut (aof-load-truncated yes) with a warning; anything
   * else wrong throws, naming the file and offset, and the node must not start.
   */
  async load(): Promise<void> {
    if (!this.enabled) return this.loadSnapshot();
    this.loading = true;
    const started = Date.now();
    try {
      const loader = new AofLoader(this.options());
      let n = 0;
      for await (const argv of loader) {
        const refused = this.replay(argv);
        if (refused !== null) throw new Error(`${refused} (replaying ${argv[0]!.slice(0, 32)} from the append only file)`);
        if (++n % LOAD_COMMANDS_PER_TURN === 0) await new Promise((res) => setImmediate(res));
      }
      const result = loader.result;
      for (const w of result.warnings) this.host.log(w);
      if (result.status !== 'none') this.host.log(`DB loaded from append only file: ${(Date.now() - started) / 1000} seconds, ${result.commands} commands`);
    } finally {
      this.loading = false;
      this.loadedAt = Date.now();
    }
  }

  private rdbPath(): string {
    return join(fsText(this.host.setting('dir')), fsText(this.host.setting('dbfilename')));
  }

  /** With the AOF off, as in Redis, the dataset comes from dump.rdb if there is one. */
  private async loadSnapshot(): Promise<void> {
    const path = this.rdbPath();
    if (!existsSync(path)) return;
    this.loading = true;
    const started = Date.now();
    let n = 0;
    let expired = 0;
    try {
      for await (const [key, value, at] of readSnapshot(path, { skipFunctions: true })) {
        // As a primary does: keys already expired are not loaded.
        if (at > 0 && at <= Date.now()) expired++;
        else if (at > 0) this.host.store.setUntil(key, value, at);
        else this.host.store.set(key, value);
        if (++n % LOAD_COMMANDS_PER_TURN === 0) await new Promise((res) => setImmediate(res));
      }
    } finally {
      this.loading = false;
      this.loadedAt = Date.now();
    }
    this.host.log(`DB loaded from disk: ${(Date.now() - started) / 1000} seconds, ${n - expired} keys (${expired} expired, not loaded)`);
  }

  /**
   * SAVE: dump.rdb written at once, blocking, as Redis's SAVE blocks; then
   * synced and renamed over the old one. Returns an error text or null.
   */
  save(): string | null {
    if (this.bgsave !== null) return 'ERR Background save already in progress';
    const path = this.rdbPath();
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      mkdirSync(fsText(this.host.setting('dir')), { recursive: true });
      const { entries, keys, expires } = storeEntries(this.host.store);
      const fd = openSync(tmp, 'w', 0o644);
      try {
        for (const chunk of snapshotChunks(entries, { keys, expires })) writeSync(fd, chunk);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        /* never created */
      }
      this.host.log(`Error saving DB on disk: ${(e as Error).message}`);
      return 'ERR';
    }
    this.saved();
    this.host.log('DB saved on disk');
    return null;
  }

  private saved(): void {
    this.lastSave = Math.floor(Date.now() / 1000);
    this.changesAtSave = this.host.store.log.changes;
    this.saves++;
  }

  /**
   * BGSAVE: dump.rdb written while the node serves, as of this moment: a key
   * about to change before its turn is copied first, so the file is the
   * dataset at the start, as a forked Redis writes it.
   */
  startBgsave(): string | null {
    if (this.bgsave !== null) return 'ERR Background save already in progress';
    const started = Date.now();
    const snapshot = new Snapshot(this.host.store);
    this.bgsave = snapshot;
    this.host.store.log.interceptors.add(snapshot);
    const dir = fsText(this.host.setting('dir'));
    this.host.log('Background saving started');
    this.bgsaveEnded = Promise.resolve()
      .then(() => mkdirSync(dir, { recursive: true }))
      .then(() => writeSnapshot(this.rdbPath(), snapshot.entries(), snapshot.sizes))
      .then(
        () => {
          this.saved();
          this.lastBgsave = { ok: true, ms: Date.now() - started };
          this.host.log('Background saving terminated with success');
        },
        (e: unknown) => {
          this.lastBgsave = { ok: false, ms: Date.now() - started };
          this.host.log(`Background saving error: ${(e as Error).message}`);
        },
      )
      .finally(() => {
        this.host.store.log.interceptors.delete(snapshot);
        this.bgsave = null;
      });
    return null;
  }

  /** The `save` points: a BGSAVE once any "<seconds> <changes>" pair is met, as serverCron does. */
  private savePoints(): void {
    if (this.bgsave !== null || this.loading) return;
    const words = this.host.setting('save').split(' ').filter((w) => w !== '').map(Number);
    const changes = this.host.store.log.changes - this.changesAtSave;
    const age = Math.floor(Date.now() / 1000) - this.lastSave;
    for (let i = 0; i + 1 < words.length; i += 2) {
      if (changes >= words[i + 1]! && age >= words[i]!) {
        this.host.log(`${words[i + 1]} changes in ${words[i]} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
  }

  /** Opens the file for appending and starts logging every change to it. */
  start(): void {
    if (!this.enabled || this.writer !== null) return;
    mkdirSync(this.options().dir, { recursive: true });
    const writer = AofWriter.open(this.options());
    this.writer = writer;
    this.unsubscribe = this.host.store.log.subscribe((cmd) => {
      writer.append(cmd);
      this.dirty = true;
    });
  }

  /** The error that makes the node refuse writes (Redis's MISCONF), or null. */
  get writeError(): string | null {
    const e = this.writer?.error;
    return e ? `MISCONF Errors writing to the AOF file: ${e.message}` : null;
  }

  /**
   * Replies that follow writes wait until those writes are in the file: one
   * write(2) per turn of the event loop for all of them (and with appendfsync
   * always one fsync), as Redis's beforeSleep flushes the AOF before it sends
   * replies. So a crash of the process never loses an acknowledged write;
   * what the OS has not yet put on the disk is what appendfsync decides.
   */
  repliesMayGo(ready: () => void): boolean {
    if (!this.dirty || this.writer === null) return true;
    this.waiting.push(ready);
    if (!this.syncQueued) {
      this.syncQueued = true;
      setImmediate(() => {
        this.syncQueued = false;
        this.dirty = false;
        // A failed write or fsync leaves writeError set: the replies still go (the
        // writes did happen in memory), and later writes are refused with MISCONF.
        this.writer?.flushSync();
        const waiting = this.waiting;
        this.waiting = [];
        for (const f of waiting) f();
      });
    }
    return false;
  }

  /** BGREWRITEAOF: null when started, or Redis's error text. */
  startRewrite(): string | null {
    if (this.writer === null) return null; // Redis then writes a fresh base on enabling; here it is off
    if (this.rewrite !== null) return 'ERR Background append only file rewriting already in progress';
    const started = Date.now();
    const base = this.writer.startRewrite();
    const rw = new Rewrite(this.host.store, base);
    this.rewrite = rw;
    this.host.store.log.interceptors.add(rw);
    this.host.log('Background append only file rewriting started');
    void rw
      .run()
      .then(() => this.writer!.finishRewrite())
      .then(
        () => {
          this.lastRewrite = { ok: true, at: Date.now(), ms: Date.now() - started };
          this.host.log(`Background AOF rewrite finished successfully (${rw.keys} keys, ${Date.now() - started} ms)`);
        },
        (e: unknown) => {
          this.lastRewrite = { ok: false, at: Date.now(), ms: Date.now() - started };
          this.host.log(`Background AOF rewrite failed: ${(e as Error).message}`);
          void this.writer?.abortRewrite();
        },
      )
      .finally(() => {
        this.rewrite = null;
        this.host.store.log.interceptors.delete(rw);
      });
    return null;
  }

  get rewriting(): boolean {
    return this.rewrite !== null;
  }

  private autoRewrite(): void {
    if (this.writer === null || this.rewrite !== null) return;
    const pct = Number(this.host.setting('auto-aof-rewrite-percentage'));
    const min = Number(this.host.setting('auto-aof-rewrite-min-size'));
    if (aofRewriteDue(this.writer.sizes(), pct, min)) {
      this.host.log('Starting automatic rewriting of AOF');
      this.startRewrite();
    }
  }

  /** The fields of INFO persistence (Redis's names). */
  info(): Record<string, string | number> {
    const sizes = this.writer?.sizes();
    const out: Record<string, string | number> = {
      loading: this.loading ? 1 : 0,
      rdb_changes_since_last_save: this.host.store.log.changes - this.changesAtSave,
      rdb_bgsave_in_progress: this.bgsave !== null ? 1 : 0,
      rdb_last_save_time: this.lastSave,
      rdb_last_bgsave_status: this.lastBgsave === null || this.lastBgsave.ok ? 'ok' : 'err',
      rdb_last_bgsave_time_sec: this.lastBgsave ? Math.round(this.lastBgsave.ms / 1000) : -1,
      rdb_current_bgsave_time_sec: this.bgsave ? Math.round((Date.now() - this.bgsave.startedAt) / 1000) : -1,
      rdb_saves: this.saves,
      aof_enabled: this.writer !== null ? 1 : 0,
      aof_rewrite_in_progress: this.rewrite !== null ? 1 : 0,
      aof_rewrite_scheduled: 0,
      aof_last_rewrite_time_sec: this.lastRewrite ? Math.round(this.lastRewrite.ms / 1000) : -1,
      aof_current_rewrite_time_sec: this.rewrite ? Math.round((Date.now() - this.rewrite.startedAt) / 1000) : -1,
      aof_last_bgrewrite_status: this.lastRewrite === null || this.lastRewrite.ok ? 'ok' : 'err',
      aof_last_write_status: this.writer?.error ? 'err' : 'ok',
    };
    if (sizes) {
      out['aof_current_size'] = sizes.currentSize;
      out['aof_base_size'] = sizes.baseSize;
    }
    return out;
  }

  /**
   * At shutdown: the AOF written and fsynced, whatever appendfsync says; and
   * dump.rdb saved when `save` points are set (or SHUTDOWN SAVE), unless
   * SHUTDOWN NOSAVE, as Redis's prepareForShutdown does.
   */
  async shutdown(mode: 'default' | 'save' | 'nosave' = 'default'): Promise<void> {
    clearInterval(this.cron);
    await this.close();
    // A BGSAVE under way finishes first: its temporary file is not left behind, and SAVE can run.
    await this.bgsaveEnded;
    const savePoints = this.host.setting('save') !== '';
    if (mode === 'save' || (mode === 'default' && savePoints)) {
      this.host.log('Saving the final RDB snapshot before exiting.');
      if (this.save() !== null) this.host.log('Error trying to save the DB, can\'t exit.');
    }
  }

  /** Stops appending (appendonly no), after writing and fsyncing what was logged. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const writer = this.writer;
    this.writer = null;
    if (writer !== null) await writer.close();
  }
}

/**
 * One rewrite: copies every key that existed when it started into the new
 * base, a slice per turn. A key about to change before its turn is copied
 * first (the routing stage asks), so the base holds the state the new incr
 * file starts from, and no write is applied twice on replay; a FLUSHALL ends
 * the copy, since the incr file replays it over whatever the base holds.
 */
class Rewrite implements WriteInterceptor {
  readonly startedAt = Date.now();
  private readonly pending: string[];
  private readonly copied = new Set<string>();
  private next = 0;
  keys = 0;

  constructor(
    private readonly store: Store,
    private readonly base: AofBaseWriter,
  ) {
    this.pending = store.keys();
  }

  key(key: string): void {
    this.copy(key);
  }

  all(): void {
    this.next = this.pending.length;
  }

  private copy(key: string): void {
    if (this.copied.has(key)) return;
    this.copied.add(key);
    const value = this.store.get(key);
    if (value === undefined) return;
    for (const cmd of rebuild(key, value, this.store.expireTime(key))) this.base.append(cmd);
    this.keys++;
  }

  async run(): Promise<void> {
    while (this.next < this.pending.length) {
      const end = Math.min(this.pending.length, this.next + REWRITE_KEYS_PER_TURN);
      for (; this.next < end; this.next++) this.copy(this.pending[this.next]!);
      await new Promise((res) => setImmediate(res));
    }
  }
}

/**
 * One BGSAVE: the key list is taken at the start, and a key about to change
 * before its turn is copied first (a hash's fields; a string is immutable),
 * so the file holds every key as it was at the start, as a fork's would. A
 * FLUSHALL meanwhile copies every key not yet written.
 */
export class Snapshot implements WriteInterceptor {
  readonly startedAt = Date.now();
  private readonly keys: string[];
  readonly sizes: { keys: number; expires: number };
  private readonly done = new Set<string>();
  private readonly copies = new Map<string, [Value, number]>();
  private next = 0;

  constructor(private readonly store: Store) {
    this.keys = store.keys();
    let expires = 0;
    for (const k of this.keys) if (store.expireTime(k) > 0) expires++;
    this.sizes = { keys: this.keys.length, expires };
  }

  key(key: string): void {
    if (this.done.has(key) || this.copies.has(key)) return;
    const v = this.store.get(key);
    if (v === undefined) {
      this.done.add(key); // created after the start: not in the snapshot
      return;
    }
    this.copies.set(key, [typeof v === 'string' ? v : v.clone(), this.store.expireTime(key)]);
  }

  all(): void {
    for (let i = this.next; i < this.keys.length; i++) this.key(this.keys[i]!);
  }

  *entries(): Generator<SnapshotEntry, void, void> {
    for (; this.next < this.keys.length; this.next++) {
      const k = this.keys[this.next]!;
      if (this.done.has(k)) continue;
      this.done.add(k);
      const copy = this.copies.get(k);
      if (copy !== undefined) {
        this.copies.delete(k);
        yield [k, copy[0], Math.max(0, copy[1])];
        continue;
      }
      const v = this.store.get(k);
      if (v === undefined) continue;
      const at = this.store.expireTime(k);
      yield [k, v, at > 0 ? at : 0];
    }
  }
}

