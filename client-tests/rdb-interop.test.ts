// RDB interop with the real Redis 7.0 tools: DUMP payloads travel both ways
// between redis-server and a kv node (every string encoding, LZF, listpack and
// hashtable hashes, TTLs); a snapshot written by persistence/rdb.ts passes
// redis-check-rdb and loads into redis-server with every key, value and expiry;
// and a dump.rdb saved by redis-server reads back through rdb.ts the same.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';
import { readSnapshot, writeSnapshot, type SnapshotEntry } from '../server/persistence/rdb.js';
import { Hash, type Value } from '../server/store/store.js';
import { describeWithRedis } from './support/redis-rule.js';


/** Bytes as a latin1 string, the way kv holds them. */
const latin1 = (b: Buffer): string => b.toString('latin1');
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Strings that exercise every way Redis 7.0 writes one. */
function stringCases(): [string, string][] {
  const noise = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode((i * 2654435761) >>> 24)).join('');
  return [
    ['s:empty', ''],
    ['s:short', 'hello'],
    ['s:binary', '\x00\xff\r\n\x80 binary'],
    ...['0', '-1', '127', '-128', '128', '-129', '32767', '-32768', '32768', '-32769', '2147483647', '-2147483648', '2147483648', '-2147483649', '12345678901', '007', '-0', '+5'].map(
      (n): [string, string] => [`s:int:${n}`, n],
    ),
    ['s:lzf', 'abc'.repeat(1000)],
    ['s:lzf-21', 'a'.repeat(21)],
    ['s:incompressible', noise],
    ['s:big-lzf', 'xyz'.repeat(100_000) + noise.slice(0, 5000)],
    ['123', 'an integer-encoded key'],
    ['\x00\xffkey', 'a binary key'],
  ];
}

/** Hashes: small ones Redis keeps as listpacks, big and long-valued ones as hashtables. */
function hashCases(): [string, [string, string][]][] {
  return [
    ['h:small', [['f', 'v'], ['n', '5'], ['neg', '-70000'], ['big', '9223372036854775807']]],
    ['h:one', [['only', 'field']]],
    ['h:long-value', [['f', 'v'.repeat(100)], ['g', 'w']]],
    ['h:1000', Array.from({ length: 1000 }, (_, i): [string, string] => [`field:${i}`, i % 2 ? String(i) : `value-${i}`.repeat(3)])],
    ['h:binary', [['\x00\xff', '\r\n'], ['', 'empty field name']]],
  ];
}

function sortedPairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function pairsOf(v: Value): [string, string][] {
  if (!(v instanceof Hash)) throw new Error('not a hash');
  return sortedPairs([...v.fields].flat());
}

/** HGETALL as latin1 pairs, sorted by field. */
async function hgetall(c: Redis, key: string): Promise<[string, string][]> {
  const flat = (await c.callBuffer('HGETALL', bytes(key))) as Buffer[];
  return sortedPairs(flat.map(latin1));
}

async function get(c: Redis, key: string): Promise<string | null> {
  const v = await c.getBuffer(bytes(key));
  return v === null ? null : latin1(v);
}

