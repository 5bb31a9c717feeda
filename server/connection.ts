// One client connection: bytes in → decoded requests → pipeline → replies out,
// in request order. Replies that are ready are coalesced into one write per
// chunk of input; a reply that waits on another node holds back the ones behind
// it. Requests also *run* in order across nodes: a command that takes several
// steps between nodes holds the client's later requests (and reading pauses)
// until it is done, and one that reaches every node waits for the replies
// before it. A client with many replies owed by other nodes stops being read
// until they come, so one pipeliner cannot fill a link that others share.
// Replies are written as they are, never joined into one string past a few
// megabytes. Only this module and the node's listener touch client sockets.

import type net from 'node:net';
import { QUERY_BUFFER_LIMIT, RequestDecoder } from './protocol/request-decoder.js';
import { MAX_STRING_LENGTH } from './protocol/reply-framer.js';
import * as r from './protocol/resp.js';
import { newClientState, type ClientState, type ReplicaClient } from './commands/types.js';
import type { ReplicaSink } from './replication/primary.js';
import { execute, type PipelineHost } from './pipeline.js';
import { hostOf } from './oplog.js';
import { fansOut, isBlockedWait, isMultiStep } from './cluster/routing-stage.js';
import { dropSubscriptions, isSubscribed } from './commands/pubsub.js';
import { dropMonitor } from './commands/monitor.js';
import { pausedUntil, repliesAnyway } from './commands/clients.js';

export interface ConnectionHost extends PipelineHost {
  setting(name: string): number;
  /** A connection whose client asked PSYNC: it is now that replica's stream. Returns the replica's id. */
  serveReplica(sink: ReplicaSink, replica: ReplicaClient): number;
  dropReplica(id: number): void;
  /**
   * True when replies may be written now. False when writes they acknowledge
   * are not yet on disk as the chosen durability requires (appendfsync
   * always): `ready` is then called once they are.
   */
  repliesMayGo(ready: () => void): boolean;
  countBytes(inBytes: number, outBytes: number): void;
  onClose(conn: Connection): void;
}

interface Slot {
  reply: r.AnyReply | null;
}

/**
 * Replies a client may be owed by other nodes. Past it, the client's requests
 * already read wait in the decoder and its socket is not read, until half
 * have come back: a client never has more than this many in flight, and the
 * rest waits in TCP, as behind a slow Redis. Enough to keep a link busy; small
 * enough that a bystander's request on the same link waits behind a few
 * milliseconds of work, not seconds.
 */
const OWED_WINDOW = 512;
const NOTHING = Buffer.alloc(0);
/** A read this big means the client pipelines hard: it waits a turn before its next read. */
const FAIR_SHARE = 32 * 1024;
/** Small replies are joined into one string up to this size, then written as they are. */
const COALESCE_LIMIT = 1 << 20;
/** A closing connection whose client does not read its last replies is cut after this long. */
const CLOSE_GRACE_MS = 10_000;
/** Redis's default limits for pub/sub clients (client-output-buffer-limit pubsub 32mb 8mb 60). */
const PUBSUB_HARD_LIMIT = 32 * 1024 * 1024;
const PUBSUB_SOFT_LIMIT = 8 * 1024 * 1024;
const PUBSUB_SOFT_MS = 60_000;

export class Connection {
  readonly state: ClientState;
  private readonly decoder: RequestDecoder;
  /** Replies ready to write: joined while small, one entry each when large. */
  private out: string[] = [];
  private outLast = '';
  /** Replies not yet sendable: the first is waiting on another node. */
  private slots: Slot[] = [];
  private head = 0;
  /** Requests (and a protocol error) that wait for a multi-step command; null when none is running. */
  private held: Array<() => void> | null = null;
  /** What holds them is a blocked command (BLPOP…): the socket is still read, up to a bound, so the client's close is seen. */
  private heldByWait = false;
  /** The head of `held` waits for every earlier reply, not for one command. */
  private waitingForQuiet = false;
  private shuttingDown = false;
  private flushScheduled = false;
  private closing = false;
  private readingPaused = false;
  /** Paused until the next turn of the event loop, after a full read (fairness). */
  private yielding = false;
  /** Replies wait for the writes they acknowledge to reach the disk (appendfsync always). */
  private waitingForDisk = false;
  private readonly afterDisk = (): void => {
    this.waitingForDisk = false;
    this.flush();
  };

