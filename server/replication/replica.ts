// The replica side of Redis's replication protocol: a connection to the
// primary that does the handshake (PING, AUTH, REPLCONF listening-port and
// capa eof psync2, PSYNC), loads the RDB of a full resync (with a length or
// Redis's diskless EOF mark), then applies the command stream, acknowledging
// its offset every second and on REPLCONF GETACK. It reconnects with PSYNC on
// its history, so a short cut costs +CONTINUE, not a full copy. Talks to a kv
// node or a real redis-server alike.

import net from 'node:net';
import { createWriteStream, mkdirSync, unlinkSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ReplySplitter, arrayElements, stringValue } from '../protocol/reply-framer.js';
import { readSnapshot } from '../persistence/rdb.js';
import type { AnyReply } from '../protocol/resp.js';
import { encodeCommand } from './primary.js';

export interface ReplicaHost {
  /** Applies one command of the stream to this node's keys (the write log sees it). */
  apply(argv: string[]): void;
  /** Replaces the dataset with a snapshot's entries. */
  load(entries: AsyncIterable<readonly [string, import('../store/store.js').Value, number]>): Promise<number>;
  /** Bytes of the primary's stream, passed on to this node's own replicas. */
  proxy(bytes: Buffer): void;
  /** The primary's history this node now follows (after a full resync, or a +CONTINUE with a new id). */
  adopt(replid: string, offset: number): void;
  setLoading(on: boolean): void;
  /** A partial resync succeeded (+CONTINUE). */
  resumed(): void;
  readonly listeningPort: number;
  masterauth(): string;
  /** Where the RDB of a full resync is written before it is loaded. */
  dir(): string;
  log(msg: string): void;
}

export type LinkStatus = 'connect' | 'connecting' | 'sync' | 'connected';

type Phase =
  | { kind: 'handshake'; step: number }
  | { kind: 'rdb-header' }
  | { kind: 'rdb'; left: number; mark: Buffer | null; tail: Buffer; file: WriteStream; path: string }
  /** The RDB is being loaded: what follows waits in `pending`. */
  | { kind: 'loading' }
  | { kind: 'stream' };

const RETRY_MS = 1000;

