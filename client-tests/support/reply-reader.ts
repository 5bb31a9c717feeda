// A raw socket that parses RESP2 replies as they stream in, without ever
// holding a big reply as one string: bulk strings over `keepLimit` bytes are
// counted and hashed (SHA-1) instead of kept, so a test can check a 600 MB
// pipeline or a 300 MB reply byte for byte in bounded memory.

import net from 'node:net';
import { createHash, type Hash } from 'node:crypto';

export interface Reply {
  /** '+', '-', ':', '$' or '*'. */
  type: string;
  /** The line of a simple reply ('+OK' → 'OK'), or the header number of '$' and '*'. */
  line: string;
  /** Bulk strings up to keepLimit bytes. */
  data?: Buffer;
  /** Length and SHA-1 of any bulk string. */
  length?: number;
  sha1?: string;
  items?: Reply[];
}

/** SHA-1 of a value, to compare with Reply.sha1. */
export function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

/** A command as RESP, arguments as latin1 strings or Buffers. */
export function encodeCommand(...argv: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Frame {
  items: Reply[];
  left: number;
  line: string;
}

export class ReplyReader {
  /** Bytes received so far. */
  bytes = 0;
  closed = false;
  /** Set by the socket's 'error' (e.g. ECONNRESET). */
  error: Error | null = null;
  readonly done: Promise<void>;
  private readonly queue: Reply[] = [];
  private waiter: (() => void) | null = null;
  private line: number[] = [];
  private bulk: { left: number; length: number; hash: Hash; kept: Buffer[] | null } | null = null;
  private stack: Frame[] = [];

  private constructor(
    readonly socket: net.Socket,
    private readonly keepLimit: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      this.feed(d);
      this.wake();
    });
    this.done = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('error', (e) => (this.error = e));
  }

  static connect(port: number, keepLimit = 64 * 1024): Promise<ReplyReader> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new ReplyReader(s, keepLimit));
      });
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private feed(d: Buffer): void {
    let i = 0;
    while (i < d.length) {
      if (this.bulk !== null) {
        const take = Math.min(this.bulk.left, d.length - i);
        // The last two bytes of a bulk are its CRLF, not data.
        const dataLeft = this.bulk.left - 2;
        const dataTake = Math.max(0, Math.min(take, dataLeft));
        if (dataTake > 0) {
          const slice = d.subarray(i, i + dataTake);
          this.bulk.hash.update(slice);
          this.bulk.kept?.push(Buffer.from(slice));
        }
        this.bulk.left -= take;
        i += take;
        if (this.bulk.left === 0) {
          const b = this.bulk;
          this.bulk = null;
          this.complete({
            type: '$',
            line: String(b.length),
            length: b.length,
            sha1: b.hash.digest('hex'),
            ...(b.kept ? { data: Buffer.concat(b.kept) } : {}),
          });
        }
        continue;
      }
      const nl = d.indexOf(0x0a, i);
      const end = nl === -1 ? d.length : nl + 1;
      for (let k = i; k < end; k++) this.line.push(d[k]!);
      i = end;
      if (nl === -1) continue;
      const text = Buffer.from(this.line).toString('latin1').replace(/\r?\n$/, '');
      this.line = [];
      this.header(text);
    }
  }

  private header(text: string): void {
    const type = text[0] ?? '';
    const rest = text.slice(1);
    if (type === '$') {
      const n = Number(rest);
      if (n < 0) return this.complete({ type, line: rest });
      this.bulk = { left: n + 2, length: n, hash: createHash('sha1'), kept: n <= this.keepLimit ? [] : null };
      return;
    }
    if (type === '*') {
      const n = Number(rest);
      if (n <= 0) return this.complete({ type, line: rest, ...(n === 0 ? { items: [] } : {}) });
      this.stack.push({ items: [], left: n, line: rest });
      return;
    }
    this.complete({ type, line: rest });
  }

  private complete(reply: Reply): void {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.queue.push(reply);
        return;
      }
      top.items.push(reply);
      if (--top.left > 0) return;
      this.stack.pop();
      reply = { type: '*', line: top.line, items: top.items };
    }
  }

  send(data: string | Buffer): boolean {
    return this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  command(...argv: (string | Buffer)[]): boolean {
    return this.send(encodeCommand(...argv));
  }

  /** Replies received and not yet taken. */
  pending(): number {
    return this.queue.length;
  }

  /** The next reply; fails after `timeoutMs`, or if the connection closes first. */
  async next(timeoutMs = 5000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.closed) throw new Error(`connection closed after ${this.bytes} bytes, waiting for a reply`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (${this.bytes} bytes received)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.queue.shift()!;
  }

  /** Sends one command and returns its reply. */
  async call(timeoutMs: number, ...argv: (string | Buffer)[]): Promise<Reply> {
    this.command(...argv);
    return this.next(timeoutMs);
  }

  /** Resolves true once the peer closed the connection, false after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const r = await Promise.race([this.done.then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A reply as short text for messages: +OK, -ERR …, $5 "hello", $1048576 sha1 …, *2 […]. */
export function show(r: Reply): string {
  if (r.type === '$') {
    if (r.length === undefined) return '(nil)';
    return r.data !== undefined && r.data.length <= 80 ? JSON.stringify(r.data.toString('latin1')) : `$${r.length} sha1 ${r.sha1}`;
  }
  if (r.type === '*') return `[${(r.items ?? []).map(show).join(', ')}]`;
  return r.type + r.line;
}

/**
 * Counts a stream of flat replies (simple lines and bulk strings, no arrays),
 * for pipelines of GET or SET where only the number of replies, the errors and
 * whether each value is the expected one matter.
 */
export class ReplyCounter {
  replies = 0;
  errors = 0;
  firstError = '';
  /** Replies that were neither an error nor `expected`. */
  wrong = 0;
  firstWrong = '';
  private buf = '';

  constructor(
    private readonly expected: string,
    private readonly onReply: (ok: boolean, text: string) => void = () => {},
  ) {}

  feed(d: Buffer): void {
    this.buf += d.toString('latin1');
    let pos = 0;
    for (;;) {
      const eol = this.buf.indexOf('\r\n', pos);
      if (eol === -1) break;
      const type = this.buf[pos];
      let text: string;
      let next: number;
      if (type === '$' && Number(this.buf.slice(pos + 1, eol)) >= 0) {
        const n = Number(this.buf.slice(pos + 1, eol));
        if (this.buf.length < eol + 4 + n) break;
        text = this.buf.slice(eol + 2, eol + 2 + n);
        next = eol + 4 + n;
      } else {
        // A simple reply's text without its type byte; an error keeps its '-'.
        text = this.buf.slice(type === '-' ? pos : pos + 1, eol);
        next = eol + 2;
      }
      pos = next;
      this.replies++;
      let ok = true;
      if (type === '-') {
        this.errors++;
        if (this.firstError === '') this.firstError = text;
        ok = false;
      } else if (text !== this.expected) {
        this.wrong++;
        if (this.firstWrong === '') this.firstWrong = text.slice(0, 200);
        ok = false;
      }
      this.onReply(ok, text);
    }
    this.buf = this.buf.slice(pos);
  }
}
