// One raw exchange with a server: connect, write exact bytes, and record every
// byte that comes back until the server closes the connection or falls quiet.
// Protocol-error tests compare these records between redis-server and our
// nodes; the fuzz tests use replyCount() to tell replies from silence.

import net from 'node:net';
import { replyEnd } from '../../server/protocol/reply-framer.js';

export interface Exchange {
  /** Everything the server sent, as latin1. */
  bytes: string;
  /** Whether the server closed the connection (FIN or reset) within the wait. */
  closed: boolean;
}

export interface ExchangeOptions {
  /**
   * How long the server may stay silent, after the last write or the last byte
   * it sent, before the connection counts as left open. Requests whose outcome
   * is "no reply, connection kept" cost this much; the others end at the close.
   */
  quietMs?: number;
  /** Give up waiting for a close after this long even if bytes keep coming. */
  timeoutMs?: number;
}

/** Writes `chunks` one after the other (each its own write) and records the outcome. */
export function exchange(port: number, chunks: string | Buffer | (string | Buffer)[], opts: ExchangeOptions = {}): Promise<Exchange> {
  const quietMs = opts.quietMs ?? 300;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const list = Array.isArray(chunks) ? chunks : [chunks];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let quiet: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      if (quiet) clearTimeout(quiet);
      clearTimeout(overall);
      socket.destroy();
      resolve({ bytes: Buffer.concat(received).toString('latin1'), closed });
    };
    let activity = 0;
    // The servers under test may run in this very process: when the event loop
    // was blocked (by them), a timer can fire before the socket's pending data
    // has been read. So silence counts only once a poll phase has passed
    // (setImmediate runs after it) and the timer was not badly late.
    const rearm = (): void => {
      if (quiet) clearTimeout(quiet);
      const mine = ++activity;
      const armedAt = Date.now();
      quiet = setTimeout(() => {
        const late = Date.now() - armedAt - quietMs > 20;
        setImmediate(() => {
          if (settled || activity !== mine) return;
          if (late) rearm();
          else finish(false);
        });
      }, quietMs);
    };
    const overall = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d: Buffer) => {
      received.push(d);
      rearm();
    });
    // A reset after the server closed still means "closed"; bytes read before it are kept.
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      let i = 0;
      const next = (): void => {
        if (settled) return;
        if (i === list.length) return rearm();
        const c = list[i++]!;
        socket.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, () => setImmediate(next));
      };
      next();
    });
    socket.once('error', (e) => {
      if (connected) return;
      settled = true;
      clearTimeout(overall);
      reject(e);
    });
  });
}

/** The number of complete replies at the start of `bytes`, and whether something unparseable follows them. */
export function replyCount(bytes: string): { count: number; rest: string } {
  let pos = 0;
  let count = 0;
  for (;;) {
    const end = replyEnd(bytes, pos);
    if (end <= 0) return { count, rest: bytes.slice(pos) };
    count++;
    pos = end;
  }
}

/** A request as a RESP array, arguments taken as latin1. */
export function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
}
