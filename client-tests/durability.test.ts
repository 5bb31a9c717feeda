// Crash tests of the append-only file, with nodes in their own processes. Four
// writers keep writing through foo (SET, HSET, INCR, EXPIRE, DEL, and RENAMEs
// that move a key from foo to bar), each recording what was acknowledged; bar,
// the owner of the z* keys, is killed with SIGKILL at a random moment and
// restarted on its directory. With appendfsync always, every acknowledged
// write must be back; with everysec, what is missing may only be writes
// acknowledged in the last second or so before the kill, and the test prints
// how many. A write that got no reply may or may not have happened.

import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from './support/servers.js';
import { testWithRedis } from './support/redis-rule.js';
import { pairConf, removeTempDirs, startNode, tempDir, writeConf, type NodeProcess } from './support/node-process.js';
import { ReplyReader, show } from './support/reply-reader.js';
import { Hash } from '../server/store/store.js';

const nodes = new Set<NodeProcess>();
const readers = new Set<ReplyReader>();
afterAll(async () => {
  for (const r of readers) r.close();
  for (const n of nodes) await n.stop();
  removeTempDirs();
});

/** What a key must be after the restart: a value (string or hash fields) or nothing, and whether it has a TTL. */
interface Expected {
  value: string | Record<string, string> | null;
  ttl: boolean;
}

/** One write, as the writer sent it and what it makes of the keys it touches. */
interface Write {
  at: number;
  effects: [key: string, after: Expected][];
}

interface Outcome {
  /** The last acknowledged state of each key, with the time it was acknowledged. */
  acked: Map<string, { state: Expected; at: number }>;
  /** States a key may also be in: the effect of a write that got no reply. */
  maybe: Map<string, Expected[]>;
  writes: number;
}

async function connect(port: number): Promise<ReplyReader> {
  const r = await ReplyReader.connect(port);
  readers.add(r);
  return r;
}

/**
 * Writer `w` owns the keys a{w}, z{w}:s, z{w}:h, z{w}:c, z{w}:m: it knows what
 * each must hold after every acknowledged write, since no one else writes them.
 */
async function writer(port: number, w: number, until: () => boolean, out: Outcome): Promise<void> {
  const c = await connect(port);
  const state = new Map<string, Expected>();
  const get = (k: string): Expected => state.get(k) ?? { value: null, ttl: false };
  let counter = 0;
  for (let i = 0; !until(); i++) {
    const s = `z${w}:s`;
    const h = `z${w}:h`;
    const n = `z${w}:c`;
    const a = `a${w}`;
    const m = `z${w}:m`;
    let argv: string[];
    let effects: [string, Expected][];
    switch (i % 8) {
      case 0:
        argv = ['SET', s, `v${i}`];
        effects = [[s, { value: `v${i}`, ttl: false }]];
        break;
      case 1: {
        const fields = { ...((get(h).value as Record<string, string> | null) ?? {}), [`f${i % 3}`]: `x${i}` };
        argv = ['HSET', h, `f${i % 3}`, `x${i}`];
        effects = [[h, { value: fields, ttl: get(h).ttl }]];
        break;
      }
      case 2:
        argv = ['INCR', n];
        effects = [[n, { value: String(counter + 1), ttl: false }]];
        break;
      case 3:
        argv = ['EXPIRE', s, '100000'];
        effects = [[s, { value: get(s).value, ttl: get(s).value !== null }]];
        break;
      case 4:
        argv = ['SET', a, `moved${i}`];
        effects = [[a, { value: `moved${i}`, ttl: false }]];
        break;
      case 5:
        // foo -> bar: a cross-node RENAME (copy to bar, then delete on foo).
        argv = ['RENAME', a, m];
        effects = [
          [a, { value: null, ttl: false }],
          [m, { value: get(a).value, ttl: false }],
        ];
        break;
      case 6:
        argv = ['DEL', s];
        effects = [[s, { value: null, ttl: false }]];
        break;
      default:
        argv = ['SET', s, `w${i}`, 'EX', '100000'];
        effects = [[s, { value: `w${i}`, ttl: true }]];
    }
    let reply;
    try {
      reply = await c.call(5000, ...argv);
    } catch {
      reply = null; // closed or timed out: no reply
    }
    const acked = reply !== null && reply.type !== '-';
    if (!acked) {
      for (const [k, e] of effects) out.maybe.set(k, [...(out.maybe.get(k) ?? []), e]);
      // A failed or unknown write leaves this writer unsure of the keys: it stops here.
      return;
    }
    const at = Date.now();
    out.writes++;
    for (const [k, e] of effects) {
      state.set(k, e);
      out.acked.set(k, { state: e, at });
    }
    if (argv[0] === 'INCR') counter++;
  }
}

