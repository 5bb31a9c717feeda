// Reply framing for the links between nodes: finds where each RESP2/RESP3 reply
// ends without decoding it, so a forwarded reply is relayed to the client as the
// exact bytes the owner sent. The few places that must look inside a reply
// (merging a split MGET, summing DEL counts) use the helpers below.

import { parseInteger } from './numbers.js';
import { LONG_REPLY, LongReply, type AnyReply } from './resp.js';

/** Types whose payload is one line. */
function isLineType(c: number): boolean {
  // + - : _ , # (
  return c === 43 || c === 45 || c === 58 || c === 95 || c === 44 || c === 35 || c === 40;
}
/** Types with a length-prefixed payload: $ ! = */
function isBlobType(c: number): boolean {
  return c === 36 || c === 33 || c === 61;
}
/** Aggregates: * ~ > count elements, % | count pairs. */
function aggregateWidth(c: number): number {
  if (c === 42 || c === 126 || c === 62) return 1;
  if (c === 37 || c === 124) return 2;
  return 0;
}

/**
 * A length or count: -1 (null) or a non-negative integer in Redis's spelling.
 * Number() alone would also take "", " 3", "1e3" and "0x10", and a peer that
 * sent those would be framed wrongly instead of being refused.
 */
function lengthField(s: string, from: number, to: number): number | null {
  const text = s.slice(from, to);
  const n = parseInteger(text);
  if (n === null || n < -1 || n > Number.MAX_SAFE_INTEGER) return null;
  return n;
}

/**
 * Returns the offset just past the reply starting at `from`, -1 when the reply
 * is not complete yet, or -2 when the bytes are not RESP.
 */
export function replyEnd(s: string, from: number): number {
  let pos = from;
  let remaining = 1; // replies still to skip at the current nesting, flattened
  while (remaining > 0) {
    if (pos >= s.length) return -1;
    const type = s.charCodeAt(pos);
    const cr = s.indexOf('\r\n', pos);
    if (cr === -1) return -1;
    remaining--;
    if (isLineType(type)) {
      pos = cr + 2;
    } else if (isBlobType(type)) {
      const n = lengthField(s, pos + 1, cr);
      if (n === null) return -2;
      if (n < 0) {
        pos = cr + 2;
      } else {
        pos = cr + 2 + n + 2;
        if (pos > s.length) return -1;
      }
    } else {
      const width = aggregateWidth(type);
      if (width === 0) return -2;
      const n = lengthField(s, pos + 1, cr);
      if (n === null) return -2;
      pos = cr + 2;
      if (n > 0) remaining += n * width;
      // RESP3 attributes (|) precede the reply they describe.
      if (type === 124) remaining += 1;
    }
  }
  return pos;
}

/** The elements of an array reply, each as its own encoded reply; null if not an array. */
export function arrayElements(reply: AnyReply): AnyReply[] | null {
  if (typeof reply !== 'string') return longArrayElements(reply);
  if (reply.charCodeAt(0) !== 42) return null;
  const cr = reply.indexOf('\r\n');
  const n = Number(reply.slice(1, cr));
  if (!(n >= 0)) return null; // *-1, the RESP2 null array
  const out: string[] = [];
  let pos = cr + 2;
  for (let i = 0; i < n; i++) {
    const end = replyEnd(reply, pos);
    if (end < 0) return null;
    out.push(reply.slice(pos, end));
    pos = end;
  }
  return out;
}

export function isErrorReply(reply: AnyReply): boolean {
  if (typeof reply !== 'string') return false; // errors are short
  const c = reply.charCodeAt(0);
  return c === 45 /* - */ || c === 33 /* ! */;
}

/** The value of an integer reply, or null. */
export function integerValue(reply: AnyReply): number | null {
  if (typeof reply !== 'string' || reply.charCodeAt(0) !== 58) return null;
  return Number(reply.slice(1, reply.length - 2));
}

/** The text of a bulk or simple string reply; undefined for a null; null if neither. */
export function stringValue(reply: AnyReply): string | undefined | null {
  if (typeof reply !== 'string') reply = joined(reply) ?? '';
  const t = reply.charCodeAt(0);
  if (t === 43) return reply.slice(1, reply.length - 2);
  if (t === 95) return undefined;
  if (t === 36) {
    const cr = reply.indexOf('\r\n');
    const n = Number(reply.slice(1, cr));
    if (n < 0) return undefined;
    return reply.slice(cr + 2, cr + 2 + n);
  }
  return null;
}

/** V8's longest string (2^29 - 24 chars on 64-bit): a reply is relayed as one latin1 string up to this. */
export const MAX_STRING_LENGTH = 0x1fffffe8;

/**
 * Splits a stream of replies (a link's input) into whole replies, looking at
 * each byte once, however the stream is chunked: a 60 MB bulk costs one pass
 * and one copy, not a rescan per chunk. Payload bytes are skipped by count,
 * only header lines are read. `onReply` gets each reply as a latin1 string,
 * or past LONG_REPLY bytes as a LongReply of megabyte pieces, so no reply is
 * ever one string past V8's limit; `onError` once if the bytes are not RESP,
 * after which feed() ignores everything.
 */
