// Request decoding: bytes → argv. Redis accepts two framings on the same stream,
// RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline lines ("GET k\r\n").
// The framing is a port of networking.c's processInlineBuffer/processMultibulkBuffer:
// the same checks in the same order, with the same protocol error texts, so a
// bad client sees exactly the bytes Redis would send it before the connection
// closes. The same pass that checks a bulk takes its bytes as an argument (a
// latin1 string, one char per byte, so binary-safe): the bytes are read once.
// Each request is handed over as soon as it is complete, before the
// next header is even looked at: a request may change how the next one is
// judged (AUTH lifts the limits on unauthenticated clients), as it does in Redis.
//
// Redis's outcome for an over-long line depends on how its reads happened to
// be split; this decoder always behaves as Redis does when bytes trickle in, so
// its result never depends on how the stream was chunked.

import { splitInlineArgs } from './inline.js';
import { parseLongLong } from './numbers.js';

/** Redis's PROTO_INLINE_MAX_SIZE: an inline request, or a length line, may not exceed it. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Before AUTH, Redis refuses a multibulk count above this… */
export const UNAUTH_MAX_ARGS = 10;
/** …and a bulk length above this. */
export const UNAUTH_MAX_BULK = 16384;
/**
 * What an argument of a request still being received costs against the query
 * buffer limit besides its bytes (a pointer and a string header), so a stream
 * of empty arguments under a huge count cannot grow memory without bound.
 */
export const ARG_OVERHEAD = 16;
/** Arguments allocated up front at most; a bigger count grows as its bulks arrive, as Redis's argv does. */
const PREALLOCATED_ARGS = 1024;

declare global {
  interface Buffer {
    /** Node's own latin1 decoding of [start, end), without toString()'s argument handling. */
    latin1Slice(start: number, end: number): string;
  }
}

export interface DecoderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit: bytes a client may have buffered before a request completes */
  maxQueryBuffer: number;
  /** Before AUTH Redis refuses big requests: more than 10 arguments or a bulk over 16 KiB. */
  authRequired: () => boolean;
  /**
   * What maxBulkLen and maxQueryBuffer can never be below (the settings' minimum,
   * 1 MiB as in Redis): a length or a total under it is accepted without reading
   * them, since reading a setting per argument costs more than the rest of the
   * check. Default 0: read them every time.
   */
  leastLimit?: number;
}

/**
 * Returned by feed(), never thrown. Texts starting with "Protocol error" are
 * sent to the client as "-ERR <text>"; any other text closes the connection
 * without a reply, as Redis does when the query buffer limit is reached.
 */
export type ProtocolError = string;

export const QUERY_BUFFER_LIMIT = 'client query buffer limit exceeded';

export class RequestDecoder {
  /** Unconsumed bytes: the start of a request, or the rest of one in progress. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Bytes the pending data must reach before scanning again is worth it (a bulk in progress). */
  private need = 0;
  /**
   * The pending bytes are the start of a line (an inline request, a length line)
   * already scanned for this byte (\n or \r) in vain: until a chunk brings one, or
   * the line passes its limit, scanning them again would find nothing. Without
   * this, a line arriving in small pieces is copied and rescanned at each one.
   */
  private lineAwaits = 0;
  /** A multibulk request is in progress, with this many arguments still to come. */
  private inRequest = false;
  private argsLeft = 0;
  /** The arguments of the request in progress read so far, and how many. */
  private argv: string[] = [];
  private argc = 0;
  /** Length of the bulk whose header was read, or -1 while its header is awaited. */
  private bulkLen = -1;
  /** Bytes of the arguments read so far, counted against the query buffer limit. */
  private argvBytes = 0;
  private stopped = false;
  /**
   * Set by the connection: no request is delivered after the one running now;
   * the rest of the bytes wait here until it clears this and feeds again
   * (an empty buffer will do).
   */
  paused = false;

  constructor(
    private readonly onRequest: (argv: string[]) => void,
    private readonly limits: DecoderLimits,
  ) {
    this.leastLimit = limits.leastLimit ?? 0;
  }
  private readonly leastLimit: number;