  constructor(
    readonly socket: net.Socket,
    id: number,
    private readonly host: ConnectionHost,
  ) {
    this.state = newClientState(id, `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`, !host.passwordRequired());
    // Read per request, so CONFIG SET applies at once, as in Redis. A link from
    // another node is not a client: it carries many clients' requests, and the
    // owner checks each forwarded request against its limits on its own (a
    // request over them fails alone instead of closing the link for everyone).
    const state = this.state;
    this.decoder = new RequestDecoder((argv) => this.onRequest(argv), {
      get maxBulkLen() {
        return state.peer === null ? host.setting('proto-max-bulk-len') : MAX_STRING_LENGTH;
      },
      get maxQueryBuffer() {
        return state.peer === null ? host.setting('client-query-buffer-limit') : Infinity;
      },
      authRequired: () => !state.authenticated && host.passwordRequired(),
      // config.ts's minimum of both settings, as in Redis: smaller lengths skip the lookups.
      leastLimit: 1024 * 1024,
    });
    socket.setNoDelay(true);
    // `timeout` (seconds): an idle client is closed, as in Redis; 0 never. A subscriber waits for messages, not idle.
    const idle = host.setting('timeout');
    if (idle > 0 && this.state.peer === null) {
      socket.setTimeout(idle * 1000, () => {
        if (this.state.peer === null && this.head === this.slots.length && !isSubscribed(this.state)) socket.destroy();
      });
    }
    // Pub/sub messages come outside request order (commands/pubsub.ts).
    this.state.push = (message) => this.pushMessage(message);
    this.state.kill = () => this.socket.destroy();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The client sent all it will: answer what it asked, then close.
    socket.on('end', () => this.inOrder(() => {
      this.closeAfterReplies();
      this.flush();
    }));
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.on('close', () => {
      this.closing = true;
      this.decoder.stop();
      if (this.replicaId !== null) host.dropReplica(this.replicaId);
      if (this.state.pubsub !== null) dropSubscriptions(host.view, this.state);
      if (this.state.monitor) dropMonitor(host.view, this.state);
      host.onClose(this);
    });
  }

  /** Set once a PSYNC made this connection a replica's: replication writes to it from then on. */
  private replicaId: number | null = null;

  /**
   * After PSYNC/SYNC: the replies owed so far go first, then the socket is the
   * replication stream's (+FULLRESYNC and the RDB, or +CONTINUE and the backlog,
   * then every write); what the replica sends (REPLCONF ACK) still runs, unanswered.
   */
  private becomeReplicaStream(): void {
    const replica = this.state.replica!;
    this.flush();
    const socket = this.socket;
    const sink = {
      address: this.state.remoteAddress,
      write: (data: string | Buffer): boolean => (socket.destroyed ? true : typeof data === 'string' ? socket.write(data, 'latin1') : socket.write(data)),
      drained: (): Promise<void> => new Promise<void>((resolve) => (socket.destroyed || !socket.writableNeedDrain ? resolve() : socket.once('drain', () => resolve()))),
      close: (): void => {
        socket.destroy();
      },
    };
    this.replicaId = this.host.serveReplica(sink, replica);
    replica.id = this.replicaId;
    replica.handoff = null;
  }

  private onData(chunk: Buffer): void {
    this.host.countBytes(chunk.length, 0);
    // CLIENT LIST's idle: once per read, not per command.
    if (chunk.length > 0) this.state.lastInteraction = Date.now();
    // libuv reads a busy socket up to 32 times in a row: a client that pipelines
    // hard would have its megabytes run before anyone else's next request. One
    // full read per turn of the event loop, then the others get theirs.
    if (chunk.length >= FAIR_SHARE && this.state.peer === null && !this.yielding) {
      this.yielding = true;
      this.updateReading();
      setImmediate(() => {
        this.yielding = false;
        this.updateReading();
      });
    }
    const err = this.decoder.feed(chunk);
    if (err !== null) {
      // After the requests before it, which may still be held behind a multi-step command.
      this.inOrder(() => {
        if (this.closing) return; // after QUIT, Redis parses nothing more
        if (err.startsWith('Protocol error')) {
          this.host.log(`protocol error from ${this.state.remoteAddress}: ${err}`, hostOf(this.state.remoteAddress));
          this.push(r.error('ERR ' + err));
        } else {
          this.host.log(`client ${this.state.remoteAddress} closed: ${err}`, hostOf(this.state.remoteAddress));
          // Redis closes silently at the query buffer limit; anything else (a value one
          // byte past what a JS string holds, say) is at least told why.
          if (err !== QUERY_BUFFER_LIMIT) this.push(r.error('ERR ' + err));
        }
        this.closeAfterReplies();
      });
    }
    this.flush();
  }

  private onRequest(argv: string[]): void {
    this.inOrder(() => this.run(argv));
  }

