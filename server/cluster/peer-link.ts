// A link to one peer node: a persistent RESP connection over which this node
// forwards requests. Many requests are in flight at once (pipelined) and replies
// are matched to them in order. The link connects lazily, authenticates with the
// cluster secret, fails fast while its peer is down, and reconnects with backoff.
// Only this module opens connections to other nodes.

import net from 'node:net';
import { replyEnd } from '../protocol/reply-framer.js';
import { error, type Reply } from '../protocol/resp.js';

export interface LinkOptions {
  readonly self: string;
  readonly secret: string;
  /** A request unanswered this long gets an error reply. */
  readonly timeoutMs: number;
  /** Requests in flight before new ones are refused. */
  readonly maxPending: number;
  readonly log: (msg: string) => void;
}

type Callback = (reply: Reply) => void;

interface Pending {
  cb: Callback | null; // null once answered by a timeout: its reply is then dropped
  sentAt: number;
}

export type LinkState = 'idle' | 'connecting' | 'up' | 'down';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

export function encodeCommand(argv: readonly string[]): string {
  let out = '*' + argv.length + '\r\n';
  for (const a of argv) out += '$' + a.length + '\r\n' + a + '\r\n';
  return out;
}

export class PeerLink {
  state: LinkState = 'idle';
  downSince = 0;
  lastError = '';
  sent = 0;
  failed = 0;
  private socket: net.Socket | null = null;
  private pending: Pending[] = [];
  private head = 0;
  private input = '';
  private out = '';
  private flushScheduled = false;
  private backoff = BACKOFF_MIN_MS;
  private retryAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly name: string,
    readonly host: string,
    readonly port: number,
    private readonly opts: LinkOptions,
  ) {}

  get inFlight(): number {
    return this.pending.length - this.head;
  }

  private unreachable(reason: string): Reply {
    return error(`ERR node ${this.name} (${this.host}:${this.port}) is unreachable: ${reason}`);
  }

  /** Sends a command; `cb` gets exactly one reply: the peer's, or an error. */
  send(argv: readonly string[], cb: Callback): void {
    if (this.state === 'down' && Date.now() < this.retryAt) {
      this.failed++;
      cb(this.unreachable(this.lastError));
      return;
    }
    if (this.inFlight >= this.opts.maxPending) {
      this.failed++;
      cb(error(`ERR node ${this.name} is overloaded: ${this.inFlight} requests in flight`));
      return;
    }
    if (this.socket === null) this.connect();
    this.pending.push({ cb, sentAt: Date.now() });
    this.sent++;
    this.write(encodeCommand(argv));
  }

  /** Forwarded requests of one tick go out in one write. */
  private write(data: string): void {
    this.out += data;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => {
        this.flushScheduled = false;
        if (this.socket && this.out.length > 0) this.socket.write(this.out, 'latin1');
        this.out = '';
      });
    }
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    socket.setNoDelay(true);
    const connectTimer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.state = 'up';
      this.backoff = BACKOFF_MIN_MS;
      this.lastError = '';
    });
    // The cluster secret goes first; its reply is matched like any other.
    this.pending.push({
      cb: (reply) => {
        if (reply.startsWith('-')) {
          this.opts.log(`link to ${this.name}: peer refused the cluster secret: ${reply.trim()}`);
          this.lastError = `authentication refused: ${reply.slice(1).trim()}`;
          socket.destroy();
        }
      },
      sentAt: Date.now(),
    });
    this.out = encodeCommand(['KV.HELLO', this.opts.secret, this.opts.self]) + this.out;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => {
      this.lastError = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.onClose();
    });
    if (this.timer === null) {
      this.timer = setInterval(() => this.expireRequests(), Math.max(10, Math.floor(this.opts.timeoutMs / 10)));
      this.timer.unref();
    }
  }

  private onData(chunk: Buffer): void {
    this.input += chunk.toString('latin1');
    let pos = 0;
    for (;;) {
      const end = replyEnd(this.input, pos);
      if (end === -1) break;
      if (end === -2) {
        this.lastError = 'protocol error from peer';
        this.socket?.destroy();
        return;
      }
      const reply = this.input.slice(pos, end);
      pos = end;
      const p = this.pending[this.head];
      if (p === undefined) continue; // a reply nobody asked for: drop it
      this.pending[this.head++] = undefined as unknown as Pending;
      p.cb?.(reply);
    }
    this.input = pos === this.input.length ? '' : this.input.slice(pos);
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Every request still waiting gets an error, in order; then the link waits out its backoff. */
  private onClose(): void {
    const reason = this.lastError || 'connection closed';
    this.socket = null;
    this.input = '';
    this.out = '';
    if (this.state !== 'down') this.downSince = Date.now();
    this.state = 'down';
    this.retryAt = Date.now() + this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.lastError = reason;
    const waiting = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    for (const p of waiting) {
      if (p.cb) {
        this.failed++;
        p.cb(this.unreachable(reason));
      }
    }
  }

  /** A request older than the timeout gets an error now; its reply, if it comes, is dropped. */
  private expireRequests(): void {
    const limit = Date.now() - this.opts.timeoutMs;
    for (let i = this.head; i < this.pending.length; i++) {
      const p = this.pending[i]!;
      if (p.sentAt > limit) break;
      if (p.cb) {
        const cb = p.cb;
        p.cb = null;
        this.failed++;
        cb(error(`ERR node ${this.name} (${this.host}:${this.port}) did not answer within ${this.opts.timeoutMs} ms`));
      }
    }
    if (this.inFlight === 0 && this.state !== 'up' && this.state !== 'connecting' && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket?.destroy();
  }
}
