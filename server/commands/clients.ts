// CLIENT KILL, PAUSE, UNPAUSE and REPLY (Redis's clientCommand in
// networking.c): acting on this node's client connections. Links from other
// nodes are not clients here (connected_clients leaves them out): CLIENT KILL
// never closes one, and CLIENT PAUSE holds this node's own clients only, so a
// pause on one node holds what its clients send wherever it would run, and a
// request another node forwards here still runs.

import * as r from '../protocol/resp.js';
import type { ClientState, Handler, NodeView } from './types.js';
import { parseLongLong } from '../protocol/numbers.js';
import { SYNTAX } from './errors.js';
import { isSubscribed } from './pubsub.js';
import { lookupCommand } from './table.js';

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

/** Redis's getClientTypeByName. */
export function clientTypeByName(name: string): ClientType | null {
  const n = name.toLowerCase();
  if (n === 'normal' || n === 'master' || n === 'pubsub') return n;
  if (n === 'replica' || n === 'slave') return 'replica';
  return null;
}

/** Redis's getClientType: the primary's link, a replica, a subscriber, else normal (a monitor too, as Redis shows it). */
export function clientType(c: ClientState): ClientType {
  if (c.fromPrimary) return 'master';
  if (c.replica?.id != null) return 'replica';
  if (isSubscribed(c)) return 'pubsub';
  return 'normal';
}

/**
 * CLIENT KILL addr (Redis's old form: OK, or an error when nobody matched), or
 * CLIENT KILL with filters ID, TYPE, ADDR, LADDR, USER, SKIPME and Redis 7.4's
 * MAXAGE: the number closed. The client itself is closed after its reply.
 */
export const clientKill: Handler = (ctx, argv) => {
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let maxAge = 0;
  let skipMe = true;
  if (argv.length === 3) {
    addr = argv[2]!;
    skipMe = false;
  } else if (argv.length > 3) {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i]!.toLowerCase();
      const value = argv[i + 1];
      if (value === undefined) return SYNTAX;
      if (opt === 'id') {
        const n = parseLongLong(value);
        if (n === null || n < 1n) return r.error('ERR client-id should be greater than 0');
        id = Number(n);
      } else if (opt === 'type') {
        type = clientTypeByName(value);
        if (type === null) return r.error(`ERR Unknown client type '${value}'`);
      } else if (opt === 'addr') addr = value;
      else if (opt === 'laddr') laddr = value;
      else if (opt === 'user') {
        // One user here: "default".
        if (value !== 'default') return r.error(`ERR No such user '${value}'`);
      } else if (opt === 'skipme') {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') return SYNTAX;
        skipMe = v === 'yes';
      } else if (opt === 'maxage') {
        const n = parseLongLong(value);
        if (n === null || n < 0n) return SYNTAX;
        maxAge = Number(n);
      } else return SYNTAX;
    }
  } else return SYNTAX;

  const now = Date.now();
  let killed = 0;
  for (const c of ctx.node.clients()) {
    if (c.peer !== null) continue;
    if (addr !== null && c.remoteAddress !== addr) continue;
    if (laddr !== null && c.localAddress !== laddr) continue;
    if (type !== null && clientType(c) !== type) continue;
    if (id !== 0 && c.id !== id) continue;
    if (maxAge !== 0 && (now - c.createdAt) / 1000 < maxAge) continue;
    if (c.id === ctx.client.id) {
      if (skipMe) continue;
      // Closed once this reply is written, as Redis flags CLIENT_CLOSE_AFTER_REPLY.
      ctx.client.closeAfterReply = true;
    } else c.kill?.();
    killed++;
  }
  if (argv.length === 3) return killed === 0 ? r.error('ERR No such client') : r.OK;
  return r.integer(killed);
};

// ---------------------------------------------------------------------------
// CLIENT PAUSE / UNPAUSE

interface Pause {
  mode: 'write' | 'all' | null;
  /** When it ends, in ms since the epoch. */
  until: number;
  timer: NodeJS.Timeout | null;
  /** Resolves when the pause ends (by its timeout or CLIENT UNPAUSE). */
  ended: Promise<void>;
  end: () => void;
}

const PAUSES = new WeakMap<NodeView, Pause>();
/** Nodes of this process in a pause: 0 almost always, so the check before each request is one comparison. */
let pausedNodes = 0;

function pauseOf(node: NodeView): Pause {
  let p = PAUSES.get(node);
  if (p === undefined) {
    p = { mode: null, until: 0, timer: null, ended: Promise.resolve(), end: () => {} };
    PAUSES.set(node, p);
  }
  return p;
}

function unpause(p: Pause): void {
  if (p.timer !== null) clearTimeout(p.timer);
  p.timer = null;
  p.mode = null;
  pausedNodes--;
  p.end();
}