  /**
   * Reads while nothing holds this client's requests and few replies are owed
   * by other nodes; otherwise lets TCP hold the client back.
   */
  private updateReading(): void {
    const held = this.held !== null && !(this.heldByWait && this.held.length < OWED_WINDOW);
    const read = !this.closing && !this.yielding && !this.decoder.paused && !held && (this.state.peer !== null || this.slots.length - this.head < OWED_WINDOW);
    if (read === !this.readingPaused || this.socket.destroyed) return;
    this.readingPaused = !read;
    if (read) this.socket.resume();
    else this.socket.pause();
  }

  /** Does `step` now, or after the multi-step command that holds this client's later requests. */
  private inOrder(step: () => void): void {
    if (this.held !== null) {
      this.held.push(step);
      if (this.heldByWait && this.held.length === OWED_WINDOW) this.updateReading();
    } else step();
  }

  /**
   * Runs one request. A command that throws (a bug, or a reply too big for a
   * JS string) gets an error reply in its place, and the connection goes on:
   * on a link between nodes, closing would fail every other client's requests.
   * This holds whether it runs straight from the decoder or later, behind a
   * multi-step command.
   */
  private run(argv: string[]): void {
    try {
      this.runUnguarded(argv);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.host.log(`internal error in ${argv[0]!.slice(0, 64)} from ${this.state.remoteAddress}: ${msg}`, hostOf(this.state.remoteAddress));
      try {
        this.push(r.error(`ERR internal error: ${msg}`));
      } catch {
        this.closeAfterReplies();
      }
    }
  }

  private runUnguarded(argv: string[]): void {
    if (this.closing) return;
    if (this.state.peer === null && this.head < this.slots.length && fansOut(argv)) {
      this.hold([() => this.run(argv)]);
      this.waitingForQuiet = true;
      return;
    }
    // CLIENT PAUSE: this client's request waits for the pause to end (commands/clients.ts).
    const pause = this.state.peer === null ? pausedUntil(this.host.view, this.state, argv) : null;
    if (pause !== null) {
      this.hold([() => this.run(argv)]);
      void pause.then(() => this.release());
      return;
    }
    const result = execute(this.host, this.state, argv);
    if (this.replicaId !== null) return; // a replica's stream: nothing it sends is answered
    // CLIENT REPLY OFF, or SKIP's next command: the reply is dropped (the flags as the command left them).
    const silent = (this.state.replyOff || this.state.replySkip) && !repliesAnyway(argv, result);
    if (this.state.replySkip || this.state.replySkipNext) {
      this.state.replySkip = this.state.replySkipNext;
      this.state.replySkipNext = false;
    }
    if (!(result instanceof Promise)) {
      this.push(silent ? '' : result);
      if (this.state.replica?.handoff) this.becomeReplicaStream();
    } else {
      const slot: Slot = { reply: null };
      this.slots.push(slot);
      result.then(
        (reply) => this.fill(slot, silent ? '' : reply),
        (e: unknown) => this.fill(slot, r.error(`ERR internal error: ${(e as Error).message}`)),
      );
      // Links between nodes carry many clients' requests: only a client's own stream waits.
      if (this.state.peer === null && isMultiStep(result)) {
        this.heldByWait = isBlockedWait(result);
        this.hold([]);
        const release = (): void => this.release();
        result.then(release, release);
      } else if (this.state.peer === null && this.slots.length - this.head >= OWED_WINDOW) {
        // Even the rest of what was read waits: at most OWED_WINDOW of this client's requests are in flight.
        this.decoder.paused = true;
        this.updateReading();
      }
    }
    if (this.state.closeAfterReply) this.closeAfterReplies();
  }

  /**
   * Starts holding this client's requests. Reading pauses meanwhile, so what
   * waits is at most the rest of the chunk already read: a client that pipes
   * on is held back by TCP, as a slow Redis holds it back.
   */
  private hold(first: Array<() => void>): void {
    this.held = first;
    this.updateReading();
  }

