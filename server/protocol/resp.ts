// Reply encoding: every reply is built as a latin1 string (one char = one byte),
// so keys and values read from the wire round-trip byte for byte, and a whole
// pipeline's replies can be concatenated and written with one socket.write(…, 'latin1').
// RESP2 and RESP3 differ only in the few shapes below; callers pass the client's protocol.

export type Proto = 2 | 3;
/** An encoded reply, ready for the wire. */
export type Reply = string;

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
