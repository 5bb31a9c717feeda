// Hostile clients: the cases of the "one client can hurt everyone" issue, each
// against a foo/bar cluster (a-m on foo, n-z on bar) whose nodes run in their
// own processes. Every case checks that the nodes are still up, that a fresh
// bystander gets PING and GET (local and forwarded) answered within a second,
// and that idle connections opened before the case saw nothing at all; then
// what the case itself is about. Big replies are read by counting and hashing,
// never joined into strings.

import { afterEach, describe, expect, test } from 'vitest';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './support/servers.js';
import { outcomeOf, pairConf, removeTempDirs, spawnNode, startNode, tempDir, writeConf, type NodeProcess, type PairOptions } from './support/node-process.js';
import { encodeCommand, ReplyCounter, ReplyReader, sha1, show, type Reply } from './support/reply-reader.js';

const MB = 1024 * 1024;
const QUICK_MS = 1000;

// ---------------------------------------------------------------------------
// Set-up and clean-up: everything a test starts is stopped after it, pass or fail.

const nodes = new Set<NodeProcess>();
const sockets = new Set<{ close(): void }>();

afterEach(async () => {
  for (const s of sockets) s.close();
  sockets.clear();
  await Promise.all([...nodes].map((n) => n.stop()));
  nodes.clear();
  removeTempDirs();
});

interface Pair {
  foo: NodeProcess;
  bar: NodeProcess;
  ports: { foo: number; bar: number };
  confFile: string;
}

const BYSTANDER = { local: 'aby', localValue: 'on-foo', remote: 'zby', remoteValue: 'on-bar' };

async function startPair(opts: PairOptions = {}): Promise<Pair> {
  const ports = { foo: await freePort(), bar: await freePort() };
  const confFile = writeConf(pairConf(ports, opts));
  const foo = await startNode(confFile, 'foo', ports.foo);
  nodes.add(foo);
  const bar = await startNode(confFile, 'bar', ports.bar);
  nodes.add(bar);
  const c = await connect(ports.foo);
  expect(show(await c.call(5000, 'SET', BYSTANDER.local, BYSTANDER.localValue))).toBe('+OK');
  expect(show(await c.call(5000, 'SET', BYSTANDER.remote, BYSTANDER.remoteValue))).toBe('+OK');
  c.close();
  return { foo, bar, ports, confFile };
}

async function connect(port: number, keepLimit?: number): Promise<ReplyReader> {
  const c = await ReplyReader.connect(port, keepLimit);
  sockets.add(c);
  return c;
}

/** Idle connections to foo and bar, opened before a case and checked after it. */
async function idleBystanders(p: Pair): Promise<ReplyReader[]> {
  const idle = [await connect(p.ports.foo), await connect(p.ports.bar)];
  for (const c of idle) expect(show(await c.call(QUICK_MS, 'PING'))).toBe('+PONG');
  return idle;
}

function tail(n: NodeProcess): string {
  return n.stderr().slice(-2000);
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await f();
  return { value, ms: performance.now() - started };
}

/**
 * The nodes did not exit; a fresh connection to each gets PING, and GET of a
 * local and a forwarded key, each within a second; idle connections were not
 * closed, got nothing unasked, and still answer.
 */
async function expectHealthy(p: Pair, idle: ReplyReader[] = []): Promise<void> {
  for (const n of [p.foo, p.bar]) expect(n.running(), `node ${n.name} exited: ${tail(n)}`).toBe(true);
  for (const [port, name] of [[p.ports.foo, 'foo'], [p.ports.bar, 'bar']] as const) {
    const c = await connect(port);
    const checks: [string[], string][] = [
      [['PING'], '+PONG'],
      [['GET', BYSTANDER.local], JSON.stringify(BYSTANDER.localValue)],
      [['GET', BYSTANDER.remote], JSON.stringify(BYSTANDER.remoteValue)],
    ];
    for (const [argv, want] of checks) {
      const { value, ms } = await timed(() => c.call(QUICK_MS, ...argv));
      expect(show(value), `bystander ${argv.join(' ')} on ${name}`).toBe(want);
      expect(ms, `bystander ${argv.join(' ')} on ${name} took ${ms.toFixed(0)} ms`).toBeLessThan(QUICK_MS);
    }
    c.close();
  }
  for (const c of idle) {
    expect(c.closed, 'an idle bystander was disconnected').toBe(false);
    expect(c.pending(), 'an idle bystander received replies it never asked for').toBe(0);
    expect(show(await c.call(QUICK_MS, 'PING'))).toBe('+PONG');
  }
}

/** A value of `n` bytes with a repeating pattern, so a misplaced slice shows in its hash. */
function bigValue(n: number): Buffer {
  return Buffer.alloc(n, 'kv-hostile-0123456789-');
}

