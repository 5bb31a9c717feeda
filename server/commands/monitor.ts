// MONITOR (Redis's replicationFeedMonitors): a client that sent MONITOR gets a
// line per command this node's clients run, once it ran, in Redis's format:
// +1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v". A command a client of
// this node sent is shown here wherever it ran (on this node or forwarded to
// the owner of its key); a command another node forwarded here is shown on the
// node its client sent it to, so monitoring the node a client talks to shows
// all it does, and no command is shown twice across the cluster. As in Redis,
// admin commands (CONFIG, CLIENT LIST…) are never shown, and passwords are
// "(redacted)".

import * as r from '../protocol/resp.js';
import type { ClientState, Handler, NodeView } from './types.js';

const MONITORS = new WeakMap<NodeView, Set<ClientState>>();

/** The clients of a node that sent MONITOR (read on every call: empty almost always). */
export function monitorsOf(node: NodeView): Set<ClientState> {
  let m = MONITORS.get(node);
  if (m === undefined) MONITORS.set(node, (m = new Set()));
  return m;
}

/** A monitor that closed or sent RESET. */
export function dropMonitor(node: NodeView, client: ClientState): void {
  if (!client.monitor) return;
  client.monitor = false;
  monitorsOf(node).delete(client);
}

/** Redis's sdscatrepr: quoted, with \\ \" \n \r \t \a \b escaped and other unprintable bytes as \xHH. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22) out += '\\' + s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** Sends one executed command to every monitor of the node. */
export function feedMonitors(monitors: ReadonlySet<ClientState>, client: ClientState, argv: readonly string[]): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const stamp = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  // A simple string in RESP2 and RESP3 alike, as Redis sends it.
  const line = `+${stamp} [0 ${client.remoteAddress}] ${argv.map(repr).join(' ')}\r\n`;
  for (const m of monitors) {
    // A monitor's own command: the line goes after its reply, which is written once the call returns.
    if (m === client || m.id === client.id) queueMicrotask(() => m.push?.(line));
    else m.push?.(line);
  }
}

/** MONITOR: from now on this client gets every command run (a replica of the command stream, in Redis's terms). */
export const monitor: Handler = (ctx) => {
  const c = ctx.client;
  // Redis answers nothing to a second MONITOR.
  if (c.monitor) return '';
  c.monitor = true;
  monitorsOf(ctx.node).add(c);
  return r.OK;
};
