// A raw socket for byte-level assertions: send exact bytes, read exact replies.

import net from 'node:net';
import { replyEnd } from '../../server/protocol/reply-framer.js';

export class RawClient {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  private async waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.closed) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next `n` complete replies, as raw latin1 strings. */
  async replies(n: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n) {
      await this.waitFor(() => replyEnd(this.buf, 0) > 0, timeoutMs);
      const end = replyEnd(this.buf, 0);
      if (end <= 0) throw new Error(`connection closed; have ${JSON.stringify(this.buf)}`);
      out.push(this.buf.slice(0, end));
      this.buf = this.buf.slice(end);
    }
    return out;
  }

  async reply(timeoutMs = 5000): Promise<string> {
    return (await this.replies(1, timeoutMs))[0]!;
  }

  /** Sends a command as a RESP array and returns its raw reply. */
  async command(...argv: string[]): Promise<string> {
    this.send(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join(''));
    return this.reply();
  }

  /** Resolves once the server has closed the connection; returns what it sent before. */
  async untilClosed(timeoutMs = 5000): Promise<string> {
    await this.waitFor(() => this.closed, timeoutMs);
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}