/** SET key value, writing a big value without first joining it into one buffer. */
async function setBig(c: ReplyReader, key: string, value: Buffer, timeoutMs = 30_000): Promise<void> {
  c.send(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n`);
  c.send(value);
  c.send('\r\n');
  const r = await c.next(timeoutMs);
  expect(show(r), `SET ${key} (${value.length} bytes)`).toBe('+OK');
}

function expectBulk(r: Reply, value: Buffer, what: string): void {
  expect(r.type, `${what}: ${show(r)}`).toBe('$');
  expect(r.length, what).toBe(value.length);
  expect(r.sha1, what).toBe(sha1(value));
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `command` on a fresh connection and reads `size` bytes back (or a
 * one-line reply); returns the first line.
 */
async function bytesOfReply(port: number, command: Buffer, size: number, timeoutMs: number): Promise<{ head: string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.add({ close: () => socket.destroy() });
  let got = 0;
  let head = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got} of ${size} bytes after ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d: Buffer) => {
      if (head.length < 300) head += d.subarray(0, 300).toString('latin1');
      got += d.length;
      if (got >= size || (/^[-+:]/.test(head) && head.includes('\r\n'))) {
        clearTimeout(timer);
        resolve();
      }
    });
    socket.on('close', () => reject(new Error(`closed after ${got} of ${size} bytes`)));
    socket.on('error', () => {});
    socket.write(command);
  });
  socket.destroy();
  return { head: head.slice(0, head.indexOf('\r\n') + 2) };
}

/**
 * A connection that keeps `inFlight` pipelined copies of one command unanswered,
 * in batches, until stopped; then waits for every reply.
 */
function pipeliner(port: number, command: Buffer, expected: string, inFlight = 10_000, batch = 1000) {
  const counter = new ReplyCounter(expected);
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.add({ close: () => socket.destroy() });
  socket.setNoDelay(true);
  let wake: (() => void) | null = null;
  let closed = false;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  socket.on('data', (d: Buffer) => {
    counter.feed(d);
    poke();
  });
  socket.on('close', () => {
    closed = true;
    poke();
  });
  socket.on('error', () => {});
  const chunk = Buffer.concat(Array.from({ length: batch }, () => command));
  let sent = 0;
  let running = true;
  const pump = (async () => {
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    while (running && !closed) {
      if (sent - counter.replies <= inFlight - batch) {
        sent += batch;
        if (!socket.write(chunk)) await new Promise<void>((r) => socket.once('drain', () => r()));
      } else {
        await new Promise<void>((r) => (wake = r));
      }
    }
  })();
  return {
    counter,
    stop: async (timeoutMs = 15_000) => {
      running = false;
      poke();
      await pump;
      const deadline = Date.now() + timeoutMs;
      while (counter.replies < sent && !closed && Date.now() < deadline) {
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(100)]);
      }
      socket.destroy();
      return { sent, replies: counter.replies, errors: counter.errors, firstError: counter.firstError, wrong: counter.wrong, closed };
    },
  };
}

/** Sends GET `key` every `everyMs` whatever the replies do (open loop), and times each reply. */
function ticker(port: number, key: string, expected: string, everyMs = 50) {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const failures: string[] = [];
  const counter = new ReplyCounter(expected, (ok, text) => {
    latencies.push(performance.now() - sentAt[latencies.length]!);
    if (!ok) failures.push(text.slice(0, 200));
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.add({ close: () => socket.destroy() });
  socket.setNoDelay(true);
  let closed = false;
  socket.on('data', (d: Buffer) => counter.feed(d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  const command = encodeCommand('GET', key);
  const timer = setInterval(() => {
    if (closed) return;
    sentAt.push(performance.now());
    socket.write(command);
  }, everyMs);
  return {
    stop: async (timeoutMs = 10_000) => {
      clearInterval(timer);
      const deadline = Date.now() + timeoutMs;
      while (latencies.length < sentAt.length && !closed && Date.now() < deadline) await sleep(20);
      socket.destroy();
      return { sent: sentAt.length, latencies, failures, closed };
    },
  };
}

/**
 * Case 5: a pipeliner keeps 10,000 GETs of `pipelinedKey` in flight through foo
 * for 3 s while a bystander sends GET of a key on bar, through foo, every 50 ms.
 */
async function bystanderBesidePipeliner(pipelinedKey: string, pipelinedValue: string): Promise<void> {
  const p = await startPair();
  const idle = await idleBystanders(p);
  const load = pipeliner(p.ports.foo, encodeCommand('GET', pipelinedKey), pipelinedValue);
  await sleep(300);
  const tick = ticker(p.ports.foo, BYSTANDER.remote, BYSTANDER.remoteValue);
  await sleep(3000);
  const t = await tick.stop();
  const l = await load.stop();
  const p50 = percentile(t.latencies, 50);
  const p99 = percentile(t.latencies, 99);
  console.log(
    `bystander beside a pipeliner of GET ${pipelinedKey}: ${t.latencies.length}/${t.sent} replies, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; pipeliner ${l.replies}/${l.sent} replies, ${l.errors} errors ${l.firstError}`,
  );
  expect(t.sent).toBeGreaterThan(30);
  expect(t.latencies.length, 'bystander replies').toBe(t.sent);
  expect(t.failures).toEqual([]);
  expect(p50, `bystander p50 ${p50.toFixed(1)} ms`).toBeLessThan(200);
  expect(l.errors, l.firstError).toBe(0);
  expect(l.replies).toBe(l.sent);
  await expectHealthy(p, idle);
}

/**
 * Case 6: foo computes its part of KEYS * over `keysOnFoo` keys in one stretch
 * while forwarded GETs to an idle bar are in flight; none may be timed out.
 */
async function keysStarvesNoLink(forwardTimeoutMs: number, keysOnFoo: number): Promise<void> {
  const p = await startPair({ settings: [`forward-timeout ${forwardTimeoutMs}`] });
  const idle = await idleBystanders(p);
  // Keys on foo, by pipelined MSETs of 1,000 keys.
  const load = await connect(p.ports.foo);
  const loaded = await timed(async () => {
    const per = 1000;
    for (let i = 0; i < keysOnFoo; i += per * 20) {
      const batch: Buffer[] = [];
      for (let j = i; j < Math.min(keysOnFoo, i + per * 20); j += per) {
        const argv = ['MSET'];
        for (let k = j; k < j + per; k++) argv.push(`akey:${k}`, 'v');
        batch.push(encodeCommand(...argv));
      }
      load.send(Buffer.concat(batch));
      for (let b = 0; b < batch.length; b++) expect(show(await load.next(30_000))).toBe('+OK');
    }
  });
  // A client that keeps forwarded GETs to bar in flight all the time, so that
  // some are always waiting for bar's reply when foo starts computing.
  const forwarded = pipeliner(p.ports.foo, encodeCommand('GET', BYSTANDER.remote), BYSTANDER.remoteValue, 2000, 200);
  // bar asked directly all the while: how idle it really was; and foo, how busy.
  const barDirect = ticker(p.ports.bar, BYSTANDER.remote, BYSTANDER.remoteValue, 10);
  const fooDirect = ticker(p.ports.foo, BYSTANDER.local, BYSTANDER.localValue, 10);
  await sleep(200);
  // The reply's size is known whatever the order of the keys: count bytes, do not parse.
  const allKeys = [BYSTANDER.local, BYSTANDER.remote, ...Array.from({ length: keysOnFoo }, (_, i) => `akey:${i}`)];
  const replySize = `*${allKeys.length}\r\n`.length + allKeys.reduce((n, k) => n + `$${k.length}\r\n${k}\r\n`.length, 0);
  const keysTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const k = await timed(() => bytesOfReply(p.ports.foo, encodeCommand('KEYS', '*'), replySize, 15_000));
    expect(k.value.head).toBe(`*${allKeys.length}\r\n`);
    keysTimes.push(k.ms);
  }
  const f = await forwarded.stop();
  const slowest = (t: { latencies: number[] }): string => t.latencies.reduce((m, x) => Math.max(m, x), 0).toFixed(0);
  const b = await barDirect.stop();
  const l = await fooDirect.stop();
  const summary =
    `${keysOnFoo} keys loaded in ${loaded.ms.toFixed(0)} ms; KEYS * took ${keysTimes.map((t) => t.toFixed(0)).join(', ')} ms; ` +
    `${f.replies} forwarded GETs meanwhile, ${f.errors} failed: ${f.firstError}; ` +
    `GETs every 10 ms straight to bar: slowest ${slowest(b)} ms, to foo's own key: slowest ${slowest(l)} ms`;
  console.log(summary);
  expect(f.replies).toBeGreaterThan(0);
  // A timeout is a lie only if bar answered in time: on a machine so loaded that
  // bar itself, asked directly, took longer than the timeout, it is the truth.
  const barSlowest = b.latencies.reduce((m, x) => Math.max(m, x), 0);
  if (barSlowest < forwardTimeoutMs) {
    expect(f.firstError, `a forwarded GET failed (${summary})`).not.toMatch(/did not answer within/);
    expect(f.errors, f.firstError).toBe(0);
  } else {
    console.log(`bar itself took ${barSlowest.toFixed(0)} ms to answer directly, past the ${forwardTimeoutMs} ms timeout: timeouts are allowed`);
    expect(f.firstError === '' || /did not answer within/.test(f.firstError), f.firstError).toBe(true);
  }
  expect(f.wrong).toBe(0);
  expect(f.replies).toBe(f.sent);
  await expectHealthy(p, idle);
}

// ---------------------------------------------------------------------------

describe('hostile clients against a two-node cluster', () => {
  test('1. one write of a forwarded GET then 600 local 1 MB GETs: all 601 replies, foo stays up', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const big = bigValue(1 * MB);
    const c = await connect(p.ports.foo, 1024);
    await setBig(c, 'abig', big);
    expect(show(await c.call(5000, 'SET', 'zsmall', 'small'))).toBe('+OK');

    const one = Buffer.concat([encodeCommand('GET', 'zsmall'), ...Array.from({ length: 600 }, () => encodeCommand('GET', 'abig'))]);
    const { ms } = await timed(async () => {
      c.send(one);
      expect(show(await c.next(20_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; foo: ${tail(p.foo)}`))))).toBe('"small"');
      let good = 0;
      for (let i = 0; i < 600; i++) {
        const r = await c.next(20_000).catch((e: Error) => Promise.reject(new Error(`reply ${i + 2} of 601: ${e.message}; foo: ${tail(p.foo)}`)));
        if (r.type === '$' && r.length === big.length && r.sha1 === sha1(big)) good++;
        else expect.fail(`reply ${i + 2} of 601 is ${show(r)}`);
      }
      expect(good).toBe(600);
    });
    console.log(`GET zsmall + 600 × GET abig (1 MB): 601 replies in ${ms.toFixed(0)} ms`);
    await expectHealthy(p, idle);
  }, 60_000);

  test('1b. MGET of a 200 MB local key and a forwarded key, three in one write: every reply whole', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const big = bigValue(200 * MB);
    const c = await connect(p.ports.foo, 1024);
    await setBig(c, 'abig', big);
    expect(show(await c.call(5000, 'SET', 'zsmall', 'small'))).toBe('+OK');
    const mget = encodeCommand('MGET', 'abig', 'zsmall');
    const { ms } = await timed(async () => {
      c.send(Buffer.concat([mget, mget, mget]));
      for (let i = 0; i < 3; i++) {
        const r = await c.next(30_000).catch((e: Error) => Promise.reject(new Error(`MGET ${i + 1} of 3: ${e.message}; foo: ${tail(p.foo)}`)));
        expect(r.type, show(r)).toBe('*');
        expect(r.items?.length).toBe(2);
        expectBulk(r.items![0]!, big, `MGET ${i + 1}, abig`);
        expect(show(r.items![1]!)).toBe('"small"');
      }
    });
    console.log(`3 × MGET abig (200 MB) zsmall: ${ms.toFixed(0)} ms`);
    await expectHealthy(p, idle);
  }, 90_000);

  test('2. patterns with 20 stars against a key of 40 a’s: KEYS, SCAN, HSCAN and CONFIG GET answer at once', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const c = await connect(p.ports.foo);
    const pattern = 'a*'.repeat(20) + 'b';
    const forty = 'a'.repeat(40);
    expect(show(await c.call(5000, 'SET', forty, 'x'))).toBe('+OK');
    // A hash on bar, reached through foo, with a field of 40 a's.
    expect(show(await c.call(5000, 'HSET', 'nhash', forty, 'x'))).toBe(':1');
    for (const f of ['a', 'aa', 'aaa']) await c.call(5000, 'HSET', 'nhash', f, 'y');

    const keys = await timed(() => c.call(5000, 'KEYS', pattern));
    expect(show(keys.value)).toBe('[]');
    expect(keys.ms, `KEYS took ${keys.ms.toFixed(0)} ms`).toBeLessThan(QUICK_MS);

    const scan = await timed(async () => {
      const found: string[] = [];
      let cursor = '0';
      for (let i = 0; i < 1000; i++) {
        const r = await c.call(5000, 'SCAN', cursor, 'MATCH', pattern);
        expect(r.type, show(r)).toBe('*');
        cursor = r.items![0]!.data!.toString('latin1');
        for (const k of r.items![1]!.items!) found.push(show(k));
        if (cursor === '0') break;
      }
      return { found, cursor };
    });
    expect(scan.value.cursor).toBe('0');
    expect(scan.value.found).toEqual([]);
    expect(scan.ms, `SCAN took ${scan.ms.toFixed(0)} ms`).toBeLessThan(QUICK_MS);

    const hscan = await timed(() => c.call(5000, 'HSCAN', 'nhash', '0', 'MATCH', pattern));
    expect(show(hscan.value)).toBe('["0", []]');
    expect(hscan.ms, `HSCAN took ${hscan.ms.toFixed(0)} ms`).toBeLessThan(QUICK_MS);

    // The longest parameter names are 25-30 characters: stars separated by '?' keep
    // a naive matcher busy on them, as the a's do on the key.
    for (const pat of [pattern, '*?'.repeat(20) + '#', '*-*'.repeat(20) + 'x']) {
      const config = await timed(() => c.call(5000, 'CONFIG', 'GET', pat));
      expect(show(config.value), `CONFIG GET ${pat}`).toBe('[]');
      expect(config.ms, `CONFIG GET ${pat} took ${config.ms.toFixed(0)} ms`).toBeLessThan(QUICK_MS);
    }
    console.log(`20 stars: KEYS ${keys.ms.toFixed(1)} ms, SCAN ${scan.ms.toFixed(1)} ms, HSCAN ${hscan.ms.toFixed(1)} ms`);
    await expectHealthy(p, idle);
  }, 30_000);

  test('3. a 60 MB GET through a hop takes about as long as direct, and the link keeps serving others', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const big = bigValue(60 * MB);
    const toBar = await connect(p.ports.bar, 1024);
    await setBig(toBar, 'zhuge', big);
    expect(show(await toBar.call(5000, 'SET', 'zsmall', 'small'))).toBe('+OK');

    const direct = await timed(() => toBar.call(30_000, 'GET', 'zhuge'));
    expectBulk(direct.value, big, 'GET zhuge from bar');

    // Meanwhile a bystander's forwarded GETs on the same link, one at a time.
    const other = await connect(p.ports.foo);
    let running = true;
    const otherResults: { reply: string; ms: number }[] = [];
    const otherLoop = (async () => {
      while (running) {
        const r = await timed(() => other.call(10_000, 'GET', 'zsmall').then(show, (e: Error) => `failed: ${e.message}`));
        otherResults.push({ reply: r.value, ms: r.ms });
        await sleep(20);
      }
    })();
    const toFoo = await connect(p.ports.foo, 1024);
    const hop = await timed(() => toFoo.call(60_000, 'GET', 'zhuge'));
    running = false;
    await otherLoop;
    expectBulk(hop.value, big, 'GET zhuge through foo');
    const slowest = otherResults.reduce((m, r) => Math.max(m, r.ms), 0);
    console.log(
      `60 MB GET: direct ${direct.ms.toFixed(0)} ms, through foo ${hop.ms.toFixed(0)} ms; bystander ${otherResults.length} forwarded GETs meanwhile, slowest ${slowest.toFixed(0)} ms`,
    );
    expect(hop.ms, `through foo ${hop.ms.toFixed(0)} ms, direct ${direct.ms.toFixed(0)} ms`).toBeLessThan(5 * direct.ms + 2000);
    expect(otherResults.length).toBeGreaterThan(0);
    expect(otherResults.filter((r) => r.reply !== '"small"')).toEqual([]);
    await expectHealthy(p, idle);
  }, 90_000);

  test('4. a value over the owner’s proto-max-bulk-len fails that request only; the link serves everyone else', async () => {
    const p = await startPair({ sections: { bar: ['proto-max-bulk-len 1048576'] } });
    const idle = await idleBystanders(p);
    // Other clients keep forwarding requests to bar through foo.
    const others = Array.from({ length: 3 }, (_, i) => ({ i, failures: [] as string[], done: 0 }));
    let running = true;
    const loops = others.map(async (o) => {
      const c = await connect(p.ports.foo);
      for (let n = 0; running; n++) {
        const value = `${o.i}:${n}`;
        const set = await c.call(5000, 'SET', `zother${o.i}`, value).then(show, (e: Error) => `failed: ${e.message}`);
        const get = await c.call(5000, 'GET', `zother${o.i}`).then(show, (e: Error) => `failed: ${e.message}`);
        if (set !== '+OK') o.failures.push(`SET: ${set}`);
        if (get !== JSON.stringify(value)) o.failures.push(`GET: ${get}`);
        o.done++;
        if (c.closed) break;
      }
    });
    await sleep(200);
    const c = await connect(p.ports.foo, 1024);
    c.send(Buffer.concat([encodeCommand('SET', 'zbig', bigValue(2 * MB)), encodeCommand('SET', 'zafter', 'after')]));
    const refused = await c.next(10_000);
    const after = await c.next(10_000);
    await sleep(500);
    running = false;
    await Promise.all(loops);
    console.log(`2 MB SET through foo to bar (limit 1 MB): ${show(refused).slice(0, 120)}; the next request: ${show(after)}`);
    expect(refused.type, `the oversized SET got ${show(refused)}`).toBe('-');
    expect(show(after), 'the same client’s next request').toBe('+OK');
    for (const o of others) {
      expect(o.done).toBeGreaterThan(0);
      expect(o.failures, `client ${o.i}`).toEqual([]);
    }
    const check = await connect(p.ports.bar);
    expect(show(await check.call(5000, 'EXISTS', 'zbig'))).toBe(':0');
    expect(show(await check.call(5000, 'GET', 'zafter'))).toBe('"after"');
    await expectHealthy(p, idle);
  }, 30_000);

  test('5a. a pipeliner of 10,000 forwarded GETs in flight through foo does not starve a bystander', () =>
    bystanderBesidePipeliner(BYSTANDER.remote, BYSTANDER.remoteValue), 40_000);

  test('5a2. nor does one of 10,000 GETs of foo’s own key', () => bystanderBesidePipeliner(BYSTANDER.local, BYSTANDER.localValue), 40_000);

  test('5b. four pipeliners through foo: nobody is refused as overloaded', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const loads = Array.from({ length: 4 }, () => pipeliner(p.ports.foo, encodeCommand('GET', BYSTANDER.remote), BYSTANDER.remoteValue));
    await sleep(300);
    const tick = ticker(p.ports.foo, BYSTANDER.remote, BYSTANDER.remoteValue);
    await sleep(3000);
    const t = await tick.stop();
    const ls = await Promise.all(loads.map((l) => l.stop(20_000)));
    console.log(
      `four pipeliners: ${ls.map((l) => `${l.replies}/${l.sent} (${l.errors} errors)`).join(', ')}${ls.find((l) => l.errors)?.firstError ?? ''}; bystander ${t.latencies.length}/${t.sent}, p50 ${percentile(t.latencies, 50).toFixed(1)} ms`,
    );
    for (const l of ls) {
      expect(l.errors, l.firstError).toBe(0);
      expect(l.wrong).toBe(0);
      expect(l.replies).toBe(l.sent);
    }
    expect(t.failures).toEqual([]);
    expect(t.latencies.length, 'bystander replies').toBe(t.sent);
    await expectHealthy(p, idle);
  }, 60_000);

  test('5c. a redis-cli --pipe load of SETs through a hop: every write answered OK', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const COUNT = 1_000_000;
    const errorsAt: number[] = [];
    const counter = new ReplyCounter('OK', (ok) => {
      if (!ok && errorsAt.length < 20) errorsAt.push(counter.replies - 1);
    });
    let n = 0;
    const socket = net.connect({ host: '127.0.0.1', port: p.ports.foo });
    sockets.add({ close: () => socket.destroy() });
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      counter.feed(d);
      n = counter.replies;
    });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const started = performance.now();
    // As redis-cli --pipe does: write everything as fast as the socket takes it.
    for (let i = 0; i < COUNT && !closed; ) {
      let chunk = '';
      for (const end = Math.min(COUNT, i + 5000); i < end; i++) chunk += `*3\r\n$3\r\nSET\r\n$${String(i).length + 5}\r\nzpipe${i}\r\n$${String(i).length}\r\n${i}\r\n`;
      if (!socket.write(chunk, 'latin1')) await new Promise<void>((r) => socket.once('drain', () => r()));
    }
    const deadline = Date.now() + 60_000;
    while (n < COUNT && !closed && Date.now() < deadline) await sleep(20);
    const ms = performance.now() - started;
    console.log(`--pipe load: ${COUNT} SETs through foo, ${counter.replies} replies, ${counter.errors} errors (${counter.firstError}) in ${ms.toFixed(0)} ms`);
    let applied = '';
    if (counter.errors > 0) {
      const check = await connect(p.ports.bar);
      const probes = await Promise.all(errorsAt.map((i) => check.call(5000, 'EXISTS', `zpipe${i}`).then(show)));
      applied = ` (errored requests ${errorsAt.join(', ')}: EXISTS ${probes.join(' ')}, 1 = applied anyway)`;
    }
    expect(counter.errors, `${counter.firstError}${applied}`).toBe(0);
    expect(counter.replies).toBe(COUNT);
    expect(counter.wrong).toBe(0);
    const check = await connect(p.ports.bar);
    expect(show(await check.call(5000, 'GET', `zpipe${COUNT - 1}`))).toBe(JSON.stringify(String(COUNT - 1)));
    await expectHealthy(p, idle);
  }, 90_000);

  // KEYS * over a million keys keeps foo's thread busy for over a second at a
  // stretch on the 2-core machine, past the default forward timeout the issue saw fire.
  test('6. while foo computes its part of KEYS *, forwarded requests to an idle bar are not blamed on bar', () => keysStarvesNoLink(1000, 1_000_000), 90_000);

  // Half a million keys: about 450 ms busy, four times a 100 ms timeout.
  test('6b. the same with forward-timeout 100', () => keysStarvesNoLink(100, 500_000), 90_000);

  test('7. a 300 MB reply reaches a client that reads it (no output limit for normal clients, as in Redis)', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const big = bigValue(100 * MB);
    const c = await connect(p.ports.foo, 1024);
    await setBig(c, 'a100', big);
    const r = await timed(() => c.call(60_000, 'MGET', 'a100', 'a100', 'a100').catch((e: Error) => Promise.reject(new Error(`${e.message}; foo: ${tail(p.foo)}`))));
    console.log(`MGET of 3 × 100 MB: ${r.ms.toFixed(0)} ms, ${c.bytes} bytes received`);
    expect(r.value.type, show(r.value)).toBe('*');
    expect(r.value.items?.length).toBe(3);
    for (const item of r.value.items!) expectBulk(item, big, 'MGET item');
    await expectHealthy(p, idle);
  }, 90_000);

  test('8. after a protocol error the node replies and closes at once, reading little more input', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    // What the node read, from its own count (INFO stats total_net_input_bytes):
    // what the client's kernel took is mostly socket buffers, several MB on Redis too.
    const stats = await connect(p.ports.foo);
    const netInput = async (): Promise<number> => {
      const r = await stats.call(QUICK_MS, 'INFO', 'stats');
      const m = /total_net_input_bytes:(\d+)/.exec(r.data?.toString('latin1') ?? '');
      expect(m, `INFO stats: ${show(r)}`).not.toBeNull();
      return Number(m![1]);
    };
    const infoBytes = encodeCommand('INFO', 'stats').length;
    const before = await netInput();

    const socket = net.connect({ host: '127.0.0.1', port: p.ports.foo });
    sockets.add({ close: () => socket.destroy() });
    let received = '';
    let closed = false;
    let failed = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => (failed = true));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const bad = '*1\r\n$abc\r\n';
    socket.write(bad);
    const garbage = Buffer.alloc(16 * 1024, 'garbage ');
    let written = 0;
    const started = Date.now();
    // Keep streaming until the node closes (or 16 MB, or 3 s).
    while (!closed && !failed && written < 16 * MB && Date.now() - started < 3000) {
      const ok = await Promise.race([
        new Promise<boolean>((resolve) => socket.write(garbage, (err) => resolve(!err))),
        sleep(3000 - (Date.now() - started)).then(() => false),
      ]);
      if (ok) written += garbage.length;
    }
    const closedAfter = Date.now() - started;
    const closedInTime =
      closed ||
      failed ||
      (await new Promise<boolean>((r) => {
        const t = setTimeout(() => r(closed), 2000);
        socket.once('close', () => {
          clearTimeout(t);
          r(true);
        });
      }));
    socket.destroy();
    await sleep(100);
    const read = (await netInput()) - before - infoBytes - bad.length;
    console.log(
      `after the protocol error: the node read ${read} more bytes (the client's kernel took ${written}); closed after ${closedAfter} ms: ${closedInTime}; reply ${JSON.stringify(received.slice(0, 80))}`,
    );
    // The reply may be lost when the node resets the connection under our writes, as with Redis.
    if (received !== '') expect(received).toBe('-ERR Protocol error: invalid bulk length\r\n');
    expect(closedInTime, 'the node closed the connection').toBe(true);
    expect(read, `the node read ${read} bytes after the error`).toBeLessThan(1 * MB);
    await expectHealthy(p, idle);
  }, 30_000);

  test('8b. the protocol error reply arrives before the close', async () => {
    const p = await startPair();
    const c = await connect(p.ports.foo);
    c.send('*1\r\n$abc\r\n');
    const r = await c.next(QUICK_MS);
    expect(show(r)).toBe('-ERR Protocol error: invalid bulk length');
    expect(await c.closedWithin(QUICK_MS)).toBe(true);
    await expectHealthy(p);
  }, 30_000);

  test('9. an empty secret-file keeps the node from starting; KV.HELLO with an empty secret is refused', async () => {
    const dir = tempDir();
    for (const [label, content] of [['empty', ''], ['only a newline', '\n']] as const) {
      const secretFile = join(dir, `secret-${label.replace(/ /g, '-')}`);
      writeFileSync(secretFile, content);
      const ports = { foo: await freePort(), bar: await freePort() };
      const confFile = writeConf(pairConf(ports, { secretLine: `secret-file ${secretFile}` }));
      const node = spawnNode(confFile, 'foo', ports.foo);
      nodes.add(node);
      const outcome = await outcomeOf(node, 10_000);
      expect(outcome, `a secret-file that is ${label}: the node ${outcome}`).toBe('exited');
      const exit = await node.exited;
      expect(exit.code, `exit ${JSON.stringify(exit)}: ${node.stderr()}`).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(node.stderr()).toMatch(/secret/i);
      console.log(`secret-file ${label}: exit ${exit.code}: ${node.stderr().trim().split('\n')[0]}`);
    }
    const p = await startPair();
    const idle = await idleBystanders(p);
    const c = await connect(p.ports.foo);
    const hello = await c.call(QUICK_MS, 'KV.HELLO', '', 'x');
    expect(hello.type, `KV.HELLO "" x: ${show(hello)}`).toBe('-');
    if (!(await c.closedWithin(200))) {
      // Still open: it must not have become a link.
      expect(show(await c.call(QUICK_MS, 'KV.LOCAL', '2', 'GET', BYSTANDER.local))).toMatch(/^-ERR unknown command/);
    }
    await expectHealthy(p, idle);
  }, 40_000);

  test('10. 2,000 KV.HELLOs with a forged log line: no raw newline or escape reaches the log, which stays small', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    // Padded, so that logging every refusal whole would pass the size limit.
    const evil = 'evil\nFAKE LINE\x1b[31m ' + 'x'.repeat(1000);
    const hello = encodeCommand('KV.HELLO', 'wrong', evil);
    const replies: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await ReplyReader.connect(p.ports.foo);
          try {
            c.send(hello);
            replies.push(show(await c.next(5000).catch((e: Error) => ({ type: '?', line: e.message }) as Reply)));
          } finally {
            c.close();
          }
        }),
      );
    }
    await sleep(300);
    const log = p.foo.stderr() + p.foo.stdout();
    console.log(`2,000 forged KV.HELLOs: ${p.foo.stderrBytes()} bytes on foo's stderr; it begins ${JSON.stringify(log.slice(0, 300))}`);
    expect(replies.filter((r) => !r.startsWith('-'))).toEqual([]);
    expect(log.split('\n').filter((l) => l.startsWith('FAKE LINE')).length, 'forged log lines').toBe(0);
    expect(log.includes('\x1b'), 'an ESC byte in the log').toBe(false);
    expect(p.foo.stderrBytes()).toBeLessThan(1 * MB);
    await expectHealthy(p, idle);
  }, 60_000);

  test('11. maxclients 5 with every slot taken: links still connect, a 6th client is refused', async () => {
    const p = await startPair({ settings: ['maxclients 5'] });
    const onBar: ReplyReader[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await connect(p.ports.bar);
      expect(show(await c.call(QUICK_MS, 'PING')), `client ${i + 1} on bar`).toBe('+PONG');
      onBar.push(c);
    }
    expect(show(await onBar[0]!.call(QUICK_MS, 'SET', 'zfull', 'still-here'))).toBe('+OK');
    const onFoo: ReplyReader[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await connect(p.ports.foo);
      expect(show(await c.call(QUICK_MS, 'PING')), `client ${i + 1} on foo`).toBe('+PONG');
      onFoo.push(c);
    }
    // Through foo to bar, whose five client slots are all taken.
    expect(show(await onFoo[0]!.call(2000, 'GET', 'zfull')), 'GET through foo to a full bar').toBe('"still-here"');
    expect(show(await onFoo[1]!.call(2000, 'SET', 'zfull2', 'v'))).toBe('+OK');
    expect(show(await onBar[1]!.call(2000, 'GET', 'aby')), 'GET through bar to a full foo').toBe(JSON.stringify(BYSTANDER.localValue));
    for (const port of [p.ports.foo, p.ports.bar]) {
      const sixth = await connect(port);
      const r = await sixth.next(2000);
      expect(show(r)).toBe('-ERR max number of clients reached');
      expect(await sixth.closedWithin(2000), 'the 6th client is disconnected').toBe(true);
    }
    // Room for the fresh bystanders of the health check; the others stay idle and are checked.
    onFoo.pop()!.close();
    onBar.pop()!.close();
    await sleep(200);
    await expectHealthy(p, [...onFoo, ...onBar]);
  }, 30_000);

  test('12. bad settings keep the node from starting, with the file and line', async () => {
    for (const bad of ['forward-timeout 0', 'forward-timeout 2147483648', 'maxclients many']) {
      const ports = { foo: await freePort(), bar: await freePort() };
      const lines = pairConf(ports, { settings: [bad] });
      const confFile = writeConf(lines);
      const node = spawnNode(confFile, 'foo', ports.foo);
      nodes.add(node);
      const outcome = await outcomeOf(node, 10_000);
      expect(outcome, `"${bad}": the node ${outcome}`).toBe('exited');
      const exit = await node.exited;
      expect(exit.code, `"${bad}": ${node.stderr()}`).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(node.stderr(), `"${bad}"`).toContain(`${confFile}:${lines.indexOf(bad) + 1}`);
      console.log(`"${bad}": exit ${exit.code}: ${node.stderr().trim().split('\n')[0]}`);
    }
  }, 40_000);

  test('QUIT: nothing after it is parsed or run', async () => {
    const p = await startPair();
    const idle = await idleBystanders(p);
    const resp = await connect(p.ports.foo);
    resp.send(Buffer.concat([encodeCommand('QUIT'), encodeCommand('SET', 'aquit', '1'), encodeCommand('SET', 'zquit', '1'), encodeCommand('GET', 'aby')]));
    expect(show(await resp.next(QUICK_MS))).toBe('+OK');
    expect(await resp.closedWithin(QUICK_MS), 'closed after QUIT').toBe(true);
    expect(resp.pending()).toBe(0);
    expect(resp.bytes).toBe(5);
    const inline = await connect(p.ports.foo);
    inline.send('QUIT\r\nSET aquit2 1\r\nSET zquit2 1\r\n*1\r\n$abc\r\n');
    expect(show(await inline.next(QUICK_MS))).toBe('+OK');
    expect(await inline.closedWithin(QUICK_MS)).toBe(true);
    expect(inline.bytes).toBe(5);
    await sleep(100);
    const check = await connect(p.ports.foo);
    expect(show(await check.call(QUICK_MS, 'EXISTS', 'aquit', 'zquit', 'aquit2', 'zquit2'))).toBe(':0');
    await expectHealthy(p, idle);
  }, 30_000);
});