  /** Stops delivering requests (the connection is closing). */
  stop(): void {
    this.stopped = true;
    this.lineAwaits = 0;
    this.pending = [];
    this.pendingLen = 0;
    this.inRequest = false;
    this.argv = [];
  }

  /** Bytes held for a request not yet complete. */
  get bufferedBytes(): number {
    return this.pendingLen + this.argvBytes;
  }

  /**
   * Feeds bytes from the socket and delivers every complete request, in order.
   * Returns a protocol error text when the stream is malformed; the caller then
   * replies "-ERR <text>" and closes the connection, as Redis does. Requests
   * before the bad bytes are delivered first. After an error, or stop(), the
   * decoder ignores everything.
   */
  feed(chunk: Buffer): ProtocolError | null {
    if (this.stopped) return null;
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.pendingLen < this.need) return this.checkBuffered();
    if (this.lineAwaits !== 0 && this.pendingLen <= INLINE_MAX_SIZE && chunk.indexOf(this.lineAwaits) === -1) return this.checkBuffered();
    this.lineAwaits = 0;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;

    let pos = 0;
    let error: ProtocolError | null = null;
    try {
      const result = this.scan(buf);
      pos = result.pos;
      error = result.error;
    } catch (e) {
      // A request handler threw. Without this the exception would escape the
      // socket's 'data' listener and take the whole node down; closing this one
      // connection is the most the decoder can do.
      error = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (error !== null) {
      this.stop();
      return error;
    }
    if (this.stopped) return null;
    if (pos < buf.length) {
      // Copy a small leftover, so it does not pin a much larger socket chunk.
      const tail = (buf.length - pos) * 2 >= buf.length ? buf.subarray(pos) : Buffer.from(buf.subarray(pos));
      this.pending = [tail];
      this.pendingLen = tail.length;
    }
    return this.checkBuffered();
  }

  private checkBuffered(): ProtocolError | null {
    const held = this.pendingLen + this.argvBytes;
    if (held > this.leastLimit && held > this.limits.maxQueryBuffer) {
      this.stop();
      return QUERY_BUFFER_LIMIT;
    }
    return null;
  }

