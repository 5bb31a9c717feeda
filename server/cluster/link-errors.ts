// Words for why a link to a peer failed, for the log, INFO cluster and the
// "node bar is unreachable: …" replies. Socket errors keep their code in
// brackets (what a search engine knows); a peer's refusal of KV.HELLO says which
// limit or check the peer applied. Pure functions: peer-link.ts calls them.

import { escapeLine } from '../oplog.js';

export type LinkPhase = 'connect' | 'hello' | 'request';

const BY_CODE: ReadonlyMap<string, string> = new Map([
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset by peer'],
  ['ECONNABORTED', 'connection aborted'],
  ['EPIPE', 'connection closed by peer while sending'],
  ['EHOSTUNREACH', 'no route to host'],
  ['EHOSTDOWN', 'host is down'],
  ['ENETUNREACH', 'network unreachable'],
  ['ENETDOWN', 'network is down'],
  ['ENOTFOUND', 'unknown host'],
  ['EAI_AGAIN', 'host name lookup failed for now'],
  ['EADDRNOTAVAIL', 'address not available'],
  ['EACCES', 'connection not permitted'],
  ['EPERM', 'connection not permitted'],
]);

const IN_PHASE: Readonly<Record<LinkPhase, string>> = {
  connect: '',
  hello: ' during the link handshake',
  request: '',
};

/**
 * E.g. "connection refused (ECONNREFUSED)", "connect timed out after 1000 ms
 * (ETIMEDOUT)". `timeoutMs` is the connect timer's, for an ETIMEDOUT in the
 * connect phase; an error without a code is described by its message.
 */
export function describeLinkError(err: NodeJS.ErrnoException | Error, phase: LinkPhase, timeoutMs?: number): string {
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  let text: string;
  if (code === 'ETIMEDOUT') {
    const after = timeoutMs === undefined ? '' : ` after ${timeoutMs} ms`;
    text = `${phase === 'connect' ? 'connect' : 'connection'} timed out${after} (ETIMEDOUT)`;
  } else if (code !== undefined) {
    const known = BY_CODE.get(code);
    text = known === undefined ? escapeLine(err.message || code, 200) : `${known} (${code})`;
  } else {
    text = escapeLine(err.message || 'unknown error', 200);
  }
  return text + IN_PHASE[phase];
}

/** Why a peer refused KV.HELLO, from its error reply ("-ERR …\r\n" or without the framing). */
export function describeHelloReply(reply: string): string {
  const text = reply.replace(/^-/, '').replace(/\r?\n$/, '');
  if (text === 'ERR max number of clients reached') return 'peer is at maxclients';
  if (text === 'ERR cluster secret refused') return 'peer refused the cluster secret';
  if (/^ERR unknown command/.test(text)) return 'peer is not a kv node (it does not know KV.HELLO)';
  // The peer's words, escaped: they go into replies and the log.
  return `peer refused the link: ${escapeLine(text, 200)}`;
}
