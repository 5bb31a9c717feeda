// Reply encoding: every reply is built as a latin1 string (one char = one byte),
// so keys and values read from the wire round-trip byte for byte, and a whole
// pipeline's replies can be concatenated and written with one socket.write(…, 'latin1').
// RESP2 and RESP3 differ only in the few shapes below; callers pass the client's protocol.

export type Proto = 2 | 3;
/** An encoded reply, ready for the wire. */
export type Reply = string;
/** Any reply a command may give: one string, or the pieces of a long one. */
export type AnyReply = Reply | LongReply;

/** Past this many bytes the builders of value arrays give a LongReply instead of one string. */
export const LONG_REPLY = 16 << 20;
/** Pieces of a LongReply are joined up to this size; longer values stay pieces of their own. */
const PIECE = 1 << 20;

/**
 * A reply too long to build as one JS string: MGET or HGETALL of a few big
 * values, EXEC of several GETs. V8's longest string (2^29 - 24 chars) is just
 * under Redis's largest value, so such replies are kept as their encoded
 * pieces, in order, and written one after another. Only the builders marked
 * "may be long" below make one.
 */
export class LongReply {
  readonly length: number;
  constructor(readonly parts: readonly string[]) {
    let n = 0;
    for (const p of parts) n += p.length;
    this.length = n;
  }
  /** Concatenating one into a string by mistake fails loudly rather than sending "[object Object]". */
  toString(): never {
    throw new Error(`a reply of ${this.length} bytes cannot be built as one string`);
  }
}

/** Collects encoded pieces, joining small ones, into a LongReply. */
class Pieces {
  private readonly parts: string[] = [];
  private small = '';
  add(s: string): void {
    if (s.length >= PIECE) {
      if (this.small.length > 0) this.parts.push(this.small);
      this.small = '';
      this.parts.push(s);
      return;
    }
    this.small += s;
    if (this.small.length >= PIECE) {
      this.parts.push(this.small);
      this.small = '';
    }
  }
  addReply(r: AnyReply): void {
    if (typeof r === 'string') this.add(r);
    else for (const p of r.parts) this.add(p);
  }
  done(): LongReply {
    if (this.small.length > 0) this.parts.push(this.small);
    return new LongReply(this.parts);
  }
}

/** An array of bulk strings (stored values) — may be long. */
export function valuesArray(items: readonly (string | undefined)[], proto: Proto): AnyReply {
  let total = 0;
  for (const s of items) total += s === undefined ? 5 : s.length + 16;
  if (total < LONG_REPLY) return bulkArray(items, proto);
  const out = new Pieces();
  out.add(arrayHeader(items.length));
  for (const s of items) {
    if (s === undefined) out.add(nil(proto));
    else {
      out.add('$' + s.length + '\r\n');
      out.add(s);
      out.add('\r\n');
    }
  }
  return out.done();
}

/** A map whose keys and values are bulk strings (a hash's fields) — may be long. */
export function valuesMap(flat: readonly string[], proto: Proto): AnyReply {
  let total = 0;
  for (const s of flat) total += s.length + 16;
  if (total < LONG_REPLY) return bulkMap(flat, proto);
  const out = new Pieces();
  out.add(proto === 3 ? '%' + flat.length / 2 + '\r\n' : '*' + flat.length + '\r\n');
  for (const s of flat) {
    out.add('$' + s.length + '\r\n');
    out.add(s);
    out.add('\r\n');
  }
  return out.done();
}

/** An array of already-encoded replies, any of them long — may be long. */
export function arrayOf(items: readonly AnyReply[]): AnyReply {
  let total = 0;
  let allStrings = true;
  for (const it of items) {
    total += it.length;
    if (typeof it !== 'string') allStrings = false;
  }
  if (allStrings && total < LONG_REPLY) return array(items as readonly Reply[]);
  const out = new Pieces();
  out.add(arrayHeader(items.length));
  for (const it of items) out.addReply(it);
  return out.done();
}

/** `prefix` followed by `reply` (a SCAN cursor before its keys, say) — may be long. */
export function prefixed(prefix: string, reply: AnyReply): AnyReply {
  if (typeof reply === 'string') return prefix + reply;
  const out = new Pieces();
  out.add(prefix);
  out.addReply(reply);
  return out.done();
}

export const OK: Reply = '+OK\r\n';
export const QUEUED: Reply = '+QUEUED\r\n';
export const PONG: Reply = '+PONG\r\n';
export const ZERO: Reply = ':0\r\n';
export const ONE: Reply = ':1\r\n';
export const EMPTY_ARRAY: Reply = '*0\r\n';

export function simple(s: string): Reply {
  return '+' + s + '\r\n';
}

/** An error reply. `msg` includes its code, e.g. "ERR syntax error". CR/LF would break framing, so they become spaces, as Redis does. */
export function error(msg: string): Reply {
  return '-' + (msg.includes('\r') || msg.includes('\n') ? msg.replace(/[\r\n]/g, ' ') : msg) + '\r\n';
}

export function integer(n: number | bigint): Reply {
  return ':' + n + '\r\n';
}

export function bulk(s: string): Reply {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

export function nil(proto: Proto): Reply {
  return proto === 3 ? '_\r\n' : '$-1\r\n';
}

export function nilArray(proto: Proto): Reply {
  return proto === 3 ? '_\r\n' : '*-1\r\n';
}

export function bulkOrNil(s: string | undefined, proto: Proto): Reply {
  return s === undefined ? nil(proto) : bulk(s);
}

export function arrayHeader(n: number): string {
  return '*' + n + '\r\n';
}

/** An array of already-encoded replies. */
export function array(items: readonly Reply[]): Reply {
  return '*' + items.length + '\r\n' + items.join('');
}

export function bulkArray(items: readonly (string | undefined)[], proto: Proto): Reply {
  let out = '*' + items.length + '\r\n';
  for (const s of items) out += s === undefined ? nil(proto) : '$' + s.length + '\r\n' + s + '\r\n';
  return out;
}

/** A map of already-encoded keys and values: `%n` in RESP3, a flat array in RESP2. */
export function map(pairs: readonly (readonly [Reply, Reply])[], proto: Proto): Reply {
  let out = proto === 3 ? '%' + pairs.length + '\r\n' : '*' + pairs.length * 2 + '\r\n';
  for (const [k, v] of pairs) out += k + v;
  return out;
}

/** A map whose keys and values are all bulk strings. */
export function bulkMap(flat: readonly string[], proto: Proto): Reply {
  let out = proto === 3 ? '%' + flat.length / 2 + '\r\n' : '*' + flat.length + '\r\n';
  for (const s of flat) out += '$' + s.length + '\r\n' + s + '\r\n';
  return out;
}

/** Text sent as a RESP3 verbatim string (INFO, CLIENT INFO) or a bulk string in RESP2. */
export function verbatim(text: string, proto: Proto): Reply {
  return proto === 3 ? '=' + (text.length + 4) + '\r\ntxt:' + text + '\r\n' : bulk(text);
}

export function boolean(b: boolean, proto: Proto): Reply {
  return proto === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ONE : ZERO;
}
