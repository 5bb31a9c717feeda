// Redis 7's multi-part append-only file: the writer of the current incremental
// file (appendfsync always/everysec/no), the loader that replays base + incr files
// as argv arrays, and the rewrite that swaps in a new base. Formats, file names,
// truncation and error rules are those of Redis 7.0's aof.c, so redis-server and
// redis-check-aof read what is written here and the loader reads what they write.
// The node feeds every write it applies to append(); nothing here knows the store.

import {
  close,
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { open as openAsync, rename as renameAsync, stat as statAsync, truncate as truncateAsync, unlink as unlinkAsync } from 'node:fs/promises';
import { join } from 'node:path';
import {
  baseFileName,
  DEFAULT_APPEND_DIRNAME,
  DEFAULT_APPEND_FILENAME,
  EMPTY_MANIFEST,
  incrFileName,
  manifestFileName,
  parseManifest,
  serializeManifest,
  tempManifestFileName,
  type AofFileInfo,
  type AofManifest,
} from './aof-manifest.js';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface AofOptions {
  /** The server's working directory (Redis's `dir`): holds the AOF directory, and a legacy single AOF. */
  dir: string;
  /** appenddirname, default "appendonlydir". */
  appendDirname?: string;
  /** appendfilename, default "appendonly.aof". */
  appendFilename?: string;
  /** appendfsync, default everysec. Writer only. */
  appendFsync?: AppendFsync;
  /** aof-load-truncated, default true. Loader only. */
  loadTruncated?: boolean;
  /** Tests only: the loader's read size (64 KB), made tiny to put read boundaries everywhere. */
  readChunkBytes?: number;
  /** Tests only: called at each step of a rewrite, when the directory is as a crash there would leave it. */
  onRewriteStep?: (step: RewriteStep) => void;
}

export type RewriteStep =
  | 'incr-created'
  | 'incr-manifest-persisted'
  | 'base-synced'
  | 'base-renamed'
  | 'manifest-temp-synced'
  | 'manifest-renamed'
  | 'history-deleted'
  | 'done';

// ---------------------------------------------------------------------------
// Paths and the manifest on disk

interface Layout {
  dir: string;
  aofDir: string;
  /** appendfilename as manifest bytes (latin1). */
  name: string;
  manifestPath: string;
}

function layoutOf(o: AofOptions): Layout {
  const aofDir = join(o.dir, o.appendDirname ?? DEFAULT_APPEND_DIRNAME);
  const name = toBytes(o.appendFilename ?? DEFAULT_APPEND_FILENAME);
  return { dir: o.dir, aofDir, name, manifestPath: join(aofDir, fsName(manifestFileName(name))) };
}

/** Manifest names are bytes; the file system takes UTF-8 paths. Identity for ASCII names. */
function fsName(name: string): string {
  return Buffer.from(name, 'latin1').toString('utf8');
}
function toBytes(name: string): string {
  return Buffer.from(name, 'utf8').toString('latin1');
}

function pathOf(l: Layout, name: string): string {
  return join(l.aofDir, fsName(name));
}

function readManifestIfAny(l: Layout): AofManifest {
  if (!existsSync(l.aofDir) || !existsSync(l.manifestPath)) return EMPTY_MANIFEST;
  return parseManifest(readFileSync(l.manifestPath, 'latin1'));
}

/** writeAofManifestFile: temp file, fsync, rename over the manifest, fsync the directory. */
function persistManifest(l: Layout, m: AofManifest, step?: (s: RewriteStep) => void): void {
  const tmp = join(l.aofDir, fsName(tempManifestFileName(l.name)));
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAllSync(fd, [Buffer.from(serializeManifest(m), 'latin1')]);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  step?.('manifest-temp-synced');
  renameSync(tmp, l.manifestPath);
  step?.('manifest-renamed');
  fsyncDir(l.aofDir);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fileSize(path: string): number {
  return statSync(path).size;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

// ---------------------------------------------------------------------------
// RESP encoding, in pieces: a big argument is its own buffer, never one giant string

/** Arguments at least this long are copied to their own buffer instead of the shared text. */
const BIG_ARG = 16 * 1024;
/** The shared text becomes a buffer at this size, so a long batch does not build one huge string. */
const TEXT_CHUNK = 64 * 1024;

class RespPieces {
  private text = '';
  private chunks: Buffer[] = [];
  private size = 0;

  get bytes(): number {
    return this.size;
  }

  command(argv: readonly string[]): void {
    let t = `*${argv.length}\r\n`;
    for (const arg of argv) {
      if (arg.length >= BIG_ARG) {
        this.text += t + `$${arg.length}\r\n`;
        this.cut();
        this.chunks.push(Buffer.from(arg, 'latin1'));
        t = '\r\n';
      } else {
        t += `$${arg.length}\r\n${arg}\r\n`;
      }
      this.size += arg.length;
    }
    this.size += encodedOverhead(argv);
    this.text += t;
    if (this.text.length >= TEXT_CHUNK) this.cut();
  }

  /** Puts buffers that failed to be written back in front of anything buffered since. */
  unshift(bufs: Buffer[]): void {
    this.cut();
    for (const b of bufs) this.size += b.length;
    this.chunks = [...bufs, ...this.chunks];
  }

  /** Everything buffered, as buffers to write; the buffer is left empty. */
  take(): Buffer[] {
    this.cut();
    const out = this.chunks;
    this.chunks = [];
    this.size = 0;
    return out;
  }

  private cut(): void {
    if (this.text.length > 0) this.chunks.push(Buffer.from(this.text, 'latin1'));
    this.text = '';
  }
}

function digits(n: number): number {
  return String(n).length;
}

/** Bytes of RESP framing around argv's contents. */
function encodedOverhead(argv: readonly string[]): number {
  let n = 3 + digits(argv.length);
  for (const arg of argv) n += 5 + digits(arg.length);
  return n;
}

const SELECT_0 = ['SELECT', '0'] as const;

/** write(2) until done, in writev batches under IOV_MAX; throws on the first failure. */
function writeAllSync(fd: number, bufs: Buffer[]): void {
  let i = 0;
  while (i < bufs.length) {
    const group = bufs.slice(i, i + 1024);
    let want = 0;
    for (const b of group) want += b.length;
    let done = group.length === 1 ? writeSync(fd, group[0] as Buffer) : writevSync(fd, group);
    if (done < want) {
      // A short write: finish this group piece by piece (Redis's aofWrite retries too).
      let skip = done;
      for (const b of group) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        let off = skip;
        skip = 0;
        while (off < b.length) {
          const n = writeSync(fd, b, off, b.length - off);
          off += n;
          done += n;
        }
      }
    }
    i += 1024;
  }
}

// ---------------------------------------------------------------------------
// The writer

export interface AofSizes {
  /** aof_rewrite_base_size: the base at load, or the whole AOF just after the last rewrite. */
  baseSize: number;
  /** aof_current_size: the base and incr files in the manifest, including what was just written. */
  currentSize: number;
}

/** serverCron's auto-aof-rewrite test: grown by `percentage` over the base, and above `minSize`. */
export function aofRewriteDue(sizes: AofSizes, percentage: number, minSize: number): boolean {
  if (percentage <= 0 || sizes.currentSize <= minSize) return false;
  const base = sizes.baseSize || 1;
  const growth = Math.floor((sizes.currentSize * 100) / base) - 100;
  return growth >= percentage;
}

/** A new base file being written during a rewrite: feed it the commands that rebuild each key. */
export class AofBaseWriter {
  private readonly pieces = new RespPieces();
  private written = 0;
  private selected = false;
  private sinceSync = 0;
  private syncing: Promise<void> = Promise.resolve();

  /** @internal */
  constructor(
    /** @internal */ readonly fd: number,
    /** @internal */ readonly tempPath: string,
  ) {}

  /** Bytes of the base so far. */
  get bytes(): number {
    return this.written + this.pieces.bytes;
  }

  append(argv: readonly string[]): void {
    if (!this.selected) {
      this.pieces.command(SELECT_0);
      this.selected = true;
    }
    this.pieces.command(argv);
    if (this.pieces.bytes >= REWRITE_WRITE_CHUNK) this.write();
  }

  /** @internal Writes what is buffered; throws on a write error, which fails the rewrite. */
  write(): void {
    const n = this.pieces.bytes;
    if (n === 0) return;
    writeAllSync(this.fd, this.pieces.take());
    this.written += n;
    this.sinceSync += n;
    // aof-rewrite-incremental-fsync: sync every few MB in the background, so the
    // final fsync does not have gigabytes of dirty pages to push at once.
    if (this.sinceSync >= REDIS_AUTOSYNC_BYTES) {
      this.sinceSync = 0;
      const fd = this.fd;
      this.syncing = this.syncing.then(() => fdatasyncAsync(fd)).catch(() => {});
    }
  }

  /** @internal Waits for the background syncs, so the fd can be synced and closed. */
  settled(): Promise<void> {
    return this.syncing;
  }
}

const REWRITE_WRITE_CHUNK = 64 * 1024;
const REDIS_AUTOSYNC_BYTES = 4 * 1024 * 1024;

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

interface Waiter {
  /** Resolved once the byte count written (and, for always, synced) reaches this. */
  target: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Appends to the current incr file. Writes happen at the end of each event-loop
 * turn (setImmediate), or when the node calls flushSync()/commit(); fsync follows
 * the policy. Write and fsync errors leave `error` set, as Redis's
 * aof_last_write_status / aof_bio_fsync_status do, and are retried each second.
 */
export class AofWriter {
  private readonly pieces = new RespPieces();
  private selected = false;
  /** Bytes ever handed to write(2) successfully, and ever covered by a finished fdatasync, across files. */
  private writtenTotal = 0;
  private syncedTotal = 0;
  private bufferedTotal = 0;
  private incrSize: number;
  private currentSize: number;
  private rewriteBaseSize: number;
  private writeError: Error | null = null;
  private fsyncError: Error | null = null;
  /** Background fdatasyncs and closes run one after another on this chain. */
  private syncChain: Promise<void> = Promise.resolve();
  private syncInFlight = false;
  private lastSyncStart = 0;
  private flushScheduled = false;
  private waiters: Waiter[] = [];
  private rewrite: { base: AofBaseWriter } | null = null;
  private finishing: Promise<void> | null = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly policy: AppendFsync;

  private constructor(
    private readonly layout: Layout,
    private readonly options: AofOptions,
    private manifest: AofManifest,
    private fd: number,
    sizes: { incr: number; current: number; base: number },
  ) {
    this.policy = options.appendFsync ?? 'everysec';
    this.incrSize = sizes.incr;
    this.currentSize = sizes.current;
    this.rewriteBaseSize = sizes.base;
    // serverCron's share: the everysec fsync when writes stopped, and retrying a failed write.
    this.timer = setInterval(() => this.cron(), 1000);
    this.timer.unref();
  }

  /**
   * aofOpenIfNeededOnServerStart + aofDelHistoryFiles: creates the directory, an
   * empty base if there are no files yet, opens the last incr file for appending
   * (or a new one), persists the manifest and deletes history files. Call it after
   * loading: what the files hold must already be in the store.
   */
  static open(options: AofOptions): AofWriter {
    const l = layoutOf(options);
    mkdirSync(l.aofDir, { recursive: true });
    removeStaleTempFiles(l);
    let m = readManifestIfAny(l);
    let dirty = false;
    if (!m.base && m.incr.length === 0) {
      // Redis rewrites the (empty) dataset into a base: for an empty one, an empty file.
      const seq = m.baseSeq + 1;
      const name = baseFileName(l.name, seq);
      const fd = openSync(pathOf(l, name), 'w', 0o644);
      fsyncSync(fd);
      closeSync(fd);
      m = { ...m, base: { name, seq, type: 'b' }, baseSeq: seq };
      dirty = true;
    }
    let incr = m.incr[m.incr.length - 1];
    if (!incr) {
      const seq = m.incrSeq + 1;
      incr = { name: incrFileName(l.name, seq), seq, type: 'i' };
      m = { ...m, incr: [incr], incrSeq: seq };
      dirty = true;
    }
    const fd = openSync(pathOf(l, incr.name), 'a', 0o644);
    try {
      if (dirty) persistManifest(l, m);
      m = deleteHistory(l, m);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const incrSize = fileSize(pathOf(l, incr.name));
    const baseSize = m.base ? fileSize(pathOf(l, m.base.name)) : 0;
    let current = baseSize;
    for (const f of m.incr) current += fileSize(pathOf(l, f.name));
    return new AofWriter(l, options, m, fd, { incr: incrSize, current, base: baseSize });
  }

  /** Set while the last write or background fsync failed: refuse writes (Redis's MISCONF) until it clears. */
  get error(): Error | null {
    return this.writeError ?? this.fsyncError;
  }

  sizes(): AofSizes {
    return { baseSize: this.rewriteBaseSize, currentSize: this.currentSize };
  }

  /** Buffers one command; it is written at the end of this event-loop turn at the latest. */
  append(argv: readonly string[]): void {
    if (this.closed) throw new Error('AOF writer is closed');
    if (!this.selected) {
      // As feedAppendOnlyFile does when aof_selected_db is -1 (a new file, a restart).
      this.pieces.command(SELECT_0);
      this.selected = true;
    }
    this.pieces.command(argv);
    this.bufferedTotal = this.writtenTotal + this.pieces.bytes;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush(false);
      });
    }
  }

  /**
   * Writes the buffer now, as flushAppendOnlyFile does before Redis replies; with
   * `always` it also fdatasyncs here, blocking the thread as Redis does. Returns
   * false if the write or fsync failed (see `error`).
   */
  flushSync(): boolean {
    return this.flush(true);
  }

  /**
   * Resolves when everything appended so far is written, and with `always` also
   * fdatasync'd (in the thread pool: appends of many clients share one fdatasync).
   * Rejects with the error if the write or the fsync fails.
   */
  commit(): Promise<void> {
    const target = this.bufferedTotal;
    const reached = this.policy === 'always' ? this.syncedTotal : this.writtenTotal;
    if (reached >= target) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  /** For shutdown: write everything and fdatasync, whatever the policy. */
  async flushAndSync(): Promise<void> {
    if (!this.writeBuffer()) throw this.writeError ?? new Error('AOF write failed');
    await this.syncNow();
    if (this.fsyncError) throw this.fsyncError;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.rewrite) await this.abortRewrite();
      if (this.finishing) await this.finishing.catch(() => {});
      await this.flushAndSync();
    } finally {
      this.closed = true;
      clearInterval(this.timer);
      await this.syncChain;
      const fd = this.fd;
      closeSync(fd);
    }
  }

  /**
   * rewriteAppendOnlyFileBackground's first half: writes the buffer to the current
   * incr file, opens incr seq+1 and persists a manifest listing it, and sends new
   * appends there. The returned base must be fed the dataset as it is now (at this
   * call), then finishRewrite() makes it the base.
   */
  startRewrite(): AofBaseWriter {
    if (this.rewriting) throw new Error('Background append only file rewriting already in progress');
    if (this.closed) throw new Error('AOF writer is closed');
    const l = this.layout;
    // What the store already holds must be in the old incr file, or the new base and
    // the new incr file would both carry it.
    if (!this.flush(true)) throw new Error(`Can't rewrite the AOF while writing to it fails: ${this.error?.message}`);
    const seq = this.manifest.incrSeq + 1;
    const incr: AofFileInfo = { name: incrFileName(l.name, seq), seq, type: 'i' };
    const m: AofManifest = { ...this.manifest, incr: [...this.manifest.incr, incr], incrSeq: seq };
    const newFd = openSync(pathOf(l, incr.name), 'w', 0o644);
    let baseFd = -1;
    const tempPath = join(l.aofDir, `temp-rewriteaof-bg-${process.pid}.aof`);
    try {
      this.step('incr-created');
      persistManifest(l, m, (st) => this.step(st));
      this.step('incr-manifest-persisted');
      baseFd = openSync(tempPath, 'w', 0o644);
    } catch (e) {
      closeSync(newFd);
      if (baseFd !== -1) closeSync(baseFd);
      throw e;
    }
    // The old incr file is synced and closed in the background, as Redis's bio does;
    // with `always` everything written is already synced, or is being.
    const oldFd = this.fd;
    this.fd = newFd;
    this.manifest = m;
    this.incrSize = 0;
    this.selected = false;
    this.retire(oldFd);
    const base = new AofBaseWriter(baseFd, tempPath);
    this.rewrite = { base };
    return base;
  }

  /**
   * backgroundRewriteDoneHandler: fsyncs and renames the new base into place, makes
   * it the manifest's base with the older files as history (temp manifest, fsync,
   * rename, fsync the directory), then deletes the history files. A crash at any
   * point leaves a directory that loads: the manifest names either the old files
   * or the new ones, and each file it names is complete and synced.
   */
  finishRewrite(): Promise<void> {
    const rw = this.rewrite;
    if (!rw) return Promise.reject(new Error('No AOF rewrite in progress'));
    // From here the rewrite is this call's alone: abortRewrite() and close() wait for it.
    this.rewrite = null;
    const done = this.finish(rw.base).finally(() => {
      this.finishing = null;
    });
    this.finishing = done;
    return done;
  }

  private async finish(base: AofBaseWriter): Promise<void> {
    const l = this.layout;
    try {
      base.write();
      await base.settled();
      await fdatasyncAsync(base.fd);
    } catch (e) {
      await discardBase(base);
      throw e;
    }
    await closeAsync(base.fd);
    this.step('base-synced');
    const seq = this.manifest.baseSeq + 1;
    const baseName = baseFileName(l.name, seq);
    const current = this.manifest.incr[this.manifest.incr.length - 1] as AofFileInfo;
    // getNewBaseFileNameAndMarkPreAsHistory + markRewrittenIncrAofAsHistory.
    // Redis puts each at the head of the history list: the older incr files, then the old base.
    const older = this.manifest.incr.slice(0, -1).map((f) => ({ ...f, type: 'h' as const }));
    const history = [...older, ...(this.manifest.base ? [{ ...this.manifest.base, type: 'h' as const }] : []), ...this.manifest.history];
    const m: AofManifest = { ...this.manifest, base: { name: baseName, seq, type: 'b' }, history, incr: [current], baseSeq: seq };
    let renamed = false;
    try {
      await renameAsync(base.tempPath, pathOf(l, baseName));
      renamed = true;
      this.step('base-renamed');
      persistManifest(l, m, (s) => this.step(s));
    } catch (e) {
      // The manifest still names the old files; the new base is nobody's.
      await unlinkAsync(renamed ? pathOf(l, baseName) : base.tempPath).catch(() => {});
      throw e;
    }
    this.manifest = m;
    const baseSize = (await statAsync(pathOf(l, baseName))).size;
    this.currentSize = baseSize + this.incrSize;
    this.rewriteBaseSize = this.currentSize;
    // A failure from here on leaves history files behind, which open() deletes.
    try {
      this.manifest = deleteHistory(l, m, (s) => this.step(s));
    } catch {
      /* as Redis: "the history deletion failure will not cause any problems" */
    }
    this.step('done');
  }

  /** Drops the new base. The incr files stay in the manifest, as after a failed rewrite in Redis. */
  async abortRewrite(): Promise<void> {
    const rw = this.rewrite;
    if (!rw) return;
    this.rewrite = null;
    await discardBase(rw.base);
  }

  /** From startRewrite() until finishRewrite() has settled or abortRewrite() was called. */
  get rewriting(): boolean {
    return this.rewrite !== null || this.finishing !== null;
  }

  private step(s: RewriteStep): void {
    this.options.onRewriteStep?.(s);
  }

  /** The beforeSleep flush: write, then fsync as the policy says. */
  private flush(syncAlways: boolean): boolean {
    if (this.closed) return true;
    if (!this.writeBuffer()) return false;
    if (this.policy === 'always') {
      if (syncAlways) {
        if (this.syncedTotal < this.writtenTotal) {
          try {
            fdatasyncSync(this.fd);
          } catch (e) {
            this.fsyncError = e as Error;
            this.failWaiters(e as Error);
            return false;
          }
          this.fsyncError = null;
          this.syncedTotal = this.writtenTotal;
          this.settleWaiters();
        }
      } else {
        this.backgroundSync();
      }
    } else if (this.policy === 'everysec' && Date.now() - this.lastSyncStart >= 1000) {
      this.backgroundSync();
    }
    return true;
  }

  /** write(2) of the whole buffer; on failure removes a partial write, keeps the buffer and sets the error. */
  private writeBuffer(): boolean {
    const n = this.pieces.bytes;
    if (n === 0) return true;
    const bufs = this.pieces.take();
    try {
      writeAllSync(this.fd, bufs);
    } catch (e) {
      // As flushAppendOnlyFile: truncate away what part of the buffer made it, and retry later.
      try {
        ftruncateSync(this.fd, this.incrSize);
      } catch {
        /* the next load may then find a torn command, which aof-load-truncated handles */
      }
      this.pieces.unshift(bufs);
      this.writeError = e as Error;
      this.failWaiters(e as Error);
      return false;
    }
    this.writeError = null;
    this.writtenTotal += n;
    this.incrSize += n;
    this.currentSize += n;
    if (this.policy !== 'always') this.settleWaiters();
    return true;
  }

  /** Starts an fdatasync of the current file in the thread pool, unless one is running. */
  private backgroundSync(): void {
    if (this.syncInFlight || this.syncedTotal >= this.writtenTotal) return;
    this.syncInFlight = true;
    this.lastSyncStart = Date.now();
    const fd = this.fd;
    const target = this.writtenTotal;
    this.syncChain = this.syncChain.then(async () => {
      try {
        await fdatasyncAsync(fd);
        this.fsyncError = null;
        if (target > this.syncedTotal) this.syncedTotal = target;
        this.settleWaiters();
      } catch (e) {
        this.fsyncError = e as Error;
        this.failWaiters(e as Error);
      } finally {
        this.syncInFlight = false;
      }
      // Group commit: what was written while this one ran is synced by the next.
      if (this.policy === 'always' && !this.closed) this.backgroundSync();
    });
  }

  /** Everything written so far, fdatasync'd, in order with the background syncs. */
  private async syncNow(): Promise<void> {
    const fd = this.fd;
    const target = this.writtenTotal;
    const run = this.syncChain.then(async () => {
      try {
        await fdatasyncAsync(fd);
        this.fsyncError = null;
        if (target > this.syncedTotal) this.syncedTotal = target;
        this.settleWaiters();
      } catch (e) {
        this.fsyncError = e as Error;
        this.failWaiters(e as Error);
      }
    });
    this.syncChain = run;
    await run;
  }

  /** An incr file no longer written: fdatasync and close it after the syncs queued before. */
  private retire(fd: number): void {
    const target = this.writtenTotal;
    this.syncChain = this.syncChain.then(async () => {
      try {
        await fdatasyncAsync(fd);
        if (target > this.syncedTotal) this.syncedTotal = target;
        this.settleWaiters();
      } catch (e) {
        this.fsyncError = e as Error;
        this.failWaiters(e as Error);
      }
      await closeAsync(fd);
    });
  }

  private settleWaiters(): void {
    const reached = this.policy === 'always' ? this.syncedTotal : this.writtenTotal;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target <= reached) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private failWaiters(e: Error): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(e);
  }

  private cron(): void {
    if (this.closed) return;
    if (this.writeError || this.pieces.bytes > 0) this.flush(false);
    if (this.policy === 'everysec' && Date.now() - this.lastSyncStart >= 1000) this.backgroundSync();
  }
}

