// The AOF module against the real Redis 7 tools, both ways: a directory kv's
// writer made (binary data, a rewrite in the middle) passes redis-check-aof and
// loads in redis-server with every key, value and PEXPIRETIME intact; and a
// directory redis-server made (writes, BGREWRITEAOF, more writes) is read by kv's
// loader into the same dataset.

import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofLoader, AofWriter } from '../server/persistence/aof.js';
import { run } from './support/clients-bin.js';
import { startRedis, type ExternalServer } from './support/servers.js';
import { describeWithRedis } from './support/redis-rule.js';


const dirs: string[] = [];
const servers: ExternalServer[] = [];
const clients: Redis[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kv-aof-interop-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The dataset a stream of write commands builds, keys and values as latin1 strings. */
type Model = Map<string, { value: string | Map<string, string>; expireAt: number | null }>;
function apply(model: Model, argv: readonly string[]): void {
  const [cmd, key, ...rest] = argv as [string, string, ...string[]];
  const e = model.get(key);
  switch (cmd.toUpperCase()) {
    case 'SELECT':
      expect(key).toBe('0');
      return;
    case 'SET':
      model.set(key, { value: rest[0] as string, expireAt: null });
      return;
    case 'HSET':
    case 'HMSET': {
      const h = e && typeof e.value !== 'string' ? e.value : new Map<string, string>();
      for (let i = 0; i < rest.length; i += 2) h.set(rest[i] as string, rest[i + 1] as string);
      model.set(key, { value: h, expireAt: e?.expireAt ?? null });
      return;
    }
    case 'DEL':
      model.delete(key);
      return;
    case 'INCRBY': {
      const v = BigInt(e && typeof e.value === 'string' ? e.value : '0') + BigInt(rest[0] as string);
      model.set(key, { value: String(v), expireAt: e?.expireAt ?? null });
      return;
    }
    case 'PEXPIREAT':
      if (e) e.expireAt = Number(rest[0]);
      return;
    default:
      throw new Error(`unexpected command in the AOF: ${cmd}`);
  }
}

/** A small deterministic generator, so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(count: number, seed: number): string[][] {
  const rnd = mulberry32(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const bytes = (max: number): string => {
    const pick = int(10);
    if (pick === 0) return '';
    if (pick === 1) return '\r\n';
    let s = '';
    const n = int(max);
    for (let i = 0; i < n; i++) s += String.fromCharCode(int(256));
    return s;
  };
  const key = (prefix: string): string => `${prefix}:${int(60)}:\x00\r\n${String.fromCharCode(int(4) * 80)}`;
  const future = 4102444800000; // 2100-01-01: no key expires while the test runs
  const cmds: string[][] = [];
  for (let i = 0; i < count; i++) {
    const r = int(100);
    if (r < 35) cmds.push(['SET', key('s'), bytes(int(20) === 0 ? 20000 : 40)]);
    else if (r < 60) cmds.push(['HSET', key('h'), bytes(12), bytes(40), bytes(12), bytes(8)]);
    else if (r < 75) cmds.push(['INCRBY', key('n'), String(int(2000) - 1000)]);
    else if (r < 90) cmds.push(['PEXPIREAT', key(['s', 'h', 'n'][int(3)] as string), String(future + int(1e9))]);
    else cmds.push(['DEL', key(['s', 'h', 'n'][int(3)] as string)]);
  }
  return cmds;
}

/** The commands a rewrite emits for a model, as the node will: SET or HSET, then PEXPIREAT. */
function rebuild(model: Model): string[][] {
  const out: string[][] = [];
  for (const [k, e] of model) {
    out.push(typeof e.value === 'string' ? ['SET', k, e.value] : ['HSET', k, ...[...e.value].flat()]);
    if (e.expireAt !== null) out.push(['PEXPIREAT', k, String(e.expireAt)]);
  }
  return out;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

async function expectRedisHolds(redis: Redis, model: Model): Promise<void> {
  expect(await redis.dbsize()).toBe(model.size);
  for (const [k, e] of model) {
    const ttl = await redis.callBuffer('PEXPIRETIME', [b(k)]);
    expect(ttl, JSON.stringify(k)).toBe(e.expireAt ?? -1);
    if (typeof e.value === 'string') {
      const v = (await redis.callBuffer('GET', [b(k)])) as Buffer;
      expect(v.toString('latin1'), JSON.stringify(k)).toBe(e.value);
    } else {
      expect(await redis.callBuffer('HLEN', [b(k)])).toBe(e.value.size);
      for (const [f, v] of e.value) {
        const got = (await redis.callBuffer('HGET', [b(k), b(f)])) as Buffer;
        expect(got.toString('latin1')).toBe(v);
      }
    }
  }
}

describeWithRedis('AOF interop with Redis 7', () => {
  it('a directory written by kv passes redis-check-aof and loads in redis-server', async () => {
    const dir = tempDir();
    const model: Model = new Map();
    const w = AofWriter.open({ dir, appendFsync: 'everysec' });
    const feed = (cmds: string[][]): void => {
      for (const c of cmds) {
        w.append(c);
        apply(model, c);
      }
    };
    feed(workload(1500, 1));
    w.flushSync();
    // A rewrite in the middle, with writes arriving while the base is written.
    const base = w.startRewrite();
    const snapshot = rebuild(model);
    feed(workload(300, 2));
    for (const c of snapshot) base.append(c);
    await w.finishRewrite();
    feed(workload(1500, 3));
    // A transaction, wrapped as Redis propagates one.
    w.append(['MULTI']);
    feed([['SET', 'tx:\x00', 'a'], ['INCRBY', 'tx:n', '7']]);
    w.append(['EXEC']);
    await w.close();
    expect(model.size).toBeGreaterThan(500);
    expect([...model.values()].filter((e) => e.expireAt !== null).length).toBeGreaterThan(100);
    const aofDir = join(dir, 'appendonlydir');
    expect(readdirSync(aofDir).sort()).toEqual(['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);

    const check = await run('redis-check-aof', [join(aofDir, 'appendonly.aof.manifest')]);
    expect(check.stdout).toContain('BASE AOF appendonly.aof.2.base.aof is valid');
    expect(check.stdout).toContain('INCR AOF appendonly.aof.2.incr.aof is valid');
    expect(check.stdout).toContain('All AOF files and manifest are valid');
    expect(check.code).toBe(0);

    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    const server = await startRedis(['--dir', copy, '--appendonly', 'yes', '--appendfsync', 'everysec', '--appenddirname', 'appendonlydir', '--aof-use-rdb-preamble', 'no']);
    servers.push(server);
    const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    clients.push(redis);
    await redis.connect();
    expect(await redis.info('persistence')).toMatch(/aof_enabled:1/);
    await expectRedisHolds(redis, model);
  });

  it('a directory written by redis-server (with a BGREWRITEAOF) is read by the loader', async () => {
    const dir = tempDir();
    const server = await startRedis(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--aof-use-rdb-preamble', 'no']);
    servers.push(server);
    const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    clients.push(redis);
    await redis.connect();
    const model: Model = new Map();
    const send = async (cmds: string[][]): Promise<void> => {
      for (const [cmd, ...args] of cmds) {
        await redis.callBuffer(cmd as string, args.map(b));
        apply(model, [cmd as string, ...args]);
      }
    };
    await send(workload(400, 4));
    await redis.bgrewriteaof();
    for (let i = 0; i < 200; i++) {
      const info = await redis.info('persistence');
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /aof_last_bgrewrite_status:ok/.test(info)) {
        if (readdirSync(join(dir, 'appendonlydir')).includes('appendonly.aof.2.base.aof')) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await send(workload(400, 5));
    // A transaction goes into the AOF wrapped in MULTI/EXEC; the loader unwraps it.
    const tx = [['SET', 'tx:\x00', 'a'], ['INCRBY', 'tx:n', '7']];
    await redis.multi().call('SET', b('tx:\x00'), 'a').call('INCRBY', 'tx:n', '7').exec();
    for (const c of tx) apply(model, c);
    await server.stop();

    expect(readdirSync(join(dir, 'appendonlydir')).sort()).toEqual(['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const loader = new AofLoader({ dir });
    const loaded: Model = new Map();
    const names = new Set<string>();
    for await (const argv of loader) {
      names.add((argv[0] as string).toUpperCase());
      apply(loaded, argv);
    }
    expect(loader.result.status).toBe('ok');
    expect(names.has('HMSET')).toBe(true); // the base Redis rewrote
    expect(names.has('MULTI') || names.has('EXEC')).toBe(false);
    const plain = (m: Model): unknown => [...m].map(([k, e]) => [k, typeof e.value === 'string' ? e.value : [...e.value].sort(), e.expireAt]).sort();
    expect(plain(loaded)).toEqual(plain(model));
  });
}, ['redis-server', 'redis-check-aof']);
