// Pub/sub fan-out: messages per second to N subscribers, on redis-server and
// on two kv nodes. On kv the subscribers are split between the two nodes and
// one publisher runs on each node, so every message crosses a link to reach
// half of its subscribers; on Redis the same two publishers and N subscribers
// share the one server. Each publisher keeps `window` PUBLISHes in flight; a
// run ends when every subscriber has every message. PUBLISH must answer N
// (the cluster-wide count) every time. The clients are raw sockets in this
// process, which shares the machine with the servers.
//
//   npm run build && node dist/bench/pubsub.js [--messages 20000] [--subscribers 1,10,50] [--size 64] [--window 512]

import net from 'node:net';
import { removeWorkDir, stopAll } from './lib/proc.js';
import { startNodes, startRedis } from './lib/targets.js';
import { encode } from './lib/resp.js';
import { fmtRps } from './lib/report.js';

interface Options {
  messages: number;
  subscribers: number[];
  size: number;
  window: number;
}

function options(argv: readonly string[]): Options {
  const get = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  return {
    messages: Number(get('messages', '20000')),
    subscribers: get('subscribers', '1,10,50').split(',').map(Number),
    size: Number(get('size', '64')),
    window: Number(get('window', '512')),
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

const MARK = Buffer.from('$7\r\nmessage\r\n');

/** A subscriber that counts the messages it gets (split across reads too). */
class Subscriber {
  count = 0;
  private tail = Buffer.alloc(0);
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      const buf = this.tail.length > 0 ? Buffer.concat([this.tail, d]) : d;
      let at = buf.indexOf(MARK);
      let end = 0;
      while (at >= 0) {
        this.count++;
        end = at + MARK.length;
        at = buf.indexOf(MARK, end);
      }
      this.tail = Buffer.from(buf.subarray(Math.max(end, buf.length - MARK.length + 1)));
    });
  }
  static async on(port: number, channel: string): Promise<Subscriber> {
    const s = new Subscriber(await connect(port));
    s.socket.write(encode(['SUBSCRIBE', channel]));
    return s;
  }
}

/** Publishes `n` messages with `window` in flight; resolves with what the replies said (all N, or the first other). */
async function publisher(port: number, channel: string, n: number, size: number, window: number, expected: number): Promise<string> {
  const socket = await connect(port);
  const message = 'm'.repeat(size);
  const request = encode(['PUBLISH', channel, message]);
  const reply = `:${expected}\r\n`;
  let sent = 0;
  let answered = 0;
  let bytes = 0;
  let odd = '';
  return new Promise((resolve) => {
    const refill = (): void => {
      let batch = '';
      while (sent < n && sent - answered < window) {
        batch += request;
        sent++;
      }
      if (batch.length > 0) socket.write(batch, 'latin1');
    };
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) answered++;
      if (odd === '' && bytes !== answered * reply.length) odd = d.toString('latin1', 0, 64);
      if (answered === n) {
        socket.destroy();
        resolve(odd === '' ? reply.trim() : `unexpected reply: ${JSON.stringify(odd)}`);
      } else refill();
    });
    refill();
  });
}

async function numsub(port: number, channel: string): Promise<number> {
  const s = await connect(port);
  return new Promise((resolve) => {
    s.once('data', (d: Buffer) => {
      s.destroy();
      resolve(Number(/:(\d+)\r\n$/.exec(d.toString('latin1'))?.[1] ?? -1));
    });
    s.write(encode(['PUBSUB', 'NUMSUB', channel]));
  });
}

interface Figure {
  target: string;
  subscribers: number;
  messages: number;
  seconds: number;
  published: number;
  delivered: number;
  replies: string;
}

/** One run: subscribers spread over `subPorts`, one publisher per port of `pubPorts`. */
async function fanOut(target: string, subPorts: number[], pubPorts: number[], n: number, o: Options): Promise<Figure> {
  const channel = `bench-${target}-${n}-${Date.now()}`;
  const subs = await Promise.all(Array.from({ length: n }, (_, i) => Subscriber.on(subPorts[i % subPorts.length]!, channel)));
  while ((await numsub(pubPorts[0]!, channel)) !== n) await new Promise((r) => setTimeout(r, 10));
  const total = o.messages * pubPorts.length;
  const t0 = performance.now();
  const replies = await Promise.all(pubPorts.map((p) => publisher(p, channel, o.messages, o.size, o.window, n)));
  while (subs.some((s) => s.count < total)) await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t0) / 1000;
  for (const s of subs) s.socket.destroy();
  const extra = subs.filter((s) => s.count !== total).length;
  return {
    target,
    subscribers: n,
    messages: total,
    seconds,
    published: total / seconds,
    delivered: (total * n) / seconds,
    replies: extra > 0 ? `${extra} subscribers got a wrong count` : [...new Set(replies)].join(', '),
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const figures: Figure[] = [];
  try {
    const redis = await startRedis();
    const kv = await startNodes(['foo', 'bar'], () => ['a-m foo', 'n-z bar']);
    const foo = kv.ports.get('foo')!;
    const bar = kv.ports.get('bar')!;
    for (const n of o.subscribers) {
      figures.push(await fanOut('redis-server', [redis.port], [redis.port, redis.port], n, o));
      figures.push(await fanOut('kv, two nodes', [foo, bar], [foo, bar], n, o));
    }
  } finally {
    await stopAll();
    removeWorkDir();
  }
  console.log(`pub/sub fan-out: ${o.messages} messages of ${o.size} bytes from each of 2 publishers, ${o.window} in flight each`);
  console.log('| target | subscribers | messages published/s | messages delivered/s | seconds | PUBLISH replies |');
  console.log('|---|--:|--:|--:|--:|---|');
  for (const f of figures) {
    console.log(`| ${f.target} | ${f.subscribers} | ${fmtRps(f.published)} | ${fmtRps(f.delivered)} | ${f.seconds.toFixed(2)} | ${f.replies} |`);
  }
  for (const n of o.subscribers) {
    const r = figures.find((f) => f.target === 'redis-server' && f.subscribers === n)!;
    const k = figures.find((f) => f.target !== 'redis-server' && f.subscribers === n)!;
    console.log(`${n} subscribers: kv / redis-server = ${(k.delivered / r.delivered).toFixed(2)}`);
  }
}

await main();