/** Reads a key's state from its owner. */
async function read(c: ReplyReader, key: string): Promise<Expected> {
  const type = show(await c.call(5000, 'TYPE', key));
  const ttl = Number(show(await c.call(5000, 'PTTL', key)).slice(1));
  if (type === '+none') return { value: null, ttl: false };
  if (type === '+hash') {
    const all = await c.call(5000, 'HGETALL', key);
    const fields: Record<string, string> = {};
    const items = all.items ?? [];
    for (let i = 0; i < items.length; i += 2) fields[items[i]!.data!.toString('latin1')] = items[i + 1]!.data!.toString('latin1');
    return { value: fields, ttl: ttl > 0 };
  }
  const v = await c.call(5000, 'GET', key);
  return { value: v.data!.toString('latin1'), ttl: ttl > 0 };
}

const same = (a: Expected, b: Expected): boolean => JSON.stringify(a) === JSON.stringify(b);

async function crashRun(fsync: 'always' | 'everysec', opts: { rewrite?: boolean } = {}) {
  const dir = tempDir();
  const ports = { foo: await freePort(), bar: await freePort() };
  const conf = writeConf(
    pairConf(ports, {
      settings: ['appendonly yes', `appendfsync ${fsync}`, 'forward-timeout 2000'],
      sections: { foo: [`dir ${dir}/foo`], bar: [`dir ${dir}/bar`] },
    }),
  );
  const foo = await startNode(conf, 'foo', ports.foo);
  nodes.add(foo);
  let bar = await startNode(conf, 'bar', ports.bar);
  nodes.add(bar);

  const out: Outcome = { acked: new Map(), maybe: new Map(), writes: 0 };
  let stop = false;
  const writers = [0, 1, 2, 3].map((w) => writer(ports.foo, w, () => stop, out));
  let rewrites = 0;
  const rewriter = (async () => {
    if (!opts.rewrite) return;
    const c = await connect(ports.bar);
    while (!stop) {
      const r = await c.call(5000, 'BGREWRITEAOF').catch(() => null);
      if (r === null) return;
      if (r.type === '+') rewrites++;
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  await new Promise((res) => setTimeout(res, 400 + Math.floor(Math.random() * 1200)));
  const killedAt = Date.now();
  await bar.stop(); // SIGKILL
  nodes.delete(bar);
  stop = true;
  await Promise.all(writers);
  await rewriter;

  bar = await startNode(conf, 'bar', ports.bar);
  nodes.add(bar);
  const check = await connect(ports.bar);
  // It listens while it loads, answering -LOADING (as Redis does) until the file is replayed.
  for (let i = 0; ; i++) {
    const r = await check.call(5000, 'GET', 'probe');
    if (!(r.type === '-' && r.line.startsWith('LOADING'))) break;
    expect(i, 'still loading after 10 s').toBeLessThan(1000);
    await new Promise((res) => setTimeout(res, 10));
  }
  let lost = 0;
  let lostLatestMs = 0;
  const wrong: string[] = [];
  for (const [key, { state, at }] of out.acked) {
    if (!key.startsWith('z')) continue; // foo's keys were not killed
    const got = await read(check, key);
    if (same(got, state) || (out.maybe.get(key) ?? []).some((m) => same(got, m))) continue;
    lost++;
    lostLatestMs = Math.max(lostLatestMs, killedAt - at);
    wrong.push(`${key}: acknowledged ${JSON.stringify(state)} ${killedAt - at} ms before the kill, found ${JSON.stringify(got)}`);
  }
  await foo.stop();
  await bar.stop();
  return { writes: out.writes, keys: [...out.acked.keys()].filter((k) => k.startsWith('z')).length, lost, lostLatestMs, wrong, rewrites };
}

describe('crash tests: SIGKILL of the owner under load, then restart', () => {
  test('appendfsync always: no acknowledged write is lost or wrong', async () => {
    const r = await crashRun('always');
    console.log(`always: ${r.writes} acknowledged writes, ${r.keys} keys on bar checked, ${r.lost} lost`);
    expect(r.writes).toBeGreaterThan(50);
    expect(r.wrong).toEqual([]);
  }, 60_000);

  test('appendfsync always, killed while BGREWRITEAOF runs again and again: nothing lost', async () => {
    const r = await crashRun('always', { rewrite: true });
    console.log(`always + rewrites: ${r.writes} acknowledged writes, ${r.rewrites} rewrites started, ${r.lost} lost`);
    expect(r.rewrites).toBeGreaterThan(0);
    expect(r.wrong).toEqual([]);
  }, 60_000);

  test('appendfsync everysec: only writes of about the last second may be missing', async () => {
    const r = await crashRun('everysec');
    console.log(`everysec: ${r.writes} acknowledged writes, ${r.keys} keys on bar checked, ${r.lost} keys behind, the oldest ${r.lostLatestMs} ms before the kill`);
    expect(r.writes).toBeGreaterThan(50);
    // A SIGKILL leaves the kernel's page cache: written data survives a process
    // crash even unsynced. What can miss is what was not yet written, < 1 turn.
    expect(r.lostLatestMs).toBeLessThanOrEqual(2000);
  }, 60_000);
});

describe('the directory a node leaves', () => {
  async function nodeWithData(extra: string[] = []) {
    const dir = tempDir();
    const port = await freePort();
    const conf = writeConf([`secret abcdefghijklmnopqrstuvwx`, 'appendonly yes', `dir ${dir}`, ...extra, `node solo 127.0.0.1:${port}`, 'route * solo']);
    const node = await startNode(conf, 'solo', port);
    nodes.add(node);
    const c = await connect(port);
    const cmds: string[][] = [
      ['SET', 'plain', 'v'],
      ['SET', 'bin', '\x00\r\n\xff'],
      ['SET', 'ttl', 'x', 'EX', '5000'],
      ['HSET', 'h', 'f1', '1', 'f2', 'two'],
      ['PEXPIRE', 'h', '9000000'],
      ['INCRBYFLOAT', 'f', '1.25'],
      ['SET', 'gone', 'x'],
      ['DEL', 'gone'],
      ['RENAME', 'plain', 'renamed'],
    ];
    for (const cmd of cmds) expect((await c.call(5000, ...cmd)).type, cmd.join(' ')).not.toBe('-');
    const state: Record<string, [string, number]> = {};
    for (const k of ['bin', 'ttl', 'h', 'f', 'renamed']) {
      const t = show(await c.call(5000, 'TYPE', k)).slice(1);
      const v = t === 'hash' ? show(await c.call(5000, 'HGETALL', k)) : show(await c.call(5000, 'GET', k));
      state[k] = [v, Number(show(await c.call(5000, 'PEXPIRETIME', k)).slice(1))];
    }
    return { dir, port, conf, node, state };
  }

  testWithRedis('redis-check-aof calls it valid, and redis-server 7 loads the same keys, values and expiry times', async () => {
    const { dir, node, state } = await nodeWithData();
    node.child.kill('SIGTERM');
    expect((await node.exited).code).toBe(0);
    const { spawnSync } = await import('node:child_process');
    const check = spawnSync('redis-check-aof', [`${dir}/appendonlydir/appendonly.aof.manifest`], { encoding: 'latin1' });
    expect(check.stdout).toContain('All AOF files and manifest are valid');
    const { startRedis } = await import('./support/servers.js');
    const redis = await startRedis(['--appendonly', 'yes', '--dir', dir]);
    try {
      const c = await connect(redis.port);
      expect(show(await c.call(5000, 'DBSIZE'))).toBe(':5');
      for (const [k, [v, at]] of Object.entries(state)) {
        const t = show(await c.call(5000, 'TYPE', k)).slice(1);
        expect(t === 'hash' ? show(await c.call(5000, 'HGETALL', k)) : show(await c.call(5000, 'GET', k)), k).toBe(v);
        expect(Number(show(await c.call(5000, 'PEXPIRETIME', k)).slice(1)), k).toBe(at);
      }
    } finally {
      await redis.stop();
    }
  }, 30_000, ['redis-server', 'redis-check-aof']);

  test('a torn last command is cut with a warning; a corrupted middle stops the node, naming the file and offset', async () => {
    const { dir, port, conf, node } = await nodeWithData();
    await node.stop(); // SIGKILL
    nodes.delete(node);
    const { readFileSync, writeFileSync, truncateSync, statSync } = await import('node:fs');
    const incr = `${dir}/appendonlydir/appendonly.aof.1.incr.aof`;
    const size = statSync(incr).size;
    truncateSync(incr, size - 3);
    const torn = await startNode(conf, 'solo', port);
    nodes.add(torn);
    const c = await connect(port);
    for (let i = 0; (await c.call(5000, 'GET', 'bin')).line.startsWith('LOADING') && i < 500; i++) await new Promise((res) => setTimeout(res, 10));
    expect(show(await c.call(5000, 'EXISTS', 'bin', 'ttl', 'h'))).toBe(':3');
    expect(show(await c.call(5000, 'EXISTS', 'renamed'))).toBe(':0'); // the torn RENAME is the part cut
    expect(torn.stderr()).toMatch(/truncat/i);
    torn.child.kill('SIGTERM');
    await torn.exited;
    nodes.delete(torn);
    const bytes = readFileSync(incr);
    const at = bytes.indexOf('*3\r\n$3\r\nSET');
    bytes[at] = 0x3f; // '?' where a command starts
    writeFileSync(incr, bytes);
    const { spawnNode } = await import('./support/node-process.js');
    const bad = spawnNode(conf, 'solo', port);
    nodes.add(bad);
    const exit = await bad.exited;
    expect(exit.code).toBe(1);
    expect(bad.stderr()).toContain('appendonly.aof.1.incr.aof');
    expect(bad.stderr()).toMatch(/redis-check-aof --fix/);
    expect(bad.stderr()).toContain(`at offset ${at} `);
  }, 30_000);
});

describe('dump.rdb', () => {
  test('BGSAVE writes the dataset as it was when it started, whatever writes follow', async () => {
    const { startSingleNode } = await import('./support/servers.js');
    const { readSnapshot } = await import('../server/persistence/rdb.js');
    const node = await startSingleNode();
    try {
      const c = await connect(node.ports['solo']!);
      const dir = (await c.call(5000, 'CONFIG', 'GET', 'dir')).items![1]!.data!.toString('latin1');
      const { encodeCommand } = await import('./support/reply-reader.js');
      // 20,000 hashes and strings, then in one write: BGSAVE and writes to every one of them.
      const load: Buffer[] = [];
      for (let i = 0; i < 20_000; i++) load.push(encodeCommand('HSET', `h${i}`, 'f', 'before', 'g', String(i)), encodeCommand('SET', `s${i}`, 'before'));
      c.send(Buffer.concat(load));
      for (let i = 0; i < load.length; i++) await c.next(10_000);
      const after: Buffer[] = [encodeCommand('BGSAVE')];
      for (let i = 0; i < 20_000; i++) after.push(encodeCommand('HSET', `h${i}`, 'f', 'after'), encodeCommand('DEL', `s${i}`), encodeCommand('SET', `new${i}`, 'x'));
      after.push(encodeCommand('FLUSHALL'));
      c.send(Buffer.concat(after));
      expect(show(await c.next(10_000))).toBe('+Background saving started');
      for (let i = 1; i < after.length; i++) await c.next(10_000);
      for (let i = 0; ; i++) {
        const info = await c.call(5000, 'INFO', 'persistence');
        if (info.data!.toString('latin1').includes('rdb_bgsave_in_progress:0')) break;
        expect(i).toBeLessThan(500);
        await new Promise((res) => setTimeout(res, 20));
      }
      let hashes = 0;
      let strings = 0;
      for await (const [key, value] of readSnapshot(`${dir}/dump.rdb`)) {
        if (typeof value === 'string') {
          expect(key.startsWith('s') && value === 'before', key).toBe(true);
          strings++;
        } else {
          expect(value instanceof Hash && Object.fromEntries(value.fields), key).toEqual({ f: 'before', g: key.slice(1) });
          hashes++;
        }
      }
      expect([hashes, strings]).toEqual([20_000, 20_000]);
      expect(show(await c.call(5000, 'DBSIZE'))).toBe(':0');
    } finally {
      await node.stop();
    }
  }, 60_000);

  test('SHUTDOWN saves dump.rdb when save points are set, NOSAVE does not; a node with the AOF off loads it', async () => {
    const dir = tempDir();
    const port = await freePort();
    const conf = writeConf([`secret abcdefghijklmnopqrstuvwx`, `dir ${dir}`, 'save 3600 1', `node solo 127.0.0.1:${port}`, 'route * solo']);
    let node = await startNode(conf, 'solo', port);
    nodes.add(node);
    let c = await connect(port);
    await c.call(5000, 'SET', 'kept', 'v', 'EX', '1000');
    await c.call(5000, 'HSET', 'h', 'f', '1');
    const before = Number(show(await c.call(5000, 'LASTSAVE')).slice(1));
    c.send(Buffer.from('*1\r\n$8\r\nSHUTDOWN\r\n'));
    expect((await node.exited).code).toBe(0);
    nodes.delete(node);
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('redis-check-rdb', [`${dir}/dump.rdb`], { encoding: 'latin1' }).stdout).toContain('RDB looks OK');
    node = await startNode(conf, 'solo', port);
    nodes.add(node);
    c = await connect(port);
    for (let i = 0; (await c.call(5000, 'GET', 'kept')).line.startsWith('LOADING') && i < 500; i++) await new Promise((res) => setTimeout(res, 10));
    expect(show(await c.call(5000, 'GET', 'kept'))).toBe('"v"');
    expect(Number(show(await c.call(5000, 'TTL', 'kept')).slice(1))).toBeGreaterThan(990);
    expect(Number(show(await c.call(5000, 'LASTSAVE')).slice(1))).toBeGreaterThanOrEqual(before);
    await c.call(5000, 'SET', 'lost', 'v');
    c.send(Buffer.from('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n'));
    await node.exited;
    nodes.delete(node);
    node = await startNode(conf, 'solo', port);
    nodes.add(node);
    c = await connect(port);
    for (let i = 0; (await c.call(5000, 'GET', 'kept')).line.startsWith('LOADING') && i < 500; i++) await new Promise((res) => setTimeout(res, 10));
    expect(show(await c.call(5000, 'EXISTS', 'kept', 'h', 'lost'))).toBe(':2');
  }, 30_000);
});
