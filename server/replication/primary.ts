// The primary side of Redis's replication protocol (replication.c). Every
// entry of the store's write log becomes bytes of the replication stream: kept
// in a backlog of repl-backlog-size bytes and sent to each online replica. A
// replica that asks PSYNC with our replid and an offset still in the backlog
// gets +CONTINUE and the bytes since; any other gets +FULLRESYNC, an RDB of
// the dataset as of that moment (streamed with an EOF mark, Redis's diskless
// format), then the stream from that offset. REPLCONF ACK offsets feed WAIT.

import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { LoggedCommand } from '../store/write-log.js';
import { snapshotChunks } from '../persistence/rdb.js';
import { Snapshot } from '../persistence/persistence.js';

/** Where a replica's bytes go: its connection, taken over by replication after PSYNC. */
export interface ReplicaSink {
  /** Writes bytes; false when the socket's buffer is full (wait for drained()). */
  write(data: string | Buffer): boolean;
  drained(): Promise<void>;
  close(): void;
  readonly address: string;
}

interface Replica {
  readonly id: number;
  readonly sink: ReplicaSink;
  /** The port it listens on, from REPLCONF listening-port (INFO replication shows it). */
  listeningPort: number;
  /** 'wait_bgsave' while its RDB is sent (stream bytes are held for it), then 'online'. */
  state: 'wait_bgsave' | 'online';
  held: Buffer[];
  ackOffset: number;
  ackAt: number;
}

interface Waiter {
  offset: number;
  needed: number;
  resolve: (n: number) => void;
  timer: NodeJS.Timeout | null;
}

/** RESP encoding of one command, as the stream and the AOF carry it. */
export function encodeCommand(argv: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`, 'latin1')];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`, 'latin1'), Buffer.from(a, 'latin1'), Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}