  /** Runs what waited behind a multi-step command, until another one holds the rest. */
  private release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    this.heldByWait = false;
    for (let i = 0; i < waiting.length; i++) {
      if (this.held !== null) {
        (this.held as Array<() => void>).push(...waiting.slice(i));
        break;
      }
      waiting[i]!();
    }
    if (this.held === null) {
      if (this.shuttingDown) this.closeAfterReplies();
      else this.updateReading();
    }
    this.flush();
  }

  private push(reply: r.AnyReply): void {
    if (this.head === this.slots.length) this.ready(reply);
    else this.slots.push({ reply });
  }

  /** Queues a reply for the next write, without building strings past V8's limit. */
  private ready(reply: r.AnyReply): void {
    if (typeof reply !== 'string') {
      for (const part of reply.parts) this.ready(part);
      return;
    }
    if (this.outLast.length + reply.length <= COALESCE_LIMIT) {
      this.outLast += reply;
      return;
    }
    if (this.outLast.length > 0) this.out.push(this.outLast);
    if (reply.length >= COALESCE_LIMIT) {
      this.out.push(reply);
      this.outLast = '';
    } else {
      this.outLast = reply;
    }
  }

  private fill(slot: Slot, reply: r.AnyReply): void {
    slot.reply = reply;
    while (this.head < this.slots.length && this.slots[this.head]!.reply !== null) {
      this.ready(this.slots[this.head]!.reply!);
      this.slots[this.head]!.reply = '';
      this.head++;
    }
    if (this.decoder.paused && this.slots.length - this.head <= OWED_WINDOW / 2) {
      this.decoder.paused = false;
      setImmediate(() => this.onData(NOTHING)); // the requests already read, then the socket again
    }
    if (this.readingPaused) this.updateReading();
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
      if (this.waitingForQuiet) {
        this.waitingForQuiet = false;
        this.release();
      }
    }
    this.flushSoon();
  }

  /**
   * A pub/sub message for this client: after the replies it is already owed,
   * before those of requests not yet run, as Redis appends it to the client's
   * output. Messages of one turn of the event loop go out in one write.
   */
  private pushMessage(message: r.AnyReply): void {
    if (this.closing || this.socket.destroyed || this.state.peer !== null) return;
    this.push(message);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Stops reading; the connection ends once every reply so far is written.
   * Bytes the client sends meanwhile stay unread, as in Redis, which closes
   * the socket rather than read on after a protocol error.
   */
  private closeAfterReplies(): void {
    this.closing = true;
    this.decoder.stop();
    this.updateReading();
  }

  private flush(): void {
    if (this.waitingForDisk) return;
    if ((this.out.length > 0 || this.outLast.length > 0) && !this.socket.destroyed) {
      if (!this.host.repliesMayGo(this.afterDisk)) {
        this.waitingForDisk = true;
        return;
      }
      if (this.outLast.length > 0) this.out.push(this.outLast);
      this.outLast = '';
      const batch = this.out;
      this.out = [];
      let bytes = 0;
      if (batch.length > 1) this.socket.cork();
      for (const chunk of batch) {
        bytes += chunk.length;
        this.socket.write(chunk, 'latin1');
      }
      if (batch.length > 1) this.socket.uncork();
      this.host.countBytes(0, bytes);
      // A client that does not read its replies is cut off past the limit, when one is
      // set (Redis's default for normal clients is none). A link from another node is not
      // a client: it carries many clients' replies, and is never cut for them.
      if (this.state.peer === null && this.overOutputLimit()) {
        this.host.log(`client ${this.state.remoteAddress} closed: output buffer over the limit`, hostOf(this.state.remoteAddress));
        this.socket.destroy();
        return;
      }
    }
    if (this.closing && this.head === this.slots.length && !this.socket.destroyed && !this.socket.writableEnded) {
      // Then closed outright, as Redis closes: what the client sent after is not read.
      const socket = this.socket;
      const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      grace.unref();
      socket.end(() => {
        clearTimeout(grace);
        socket.destroy();
      });
    }
  }

  /** Since when a subscriber's unsent output has been over the soft limit (0: it is not). */
  private overSoftSince = 0;

  /**
   * Past its class's limit: a normal client's one hard limit, when set; a
   * subscriber's are Redis's pubsub defaults, so one that does not read cannot
   * make the node hold its messages without end.
   */
  private overOutputLimit(): boolean {
    const unsent = this.socket.writableLength;
    if (this.state.pubsub !== null && isSubscribed(this.state)) {
      if (unsent > PUBSUB_HARD_LIMIT) return true;
      if (unsent <= PUBSUB_SOFT_LIMIT) this.overSoftSince = 0;
      else if (this.overSoftSince === 0) this.overSoftSince = Date.now();
      else if (Date.now() - this.overSoftSince >= PUBSUB_SOFT_MS) return true;
      return false;
    }
    const limit = this.host.setting('client-output-buffer-limit');
    return limit > 0 && unsent > limit;
  }

  /** Ends the connection after the replies already owed (graceful shutdown). */
  shutdown(): void {
    // Nothing more is decoded, but requests already read and held behind a
    // multi-step command still run and are answered. (The socket keeps
    // reading, so the client's own close is still seen.)
    this.decoder.stop();
    this.shuttingDown = true;
    if (this.held === null) this.closeAfterReplies();
    this.flush();
  }
}
