// Raw RESP over a socket: a tiny client for INFO/DBSIZE/FLUSHALL, and a
// pipelined bulk loader that keeps a window of commands in flight (much faster
// than one command at a time, and bounded in memory).

import net from 'node:net';
import { once } from 'node:events';

export type Reply = string | number | null | Error | Reply[];

export function encode(argv: readonly string[]): string {
  let out = '*' + argv.length + '\r\n';
  for (const a of argv) out += '$' + Buffer.byteLength(a, 'latin1') + '\r\n' + a + '\r\n';
  return out;
}

/** Parses one RESP2 reply at `pos`; null when more input is needed. */
function parse(buf: string, pos: number): { reply: Reply; end: number } | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol === -1) return null;
  const type = buf[pos];
  const line = buf.slice(pos + 1, eol);
  switch (type) {
    case '+':
      return { reply: line, end: eol + 2 };
    case '-':
      return { reply: new Error(line), end: eol + 2 };
    case ':':
      return { reply: Number(line), end: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { reply: null, end: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return null;
      return { reply: buf.slice(eol + 2, eol + 2 + len), end: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { reply: null, end: eol + 2 };
      const items: Reply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, p);
        if (item === null) return null;
        items.push(item.reply);
        p = item.end;
      }
      return { reply: items, end: p };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

export class RespClient {
  private input = '';
  private readonly waiting: ((r: Reply) => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.input += chunk.toString('latin1');
      let pos = 0;
      for (;;) {
        const parsed = parse(this.input, pos);
        if (parsed === null) break;
        pos = parsed.end;
        this.waiting.shift()?.(parsed.reply);
      }
      this.input = this.input.slice(pos);
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    const socket = net.connect({ host, port });
    await once(socket, 'connect');
    return new RespClient(socket);
  }

  command(...argv: string[]): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onClose = (): void => reject(new Error(`connection closed before the reply to ${argv[0]}`));
      this.socket.once('close', onClose);
      this.waiting.push((r) => {
        this.socket.off('close', onClose);
        resolve(r);
      });
      this.socket.write(encode(argv), 'latin1');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One command on a fresh connection. */
export async function oneCommand(port: number, ...argv: string[]): Promise<Reply> {
  const c = await RespClient.connect(port);
  try {
    return await c.command(...argv);
  } finally {
    c.close();
  }
}

/** INFO <section> as a map of field → value. */
export async function info(port: number, section: string): Promise<Map<string, string>> {
  const reply = await oneCommand(port, 'INFO', section);
  if (typeof reply !== 'string') throw new Error(`INFO ${section}: unexpected reply ${String(reply)}`);
  const out = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

export interface LoadResult {
  commands: number;
  seconds: number;
  errors: number;
  firstError: string;
}

/**
 * Sends `count` commands, `make(i)` encoded as RESP, pipelined: batches of
 * `batch` commands in one write, at most `window` unanswered. Every reply must
 * be a single line (+OK, :n, -ERR): true of SET, HSET, MSET and the like.
 */
export async function pipelineLoad(
  port: number,
  count: number,
  make: (i: number) => string,
  opts: { batch?: number; window?: number } = {},
): Promise<LoadResult> {
  const batch = opts.batch ?? 2000;
  const window = opts.window ?? 20_000;
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const started = process.hrtime.bigint();
  let received = 0;
  let errors = 0;
  let firstError = '';
  let atLineStart = true;
  let errorLine: string | null = null;
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  socket.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (atLineStart && c === 0x2d) {
        errors++;
        if (firstError === '') errorLine = '';
      }
      if (errorLine !== null && c !== 0x0d && c !== 0x0a) errorLine += String.fromCharCode(c);
      atLineStart = c === 0x0a;
      if (atLineStart) {
        received++;
        if (errorLine !== null) {
          firstError = errorLine;
          errorLine = null;
        }
      }
    }
    const w = wake;
    wake = null;
    w?.();
  });
  const dead = (e: Error): void => {
    failure = e;
    const w = wake;
    wake = null;
    w?.();
  };
  socket.on('error', dead);
  socket.on('close', () => dead(new Error(`connection to ${port} closed after ${received} of ${count} replies`)));
  const waitFor = async (target: number): Promise<void> => {
    while (received < target) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  let sent = 0;
  while (sent < count) {
    await waitFor(sent + batch - window);
    let chunk = '';
    const end = Math.min(count, sent + batch);
    for (let i = sent; i < end; i++) chunk += make(i);
    sent = end;
    if (!socket.write(chunk, 'latin1')) await once(socket, 'drain');
  }
  await waitFor(count);
  socket.removeAllListeners('close');
  socket.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { commands: count, seconds, errors, firstError };
}

/** The 12-digit, zero-padded number redis-benchmark puts in place of __rand_int__. */
export function randInt(i: number): string {
  return String(i).padStart(12, '0');
}