  /** Delivers the complete requests in buf; returns where the unconsumed bytes start. */
  private scan(buf: Buffer): { pos: number; error: ProtocolError | null } {
    const len = buf.length;
    let pos = 0;
    // Paused between requests only: a request is never split by a pause.
    while (pos < len && !this.stopped && !(this.paused && !this.inRequest)) {
      if (!this.inRequest) {
        if (buf[pos] !== 42 /* * */) {
          // Inline request: one line. strchr(querybuf, '\n') in Redis stops at a
          // NUL byte, so a NUL before the newline leaves the request incomplete
          // until the line is too big.
          const nl = findByte(buf, 10, pos, Math.min(len, pos + INLINE_MAX_SIZE + 1));
          if (nl === -1) {
            if (len - pos > INLINE_MAX_SIZE) return { pos, error: 'Protocol error: too big inline request' };
            this.lineAwaits = 10;
            return { pos, error: null };
          }
          let end = nl;
          if (end > pos && buf[end - 1] === 13) end--;
          const argv = splitInlineArgs(buf.toString('latin1', pos, end));
          if (argv === null) return { pos, error: 'Protocol error: unbalanced quotes in request' };
          pos = nl + 1;
          if (argv.length > 0) this.onRequest(argv);
          continue;
        }
        // Multibulk header: *<count>\r\n. Like Redis, the byte after \r is not
        // checked to be \n; it only has to have arrived.
        const cr = findByte(buf, 13, pos, Math.min(len, pos + INLINE_MAX_SIZE + 1));
        if (cr === -1) {
          if (len - pos > INLINE_MAX_SIZE) return { pos, error: 'Protocol error: too big mbulk count string' };
          this.lineAwaits = 13;
          return { pos, error: null };
        }
        if (cr + 1 >= len) return { pos, error: null };
        const count = lengthField(buf, pos + 1, cr, 2147483647);
        if (count === null) return { pos, error: 'Protocol error: invalid multibulk length' };
        if (count > UNAUTH_MAX_ARGS && this.limits.authRequired()) {
          return { pos, error: 'Protocol error: unauthenticated multibulk length' };
        }
        pos = cr + 2;
        // *0 and negative counts are valid requests that Redis ignores.
        if (count <= 0) continue;
        this.inRequest = true;
        this.argv = count <= PREALLOCATED_ARGS ? new Array<string>(count) : [];
        this.argc = 0;
        this.argsLeft = count;
        this.bulkLen = -1;
        this.argvBytes = 0;
      }
      // Bulk arguments: $<len>\r\n<bytes>\r\n
      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          if (pos >= len) return { pos, error: null };
          const cr = findByte(buf, 13, pos, Math.min(len, pos + INLINE_MAX_SIZE + 1));
          if (cr === -1) {
            if (len - pos > INLINE_MAX_SIZE) return { pos, error: 'Protocol error: too big bulk count string' };
            this.lineAwaits = 13;
            return { pos, error: null };
          }
          if (cr + 1 >= len) return { pos, error: null };
          if (buf[pos] !== 36 /* $ */) {
            return { pos, error: `Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'` };
          }
          // Lengths under the least limit are read without asking for the setting.
          const blen = lengthField(buf, pos + 1, cr, this.leastLimit) ?? lengthField(buf, pos + 1, cr, this.limits.maxBulkLen);
          if (blen === null || blen < 0) {
            return { pos, error: 'Protocol error: invalid bulk length' };
          }
          if (blen > UNAUTH_MAX_BULK && this.limits.authRequired()) {
            return { pos, error: 'Protocol error: unauthenticated bulk length' };
          }
          pos = cr + 2;
          this.bulkLen = blen;
        }
        // The payload and its two trailing bytes, which Redis skips unchecked.
        if (len - pos < this.bulkLen + 2) {
          this.need = this.bulkLen + 2;
          return { pos, error: null };
        }
        this.argvBytes += this.bulkLen + ARG_OVERHEAD;
        this.argv[this.argc++] = buf.latin1Slice(pos, pos + this.bulkLen);
        pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.argsLeft--;
        // A request bigger than the limit is refused even when it arrived whole,
        // as Redis refuses it (its query buffer holds the whole big argument).
        if (this.argvBytes > this.leastLimit && this.argvBytes > this.limits.maxQueryBuffer) return { pos, error: QUERY_BUFFER_LIMIT };
      }
      // Complete: delivered now, before the next header is judged.
      this.inRequest = false;
      this.argvBytes = 0;
      const argv = this.argv;
      this.argv = [];
      this.onRequest(argv);
    }
    return { pos, error: null };
  }
}

/**
 * A count or length: string2ll over buf[from, to), refused (null) above `max`.
 * Plain digits, the case of every well-behaved client, are read straight from
 * the bytes; anything else (a sign, leading zeros, 16+ digits, garbage) takes
 * the exact 64-bit parser.
 */
function lengthField(buf: Buffer, from: number, to: number, max: number): number | null {
  const len = to - from;
  if (len >= 1 && len <= 15 && (len === 1 || buf[from] !== 48)) {
    let v = 0;
    let i = from;
    for (; i < to; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === to) return v > max ? null : v;
  }
  const n = parseLongLong(buf.toString('latin1', from, to));
  if (n === null || n > BigInt(max)) return null;
  return Number(n);
}

/**
 * strchr(…, byte) over a C string, within [from, end): the offset of `byte`,
 * or -1 when it is absent or a NUL byte comes first.
 */
function findByte(buf: Buffer, byte: number, from: number, end: number): number {
  // Length lines are a few bytes long: a plain loop beats creating views for indexOf.
  for (let i = from; i < end; i++) {
    const c = buf[i]!;
    if (c === byte) return i;
    if (c === 0) return -1;
  }
  return -1;
}