export class ReplicationPrimary {
  /** This history's id (40 hex characters), and the previous one a promoted replica keeps serving. */
  replid = randomBytes(20).toString('hex');
  replid2 = '0'.repeat(40);
  secondOffset = -1;
  /** master_repl_offset: bytes of the stream so far. */
  offset = 0;
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  /** The stream offset of the backlog's first byte (Redis's repl_backlog->offset). */
  private backlogStart = 1;
  private readonly replicas = new Map<number, Replica>();
  private waiters: Waiter[] = [];
  private unsubscribe: (() => void) | null = null;
  private nextId = 1;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly backlogSize: () => number,
    private readonly log: (msg: string) => void,
  ) {
    // repl-ping-replica-period: a PING in the stream every 10 s keeps replicas' timeouts quiet.
    this.pinger = setInterval(() => {
      if (this.replicas.size > 0 && !this.proxying) this.feed(['PING']);
    }, 10_000);
    this.pinger.unref();
  }

  /** True while this node is a replica: its stream is its primary's bytes, passed on as they came. */
  proxying = false;
  private streaming = false;

  /** Starts the stream (Redis creates the backlog with the first replica). */
  private ensureStream(): void {
    if (this.streaming) return;
    this.streaming = true;
    this.backlogStart = this.offset + 1;
    this.listen();
  }

  /** A primary's stream is its write log; a replica's is proxy()'s bytes. */
  private listen(): void {
    if (this.proxying || this.unsubscribe !== null || !this.streaming) return;
    this.unsubscribe = this.store.log.subscribe((cmd) => this.feed(cmd));
    this.feed(['SELECT', '0']);
  }

  /** This node follows a primary (true) or is one (false). */
  setProxying(on: boolean): void {
    this.proxying = on;
    if (on) {
      this.unsubscribe?.();
      this.unsubscribe = null;
    } else this.listen();
  }

  /** On a replica: bytes of its primary's stream, kept and passed on so offsets stay the primary's. */
  proxy(bytes: Buffer): void {
    if (!this.streaming) {
      this.offset += bytes.length;
      this.backlogStart = this.offset + 1;
      return;
    }
    this.append(bytes);
  }

  /** Adds a command to the stream: the backlog, and every replica (held for one still loading its RDB). */
  feed(cmd: LoggedCommand): void {
    this.append(encodeCommand(cmd));
  }

  private append(bytes: Buffer): void {
    this.offset += bytes.length;
    this.backlog.push(bytes);
    this.backlogBytes += bytes.length;
    const limit = this.backlogSize();
    while (this.backlogBytes - this.backlog[0]!.length >= limit && this.backlog.length > 1) {
      const dropped = this.backlog.shift()!;
      this.backlogBytes -= dropped.length;
      this.backlogStart += dropped.length;
    }
    for (const r of this.replicas.values()) {
      if (r.state === 'online') r.sink.write(bytes);
      else r.held.push(bytes);
    }
  }

  /**
   * PSYNC replid offset (SYNC is PSYNC ? -1): the reply line, then either the
   * backlog since `offset` or an RDB and the stream. Returns the replica's id.
   */
  psync(sink: ReplicaSink, replid: string, wanted: number, capaEof: boolean, listeningPort: number): number {
    this.ensureStream();
    const id = this.nextId++;
    const fromHistory = replid === this.replid || (replid === this.replid2 && wanted <= this.secondOffset + 1);
    if (fromHistory && wanted >= this.backlogStart && wanted <= this.offset + 1) {
      sink.write(`+CONTINUE ${this.replid}\r\n`);
      const replica: Replica = { id, sink, listeningPort, state: 'online', held: [], ackOffset: 0, ackAt: Date.now() };
      this.replicas.set(id, replica);
      let skip = wanted - this.backlogStart;
      for (const b of this.backlog) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        sink.write(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
      this.log(`Partial resynchronization request from ${sink.address} accepted, sending ${this.offset + 1 - wanted} bytes of backlog starting from offset ${wanted}`);
      return id;
    }
    const replica: Replica = { id, sink, listeningPort, state: 'wait_bgsave', held: [], ackOffset: 0, ackAt: Date.now() };
    this.replicas.set(id, replica);
    sink.write(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`);
    this.log(`Full resync requested by replica ${sink.address}: starting a diskless transfer at offset ${this.offset}`);
    void this.sendRdb(replica, capaEof).catch((e: unknown) => {
      this.log(`Full resync to ${sink.address} failed: ${(e as Error).message}`);
      this.drop(id);
      sink.close();
    });
    return id;
  }

  /** The dataset as of now (writes meanwhile are copied first, as a fork would keep them), then what was held. */
  private async sendRdb(replica: Replica, capaEof: boolean): Promise<void> {
    const snapshot = new Snapshot(this.store);
    this.store.log.interceptors.add(snapshot);
    try {
      const chunks = snapshotChunks(snapshot.entries(), snapshot.sizes);
      if (capaEof) {
        const mark = randomBytes(20).toString('hex');
        replica.sink.write(`$EOF:${mark}\r\n`);
        let n = 0;
        for (const chunk of chunks) {
          if (!this.replicas.has(replica.id)) return;
          if (!replica.sink.write(chunk)) await replica.sink.drained();
          else if (++n % 8 === 0) await new Promise((res) => setImmediate(res));
        }
        replica.sink.write(mark);
      } else {
        // Without "capa eof" the length comes first: the whole file is built before it is sent.
        const all = Buffer.concat([...chunks]);
        replica.sink.write(`$${all.length}\r\n`);
        replica.sink.write(all);
      }
    } finally {
      this.store.log.interceptors.delete(snapshot);
    }
    for (const b of replica.held) replica.sink.write(b);
    replica.held = [];
    replica.state = 'online';
    this.log(`Synchronization with replica ${replica.sink.address} succeeded`);
  }

  /** REPLCONF ACK <offset> from a replica. */
  ack(id: number, offset: number): void {
    const r = this.replicas.get(id);
    if (r === undefined) return;
    r.ackOffset = Math.max(r.ackOffset, offset);
    r.ackAt = Date.now();
    this.settleWaiters();
  }

  drop(id: number): void {
    if (this.replicas.delete(id)) this.settleWaiters();
  }

  private acked(offset: number): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT numreplicas timeout: how many replicas acknowledged everything up to now, once enough do or the time is up. */
  wait(needed: number, timeoutMs: number): number | Promise<number> {
    const offset = this.offset;
    const now = this.acked(offset);
    if (now >= needed || this.replicas.size === 0 && timeoutMs === 0) return now;
    // Ask for acknowledgements now rather than at the next second.
    if (!this.proxying) this.feed(['REPLCONF', 'GETACK', '*']);
    return new Promise((resolve) => {
      const w: Waiter = { offset, needed, resolve, timer: null };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(this.acked(offset));
        }, timeoutMs);
      }
      this.waiters.push(w);
    });
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      const n = this.acked(w.offset);
      if (n < w.needed) return true;
      if (w.timer) clearTimeout(w.timer);
      w.resolve(n);
      return false;
    });
  }

  /** INFO replication's replica lines (slaveN:ip=…,port=…,state=…,offset=…,lag=…). */
  replicaLines(): string[] {
    let i = 0;
    const out: string[] = [];
    for (const r of this.replicas.values()) {
      const ip = r.sink.address.replace(/:\d+$/, '');
      const lag = Math.floor((Date.now() - r.ackAt) / 1000);
      out.push(`slave${i++}:ip=${ip},port=${r.listeningPort},state=${r.state},offset=${r.ackOffset},lag=${lag}`);
    }
    return out;
  }

  /** ROLE's replica entries: ip, listening port, acknowledged offset. */
  replicaTriples(): [string, number, number][] {
    return [...this.replicas.values()].map((r) => [r.sink.address.replace(/:\d+$/, ''), r.listeningPort, r.ackOffset]);
  }

  get connectedReplicas(): number {
    return this.replicas.size;
  }

  get backlogInfo(): { active: number; size: number; first: number; histlen: number } {
    // Without a backlog Redis shows offset 0, not where one would start.
    return { active: this.streaming ? 1 : 0, size: this.backlogSize(), first: this.streaming ? this.backlogStart : 0, histlen: this.backlogBytes };
  }

  /**
   * Becoming a replica (or a promoted replica starting its own history): the
   * old history stays servable as replid2 up to the current offset, as Redis's
   * shiftReplicationId does, so replicas of the old primary can PSYNC here.
   */
  shiftHistory(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset;
    this.replid = randomBytes(20).toString('hex');
  }

  /** Continues another primary's history (a replica's view: its replid and offset). */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.offset = offset;
    this.backlog = [];
    this.backlogBytes = 0;
    this.backlogStart = offset + 1;
  }

  /** Every replica is disconnected (this node became a replica itself). */
  disconnectAll(): void {
    for (const r of this.replicas.values()) r.sink.close();
    this.replicas.clear();
    this.settleWaiters();
  }

  close(): void {
    clearInterval(this.pinger);
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const w of this.waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(this.acked(w.offset));
    }
    this.waiters = [];
    this.disconnectAll();
  }
}