export class ReplicaLink {
  status: LinkStatus = 'connect';
  /** The primary's history and how far into it this node has applied (Redis's master_replid, reploff). */
  replid = '?';
  offset = -1;
  lastIoAt = 0;
  syncInProgress = false;
  private socket: net.Socket | null = null;
  private phase: Phase = { kind: 'handshake', step: 0 };
  private pending: Buffer = Buffer.alloc(0);
  private splitter: ReplySplitter | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly acker: NodeJS.Timeout;
  /** The database the stream's commands are for (SELECT): only 0's are applied. */
  private db = '0';

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly node: ReplicaHost,
    /** A node that was a primary keeps its history: PSYNC may continue it on the new primary. */
    history: { replid: string; offset: number } | null,
    /** The first PSYNC asks the target to take over (FAILOVER): "PSYNC replid offset FAILOVER". */
    private failover = false,
  ) {
    if (history) {
      this.replid = history.replid;
      this.offset = history.offset;
    }
    this.acker = setInterval(() => this.sendAck(), 1000);
    this.acker.unref();
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.status = 'connecting';
    this.phase = { kind: 'handshake', step: 0 };
    this.pending = Buffer.alloc(0);
    this.splitter = null;
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.node.log(`Connecting to MASTER ${this.host}:${this.port}: connected, starting the handshake`);
      this.lastIoAt = Date.now();
      this.sendHandshake();
    });
    socket.on('data', (d: Buffer) => {
      this.lastIoAt = Date.now();
      try {
        this.onData(d);
      } catch (e) {
        this.node.log(`Replication with ${this.host}:${this.port} failed: ${(e as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', (e: Error) => this.node.log(`Error condition on socket for SYNC: ${e.message}`));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.phase.kind === 'rdb') this.abortRdb(this.phase);
      if (this.syncInProgress) this.node.setLoading(false);
      this.syncInProgress = false;
      this.status = 'connect';
      if (!this.stopped) this.retry = setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  private send(argv: readonly string[]): void {
    this.socket?.write(encodeCommand(argv));
  }

  /** The handshake, one command per reply, as Redis's syncWithMaster: PING, [AUTH], REPLCONF ×2, PSYNC. */
  private sendHandshake(): void {
    const step = (this.phase as { step: number }).step;
    const auth = this.node.masterauth();
    const steps: (readonly string[] | null)[] = [
      ['PING'],
      auth !== '' ? ['AUTH', auth] : null,
      ['REPLCONF', 'listening-port', String(this.node.listeningPort)],
      ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
      ['PSYNC', this.replid, String(this.offset === -1 ? -1 : this.offset + 1), ...(this.failover ? ['FAILOVER'] : [])],
    ];
    let s = step;
    while (s < steps.length && steps[s] === null) s++;
    this.phase = { kind: 'handshake', step: s };
    this.send(steps[s]!);
  }

  private onData(d: Buffer): void {
    this.pending = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
    while (this.pending.length > 0) {
      const phase = this.phase;
      if (phase.kind === 'loading') return;
      if (phase.kind === 'stream') {
        const bytes = this.pending;
        this.pending = Buffer.alloc(0);
        this.splitter!.feed(bytes);
        return;
      }
      if (phase.kind === 'rdb') {
        this.rdbBytes(phase);
        continue;
      }
      // A line: a handshake reply, or the RDB's header (newlines before it are keepalives).
      const nl = this.pending.indexOf(10);
      if (nl === -1) return;
      const line = this.pending.toString('latin1', 0, nl).replace(/\r$/, '');
      this.pending = this.pending.subarray(nl + 1);
      // Newlines are a primary's keepalives while it prepares the RDB, before and after +FULLRESYNC.
      if (line === '') continue;
      if (phase.kind === 'rdb-header') {
        this.rdbHeader(line);
        continue;
      }
      this.handshakeReply(phase.step, line);
    }
  }

  private handshakeReply(step: number, line: string): void {
    if (step === 0) {
      // A primary with requirepass answers -NOAUTH to PING: AUTH comes next.
      if (line.startsWith('-') && !line.startsWith('-NOAUTH') && !line.startsWith('-NOPERM')) throw new Error(`error reply to PING from master: ${line}`);
    } else if (step === 1 && line.startsWith('-')) {
      throw new Error(`unable to AUTH to MASTER: ${line}`);
    } else if (step === 4) {
      return this.psyncReply(line);
    }
    // REPLCONF errors are ignored, as Redis ignores an old primary's.
    this.phase = { kind: 'handshake', step: step + 1 };
    this.sendHandshake();
  }

  private psyncReply(line: string): void {
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
    if (full) {
      this.replid = full[1]!;
      this.offset = Number(full[2]);
      this.db = '0'; // a new stream: its first write is preceded by a SELECT
      this.node.log(`Full resync from master: ${this.replid}:${this.offset}`);
      this.status = 'sync';
      this.syncInProgress = true;
      this.phase = { kind: 'rdb-header' };
      return;
    }
    const cont = /^\+CONTINUE(?: ([0-9a-f]{40}))?$/.exec(line);
    if (cont) {
      if (cont[1] !== undefined && cont[1] !== this.replid) {
        this.node.log(`Master replication ID changed to ${cont[1]}`);
        this.replid = cont[1];
      }
      this.node.adopt(this.replid, this.offset);
      this.failover = false;
      this.node.log(`Successful partial resynchronization with master at offset ${this.offset + 1}`);
      this.node.resumed();
      return this.streaming();
    }
    throw new Error(`unexpected reply to PSYNC from master: ${line}`);
  }

  private rdbHeader(line: string): void {
    if (line.startsWith('-')) throw new Error(`error from master during SYNC: ${line}`);
    const dir = this.node.dir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `temp-${Date.now()}.${process.pid}.rdb`);
    const file = createWriteStream(path);
    const eof = /^\$EOF:(.{40})$/.exec(line);
    if (eof) {
      this.phase = { kind: 'rdb', left: Infinity, mark: Buffer.from(eof[1]!, 'latin1'), tail: Buffer.alloc(0), file, path };
    } else {
      const n = /^\$(\d+)$/.exec(line);
      if (!n) throw new Error(`bad protocol from MASTER, the first byte is not '$' (we received '${line.slice(0, 64)}')`);
      this.phase = { kind: 'rdb', left: Number(n[1]), mark: null, tail: Buffer.alloc(0), file, path };
    }
    this.node.setLoading(true);
  }

  /** Payload bytes of the RDB; with an EOF mark, the last 40 bytes are held until more come or they are the mark. */
  private rdbBytes(phase: Extract<Phase, { kind: 'rdb' }>): void {
    if (phase.mark === null) {
      const take = Math.min(phase.left, this.pending.length);
      phase.file.write(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      phase.left -= take;
      if (phase.left === 0) this.rdbDone(phase);
      return;
    }
    const data = Buffer.concat([phase.tail, this.pending]);
    this.pending = Buffer.alloc(0);
    if (data.length >= 40 && data.subarray(data.length - 40).equals(phase.mark)) {
      phase.file.write(data.subarray(0, data.length - 40));
      phase.tail = Buffer.alloc(0);
      return this.rdbDone(phase);
    }
    const keep = Math.min(40, data.length);
    phase.file.write(data.subarray(0, data.length - keep));
    phase.tail = Buffer.from(data.subarray(data.length - keep));
  }

  private rdbDone(phase: Extract<Phase, { kind: 'rdb' }>): void {
    const socket = this.socket;
    // Stream bytes that follow wait until the dataset is loaded.
    socket?.pause();
    this.phase = { kind: 'loading' };
    phase.file.end(() => {
      void this.node
        .load(readSnapshot(phase.path, { skipFunctions: true }))
        .then(
          (keys) => {
            this.node.log(`MASTER <-> REPLICA sync: finished with success, ${keys} keys loaded`);
            this.node.adopt(this.replid, this.offset);
            this.node.setLoading(false);
            this.syncInProgress = false;
            this.streaming();
            socket?.resume();
          },
          (e: unknown) => {
            this.node.setLoading(false);
            this.syncInProgress = false;
            // The dataset is neither the old one nor the primary's: no history to
            // PSYNC with, so the next attempt is a full sync again, as in Redis.
            this.replid = '?';
            this.offset = -1;
            this.node.log(`Failed trying to load the MASTER synchronization DB from disk: ${(e as Error).message}`);
            socket?.destroy();
          },
        )
        .finally(() => {
          try {
            unlinkSync(phase.path);
          } catch {
            /* already gone */
          }
        });
    });
  }

  private abortRdb(phase: Extract<Phase, { kind: 'rdb' }>): void {
    phase.file.destroy();
    try {
      unlinkSync(phase.path);
    } catch {
      /* never written */
    }
  }

  /** From here on every byte is the primary's command stream. */
  private streaming(): void {
    this.status = 'connected';
    this.phase = { kind: 'stream' };
    this.splitter = new ReplySplitter(
      (reply, bytes) => this.command(reply, bytes),
      (why) => {
        this.node.log(`Protocol error from MASTER: ${why}`);
        this.socket?.destroy();
      },
    );
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) this.splitter.feed(rest);
    this.sendAck();
  }

  private command(reply: AnyReply, bytes: number): void {
    const parts = arrayElements(reply);
    const raw = typeof reply === 'string' ? Buffer.from(reply, 'latin1') : Buffer.from(reply.parts.join(''), 'latin1');
    if (parts !== null && parts.length > 0) {
      const argv = parts.map((p) => stringValue(p) ?? '');
      const name = argv[0]!.toLowerCase();
      if (name === 'select') {
        this.db = argv[1] ?? '0';
      } else if (name === 'replconf' && argv[1]?.toLowerCase() === 'getack') {
        this.sendAck(); // the offset before this command, as Redis acknowledges
      } else if (this.db !== '0') {
        // kv has database 0 only: writes to the primary's other databases are not ours.
      } else if (name !== 'ping' && name !== 'select' && name !== 'multi' && name !== 'exec' && name !== 'replconf') {
        this.node.apply(argv);
      }
    }
    this.offset += bytes;
    this.node.proxy(raw);
  }

  private sendAck(): void {
    if (this.status === 'connected') this.send(['REPLCONF', 'ACK', String(this.offset)]);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.acker);
    if (this.retry) clearTimeout(this.retry);
    const socket = this.socket;
    this.socket = null;
    if (this.phase.kind === 'rdb') this.abortRdb(this.phase);
    socket?.destroy();
    if (this.syncInProgress) this.node.setLoading(false);
  }
}