async function discardBase(base: AofBaseWriter): Promise<void> {
  await base.settled();
  await closeAsync(base.fd);
  await unlinkAsync(base.tempPath).catch(() => {});
}

/** aofDelHistoryFiles: unlink each history file, then persist the manifest without them. */
function deleteHistory(l: Layout, m: AofManifest, step?: (s: RewriteStep) => void): AofManifest {
  if (m.history.length === 0) return m;
  for (const f of m.history) {
    try {
      unlinkSync(pathOf(l, f.name));
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
  }
  step?.('history-deleted');
  const next = { ...m, history: [] };
  persistManifest(l, next, step);
  return next;
}

/** A rewrite or manifest write that a crash interrupted leaves these behind; nothing refers to them. */
function removeStaleTempFiles(l: Layout): void {
  const tempManifest = fsName(tempManifestFileName(l.name));
  for (const f of readdirSync(l.aofDir)) {
    if (f === tempManifest || /^temp-rewriteaof-bg-\d+\.aof$/.test(f)) unlinkSync(join(l.aofDir, f));
  }
}

// ---------------------------------------------------------------------------
// The loader

export class AofLoadError extends Error {
  constructor(
    message: string,
    /** The AOF file, inside the AOF directory, and the byte offset where reading failed. */
    readonly file: string | null = null,
    readonly offset: number | null = null,
  ) {
    super(message);
    this.name = 'AofLoadError';
  }
}

export interface AofLoadResult {
  /** ok; truncated (a torn tail was cut, see `truncatedAt`); empty (files with no bytes); none (no AOF). */
  status: 'ok' | 'truncated' | 'empty' | 'none';
  truncatedAt: { file: string; offset: number } | null;
  /** Redis's log lines for what was repaired: truncation, a reverted MULTI, an upgrade. */
  warnings: string[];
  /** A legacy single AOF in `dir` was moved into the AOF directory (aofUpgradePrepare). */
  upgraded: boolean;
  commands: number;
}

const READ_CHUNK = 64 * 1024;
/** Redis reads header lines with fgets into AOF_ANNOTATION_LINE_MAX_LEN bytes. */
const MAX_LINE = 1024;
const CR = 13;
const LF = 10;

class FormatError extends Error {
  constructor(
    readonly offset: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Pushes bytes through a RESP command parser that tolerates any chunking. */
class CommandParser {
  private leftover: Buffer | null = null;
  private leftoverOffset = 0;
  private state: 'head' | 'annotation' | 'arglen' | 'bulk' | 'crlf' = 'head';
  private argc = 0;
  private argv: string[] = [];
  private need = 0;
  private pieces: Buffer[] = [];
  /** Where the command being parsed began. */
  commandStart = 0;

  constructor(private readonly onCommand: (argv: string[], end: number) => void) {}

  /** True when the bytes so far end on a command boundary (annotations included). */
  get atBoundary(): boolean {
    return this.state === 'annotation' || (this.state === 'head' && this.leftover === null);
  }

  feed(chunk: Buffer, chunkOffset: number): void {
    let data = chunk;
    let base = chunkOffset;
    if (this.leftover) {
      data = Buffer.concat([this.leftover, chunk]);
      base = this.leftoverOffset;
      this.leftover = null;
    }
    let pos = 0;
    const len = data.length;
    while (pos < len) {
      switch (this.state) {
        case 'annotation': {
          const nl = data.indexOf(LF, pos);
          if (nl === -1) return;
          pos = nl + 1;
          this.state = 'head';
          break;
        }
        case 'head': {
          this.commandStart = base + pos;
          const c = data[pos];
          if (c === 0x23 /* # */) {
            this.state = 'annotation';
            break;
          }
          if (c !== 0x2a /* * */) throw new FormatError(base + pos, `Expected prefix '*', got: '${String.fromCharCode(c ?? 0)}'`);
          const line = this.line(data, pos, base);
          if (line === null) return this.keep(data, pos, base);
          const argc = parseLineNumber(data, pos + 1, line);
          if (argc === null || argc < 1) throw new FormatError(base + pos, 'Invalid multi bulk count');
          this.argc = argc;
          this.argv = [];
          pos = line + 2;
          this.state = 'arglen';
          break;
        }
        case 'arglen': {
          if (data[pos] !== 0x24 /* $ */) throw new FormatError(base + pos, `Expected prefix '$', got: '${String.fromCharCode(data[pos] ?? 0)}'`);
          const line = this.line(data, pos, base);
          if (line === null) return this.keep(data, pos, base);
          const n = parseLineNumber(data, pos + 1, line);
          if (n === null || n < 0) throw new FormatError(base + pos, 'Invalid bulk length');
          this.need = n;
          this.pieces = [];
          pos = line + 2;
          this.state = 'bulk';
          break;
        }
        case 'bulk': {
          if (this.pieces.length === 0 && this.need <= len - pos) {
            // The common case, the whole argument in this chunk: one copy, no slices.
            this.argv.push(data.toString('latin1', pos, pos + this.need));
            pos += this.need;
            this.state = 'crlf';
            break;
          }
          const take = Math.min(this.need, len - pos);
          // Copied: the reader reuses its chunk buffer for the next read.
          if (take > 0) this.pieces.push(Buffer.from(data.subarray(pos, pos + take)));
          this.need -= take;
          pos += take;
          if (this.need === 0) {
            const arg = this.pieces.length === 1 ? (this.pieces[0] as Buffer).toString('latin1') : Buffer.concat(this.pieces).toString('latin1');
            this.argv.push(arg);
            this.pieces = [];
            this.state = 'crlf';
          }
          break;
        }
        case 'crlf': {
          if (len - pos < 2) return this.keep(data, pos, base);
          if (data[pos] !== CR || data[pos + 1] !== LF) {
            throw new FormatError(base + pos, `Expected \\r\\n, got: ${hex2(data[pos])}${hex2(data[pos + 1])}`);
          }
          pos += 2;
          if (this.argv.length === this.argc) {
            this.state = 'head';
            this.onCommand(this.argv, base + pos);
            this.argv = [];
          } else {
            this.state = 'arglen';
          }
          break;
        }
      }
    }
  }

  /** The index of the CR of a header line's CRLF, null if the line is not all here yet. */
  private line(data: Buffer, pos: number, base: number): number | null {
    const limit = Math.min(data.length, pos + MAX_LINE);
    // Header lines are a few bytes: a loop beats a call into indexOf.
    let nl = pos;
    while (nl < limit && data[nl] !== LF) nl++;
    if (nl >= limit) {
      if (data.length - pos >= MAX_LINE) throw new FormatError(base + pos, 'Line too long');
      return null;
    }
    if (nl === pos || data[nl - 1] !== CR) throw new FormatError(base + pos, 'Expected \\r\\n at the end of the line');
    return nl - 1;
  }

  private keep(data: Buffer, pos: number, base: number): void {
    // Only header lines and a CRLF wait here, so this is a few bytes; a bulk's bytes were taken.
    this.leftover = Buffer.from(data.subarray(pos));
    this.leftoverOffset = base + pos;
  }
}

function hex2(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}

/** Decimal digits (optionally negative) between `from` and the CR at `cr`; null if anything else. */
function parseLineNumber(data: Buffer, from: number, cr: number): number | null {
  if (from >= cr) return null;
  let i = from;
  let neg = false;
  if (data[i] === 0x2d) {
    neg = true;
    i++;
    if (i >= cr) return null;
  }
  let n = 0;
  for (; i < cr; i++) {
    const d = (data[i] as number) - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * Replays an AOF directory as loadAppendOnlyFiles does: `for await (const argv of
 * loader)` gives each command to apply (SELECT included, MULTI/EXEC removed: a
 * transaction's commands come out together once its EXEC is read), then `result`
 * says how it went. Failures throw AofLoadError naming the file and offset.
 */
export class AofLoader implements AsyncIterable<string[]> {
  private readonly layout: Layout;
  private outcome: AofLoadResult | null = null;

  constructor(private readonly options: AofOptions) {
    this.layout = layoutOf(options);
  }

  /** Set once iteration has finished without an error. */
  get result(): AofLoadResult {
    if (!this.outcome) throw new Error('AOF loading has not finished');
    return this.outcome;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string[], void, undefined> {
    const l = this.layout;
    const warnings: string[] = [];
    let m: AofManifest;
    try {
      m = readManifestIfAny(l);
    } catch (e) {
      throw new AofLoadError(`Fatal AOF manifest error in ${l.manifestPath}: ${(e as Error).message}`);
    }
    const upgraded = this.upgradeIfNeeded(m, warnings);
    if (upgraded) m = readManifestIfAny(l);
    const result: AofLoadResult = { status: 'ok', truncatedAt: null, warnings, upgraded, commands: 0 };
    const files = [...(m.base ? [m.base] : []), ...m.incr];
    if (files.length === 0) {
      this.outcome = { ...result, status: 'none' };
      return;
    }
    let total = 0;
    for (const f of files) {
      try {
        total += (await statAsync(pathOf(l, f.name))).size;
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') throw new AofLoadError(`The append log file ${f.name} doesn't exist (it is in the manifest ${l.manifestPath})`, f.name, null);
        throw new AofLoadError(`Unable to obtain the AOF file ${f.name} length: ${(e as Error).message}`, f.name, null);
      }
    }
    if (total === 0) {
      this.outcome = { ...result, status: 'empty' };
      return;
    }
    for (let i = 0; i < files.length; i++) {
      const f = files[i] as AofFileInfo;
      const last = i === files.length - 1;
      const truncatedAt = yield* this.loadFile(f.name, last, result);
      if (truncatedAt !== null) {
        result.status = 'truncated';
        result.truncatedAt = { file: f.name, offset: truncatedAt };
      }
    }
    this.outcome = result;
  }

  /** loadSingleAppendOnlyFile; returns the offset it truncated the file at, or null. */
  private async *loadFile(name: string, last: boolean, result: AofLoadResult): AsyncGenerator<string[], number | null, undefined> {
    const l = this.layout;
    const path = pathOf(l, name);
    const fix = `make a backup of your AOF file, then use redis-check-aof --fix ${l.manifestPath}`;
    let handle;
    try {
      handle = await openAsync(path, 'r');
    } catch (e) {
      throw new AofLoadError(`Fatal error: can't open the append log file ${name} for reading: ${(e as Error).message}`, name, null);
    }
    let validUpTo = 0;
    let validBeforeMulti = 0;
    let multi: string[][] | null = null;
    let ready: string[][] = [];
    let formatError: { offset: number; detail: string } | null = null;
    const parser = new CommandParser((argv, end) => {
      const cmd = (argv[0] as string).toLowerCase();
      if (cmd === 'multi') {
        if (multi) throw new FormatError(parser.commandStart, `Unexpected MULTI in AOF ${name}`);
        validBeforeMulti = validUpTo;
        multi = [];
      } else if (cmd === 'exec') {
        if (!multi) throw new FormatError(parser.commandStart, `Unexpected EXEC in AOF ${name}`);
        for (const c of multi) ready.push(c);
        multi = null;
      } else if (multi) {
        multi.push(argv);
      } else {
        ready.push(argv);
      }
      validUpTo = end;
    });
    let offset = 0;
    try {
      // One buffer for every read: a fresh megabyte each time keeps the GC busy.
      const size = this.options.readChunkBytes ?? READ_CHUNK;
      const chunk = Buffer.allocUnsafe(size);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, size, offset);
        if (bytesRead === 0) break;
        if (offset === 0 && bytesRead >= 5 && chunk.toString('latin1', 0, 5) === 'REDIS') {
          throw new AofLoadError(
            `The AOF file ${name} is in RDB format (aof-use-rdb-preamble yes): kv loads only RESP AOF files`,
            name,
            0,
          );
        }
        try {
          parser.feed(chunk.subarray(0, bytesRead), offset);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          formatError = { offset: e.offset, detail: e.detail };
        }
        offset += bytesRead;
        if (ready.length > 0) {
          const batch = ready;
          ready = [];
          result.commands += batch.length;
          yield* batch;
        }
        if (formatError) {
          throw new AofLoadError(
            `Bad file format reading the append only file ${name} at offset ${formatError.offset} (${formatError.detail}): ${fix}`,
            name,
            formatError.offset,
          );
        }
      }
    } finally {
      await handle.close();
    }
    if (parser.atBoundary && !multi) return null;
    if (parser.atBoundary && multi) {
      result.warnings.push(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      validUpTo = validBeforeMulti;
    }
    if (!last) {
      throw new AofLoadError(
        `Unexpected end of file reading the append only file ${name} at offset ${validUpTo}. Fatal error: the truncated file is not the last file: ${fix}`,
        name,
        validUpTo,
      );
    }
    if (this.options.loadTruncated === false) {
      throw new AofLoadError(
        `Unexpected end of file reading the append only file ${name} at offset ${validUpTo}. You can: 1) Make a backup of your AOF file, then use redis-check-aof --fix ${l.manifestPath}. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
        name,
        validUpTo,
      );
    }
    result.warnings.push(`!!! Warning: short read while loading the AOF file ${name}!!!`, `!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      await truncateAsync(path, validUpTo);
    } catch (e) {
      throw new AofLoadError(`Error truncating the AOF file ${name}: ${(e as Error).message}`, name, validUpTo);
    }
    result.warnings.push(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
    return validUpTo;
  }

  /**
   * loadAppendOnlyFiles' upgrade from Redis < 7: a single `appendfilename` in `dir`
   * becomes the base of a new AOF directory (manifest first, then the move, so a
   * crash between the two is finished on the next start).
   */
  private upgradeIfNeeded(m: AofManifest, warnings: string[]): boolean {
    const l = this.layout;
    const legacy = join(l.dir, fsName(l.name));
    if (!isFile(legacy)) return false;
    const interrupted = m.base !== null && m.incr.length === 0 && m.base.name === l.name && !isFile(pathOf(l, l.name));
    if (existsSync(l.aofDir) && !(m.base === null && m.incr.length === 0) && !interrupted) return false;
    mkdirSync(l.aofDir, { recursive: true });
    persistManifest(l, { ...m, base: { name: l.name, seq: 1, type: 'b' }, baseSeq: Math.max(1, m.baseSeq) });
    renameSync(legacy, pathOf(l, l.name));
    fsyncDir(l.aofDir);
    warnings.push(`Successfully migrated an old-style AOF file (${l.name}) into the AOF directory (${l.aofDir}).`);
    return true;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
