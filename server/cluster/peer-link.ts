// A link to one peer node: a persistent RESP connection over which this node
// forwards requests. Many requests are in flight at once (pipelined) and replies
// are matched to them in order. The link connects lazily, authenticates with the
// cluster secret, fails fast while its peer is down, and reconnects with backoff.
// A request times out only when the peer has sent nothing for the whole timeout:
// a peer still streaming an earlier reply is answering, not silent.
// Only this module opens connections to other nodes.

import net from 'node:net';
import { ReplySplitter } from '../protocol/reply-framer.js';
import { bulkArray, error, type AnyReply } from '../protocol/resp.js';
import { describeHelloReply, describeLinkError } from './link-errors.js';

export interface LinkOptions {
  readonly self: string;
  readonly secret: string;
  /** A request unanswered this long, with nothing heard from the peer meanwhile, gets an error reply. */
  readonly timeoutMs: number;
  readonly log: (msg: string) => void;
  /** Called each time the link is up (the peer accepted the secret). */
  readonly onUp?: () => void;
}

type Callback = (reply: AnyReply) => void;

interface Pending {
  cb: Callback | null; // null once answered by a timeout: its reply is then dropped
  /** When the kernel took its last byte (0: not yet): the clock starts there. */
  sentAt: number;
  /** Time the peer may take to read and store a big request, beyond the timeout. */
  graceMs: number;
}

/** A peer reads and stores a big request at this many bytes per ms at least (50 MB/s), before its timeout counts. */
const BYTES_PER_MS = 50_000;

export type LinkState = 'idle' | 'connecting' | 'up' | 'down';

const BACKOFF_MIN_MS = 100;
/** Requests are joined into one string up to this size, then written as they are. */
const OUT_PIECE = 1 << 20;
/** Queued bytes that go out after the current read rather than at the end of the loop's turn: about 16 small requests. */
const EAGER_FLUSH = 512;
/** A timeout check that waited this long for its turn found the loop busy, and waits for one more read. */
const STALL_MS = 20;
const BACKOFF_MAX_MS = 5000;


export class PeerLink {
  state: LinkState = 'idle';
  downSince = 0;
  lastError = '';
  sent = 0;
  failed = 0;
  private socket: net.Socket | null = null;
  private pending: Pending[] = [];
  private head = 0;
  private splitter: ReplySplitter | null = null;
  /** When the peer last sent a byte (or the link connected). */
  private heardAt = 0;
  private expiryQueued = false;
  private lastTickAt = 0;
  /** When this node's event loop last came back from a stall (see the expiry timer). */
  private stallEndedAt = 0;
  /** The KV.HELLO of the current connection, which no client waits for. */
  private hello: Pending | null = null;
  /** The peer refused this connection's KV.HELLO: nothing sent behind it ran there. */
  private helloRefused = false;
  private keepUp = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Requests not yet written: pieces, then the small ones being joined. */
  private out: string[] = [];
  private outSmall = '';
  private flushScheduled = false;
  private flushThisTick = false;
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

  private unreachable(reason: string): string {
    return error(`ERR node ${this.name} (${this.host}:${this.port}) is unreachable: ${reason}`);
  }

  /** Sends a command; `cb` gets exactly one reply: the peer's, or an error. */
  send(argv: readonly string[], cb: Callback): void {
    if (this.state === 'down' && Date.now() < this.retryAt) {
      this.failed++;
      cb(this.unreachable(this.lastError));
      return;
    }
    if (this.socket === null) this.connect();
    let bytes = 0;
    for (const a of argv) bytes += a.length;
    this.pending.push({ cb, sentAt: 0, graceMs: Math.floor(bytes / BYTES_PER_MS) });
    this.sent++;
    // Big arguments (a forwarded 200 MB SET) are written as they are, not copied into one string.
    let small = '*' + argv.length + '\r\n';
    for (const a of argv) {
      if (a.length < OUT_PIECE) {
        small += '$' + a.length + '\r\n' + a + '\r\n';
        if (small.length >= OUT_PIECE) {
          this.write(small);
          small = '';
        }
        continue;
      }
      this.write(small + '$' + a.length + '\r\n');
      this.write(a);
      small = '\r\n';
    }
    this.write(small);
  }