export class ReplySplitter {
  /** Pieces of the reply in progress, from earlier chunks. */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes of a header line still in progress (no LF seen yet). */
  private line: Buffer[] = [];
  private lineLen = 0;
  /** Replies not yet started at the current nesting, flattened (0: between replies). */
  private remaining = 0;
  /** Payload bytes (with their CRLF) still to skip. */
  private blobLeft = 0;
  private failed = false;

  constructor(
    private readonly onReply: (reply: AnyReply, bytes: number) => void,
    private readonly onError: (why: string) => void,
  ) {}

  /** True while a reply has started and not ended. */
  get inReply(): boolean {
    return this.remaining > 0 || this.blobLeft > 0 || this.lineLen > 0;
  }

  feed(chunk: Buffer): void {
    if (this.failed) return;
    const len = chunk.length;
    let pos = 0;
    let start = 0; // where the current reply's bytes start in this chunk
    while (pos < len) {
      if (this.blobLeft > 0) {
        const take = Math.min(this.blobLeft, len - pos);
        pos += take;
        this.blobLeft -= take;
        if (this.blobLeft > 0) break;
      } else {
        if (this.remaining === 0 && this.lineLen === 0) this.remaining = 1;
        const nl = chunk.indexOf(10, pos);
        if (nl === -1) {
          this.line.push(chunk.subarray(pos));
          this.lineLen += len - pos;
          pos = len;
          break;
        }
        let header: Buffer;
        if (this.lineLen > 0) {
          this.line.push(chunk.subarray(pos, nl + 1));
          header = Buffer.concat(this.line, this.lineLen + nl + 1 - pos);
          this.line = [];
          this.lineLen = 0;
        } else {
          header = chunk.subarray(pos, nl + 1);
        }
        pos = nl + 1;
        const why = this.header(header);
        if (why !== null) {
          this.failed = true;
          this.parts = [];
          this.onError(why);
          return;
        }
      }
      if (this.remaining === 0 && this.blobLeft === 0) {
        this.emit(chunk.subarray(start, pos));
        start = pos;
      }
    }
    if (start < len && this.inReply) {
      this.parts.push(chunk.subarray(start, len));
      this.partsLen += len - start;
    }
  }

  /** Reads one header line (with its CRLF); returns why it is not RESP, or null. */
  private header(h: Buffer): string | null {
    if (h.length < 3 || h[h.length - 2] !== 13) return 'a reply line without CRLF';
    const type = h[0]!;
    this.remaining--;
    if (isLineType(type)) return null;
    const width = isBlobType(type) ? 0 : aggregateWidth(type);
    if (width === 0 && !isBlobType(type)) return `unknown reply type '${String.fromCharCode(type)}'`;
    const n = lengthField(h.toString('latin1', 0, h.length - 2), 1, h.length - 2);
    if (n === null) return 'a bad length in a reply';
    if (width === 0) {
      if (n >= 0) this.blobLeft = n + 2;
    } else if (n > 0) {
      this.remaining += n * width;
      if (type === 124) this.remaining += 1; // an attribute precedes the reply it describes
    }
    return null;
  }

  private emit(last: Buffer): void {
    const bytes = this.partsLen + last.length;
    let reply: AnyReply;
    if (this.parts.length === 0) reply = last.toString('latin1');
    else if (bytes < LONG_REPLY) reply = Buffer.concat([...this.parts, last], bytes).toString('latin1');
    else {
      // Relayed as pieces of about a megabyte: never one string past V8's limit.
      this.parts.push(last);
      const pieces: string[] = [];
      let group: Buffer[] = [];
      let groupLen = 0;
      for (const b of this.parts) {
        group.push(b);
        groupLen += b.length;
        if (groupLen >= 1 << 20) {
          pieces.push(Buffer.concat(group, groupLen).toString('latin1'));
          group = [];
          groupLen = 0;
        }
      }
      if (groupLen > 0) pieces.push(Buffer.concat(group, groupLen).toString('latin1'));
      reply = new LongReply(pieces);
    }
    this.parts = [];
    this.partsLen = 0;
    this.onReply(reply, bytes);
  }
}

/** A long reply as one string, when it fits in one. */
function joined(reply: LongReply): string | null {
  return reply.length <= MAX_STRING_LENGTH ? reply.parts.join('') : null;
}

/** The elements of a long array reply (a merged MGET, say), split without joining the whole. */
function longArrayElements(reply: LongReply): AnyReply[] | null {
  const first = reply.parts[0];
  if (first === undefined || first.charCodeAt(0) !== 42) return null;
  const cr = first.indexOf('\r\n');
  if (!(Number(first.slice(1, cr)) >= 0)) return null;
  const out: AnyReply[] = [];
  let failed = false;
  const splitter = new ReplySplitter((element) => out.push(element), () => (failed = true));
  splitter.feed(Buffer.from(first.slice(cr + 2), 'latin1'));
  for (let i = 1; i < reply.parts.length; i++) splitter.feed(Buffer.from(reply.parts[i]!, 'latin1'));
  return failed ? null : out;
}
