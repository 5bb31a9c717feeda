// Request decoding: bytes → argv. Redis accepts two framings on the same stream,
// RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline lines ("GET k\r\n").
// redis-parser decodes multibulk requests but treats any other first byte as a
// reply type or an error, so this layer first frames and validates each request
// the way Redis's networking.c does (with its exact protocol error texts), hands
// runs of complete multibulk requests to redis-parser, and splits inline lines
// itself. redis-parser therefore never sees a partial or malformed request.

import RedisParser from 'redis-parser';
import { splitInlineArgs } from './inline.js';
import { parseLongLong } from './numbers.js';

/** Redis's PROTO_INLINE_MAX_SIZE: an inline request, or a length line, may not exceed it. */
export const INLINE_MAX_SIZE = 64 * 1024;

export interface DecoderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit: bytes a client may have buffered before a request completes */
  maxQueryBuffer: number;
  /** Before AUTH Redis refuses big requests: more than 10 arguments or a bulk over 16 KiB. */
  authRequired: () => boolean;
}

/** Thrown nowhere: returned by feed(), the text after "-ERR ". */
export type ProtocolError = string;

export class RequestDecoder {
  private readonly parser: RedisParser;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Bytes the buffered partial request needs at least before it is worth scanning again. */
  private need = 0;
  /** Scan state of a partial multibulk request at the start of the pending bytes. */
  private argsLeft = -1;
  private resumeAt = 0;
  private stopped = false;

  constructor(
    private readonly onRequest: (argv: string[]) => void,
    private readonly limits: DecoderLimits,
  ) {
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        // *0 and *-1 are valid requests that Redis ignores.
        if (!Array.isArray(reply) || reply.length === 0 || this.stopped) return;
        const argv = new Array<string>(reply.length);
        for (let i = 0; i < reply.length; i++) argv[i] = (reply[i] as Buffer).toString('latin1');
        this.onRequest(argv);
      },
      returnError: () => {
        /* unreachable: requests are validated before parsing */
      },
    });
  }

  /** Stops delivering requests (the connection is closing). */
  stop(): void {
    this.stopped = true;
  }

  get bufferedBytes(): number {
    return this.pendingLen;
  }

  /**
   * Feeds bytes from the socket and delivers every complete request, in order.
   * Returns a protocol error text when the stream is malformed; the caller then
   * replies "-ERR <text>" and closes the connection, as Redis does.
   */
  feed(chunk: Buffer): ProtocolError | null {
    let buf: Buffer;
    if (this.pendingLen > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
      if (this.pendingLen > this.limits.maxQueryBuffer) return 'client query buffer limit exceeded';
      if (this.pendingLen < this.need) return null;
      buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
    } else {
      buf = chunk;
    }
    const len = buf.length;
    let pos = 0;
    let runStart = -1; // start of a run of complete multibulk requests not yet parsed
    let error: ProtocolError | null = null;
    // Scan state of the current multibulk request.
    let reqStart = 0;
    let argsLeft = this.argsLeft;
    let p = this.resumeAt;
    this.argsLeft = -1;
    this.resumeAt = 0;
    this.need = 0;

    scan: while (pos < len && !this.stopped) {
      if (argsLeft < 0) {
        reqStart = pos;
        if (buf[pos] !== 42 /* * */) {
          if (runStart >= 0) {
            this.parser.execute(buf.subarray(runStart, pos));
            runStart = -1;
            if (this.stopped) break;
          }
          const nl = buf.indexOf(10, pos);
          if (nl === -1) {
            if (len - pos > INLINE_MAX_SIZE) error = 'Protocol error: too big inline request';
            break;
          }
          let end = nl;
          if (end > pos && buf[end - 1] === 13) end--;
          const argv = splitInlineArgs(buf.toString('latin1', pos, end));
          if (argv === null) {
            error = 'Protocol error: unbalanced quotes in request';
            break;
          }
          pos = nl + 1;
          if (argv.length > 0) this.onRequest(argv);
          continue;
        }
        // Multibulk header: *<count>\r\n
        const cr = findCR(buf, pos, len);
        if (cr === -1) {
          if (len - pos > INLINE_MAX_SIZE) error = 'Protocol error: too big mbulk count string';
          break;
        }
        if (cr + 1 >= len) break; // the \n has not arrived
        const count = parseLongLong(buf.toString('latin1', pos + 1, cr));
        if (count === null || count > 2147483647n) {
          error = 'Protocol error: invalid multibulk length';
          break;
        }
        if (count > 10n && this.limits.authRequired()) {
          error = 'Protocol error: unauthenticated multibulk length';
          break;
        }
        argsLeft = count <= 0n ? 0 : Number(count);
        p = cr + 2;
      } else {
        // Resuming a request that started at the beginning of the pending bytes.
        reqStart = pos;
      }
      // Bulk arguments: $<len>\r\n<bytes>\r\n
      while (argsLeft > 0) {
        if (p >= len) break scan;
        const cr = findCR(buf, p, len);
        if (cr === -1) {
          if (len - p > INLINE_MAX_SIZE) error = 'Protocol error: too big bulk count string';
          break scan;
        }
        if (cr + 1 >= len) break scan;
        if (buf[p] !== 36 /* $ */) {
          error = `Protocol error: expected '$', got '${String.fromCharCode(buf[p]!)}'`;
          break scan;
        }
        const blen = parseLongLong(buf.toString('latin1', p + 1, cr));
        if (blen === null || blen < 0n || blen > BigInt(this.limits.maxBulkLen)) {
          error = 'Protocol error: invalid bulk length';
          break scan;
        }
        if (blen > 16384n && this.limits.authRequired()) {
          error = 'Protocol error: unauthenticated bulk length';
          break scan;
        }
        const end = cr + 2 + Number(blen) + 2;
        if (end > len) {
          this.need = end - reqStart;
          break scan;
        }
        p = end;
        argsLeft--;
      }
      // A complete request [reqStart, p).
      if (runStart < 0) runStart = reqStart;
      pos = p;
      argsLeft = -1;
    }

    if (runStart >= 0 && !this.stopped) this.parser.execute(buf.subarray(runStart, argsLeft >= 0 ? reqStart : pos));
    if (error !== null) return error;
    if (this.stopped) return null;
    // Keep the unconsumed tail (a partial request) for the next chunk.
    const tailStart = argsLeft >= 0 ? reqStart : pos;
    if (tailStart < len) {
      // Copy, so a small leftover does not pin a large socket chunk.
      const tail = Buffer.from(buf.subarray(tailStart));
      this.pending = [tail];
      this.pendingLen = tail.length;
      if (argsLeft >= 0) {
        this.argsLeft = argsLeft;
        this.resumeAt = p - tailStart;
      }
      if (this.pendingLen > this.limits.maxQueryBuffer) return 'client query buffer limit exceeded';
    }
    return null;
  }
}

/** strchr(…, '\r') over a C string: a NUL byte ends the search as it does in Redis. */
function findCR(buf: Buffer, from: number, len: number): number {
  const limit = Math.min(len, from + INLINE_MAX_SIZE + 2);
  for (let i = from; i < limit; i++) {
    const c = buf[i];
    if (c === 13) return i;
    if (c === 0) return -1;
  }
  return -1;
}
