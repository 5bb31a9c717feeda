// `npm run -s build && node dist/bench/hostile.js [--seconds N] [--only bystander,get60,desync,pipe,keys]`
//
// The figures of the hostile-client issue, each measured in the same run on kv
// and, where it makes sense, on redis-server (and nutcracker in front of it):
// a bystander's latency beside a pipelining client, a 60 MB GET through a hop
// and direct, the bytes a node takes in after a protocol error before it
// closes, a redis-cli --pipe load of SETs, and KEYS with 20 stars. Prints a markdown table; under a minute.

import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, runBench, sleep, startProcess, waitForPort, workDir } from './lib/proc.js';
import { encode } from './lib/resp.js';
import { SECRET, startRedis, startTarget } from './lib/targets.js';

const MB = 1024 * 1024;

const COLUMNS = {
  hop: 'kv through a hop',
  owner: 'kv on the owner',
  redis: 'redis-server',
  nutcracker: 'nutcracker → redis-server',
} as const;
type Column = keyof typeof COLUMNS;

/** Figures in the order measured, each with a cell per target. */
const figures = new Map<string, Partial<Record<Column, string>>>();

function log(msg: string): void {
  process.stderr.write(`[hostile] ${msg}\n`);
}

function record(figure: string, column: Column, result: string): void {
  if (!figures.has(figure)) figures.set(figure, {});
  figures.get(figure)![column] = result;
  log(`${figure} — ${COLUMNS[column]}: ${result}`);
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  return s;
}

/** One command, one short reply (a line, or a bulk that fits in the first chunk). */
async function command(port: number, ...argv: string[]): Promise<string> {
  const s = await connect(port);
  s.write(encode(argv), 'latin1');
  const reply = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  s.destroy();
  return reply.trimEnd();
}