/** Whether a command may change the dataset, so a WRITE pause holds it (Redis's is_may_replicate_command). */
function mayWrite(client: ClientState, argv: readonly string[]): boolean {
  const spec = lookupCommand(argv[0]!);
  if (spec === undefined) return false;
  if (spec.name === 'exec') return (client.multi ?? []).some((q) => q.spec.flags.includes('write') || q.spec.flags.includes('may_replicate'));
  if (spec.flags.includes('write') || spec.flags.includes('may_replicate')) return true;
  // A container's subcommand (FUNCTION FLUSH) says for itself.
  if (spec.subcommands !== undefined && argv.length > 1) {
    const sub = spec.subcommands.find((s) => s.name === `${spec.name}|${argv[1]!.toLowerCase()}`);
    return sub !== undefined && (sub.flags.includes('write') || sub.flags.includes('may_replicate'));
  }
  return false;
}

/**
 * The end of a pause this request must wait for, or null when it may run now.
 * The connection asks before each request of a client (not of a link). As in
 * Redis 7.0, a write waits even inside MULTI, where it would only be queued,
 * and replicas and monitors never wait.
 */
export function pausedUntil(node: NodeView, client: ClientState, argv: readonly string[]): Promise<void> | null {
  if (pausedNodes === 0) return null;
  const p = PAUSES.get(node);
  if (p === undefined || p.mode === null || client.replica?.id != null || client.monitor) return null;
  if (p.mode === 'all') return p.ended;
  return mayWrite(client, argv) ? p.ended : null;
}

/** CLIENT PAUSE timeout [WRITE|ALL]: a longer or stricter pause extends the current one, as in Redis. */
export const clientPause: Handler = (ctx, argv) => {
  let mode: 'write' | 'all' = 'all';
  if (argv.length === 4) {
    const m = argv[3]!.toLowerCase();
    if (m !== 'write' && m !== 'all') return r.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
    mode = m;
  } else if (argv.length > 4) return SYNTAX;
  const ms = parseLongLong(argv[2]!);
  if (ms === null) return r.error('ERR timeout is not an integer or out of range');
  if (ms < 0n) return r.error('ERR timeout is negative');
  const now = Date.now();
  if (ms > BigInt(Number.MAX_SAFE_INTEGER - now)) return r.error('ERR timeout is out of range');
  const until = now + Number(ms);
  const p = pauseOf(ctx.node);
  if (p.mode === null) {
    p.ended = new Promise<void>((resolve) => (p.end = resolve));
    pausedNodes++;
    p.mode = mode;
    p.until = until;
  } else {
    if (mode === 'all') p.mode = 'all';
    p.until = Math.max(p.until, until);
  }
  if (p.timer !== null) clearTimeout(p.timer);
  // setTimeout's delay is a 32-bit number of ms; a longer pause re-arms itself.
  const arm = (): void => {
    const left = p.until - Date.now();
    if (left <= 0) unpause(p);
    else p.timer = setTimeout(arm, Math.min(left, 0x7fffffff));
  };
  arm();
  return r.OK;
};

export const clientUnpause: Handler = (ctx) => {
  const p = PAUSES.get(ctx.node);
  if (p !== undefined && p.mode !== null) unpause(p);
  return r.OK;
};

/** The pause a node is in, for CLIENT LIST flags and INFO (paused_reason). */
export function pauseMode(node: NodeView): 'write' | 'all' | null {
  return PAUSES.get(node)?.mode ?? null;
}

// ---------------------------------------------------------------------------
// CLIENT REPLY

const SUBSCRIPTIONS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);

/**
 * Whether a reply goes out even under CLIENT REPLY OFF or SKIP: (un)subscribe
 * confirmations, which Redis 7.0 writes as pushes (CLIENT_PUSHING), as it
 * does the messages themselves. Their errors are silenced like any reply.
 */
export function repliesAnyway(argv: readonly string[], reply: unknown): boolean {
  return typeof reply === 'string' && reply.charCodeAt(0) !== 45 /* '-' */ && SUBSCRIPTIONS.has(argv[0]!.toLowerCase());
}

/**
 * CLIENT REPLY ON|OFF|SKIP. OFF and SKIP have no reply of their own; SKIP
 * silences the next command's (the connection applies the flags).
 */
export const clientReply: Handler = (ctx, argv) => {
  const c = ctx.client;
  const mode = argv[2]!.toLowerCase();
  if (mode === 'on') {
    c.replyOff = c.replySkip = c.replySkipNext = false;
    return r.OK;
  }
  if (mode === 'off') {
    c.replyOff = true;
    return '';
  }
  if (mode === 'skip') {
    if (!c.replyOff) c.replySkipNext = true;
    return '';
  }
  return SYNTAX;
};
