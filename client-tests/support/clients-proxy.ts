// A recording TCP proxy for client-compatibility tests: sits between a real
// client library and a server and records every request with the reply it got,
// so a test can assert on a client's handshake step by step (what it sent, what
// came back) without patching the library.

import net from 'node:net';
import { replyEnd } from '../../server/protocol/reply-framer.js';

export interface Exchange {
  /** The request's arguments (RESP array of bulk strings, or an inline line split on spaces). */
  request: string[];
  /** The raw reply bytes, latin1. */
  reply: string;
}

/** Decodes one RESP request frame ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") into its arguments. */
function decodeRequest(frame: string): string[] {
  if (!frame.startsWith('*')) return frame.trim().split(/\s+/);
  const args: string[] = [];
  let p = frame.indexOf('\r\n') + 2;
  while (p < frame.length) {
    const nl = frame.indexOf('\r\n', p);
    const len = Number(frame.slice(p + 1, nl));
    args.push(frame.slice(nl + 2, nl + 2 + len));
    p = nl + 2 + len + 2;
  }
  return args;
}

/** Cuts complete frames off the front of `buf`; returns them and the rest. */
function frames(buf: string, inline: boolean): [string[], string] {
  const out: string[] = [];
  for (;;) {
    if (buf.length === 0) break;
    if (inline && buf[0] !== '*') {
      const nl = buf.indexOf('\n');
      if (nl < 0) break;
      out.push(buf.slice(0, nl + 1));
      buf = buf.slice(nl + 1);
      continue;
    }
    const end = replyEnd(buf, 0);
    if (end <= 0) break;
    out.push(buf.slice(0, end));
    buf = buf.slice(end);
  }
  return [out, buf];
}

/** What one client connection sent and got back. */
interface Conversation {
  requests: string[][];
  replies: string[];
}

export class RecordingProxy {
  private readonly conversations: Conversation[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port and forwards each connection to 127.0.0.1:targetPort. */
  static start(targetPort: number): Promise<RecordingProxy> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        const proxy = new RecordingProxy(server, typeof addr === 'object' && addr ? addr.port : 0);
        server.on('connection', (client) => proxy.relay(client, targetPort));
        resolve(proxy);
      });
    });
  }

  private relay(client: net.Socket, targetPort: number): void {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    this.sockets.add(client).add(upstream);
    const conv: Conversation = { requests: [], replies: [] };
    this.conversations.push(conv);
    let up = '';
    let down = '';
    client.on('data', (d: Buffer) => {
      up += d.toString('latin1');
      const [reqs, rest] = frames(up, true);
      up = rest;
      for (const f of reqs) conv.requests.push(decodeRequest(f));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      down += d.toString('latin1');
      const [reps, rest] = frames(down, false);
      down = rest;
      conv.replies.push(...reps);
      client.write(d);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /**
   * Requests paired with their replies, in order, connection after connection
   * (pairing holds per connection: Redis answers each request once, in order).
   * A request still waiting for its reply has reply ''.
   */
  exchanges(): Exchange[] {
    return this.conversations.flatMap((c) => c.requests.map((request, i) => ({ request, reply: c.replies[i] ?? '' })));
  }

  /** How many client connections the proxy has accepted. */
  get connectionCount(): number {
    return this.conversations.length;
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