async function setBig(port: number, key: string, value: Buffer): Promise<void> {
  const s = await connect(port);
  s.write(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n`);
  s.write(value);
  s.write('\r\n');
  const reply = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  s.destroy();
  if (!reply.startsWith('+OK')) throw new Error(`SET ${key} on ${port}: ${reply.slice(0, 200)}`);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Replies in a stream of flat replies (lines and bulks), and how many were errors. */
function replyCounter(onReply: (isError: boolean, text: string) => void): (d: Buffer) => void {
  let buf = '';
  return (d) => {
    buf += d.toString('latin1');
    let pos = 0;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol === -1) break;
      const type = buf[pos];
      if (type === '$' && Number(buf.slice(pos + 1, eol)) >= 0) {
        const n = Number(buf.slice(pos + 1, eol));
        if (buf.length < eol + 4 + n) break;
        onReply(false, buf.slice(eol + 2, eol + 2 + n));
        pos = eol + 4 + n;
      } else {
        onReply(type === '-', buf.slice(pos, eol));
        pos = eol + 2;
      }
    }
    buf = buf.slice(pos);
  };
}

/**
 * One client keeps 10,000 GETs of `key` in flight for `seconds`; a bystander
 * sends one GET of the same key every 50 ms on its own connection.
 */
async function bystanderBesidePipeliner(port: number, key: string, seconds: number): Promise<string> {
  const IN_FLIGHT = 10_000;
  const BATCH = 1000;
  const get = Buffer.from(encode(['GET', key]), 'latin1');
  const chunk = Buffer.concat(Array.from({ length: BATCH }, () => get));
  const pipe = await connect(port);
  let sent = 0;
  let answered = 0;
  let pipeErrors = 0;
  let firstError = '';
  let wake: (() => void) | null = null;
  pipe.on(
    'data',
    replyCounter((isError, text) => {
      answered++;
      if (isError && pipeErrors++ === 0) firstError = text;
      const w = wake;
      wake = null;
      w?.();
    }),
  );
  let running = true;
  const pump = (async () => {
    while (running) {
      if (sent - answered <= IN_FLIGHT - BATCH) {
        sent += BATCH;
        if (!pipe.write(chunk)) await new Promise<void>((r) => pipe.once('drain', () => r()));
      } else {
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(100)]);
      }
    }
  })();
  await sleep(300);
  const by = await connect(port);
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let byErrors = 0;
  by.on(
    'data',
    replyCounter((isError) => {
      latencies.push(performance.now() - sentAt[latencies.length]!);
      if (isError) byErrors++;
    }),
  );
  const started = performance.now();
  const answeredAtStart = answered;
  const timer = setInterval(() => {
    sentAt.push(performance.now());
    by.write(get);
  }, 50);
  await sleep(seconds * 1000);
  clearInterval(timer);
  const rate = (answered - answeredAtStart) / ((performance.now() - started) / 1000);
  running = false;
  await pump;
  const deadline = Date.now() + 10_000;
  while ((latencies.length < sentAt.length || answered < sent) && Date.now() < deadline) await sleep(20);
  pipe.destroy();
  by.destroy();
  const lost = sentAt.length - latencies.length;
  return (
    `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms` +
    `${lost ? `, ${lost} of ${sentAt.length} unanswered` : ''}${byErrors ? `, ${byErrors} errors` : ''}` +
    ` (pipeliner ${(rate / 1000).toFixed(0)}k GET/s${pipeErrors ? `, ${pipeErrors} errors: ${firstError.slice(0, 60)}` : ''})`
  );
}

/** Milliseconds to read GET `key` (a bulk of `size` bytes) whole, counting bytes; or the error. */
async function timeGet(port: number, key: string, size: number, timeoutMs = 60_000): Promise<string> {
  const s = await connect(port);
  const header = `$${size}\r\n`;
  const total = header.length + size + 2;
  let got = 0;
  let first = '';
  const started = performance.now();
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`no whole reply after ${timeoutMs} ms (${got} bytes)`), timeoutMs);
    s.on('data', (d: Buffer) => {
      if (first.length < 200) first += d.subarray(0, 200).toString('latin1');
      got += d.length;
      if (first.startsWith('-') && first.includes('\r\n')) {
        clearTimeout(timer);
        resolve(`error after ${(performance.now() - started).toFixed(0)} ms: ${first.slice(1, first.indexOf('\r\n')).slice(0, 70)}`);
      } else if (got >= total) {
        clearTimeout(timer);
        resolve(first.startsWith(header) ? `${(performance.now() - started).toFixed(0)} ms` : `unexpected reply ${JSON.stringify(first.slice(0, 40))}`);
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(`closed after ${got} bytes`);
    });
    s.write(encode(['GET', key]), 'latin1');
  });
  s.destroy();
  return outcome;
}

/**
 * As `redis-cli --pipe` does: `count` SETs written as fast as the socket takes
 * them, without waiting for replies; the time until the last reply, and errors.
 */
async function pipeLoad(port: number, count: number): Promise<string> {
  const s = await connect(port);
  let replies = 0;
  let errors = 0;
  let firstError = '';
  let closed = false;
  s.on(
    'data',
    replyCounter((isError, text) => {
      replies++;
      if (isError && errors++ === 0) firstError = text;
    }),
  );
  s.on('close', () => (closed = true));
  const started = performance.now();
  for (let i = 0; i < count && !closed; ) {
    let chunk = '';
    for (const end = Math.min(count, i + 5000); i < end; i++) chunk += encode(['SET', `zpipe${i}`, String(i)]);
    if (!s.write(chunk, 'latin1')) await new Promise<void>((r) => s.once('drain', () => r()));
  }
  const deadline = Date.now() + 120_000;
  while (replies < count && !closed && Date.now() < deadline) await sleep(10);
  const ms = performance.now() - started;
  s.destroy();
  const rate = `${(replies / ms).toFixed(0)}k SET/s`; // replies a millisecond: thousands a second
  return `${(ms / 1000).toFixed(1)} s, ${rate}${errors ? `, ${errors} errors: ${firstError.slice(0, 60)}` : ''}${replies < count ? `, ${count - replies} unanswered` : ''}`;
}

async function timeCommand(port: number, argv: string[], timeoutMs: number): Promise<string> {
  const s = await connect(port);
  const started = performance.now();
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`no reply after ${timeoutMs} ms`), timeoutMs);
    s.once('data', (d: Buffer) => {
      clearTimeout(timer);
      const reply = d.toString('latin1').trimEnd();
      resolve(`${(performance.now() - started).toFixed(1)} ms${reply === '*0' ? '' : ` (${JSON.stringify(reply.slice(0, 40))})`}`);
    });
    s.write(encode(argv), 'latin1');
  });
  s.destroy();
  return outcome;
}

async function netInput(port: number): Promise<number> {
  const text = await command(port, 'INFO', 'stats');
  const m = /total_net_input_bytes:(\d+)/.exec(text);
  if (!m) throw new Error(`no total_net_input_bytes in INFO stats of ${port}`);
  return Number(m[1]);
}

/**
 * Sends a bad bulk length, then streams garbage until the server closes (at
 * most 16 MB or 3 s). What counts is what the server read: the change of its
 * total_net_input_bytes, less the INFO command that asks; the bytes the
 * kernel took from the client are mostly socket buffers, on Redis too.
 */
async function bytesAfterProtocolError(port: number): Promise<string> {
  const before = await netInput(port);
  const s = await connect(port);
  let closed = false;
  let reply = '';
  s.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  s.on('close', () => (closed = true));
  const bad = '*1\r\n$abc\r\n';
  s.write(bad);
  const garbage = Buffer.alloc(16 * 1024, 'garbage ');
  let written = 0;
  const started = Date.now();
  while (!closed && written < 16 * MB && Date.now() - started < 3000) {
    const ok = await Promise.race([
      new Promise<boolean>((resolve) => s.write(garbage, (err) => resolve(!err))),
      sleep(3000 - (Date.now() - started)).then(() => false),
    ]);
    if (ok) written += garbage.length;
    else break;
  }
  const closedAfter = Date.now() - started;
  for (let i = 0; i < 100 && !closed; i++) await sleep(20);
  s.destroy();
  await sleep(50);
  const read = (await netInput(port)) - before - encode(['INFO', 'stats']).length - bad.length;
  const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;
  log(`port ${port}: the client's kernel took ${kb(written)}; reply ${JSON.stringify(reply.trimEnd().slice(0, 60))}`);
  return `${kb(read)}, ${closed ? `closed after ${closedAfter} ms` : 'still open after 5 s'}`;
}

interface Ports {
  foo: number;
  bar: number;
  redis: number;
  nutcracker: number;
}

const FIGURES: Record<string, (p: Ports, seconds: number) => Promise<void>> = {
  async bystander(p, seconds) {
    const figure = `bystander's GET every 50 ms beside a pipeliner of 10,000 GETs in flight (${seconds} s): p50 / p99`;
    record(figure, 'hop', await bystanderBesidePipeliner(p.foo, 'zby', seconds));
    record(figure, 'owner', await bystanderBesidePipeliner(p.foo, 'aby', seconds));
    record(figure, 'redis', await bystanderBesidePipeliner(p.redis, 'zby', seconds));
    record(figure, 'nutcracker', await bystanderBesidePipeliner(p.nutcracker, 'zby', seconds));
  },

  async get60(p) {
    const big = Buffer.alloc(60 * MB, 'kv-hostile-0123456789-');
    await setBig(p.bar, 'zhuge', big);
    await setBig(p.redis, 'zhuge', big);
    const best = async (port: number): Promise<string> => {
      const a = await timeGet(port, 'zhuge', big.length);
      const b = await timeGet(port, 'zhuge', big.length);
      return /^\d+ ms$/.test(a) && /^\d+ ms$/.test(b) ? `${Math.min(parseInt(a), parseInt(b))} ms` : `${a}; ${b}`;
    };
    const figure = 'GET of a 60 MB value, read whole (best of 2)';
    record(figure, 'hop', await best(p.foo));
    record(figure, 'owner', await best(p.bar));
    record(figure, 'redis', await best(p.redis));
  },

  async desync(p) {
    const figure = 'input read after a protocol error (`*1 $abc`, then garbage streamed)';
    record(figure, 'owner', await bytesAfterProtocolError(p.foo));
    record(figure, 'redis', await bytesAfterProtocolError(p.redis));
  },

  async pipe(p) {
    const count = 500_000;
    const figure = `${count / 1000}k SETs written as redis-cli --pipe does, until the last reply`;
    record(figure, 'hop', await pipeLoad(p.foo, count));
    record(figure, 'owner', await pipeLoad(p.bar, count));
    record(figure, 'redis', await pipeLoad(p.redis, count));
    record(figure, 'nutcracker', await pipeLoad(p.nutcracker, count));
    // So that KEYS, next, times the pattern and not a walk over these keys.
    await command(p.foo, 'FLUSHALL');
    await command(p.redis, 'FLUSHALL');
  },

  // Last by default: on a matcher without the CVE-2022-36021 bound it never returns.
  async keys(p) {
    const forty = 'a'.repeat(40);
    await command(p.foo, 'SET', forty, 'x');
    await command(p.redis, 'SET', forty, 'x');
    const pattern = 'a*'.repeat(20) + 'b';
    const figure = 'KEYS a\\*a\\*…\\*b (20 stars) with a key of 40 a’s (kv: cluster-wide, via foo)';
    record(figure, 'owner', await timeCommand(p.foo, ['KEYS', pattern], 10_000));
    record(figure, 'redis', await timeCommand(p.redis, ['KEYS', pattern], 10_000));
  },
};

/**
 * kv nodes foo (a-m) and bar (n-z), each in its own process and its own
 * directory of the run's work dir, so that nothing a node saves there
 * (./data/<name>) comes from, or is left in, the repository.
 */
async function startPair(): Promise<{ foo: number; bar: number }> {
  const ports = { foo: await freePort(), bar: await freePort() };
  const file = join(workDir(), 'hostile.conf');
  const lines = [`secret ${SECRET}`, `node foo 127.0.0.1:${ports.foo}`, `node bar 127.0.0.1:${ports.bar}`, 'route a-m foo', 'route n-z bar'];
  writeFileSync(file, lines.join('\n') + '\n');
  for (const name of ['foo', 'bar'] as const) {
    const dir = join(workDir(), name);
    mkdirSync(dir, { recursive: true });
    const args = ['-c', 'cd "$0" && exec "$@"', dir, process.execPath, join(ROOT, 'dist/server/main.js'), '--config', file, '--name', name];
    await waitForPort(ports[name], startProcess(`kv-${name}-${ports[name]}`, 'sh', args));
  }
  return ports;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seconds = Number(option('--seconds') ?? 3);
  const only = option('--only')?.split(',') ?? Object.keys(FIGURES);
  const unknown = only.filter((f) => !(f in FIGURES));
  if (unknown.length) throw new Error(`unknown figure ${unknown.join(', ')}: choose from ${Object.keys(FIGURES).join(', ')}`);
  log('starting kv foo/bar (a-m on foo, n-z on bar), redis-server, nutcracker → redis-server');
  const kv = await startPair();
  const redis = await startRedis();
  const nutcracker = await startTarget('nutcracker');
  const ports: Ports = { ...kv, redis: redis.port, nutcracker: nutcracker.port };
  for (const port of [ports.foo, ports.redis, ports.nutcracker]) {
    await command(port, 'SET', 'zby', 'bystander');
    await command(port, 'SET', 'aby', 'bystander');
  }
  for (const name of Object.keys(FIGURES)) if (only.includes(name)) await FIGURES[name]!(ports, seconds);

  const columns = Object.keys(COLUMNS) as Column[];
  const out = [`| figure | ${columns.map((c) => COLUMNS[c]).join(' | ')} |`, `|---|${columns.map(() => '--:').join('|')}|`];
  for (const [figure, cells] of figures) out.push(`| ${figure} | ${columns.map((c) => cells[c] ?? '–').join(' | ')} |`);
  process.stdout.write('\n' + out.join('\n') + '\n');
}

runBench(main);