async function waitLoaded(c: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await c.dbsize();
      return;
    } catch (err) {
      if (!String(err).includes('LOADING')) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describeWithRedis('RDB interop with Redis 7.0', () => {
  let redis: ExternalServer;
  let kv: TestCluster;
  let r: Redis;
  let k: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'kv-rdb-interop-'));

  beforeAll(async () => {
    redis = await startRedis();
    kv = await startSingleNode();
    r = new Redis({ port: redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    k = new Redis({ port: kv.ports['solo']!, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    await k.connect();
  });

  afterAll(async () => {
    r?.disconnect();
    k?.disconnect();
    await redis?.stop();
    await kv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('DUMP from redis-server, RESTORE into kv: equal values and expiry times', async () => {
    await r.flushall();
    await k.flushall();
    const at = Date.now() + 3_600_000;
    for (const [key, v] of stringCases()) await r.set(bytes(key), bytes(v));
    for (const [key, pairs] of hashCases()) await r.hset(bytes(key), ...pairs.flat().map(bytes));
    await r.pexpireat('s:short', at);
    await r.pexpireat('h:small', at + 1);
    // The encodings Redis chose, so the test knows it covered them.
    expect(await r.object('ENCODING', 'h:small')).toBe('listpack');
    expect(await r.object('ENCODING', 'h:1000')).toBe('hashtable');
    expect(await r.object('ENCODING', 'h:long-value')).toBe('hashtable');
    const dumps = new Map<string, Buffer>();
    for (const key of [...stringCases().map(([key]) => key), ...hashCases().map(([key]) => key)]) {
      const payload = (await r.callBuffer('DUMP', bytes(key))) as Buffer;
      dumps.set(key, payload);
      const expiry = await r.pexpiretime(bytes(key));
      const args = expiry > 0 ? [String(expiry), payload, 'ABSTTL'] : ['0', payload];
      expect(await k.call('RESTORE', bytes(key), ...args)).toBe('OK');
    }
    // Redis compressed the long strings: RESTORE read LZF.
    expect(dumps.get('s:lzf')![1]).toBe(0xc3);
    expect(dumps.get('s:int:-32769')!.subarray(0, 2).toString('hex')).toBe('00c2');
    expect(dumps.get('h:small')![0]).toBe(16);
    for (const [key, v] of stringCases()) expect([key, await get(k, key)]).toEqual([key, v]);
    for (const [key, pairs] of hashCases()) expect([key, await hgetall(k, key)]).toEqual([key, sortedPairs(pairs.flat())]);
    expect(await k.pexpiretime('s:short')).toBe(at);
    expect(await k.pexpiretime('h:small')).toBe(at + 1);
    expect(await k.pexpiretime('s:lzf')).toBe(-1);
    // A relative TTL too.
    await k.call('RESTORE', 'rel', '5000', dumps.get('s:short')!);
    const pttl = await k.pttl('rel');
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
  });

  test('DUMP from kv, RESTORE into redis-server: equal values and expiry times', async () => {
    await r.flushall();
    await k.flushall();
    const at = Date.now() + 7_200_000;
    for (const [key, v] of stringCases()) await k.set(bytes(key), bytes(v));
    for (const [key, pairs] of hashCases()) await k.hset(bytes(key), ...pairs.flat().map(bytes));
    await k.pexpireat('s:lzf', at);
    await k.pexpireat('h:1000', at + 5);
    for (const key of [...stringCases().map(([key]) => key), ...hashCases().map(([key]) => key)]) {
      const payload = (await k.callBuffer('DUMP', bytes(key))) as Buffer;
      const expiry = await k.pexpiretime(bytes(key));
      const args = expiry > 0 ? [String(expiry), payload, 'ABSTTL'] : ['0', payload];
      expect(await r.call('RESTORE', bytes(key), ...args)).toBe('OK');
    }
    for (const [key, v] of stringCases()) {
      expect([key, await get(r, key)]).toEqual([key, v]);
      // Byte for byte what Redis makes of the same string, LZF included.
      expect(await r.callBuffer('DUMP', bytes(key))).toEqual(await k.callBuffer('DUMP', bytes(key)));
    }
    for (const [key, pairs] of hashCases()) expect([key, await hgetall(r, key)]).toEqual([key, sortedPairs(pairs.flat())]);
    expect(await r.pexpiretime('s:lzf')).toBe(at);
    expect(await r.pexpiretime('h:1000')).toBe(at + 5);
    expect(await r.object('ENCODING', 'h:small')).toBe('listpack');
  });

  test('a 20 MB value both ways: DUMP replies and RESTORE payloads past the long-reply size', async () => {
    const big = Buffer.alloc(20 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    await r.set('big', big);
    const fromRedis = (await r.callBuffer('DUMP', 'big')) as Buffer;
    expect(await k.call('RESTORE', 'big', '0', fromRedis, 'REPLACE')).toBe('OK');
    expect((await k.getBuffer('big'))!.equals(big)).toBe(true);
    const fromKv = (await k.callBuffer('DUMP', 'big')) as Buffer;
    expect(fromKv.equals(fromRedis)).toBe(true);
    expect(await r.call('RESTORE', 'big2', '0', fromKv)).toBe('OK');
    expect((await r.getBuffer('big2'))!.equals(big)).toBe(true);
  }, 60_000);

  test('an empty bucket and the types kv lacks: each side refuses what it cannot hold', async () => {
    await k.call('CREATE', 'bucket');
    const empty = (await k.callBuffer('DUMP', 'bucket')) as Buffer;
    await expect(r.call('RESTORE', 'bucket', '0', empty)).rejects.toThrow('ERR Bad data format');
    await r.xadd('stream', '*', 'f', 'v');
    const stream = (await r.callBuffer('DUMP', 'stream')) as Buffer;
    await expect(k.call('RESTORE', 'stream', '0', stream)).rejects.toThrow(/^ERR Bad data format: a stream \(RDB type 19\)/);
    await expect(k.call('RESTORE', 'x', '0', 'not a payload')).rejects.toThrow('ERR DUMP payload version or checksum are wrong');
  });

  test('a snapshot written by rdb.ts: redis-check-rdb says OK, redis-server loads every key, value and expiry', async () => {
    const now = Date.now();
    const entries: SnapshotEntry[] = [];
    for (const [key, v] of stringCases()) entries.push([key, v, 0]);
    for (const [key, pairs] of hashCases()) {
      const h = new Hash();
      for (const [f, v] of pairs) h.set(f, v);
      entries.push([key, h, 0]);
    }
    for (let i = 0; i < 3000; i++) {
      const value = i % 3 === 0 ? String(i * 7919 - 10_000) : `value ${i} `.repeat(1 + (i % 7));
      entries.push([`key:${i}`, value, i % 2 ? now + 60_000 + i : 0]);
    }
    for (let i = 0; i < 200; i++) {
      const h = new Hash();
      for (let j = 0; j <= i % 20; j++) h.set(`f${j}`, `${i}-${j}`);
      entries.push([`hash:${i}`, h, i % 4 ? 0 : now + 120_000 + i]);
    }
    // A bucket with fields loads into Redis as a hash; an empty one is kv's alone, and Redis skips it.
    const bucket = new Hash(true);
    bucket.set('milk', '1');
    entries.push(['bucket:full', bucket, 0], ['bucket:empty', new Hash(true), now + 90_000]);
    const path = join(dir, 'dump.rdb');
    await writeSnapshot(path, entries, { keys: entries.length, expires: entries.filter(([, , at]) => at > 0).length });

    const check = spawnSync('redis-check-rdb', [path], { encoding: 'latin1' });
    expect(check.stdout).toContain('RDB looks OK');
    expect(check.status).toBe(0);

    const loaded = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const c = new Redis({ port: loaded.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await c.connect();
      await waitLoaded(c);
      const inRedis = entries.filter(([key]) => key !== 'bucket:empty');
      expect(await c.dbsize()).toBe(inRedis.length);
      const p = c.pipeline();
      for (const [key, v] of inRedis) {
        if (typeof v === 'string') p.getBuffer(bytes(key));
        else p.callBuffer('HGETALL', bytes(key));
        p.pexpiretime(bytes(key));
      }
      const replies = (await p.exec())!;
      inRedis.forEach(([key, v, at], i) => {
        const [err, got] = replies[2 * i]!;
        expect(err).toBeNull();
        if (typeof v === 'string') expect([key, latin1(got as Buffer)]).toEqual([key, v]);
        else expect([key, sortedPairs((got as Buffer[]).map(latin1))]).toEqual([key, pairsOf(v)]);
        expect([key, replies[2 * i + 1]![1]]).toEqual([key, at > 0 ? at : -1]);
      });
    } finally {
      c.disconnect();
      await loaded.stop();
    }
    // And kv reads its own file back, buckets included.
    const back: SnapshotEntry[] = [];
    for await (const e of readSnapshot(path)) back.push(e);
    expect(back.length).toBe(entries.length);
    const empty = back.find(([key]) => key === 'bucket:empty')!;
    expect([empty[1] instanceof Hash && empty[1].bucket, empty[2]]).toEqual([true, now + 90_000]);
    const full = back.find(([key]) => key === 'bucket:full')!;
    expect(full[1] instanceof Hash && full[1].bucket).toBe(true);
  }, 60_000);

  test('a dump.rdb saved by redis-server reads back through rdb.ts: keys, values, expiry times', async () => {
    const saveDir = mkdtempSync(join(dir, 'save-'));
    const src = await startRedis(['--dir', saveDir, '--dbfilename', 'dump.rdb']);
    const c = new Redis({ port: src.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    const expected = new Map<string, { value: string | [string, string][]; at: number }>();
    try {
      await c.connect();
      const now = Date.now();
      const p = c.pipeline();
      for (const [key, v] of stringCases()) {
        p.set(bytes(key), bytes(v));
        expected.set(key, { value: v, at: 0 });
      }
      for (const [key, pairs] of hashCases()) {
        p.hset(bytes(key), ...pairs.flat().map(bytes));
        expected.set(key, { value: sortedPairs(pairs.flat()), at: 0 });
      }
      for (let i = 0; i < 2000; i++) {
        const key = `key:${i}`;
        const value = i % 5 === 0 ? String(i - 1000) : `v${i}`.repeat(1 + (i % 9));
        const at = i % 3 === 0 ? now + 100_000 + i : 0;
        p.set(key, value);
        if (at) p.pexpireat(key, at);
        expected.set(key, { value, at });
      }
      await p.exec();
      expect(await c.call('SAVE')).toBe('OK');
    } finally {
      c.disconnect();
      await src.stop();
    }
    const saved = join(dir, 'from-redis.rdb');
    copyFileSync(join(saveDir, 'dump.rdb'), saved);
    const aux = new Map<string, string>();
    const got = new Map<string, { value: string | [string, string][]; at: number }>();
    for await (const [key, v, at] of readSnapshot(saved, { onAux: (n, val) => aux.set(n, val) })) {
      expect(got.has(key)).toBe(false);
      got.set(key, { value: typeof v === 'string' ? v : pairsOf(v), at });
    }
    expect(aux.get('redis-ver')).toMatch(/^7\.0\./);
    expect(got.size).toBe(expected.size);
    for (const [key, e] of expected) expect([key, got.get(key)]).toEqual([key, e]);
  }, 60_000);
}, ['redis-server', 'redis-check-rdb']);