  /**
   * Forwarded requests go out together: small ones joined, big
   * ones (a forwarded 200 MB SET) as they are, never one string past V8's
   * limit. A request's clock starts when it is written, not when it was
   * queued behind a long command on this node. A few small requests (one
   * client's single request) wait for the end of this turn of the event loop,
   * so that those of every client read in it share one write; a batch past
   * EAGER_FLUSH (a client's pipeline) goes out right after the read that made
   * it, so the peer starts on it while this node reads the next client.
   */
  private write(data: string): void {
    if (data.length >= OUT_PIECE) {
      if (this.outSmall.length > 0) this.out.push(this.outSmall);
      this.outSmall = '';
      this.out.push(data);
    } else {
      this.outSmall += data;
      if (this.outSmall.length >= OUT_PIECE) {
        this.out.push(this.outSmall);
        this.outSmall = '';
      }
    }
    if (this.out.length > 0 || this.outSmall.length >= EAGER_FLUSH) {
      if (!this.flushThisTick) {
        this.flushThisTick = true;
        process.nextTick(() => {
          this.flushThisTick = false;
          this.flush();
        });
      }
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.outSmall.length > 0) this.out.push(this.outSmall);
    this.outSmall = '';
    const batch = this.out;
    this.out = [];
    const socket = this.socket;
    if (socket === null || batch.length === 0) return;
    // The requests of this batch (the newest, not yet stamped) start their clock
    // once the kernel has taken their bytes: a 600 MB request is not late while
    // it is still being written.
    const sent: Pending[] = [];
    for (let i = this.pending.length - 1; i >= this.head && this.pending[i]!.sentAt === 0; i--) sent.push(this.pending[i]!);
    const stamp = (): void => {
      const now = Date.now();
      for (const p of sent) if (p.sentAt === 0) p.sentAt = now;
    };
    if (batch.length > 1) socket.cork();
    for (let i = 0; i < batch.length; i++) socket.write(batch[i]!, 'latin1', i === batch.length - 1 ? stamp : undefined);
    if (batch.length > 1) socket.uncork();
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    socket.setNoDelay(true);
    const connectTimer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), this.opts.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.state = 'up';
      this.heardAt = Date.now();
      this.backoff = BACKOFF_MIN_MS;
      this.lastError = '';
    });
    // The cluster secret goes first; its reply is matched like any other, but a
    // link that closes before it comes fails for its own reason, not as a refusal.
    const hello: Pending = (this.hello = {
      cb: (reply) => {
        if (typeof reply === 'string' && reply.startsWith('-')) {
          this.helloRefused = true;
          this.lastError = describeHelloReply(reply);
          this.opts.log(`link to ${this.name}: ${this.lastError}`);
          socket.destroy();
        } else this.opts.onUp?.();
      },
      sentAt: Date.now(),
      graceMs: 0,
    });
    this.pending.push(hello);
    // First on the wire, before any request queued while the link was down.
    if (this.outSmall.length > 0) this.out.push(this.outSmall);
    this.outSmall = '';
    // A request is an array of bulk strings: the reply encoder's shape.
    this.out.unshift(bulkArray(['KV.HELLO', this.opts.secret, this.opts.self], 2));
    this.write(''); // sent as soon as the socket connects, with or without requests behind it
    this.splitter = new ReplySplitter(
      (reply) => this.onReply(reply),
      (why) => {
        this.lastError = `protocol error from peer: ${why}`;
        socket.destroy();
      },
    );
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.heardAt = Date.now();
      this.splitter!.feed(chunk);
      this.compact();
    });
    socket.on('error', (e: Error) => {
      this.lastError = describeLinkError(e, this.state === 'connecting' ? 'connect' : this.hello !== null && this.pending[this.head] === this.hello ? 'hello' : 'request', this.opts.timeoutMs);
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.onClose();
    });
    if (this.timer === null) {
      const every = Math.max(10, Math.floor(this.opts.timeoutMs / 10));
      this.lastTickAt = Date.now();
      this.timer = setInterval(() => {
        // A tick far later than due: this node was busy (a long command), not listening.
        const now = Date.now();
        if (now - this.lastTickAt > Math.max(50, 2 * every)) this.stallEndedAt = now;
        this.lastTickAt = now;
        this.queueExpiry();
      }, every);
      this.timer.unref();
    }
  }

  private onReply(reply: AnyReply): void {
    const p = this.pending[this.head];
    if (p === undefined) return; // a reply nobody asked for: drop it
    this.pending[this.head++] = undefined as unknown as Pending;
    p.cb?.(reply);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Every request still waiting gets an error, in order; then the link waits out its backoff. */
  private onClose(): void {
    const reason = this.lastError || 'connection closed by peer';
    const wasUp = this.state === 'up';
    this.socket = null;
    this.splitter = null;
    this.out = [];
    this.outSmall = '';
    if (this.state !== 'down') this.downSince = Date.now();
    this.state = 'down';
    const waiting = this.pending.slice(this.head);
    // Requests fail fast until the next attempt only once a request has seen the
    // peer fail; a failed attempt made in the background (at start, while the
    // peer is still starting) leaves the next request free to try at once.
    const anyWaiting = waiting.some((p) => p.cb !== null && p !== this.hello);
    this.retryAt = wasUp || anyWaiting ? Date.now() + this.backoff : 0;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.lastError = reason;
    this.pending = [];
    this.head = 0;
    // Requests written to a link that was up may have run before it closed;
    // not behind a KV.HELLO the peer refused (it runs nothing after that).
    const sent = wasUp && !this.helloRefused ? '; the command may or may not have run there' : '';
    this.helloRefused = false;
    for (const p of waiting) {
      if (p.cb && p !== this.hello) {
        this.failed++;
        p.cb(this.unreachable(reason + sent));
      }
    }
    this.hello = null;
    if (this.keepUp) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.keepUp && this.socket === null) this.connect();
      }, this.backoff);
      this.reconnectTimer.unref();
    }
  }

  /**
   * Runs the timeout check after this turn's input is read: the timer phase
   * comes before socket reads in Node's loop, so after a long busy stretch a
   * reply already waiting in the socket would otherwise be blamed as late.
   */
  private queueExpiry(deferred = false): void {
    if (this.expiryQueued) return;
    this.expiryQueued = true;
    const queuedAt = Date.now();
    setImmediate(() => {
      this.expiryQueued = false;
      // The loop was busy between the queueing and now (a long command ran in
      // this poll phase): check once more after the next poll, which reads
      // what the peer sent meanwhile. Once only, so a loop that is always busy
      // still times requests out.
      if (!deferred && Date.now() - queuedAt > STALL_MS) this.queueExpiry(true);
      else this.expireRequests();
    });
  }

  /**
   * A request older than the timeout, on a link that has heard nothing from
   * its peer for as long, gets an error now; its reply, if it comes, is dropped.
   * The command may have run there: the error says the outcome is unknown.
   */
  private expireRequests(): void {
    const now = Date.now();
    const limit = now - this.opts.timeoutMs;
    // The peer gets a whole timeout after this node stops being busy: while it was,
    // nobody was listening, so silence then proves nothing.
    if (Math.max(this.heardAt, this.stallEndedAt) <= limit || this.state !== 'up') {
      for (let i = this.head; i < this.pending.length; i++) {
        const p = this.pending[i]!;
        if (p.sentAt === 0 || p.sentAt + p.graceMs > limit) break; // not yet written, or not yet late
        if (p.cb) {
          const cb = p.cb;
          p.cb = null;
          this.failed++;
          cb(
            error(
              `ERR node ${this.name} (${this.host}:${this.port}) did not answer within ${this.opts.timeoutMs} ms; the command may or may not have run there`,
            ),
          );
        }
      }
    }
    if (this.inFlight === 0 && this.state !== 'up' && this.state !== 'connecting' && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /**
   * Connects now and keeps the link up from then on, reconnecting after each
   * backoff, so a link is in place before clients need it (and before a full
   * peer has to tell a link from a client).
   */
  start(): void {
    this.keepUp = true;
    if (this.socket === null) this.connect();
  }

  close(): void {
    this.keepUp = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket?.destroy();
  }
}

