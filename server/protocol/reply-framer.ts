// Reply framing for the links between nodes: finds where each RESP2/RESP3 reply
// ends without decoding it, so a forwarded reply is relayed to the client as the
// exact bytes the owner sent. The few places that must look inside a reply
// (merging a split MGET, summing DEL counts) use the helpers below.

import { parseInteger } from './numbers.js';

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
export function arrayElements(reply: string): string[] | null {
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

export function isErrorReply(reply: string): boolean {
  const c = reply.charCodeAt(0);
  return c === 45 /* - */ || c === 33 /* ! */;
}

/** The value of an integer reply, or null. */
export function integerValue(reply: string): number | null {
  if (reply.charCodeAt(0) !== 58) return null;
  return Number(reply.slice(1, reply.length - 2));
}

/** The text of a bulk or simple string reply; undefined for a null; null if neither. */
export function stringValue(reply: string): string | undefined | null {
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
