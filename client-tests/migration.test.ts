// Live bucket migration, every node in its own process with appendfsync always:
// under a checked load through every node (support/load.ts), move g-m from foo
// to bar by editing cluster.conf and reloading both, then add node baz and give
// it t-z. No acknowledged write may be lost, no read may miss a key that exists
// or show an older version than one acknowledged, and at the end every key is
// on its owner and on no other node, with its value, type and TTL. Then the
// same move with the source or the target SIGKILLed mid-way and restarted, and
// a bad file on reload, which must change nothing.

import { afterAll, describe, expect, test } from 'vitest';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, SECRET } from './support/servers.js';
import { removeTempDirs, startNode, tempDir, type NodeProcess } from './support/node-process.js';
import { CheckedLoad, SeededProbe, infoFields, localKeys, migrationInfo, peerConnection, reloadVia } from './support/load.js';
import { ReplyReader, encodeCommand, show } from './support/reply-reader.js';
import { pipelineLoad, encode } from '../bench/lib/resp.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Settings that slow a move down enough to interrupt it (keys per second). */
const THROTTLE = ['migrate-keys-per-second 3000', 'migrate-batch-keys 64'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const live = new Set<NodeProcess>();
const readers = new Set<ReplyReader>();
afterAll(async () => {
  for (const r of readers) r.close();
  for (const n of live) await n.stop();
  removeTempDirs();
});

async function connect(port: number): Promise<ReplyReader> {
  const r = await ReplyReader.connect(port, 1 << 20);
  readers.add(r);
  return r;
}

/** Routes as cluster.conf writes them ("a-f foo"), to the owner of a first byte. */
function ownerOf(routes: readonly string[], key: string): string {
  const b = key.charCodeAt(0);
  for (const r of routes) {
    const [range, node] = r.split(' ') as [string, string];
    const [lo, hi] = range.includes('-') ? range.split('-') : [range, range];
    if (b >= lo!.charCodeAt(0) && b <= hi!.charCodeAt(0)) return node;
  }
  throw new Error(`no route for ${key}`);
}

/** A cluster in child processes, from one cluster.conf the test rewrites as a whole (write, then rename). */
class Cluster {
  readonly dir = tempDir();
  readonly file = join(this.dir, 'cluster.conf');
  readonly ports: Record<string, number> = {};
  readonly procs: Record<string, NodeProcess> = {};
  names: string[] = [];
  routes: string[] = [];
  settings: string[] = [];
  /** Per-node tables ([name] sections' route lines), which replace the shared one on that node. */
  sectionRoutes: Record<string, string[]> = {};

  async addNode(name: string): Promise<void> {
    this.ports[name] = await freePort();
    this.names.push(name);
  }

  lines(): string[] {
    const out = [`secret ${SECRET}`, 'save ""', 'appendonly yes', 'appendfsync always', ...this.settings];
    for (const n of this.names) out.push(`node ${n} 127.0.0.1:${this.ports[n]}`);
    for (const r of this.routes) out.push(`route ${r}`);
    for (const n of this.names) out.push(`[${n}]`, `dir ${join(this.dir, n)}`, ...(this.sectionRoutes[n] ?? []).map((r) => `route ${r}`));
    return out;
  }

  write(): void {
    const next = this.file + '.next';
    writeFileSync(next, this.lines().join('\n') + '\n');
    renameSync(next, this.file);
  }

  async start(name: string): Promise<NodeProcess> {
    const p = await startNode(this.file, name, this.ports[name]!);
    live.add(p);
    this.procs[name] = p;
    return p;
  }

  async kill(name: string): Promise<void> {
    const p = this.procs[name]!;
    await p.stop();
    live.delete(p);
  }

  /** Every node's log so far (stdout and stderr). */
  log(name: string): string {
    const p = this.procs[name]!;
    return p.stdout() + p.stderr();
  }

  port(name: string): number {
    return this.ports[name]!;
  }

  nameOf(port: number): string {
    return this.names.find((n) => this.ports[n] === port) ?? String(port);
  }

  /**
   * SIGHUP to `name`, as an operator does; resolves with the line the node
   * logged about it ("configuration reloaded …" or "… not reloaded …").
   */
  async sighup(name: string): Promise<string> {
    const p = this.procs[name]!;
    const pattern = /^.*configuration (?:not )?reloaded.*$/gm;
    const before = (p.stdout() + p.stderr()).match(pattern)?.length ?? 0;
    p.child.kill('SIGHUP');
    for (let i = 0; i < 500; i++) {
      const lines = (p.stdout() + p.stderr()).match(pattern) ?? [];
      if (lines.length > before) return lines[lines.length - 1]!;
      await sleep(10);
    }
    throw new Error(`${name} logged nothing about a reload 5 s after SIGHUP`);
  }

  entryPorts(): number[] {
    return this.names.filter((n) => this.procs[n]?.running()).map((n) => this.ports[n]!);
  }
}

/** Asks `names` to re-read the file with KV.RELOAD (what kv-admin sends), together. */
async function reload(c: Cluster, names: string[]): Promise<void> {
  const replies = await Promise.all(names.map((n) => reloadVia(c.port(n))));
  for (let i = 0; i < names.length; i++) expect(replies[i], `KV.RELOAD on ${names[i]}`).toBe('+OK');
}

/** SIGHUP to each of `names`, one after the other as `kill -HUP` in a loop would, each applied. */
async function hangUp(c: Cluster, names: string[]): Promise<void> {
  const lines = await Promise.all(names.map((n) => c.sighup(n)));
  for (let i = 0; i < names.length; i++) expect(lines[i], `SIGHUP to ${names[i]}`).toMatch(/configuration reloaded/);
}

const SEED_PER_LETTER = 800; // 20,800 strings
const seededKeys = (): string[] => [...LETTERS].flatMap((l) => Array.from({ length: SEED_PER_LETTER }, (_, i) => `${l}s:${i}`));
const hashKeys = (): string[] => [...LETTERS].flatMap((l) => Array.from({ length: 10 }, (_, i) => `${l}h:${i}`));
const ttlKeys = (): string[] => [...LETTERS].flatMap((l) => Array.from({ length: 10 }, (_, i) => `${l}t:${i}`));
const shortTtlKeys = (): string[] => [...LETTERS].flatMap((l) => Array.from({ length: 10 }, (_, i) => `${l}x:${i}`));
const LONG_TTL_MS = 600_000;
/** A list, a set and a sorted set per first byte: every value type travels as a DUMP payload. */
const collectionKeys = (): string[] => [...LETTERS].flatMap((l) => [`${l}list`, `${l}set`, `${l}zset`]);
const LIST = ['one', 'two', 'three', 'two', ''];
const SET = ['a', 'b', 'c', '1', '2'];
const ZSET: [string, string][] = [['1.5', 'x'], ['-2', 'y'], ['3', 'z'], ['inf', 'top']];

/** Strings `${key}:seed`, hashes, keys with a long TTL and keys that expire in `shortMs`, written through `port`. */
async function seed(port: number, shortMs: number): Promise<void> {
  const strings = seededKeys();
  const r1 = await pipelineLoad(port, strings.length, (i) => encode(['SET', strings[i]!, `${strings[i]}:seed`]));
  expect(r1.errors, r1.firstError).toBe(0);
  const hashes = hashKeys();
  const r2 = await pipelineLoad(port, hashes.length, (i) => encode(['HSET', hashes[i]!, 'f1', `${hashes[i]}:1`, 'f2', `${hashes[i]}:2`]));
  expect(r2.errors, r2.firstError).toBe(0);
  const ttls = ttlKeys();
  const r3 = await pipelineLoad(port, ttls.length, (i) => encode(['SET', ttls[i]!, `${ttls[i]}:ttl`, 'PX', String(LONG_TTL_MS)]));
  expect(r3.errors, r3.firstError).toBe(0);
  const shorts = shortTtlKeys();
  const r4 = await pipelineLoad(port, shorts.length, (i) => encode(['SET', shorts[i]!, `${shorts[i]}:short`, 'PX', String(shortMs)]));
  expect(r4.errors, r4.firstError).toBe(0);
  const colls = collectionKeys();
  const r5 = await pipelineLoad(port, colls.length, (i) => {
    const k = colls[i]!;
    if (k.endsWith('zset')) return encode(['ZADD', k, ...ZSET.flat()]);
    if (k.endsWith('set')) return encode(['SADD', k, ...SET]);
    return encode(['RPUSH', k, ...LIST]);
  });
  expect(r5.errors, r5.firstError).toBe(0);
}

/** A glob for KEYS matching the first bytes of a route's range ("g-m" → "[g-m]*"). */
const globOf = (range: string): string => (range.includes('-') ? `[${range}]*` : `${range}*`);

/**
 * Waits until `range` has left `from` (none of its keys there) and sits on `to`,
 * sampling INFO's migration fields on the way; returns the samples and the time taken.
 */
async function waitMoved(c: Cluster, range: string, from: string, to: string, timeoutMs: number): Promise<{ ms: number; samples: string[] }> {
  const started = Date.now();
  const samples: string[] = [];
  for (;;) {
    const [left, info] = await Promise.all([localKeys(c.port(from), globOf(range)), migrationInfo(c.port(from)).catch((e: Error) => `INFO failed: ${e.message}`)]);
    if (info !== '' && samples[samples.length - 1] !== info) samples.push(info);
    if (left.length === 0) break;
    if (Date.now() - started > timeoutMs) {
      const there = await localKeys(c.port(to), globOf(range));
      throw new Error(`${range} not moved from ${from} to ${to} in ${timeoutMs} ms: ${left.length} keys left on ${from} (e.g. ${left.slice(0, 3).join(', ')}), ${there.length} on ${to}; INFO on ${from}: ${info}`);
    }
    await sleep(100);
  }
  return { ms: Date.now() - started, samples };
}

/**
 * The end state: every key on the node that owns it under `routes` and on no
 * other; the load's keys as acknowledged, the seeded strings, hashes and TTLs
 * intact, the short-lived keys gone. Returns counts for the test's log line.
 */
async function checkEndState(c: Cluster, load: CheckedLoad | null, routes: readonly string[], shortExpired = true): Promise<string> {
  const where = new Map<string, string[]>();
  for (const n of c.names) {
    for (const k of await localKeys(c.port(n))) where.set(k, [...(where.get(k) ?? []), n]);
  }
  const misplaced: string[] = [];
  for (const [k, on] of where) {
    if (on.length !== 1 || on[0] !== ownerOf(routes, k)) misplaced.push(`${k} on ${on.join('+')}, owner ${ownerOf(routes, k)}`);
  }
  expect(misplaced.slice(0, 10), `${misplaced.length} keys not (only) on their owner`).toEqual([]);

  const entry = await connect(c.port(c.names[0]!));
  const strings = seededKeys();
  const missingSeed: string[] = [];
  for (let i = 0; i < strings.length; i += 1000) {
    const chunk = strings.slice(i, i + 1000);
    const got = await entry.call(10_000, 'MGET', ...chunk);
    expect(got.type, show(got)).toBe('*');
    got.items!.forEach((v, j) => {
      if (v.data?.toString('latin1') !== `${chunk[j]}:seed`) missingSeed.push(`${chunk[j]}=${show(v)}`);
    });
  }
  expect(missingSeed.slice(0, 10), `${missingSeed.length} seeded keys lost or changed`).toEqual([]);
  for (const k of hashKeys()) expect(show(await entry.call(5000, 'HGETALL', k)), k).toBe(`["f1", "${k}:1", "f2", "${k}:2"]`);
  const shown = (xs: string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  for (const k of collectionKeys()) {
    if (k.endsWith('zset')) expect(show(await entry.call(5000, 'ZRANGE', k, '0', '-1', 'WITHSCORES')), k).toBe(shown(['y', '-2', 'x', '1.5', 'z', '3', 'top', 'inf']));
    else if (k.endsWith('set')) expect((await entry.call(5000, 'SMEMBERS', k)).items?.map((i) => i.data!.toString()).sort(), k).toEqual([...SET].sort());
    else expect(show(await entry.call(5000, 'LRANGE', k, '0', '-1')), k).toBe(shown(LIST));
  }
  for (const k of ttlKeys()) {
    const pttl = Number((await entry.call(5000, 'PTTL', k)).line);
    expect(pttl, `PTTL ${k}: the TTL must travel with the key`).toBeGreaterThan(0);
    expect(pttl, `PTTL ${k}`).toBeLessThanOrEqual(LONG_TTL_MS);
  }
  if (shortExpired) for (const k of shortTtlKeys()) expect(where.has(k) ? `${k} still listed on ${where.get(k)!.join('+')}` : 'gone', 'an expired key came back').toBe('gone');

  let checked = 0;
  if (load !== null) {
    const { must, may } = load.expectedKeys();
    const lost: string[] = [];
    for (const [k, st] of load.states) {
      const present = where.has(k);
      if (must.has(k) && !present) lost.push(`${k}: missing, acknowledged v${st.acked!.version}`);
      if (!must.has(k) && !may.has(k) && present) lost.push(`${k}: present, acknowledged ${st.acked === null ? 'never written' : 'deleted'}`);
      if (!present) continue;
      const got = (await entry.call(5000, ...(load.isHash(k) ? ['HGET', k, 'v'] : ['GET', k]))).data?.toString('latin1') ?? null;
      checked++;
      const ok = [st.acked, ...st.doubt].some((o) => o !== null && !o.deleted && got === `${k}:${o.version}`);
      if (!ok) lost.push(`${k}: ${got ?? 'nil'}, acknowledged ${st.acked ? `v${st.acked.version}${st.acked.deleted ? ' (deleted)' : ''}` : 'never'}, ${st.doubt.length} in doubt`);
      const last = st.doubt.length === 0 ? st.acked : null;
      if (last !== null && !last.deleted) {
        const pttl = Number((await entry.call(5000, 'PTTL', k)).line);
        if (last.ttl ? !(pttl > 0) : pttl !== -1) lost.push(`${k}: PTTL ${pttl}, last written ${last.ttl ? 'with' : 'without'} a TTL`);
      }
    }
    expect(lost.slice(0, 10), `${lost.length} of the load's keys wrong at the end`).toEqual([]);
  }
  return `${where.size} keys on ${c.names.length} nodes, ${checked} load keys compared`;
}

describe('live migration, nodes in their own processes', () => {
  test('under a checked load through every node: g-m moves from foo to bar, then baz joins and takes t-z', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    // Small batches, a few thousand keys a second: a move of some 6,000 keys lasts about 1.5 s under the load.
    c.settings = ['migrate-keys-per-second 2000', 'migrate-batch-keys 64'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    await seed(c.port('foo'), 1500);

    const load = new CheckedLoad({ ports: () => c.entryPorts(), nameOf: (p) => c.nameOf(p), workers: 6, letters: LETTERS, perLetter: 8, seeded: seededKeys(), hashes: true });
    load.start();
    const probe = new SeededProbe(() => c.entryPorts(), seededKeys(), (p) => c.nameOf(p));
    probe.start();
    await sleep(1000);

    // g-m: foo → bar.
    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    await hangUp(c, ['foo', 'bar']);
    const first = await waitMoved(c, 'g-m', 'foo', 'bar', 40_000);
    await sleep(500);

    // baz joins and takes t-z from bar.
    await c.addNode('baz');
    c.routes = ['a-f foo', 'g-m bar', 'n-s bar', 't-z baz'];
    c.write();
    await c.start('baz');
    await hangUp(c, ['foo', 'bar']);
    const second = await waitMoved(c, 't-z', 'bar', 'baz', 40_000);
    await sleep(1000);
    await load.stop();
    await probe.stop();

    console.log(`pipelined probe of the seeded keys: ${probe.summary()}`);
    console.log(
      `migration under load: ${load.writes} writes, ${load.reads} reads, ${load.seededReads} seeded reads; g-m moved in ${first.ms} ms, t-z in ${second.ms} ms; ` +
        `INFO samples on foo: ${first.samples.slice(0, 3).join(' / ')}; on bar: ${second.samples.slice(0, 3).join(' / ')}; ${load.summary()}`,
    );
    expect(load.count('missed'), load.summary()).toBe(0);
    expect(load.count('stale'), load.summary()).toBe(0);
    expect(load.count('resurrected'), load.summary()).toBe(0);
    expect(load.count('garbage'), load.summary()).toBe(0);
    // Nothing was killed: clients see nothing of the move, not even an error.
    expect(load.count('errors'), load.summary()).toBe(0);
    expect(load.writes, "writes during the moves").toBeGreaterThan(300);
    expect(probe.missedCount, probe.summary()).toBe(0);
    expect(probe.errors, probe.summary()).toBe(0);

    const end = await checkEndState(c, load, c.routes);
    console.log(`end state: ${end}`);
    for (const n of ['foo', 'bar']) {
      const route = show(await (await connect(c.port(n))).call(5000, 'ROUTE', 'tomato'));
      expect(route, `${n} routes t to baz`).toContain('"baz"');
    }
    expect(c.log('foo'), "foo's log tells of the move").toMatch(/moved g-m to bar: \d+ keys/);
    expect(c.log('bar'), "bar's log tells of the import").toMatch(/import of g-m from foo done/);
    expect(c.log('bar'), "bar's log tells of the move").toMatch(/moved t-z to baz: \d+ keys/);
    expect(c.log('baz'), "baz's log tells of the import").toMatch(/import of t-z from bar done/);
    // INFO cluster showed each move while it ran: range, keys moved, keys left.
    expect(first.samples.some((s) => /kv_migrating_to_bar:ranges=g-m,keys_moved=\d+,keys_left=[1-9]/.test(s)), first.samples.join(' / ')).toBe(true);
    expect(second.samples.some((s) => /kv_migrating_to_baz:ranges=t-z,keys_moved=\d+,keys_left=[1-9]/.test(s)), second.samples.join(' / ')).toBe(true);
  }, 110_000);
});

/** Waits until the move of `range` is under way: some keys already on `to`, some still on `from`. */
async function waitMidway(c: Cluster, range: string, from: string, to: string, timeoutMs: number): Promise<{ left: number; moved: number }> {
  const started = Date.now();
  for (;;) {
    const [left, there] = await Promise.all([localKeys(c.port(from), globOf(range)), localKeys(c.port(to), globOf(range))]);
    // The seeded keys are the bulk of the range: some of them on the target means batches are arriving.
    const moved = there.filter((k) => k.includes('s:')).length;
    if (moved > 0 && left.length > 0) return { left: left.length, moved };
    if (left.length === 0) throw new Error(`${range} moved from ${from} to ${to} before the test could interrupt it: throttle it harder`);
    if (Date.now() - started > timeoutMs) throw new Error(`the move of ${range} from ${from} to ${to} did not start in ${timeoutMs} ms`);
    await sleep(20);
  }
}

describe('a migration interrupted by SIGKILL resumes when the node restarts', () => {
  for (const victim of ['source', 'target'] as const) {
    test(`SIGKILL of the ${victim} mid-way, then restart: every key once, with its last acknowledged version`, async () => {
      const c = new Cluster();
      await c.addNode('foo');
      await c.addNode('bar');
      c.routes = ['a-m foo', 'n-z bar'];
      c.settings = [...THROTTLE];
      c.write();
      await c.start('foo');
      await c.start('bar');
      await seed(c.port('foo'), 1000);
      const load = new CheckedLoad({ ports: () => c.entryPorts(), nameOf: (p) => c.nameOf(p), workers: 4, letters: LETTERS, perLetter: 8, seeded: seededKeys(), hashes: true });
      load.start();
      await sleep(500);

      c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
      c.write();
      await hangUp(c, ['foo', 'bar']);
      // The moving range's seeded keys, read in pipelines through whichever node is up, around the kill and the restart.
      const probe = new SeededProbe(() => c.entryPorts(), seededKeys().filter((k) => k[0]! >= 'g' && k[0]! <= 'm'), (p) => c.nameOf(p));
      const name = victim === 'source' ? 'foo' : 'bar';
      const at = await waitMidway(c, 'g-m', 'foo', 'bar', 20_000);
      probe.start();
      await c.kill(name);
      await sleep(300);
      await c.start(name);
      const done = await waitMoved(c, 'g-m', 'foo', 'bar', 60_000);
      await sleep(500);
      await load.stop();
      await probe.stop();
      console.log(`pipelined probe of g-m's seeded keys: ${probe.summary()}`);
      console.log(
        `SIGKILL of the ${victim} (${name}) with ${at.left} g-m keys left on foo and ${at.moved} moved: done ${done.ms} ms after the restart; ` +
          `${load.writes} writes, ${load.reads} reads; ${load.summary()}`,
      );
      // The data first: nothing acknowledged lost, every key once, on its owner.
      const end = await checkEndState(c, load, c.routes);
      console.log(`end state: ${end}`);
      // And reads that got an answer were right, even around the kill.
      for (const kind of ['missed', 'stale', 'resurrected', 'garbage'] as const) expect(load.count(kind), load.summary()).toBe(0);
      expect(probe.missedCount, probe.summary()).toBe(0);
    }, 100_000);
  }
});

describe('the two nodes reload apart', () => {
  // One SIGHUP after the other, by hand or by a script, leaves a window in which
  // the two tables disagree about g-m: clients must not see it either way.
  for (const first of ['foo', 'bar'] as const) {
    test(`${first} (the ${first === 'foo' ? 'source' : 'target'}) re-reads the file 3 s before the other`, async () => {
      const c = new Cluster();
      await c.addNode('foo');
      await c.addNode('bar');
      c.routes = ['a-m foo', 'n-z bar'];
      c.settings = [...THROTTLE];
      c.write();
      await c.start('foo');
      await c.start('bar');
      await seed(c.port('foo'), 1000);
      const load = new CheckedLoad({ ports: () => c.entryPorts(), nameOf: (p) => c.nameOf(p), workers: 4, letters: LETTERS, perLetter: 8, seeded: seededKeys(), hashes: true });
      load.start();
      const probe = new SeededProbe(() => c.entryPorts(), seededKeys().filter((k) => k[0]! >= 'g' && k[0]! <= 'm'), (p) => c.nameOf(p));
      probe.start();
      await sleep(500);
      c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
      c.write();
      await reload(c, [first]);
      await sleep(3000);
      await reload(c, [first === 'foo' ? 'bar' : 'foo']);
      const done = await waitMoved(c, 'g-m', 'foo', 'bar', 40_000);
      await sleep(500);
      await load.stop();
      await probe.stop();
      console.log(`${first} reloaded first: done ${done.ms} ms after the second reload; ${load.writes} writes, ${load.reads} reads; ${load.summary()}; probe of g-m: ${probe.summary()}`);
      for (const kind of ['missed', 'stale', 'resurrected', 'garbage', 'errors'] as const) expect(load.count(kind), load.summary()).toBe(0);
      expect(probe.missedCount, probe.summary()).toBe(0);
      expect(probe.errors, probe.summary()).toBe(0);
      await checkEndState(c, load, c.routes);
    }, 60_000);
  }
});

describe('reloading a bad file', () => {
  test('changes nothing: the node keeps its table and says file:line', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    const foo = await connect(c.port('foo'));
    for (const l of 'agmz') expect(show(await foo.call(5000, 'SET', `${l}key`, l))).toBe('+OK');

    // A route naming a node the file does not have, on a line the test knows.
    c.routes = ['a-f foo', 'g-m qux', 'n-z bar'];
    c.write();
    const badLine = c.lines().indexOf('route g-m qux') + 1;
    const reply = await reloadVia(c.port('foo'));
    expect(reply).toMatch(/^-ERR /);
    expect(reply).toContain(`${c.file}:${badLine}`);
    // An overlap, and a table that loops through per-node sections, are refused the same way.
    c.routes = ['a-m foo', 'g-z bar'];
    c.write();
    expect(await reloadVia(c.port('bar'))).toContain(`${c.file}:${c.lines().indexOf('route g-z bar') + 1}`);
    c.routes = ['a-m foo', 'n-z bar'];
    c.sectionRoutes = { foo: ['a-z bar'], bar: ['a-z foo'] };
    c.write();
    const loop = await reloadVia(c.port('foo'));
    expect(loop).toMatch(/^-ERR .*loop/);
    expect(loop).toContain(`${c.file}:`);
    c.sectionRoutes = {};

    for (const n of ['foo', 'bar']) {
      const r = await connect(c.port(n));
      expect(show(await r.call(5000, 'ROUTE', 'gkey')), `${n} still routes g to foo`).toContain('"foo"');
      for (const l of 'agmz') expect(show(await r.call(5000, 'GET', `${l}key`))).toBe(JSON.stringify(l));
    }
    expect(await localKeys(c.port('foo'))).toEqual(expect.arrayContaining(['akey', 'gkey', 'mkey']));
    // SIGHUP with the bad file: logged with file:line, and still nothing changes.
    c.routes = ['a-f foo', 'g-m qux', 'n-z bar'];
    c.write();
    const logged = await c.sighup('foo');
    expect(logged).toMatch(/not reloaded/);
    expect(logged, "foo's log names the file and line").toContain(`${c.file}:${badLine}`);
    expect(show(await foo.call(5000, 'ROUTE', 'gkey'))).toContain('"foo"');
    expect(show(await foo.call(5000, 'GET', 'gkey'))).toBe('"g"');

    // Fixed, the same reload applies.
    c.routes = ['a-f foo', 'g-z bar'];
    c.write();
    await reload(c, ['foo', 'bar']);
    await waitMoved(c, 'g-m', 'foo', 'bar', 20_000);
    expect(show(await foo.call(5000, 'GET', 'gkey'))).toBe('"g"');
    expect(await localKeys(c.port('bar'), 'gkey')).toEqual(['gkey']);
  }, 60_000);
});

describe('a batch the target is too slow to acknowledge', () => {
  // The source gives up on a batch after forward-timeout and sends it again;
  // meanwhile the target may have taken it, and clients may have changed or
  // deleted those keys there. The second copy must not bring a deleted key back.
  test('is sent again without bringing back keys deleted in between', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.settings = ['forward-timeout 300'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    await seed(c.port('foo'), 60_000);
    const moving = seededKeys().filter((k) => k[0]! >= 'g' && k[0]! <= 'm');

    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    await hangUp(c, ['bar']);
    const bar = c.procs['bar']!;
    bar.child.kill('SIGSTOP');
    try {
      await hangUp(c, ['foo']);
      // The first batches wait in bar's socket until foo gives up on them.
      await sleep(1500);
    } finally {
      bar.child.kill('SIGCONT');
    }
    // Every key of the range deleted through foo, at once: those in flight go to bar, the others go on foo.
    const foo = await connect(c.port('foo'));
    const delStarted = Date.now();
    for (const k of moving) foo.send(encodeCommand('DEL', k));
    const replies = [];
    for (let i = 0; i < moving.length; i++) replies.push(await foo.next(10_000));
    const delMs = Date.now() - delStarted;
    const refused = replies.map((r, i) => [moving[i], show(r)] as const).filter(([, r]) => r !== ':1' && r !== ':0');
    expect(refused.slice(0, 5), `${refused.length} DELs not acknowledged`).toEqual([]);
    const moved = await waitMoved(c, 'g-m', 'foo', 'bar', 30_000);
    await sleep(1500); // a re-sent batch may still be on its way
    const back = [...(await localKeys(c.port('bar'), '[g-m]*')), ...(await localKeys(c.port('foo'), '[g-m]*'))].filter((k) => k.includes('s:'));
    console.log(`DEL of ${moving.length} keys while foo re-sends timed-out batches: ${back.length} came back; the DELs took ${delMs} ms, the move ended ${moved.ms} ms after them; foo's log: ${c.log('foo').split('\n').filter((l) => /not acknowledged|moved|link/.test(l)).slice(0, 4).join(' / ')}`);
    expect(back.slice(0, 10), `${back.length} deleted keys came back`).toEqual([]);
  }, 60_000);
});

/** Waits until neither node reports a move out or in (INFO cluster's kv_migrating_to_… and kv_importing_from_…). */
async function waitQuiet(c: Cluster, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const infos = await Promise.all(c.names.map((n) => infoFields(c.port(n))));
    const busy = infos.flatMap((f, i) => [...f.keys()].filter((k) => /^kv_(migrating_to|importing_from)_/.test(k)).map((k) => `${c.names[i]} ${k}:${f.get(k)}`));
    if (busy.length === 0) return;
    if (Date.now() - started > timeoutMs) throw new Error(`moves still under way after ${timeoutMs} ms: ${busy.join('; ')}`);
    await sleep(50);
  }
}

describe('a range moved back and forth under writes of new keys', () => {
  // Keys created while a move ends: through the target, a key of the range it
  // does not hold yet is created on the source, which must still send it.
  test('every acknowledged new key ends on its owner, once', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    const acked = new Set<string>();
    const failed: string[] = [];
    let running = true;
    const writers = Array.from({ length: 6 }, async (_, w) => {
      const conns = await Promise.all(c.names.map((n) => connect(c.port(n))));
      for (let i = 0; running; i++) {
        const key = `g${w}:${i}`;
        const reply = show(await conns[i % conns.length]!.call(5000, 'SET', key, 'x'));
        if (reply === '+OK') acked.add(key);
        else if (failed.length < 10) failed.push(`SET ${key} via ${c.names[i % conns.length]}: ${reply}`);
      }
    });
    const tables = [
      ['a-f foo', 'g bar', 'h-m foo', 'n-z bar'],
      ['a-m foo', 'n-z bar'],
    ];
    // After each move the old owner must hold no key of g: one left there is
    // lost to readers (the new owner no longer looks for it), even if a later
    // move back would hide it.
    const stranded: string[] = [];
    const ROUNDS = 16;
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(100);
      c.routes = tables[round % 2]!;
      c.write();
      await hangUp(c, round % 2 === 0 ? ['foo', 'bar'] : ['bar', 'foo']);
      await waitQuiet(c, 20_000);
      const old = round % 2 === 0 ? 'foo' : 'bar';
      const owner = old === 'foo' ? 'bar' : 'foo';
      const entry = await connect(c.port(owner));
      for (const k of await localKeys(c.port(old), 'g*')) stranded.push(`${k} on ${old} after move ${round + 1} (GET via ${owner}: ${show(await entry.call(5000, 'GET', k))})`);
    }
    await sleep(150);
    running = false;
    await Promise.all(writers);
    await waitQuiet(c, 20_000);
    expect(failed, 'writes refused during the moves').toEqual([]);
    const onFoo = new Set(await localKeys(c.port('foo'), 'g*'));
    const onBar = new Set(await localKeys(c.port('bar'), 'g*'));
    const lost = [...acked].filter((k) => !onFoo.has(k));
    const stray = [...onBar];
    console.log(`${ROUNDS} moves of g: ${acked.size} new keys acknowledged; ${stranded.length} left on the old owner after a move; at the end ${lost.length} not on foo, ${stray.length} on bar`);
    expect(stranded.slice(0, 10), `${stranded.length} keys left behind by a finished move`).toEqual([]);
    expect(stray.slice(0, 10), `${stray.length} keys left on bar, which no longer owns g`).toEqual([]);
    expect(lost.slice(0, 10), `${lost.length} acknowledged keys lost`).toEqual([]);
    expect(acked.size).toBeGreaterThan(500);
  }, 90_000);
});

describe('throttling', () => {
  test('migrate-keys-per-second bounds the rate, progress is logged every few seconds, and CONFIG SET lifts it live', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.settings = ['migrate-keys-per-second 1000'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    await seed(c.port('foo'), 60_000);
    const total = (await localKeys(c.port('foo'), '[g-m]*')).length;
    const foo = await connect(c.port('foo'));
    expect(show(await foo.call(5000, 'CONFIG', 'GET', 'migrate-keys-per-second'))).toBe('["migrate-keys-per-second", "1000"]');

    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    await hangUp(c, ['foo', 'bar']);
    const t0 = Date.now();
    await sleep(4000);
    const movedIn4s = (await localKeys(c.port('bar'), '[g-m]*')).length;
    // 1000 a second, and at most a second's worth at once: 5000 in 4 s, with some slack.
    expect(movedIn4s, `${movedIn4s} of ${total} keys moved in 4 s at 1000/s`).toBeLessThanOrEqual(5500);
    expect(movedIn4s, `${movedIn4s} of ${total} keys moved in 4 s at 1000/s`).toBeGreaterThanOrEqual(2000);
    expect(c.log('foo'), 'a progress line within 4 s').toMatch(/moving g-m to bar: \d+ keys moved, \d+ left/);
    expect(await migrationInfo(c.port('foo'))).toMatch(/kv_migrating_to_bar:ranges=g-m,keys_moved=\d+,keys_left=\d+/);

    expect(show(await foo.call(5000, 'CONFIG', 'SET', 'migrate-keys-per-second', '0'))).toBe('+OK');
    const done = await waitMoved(c, 'g-m', 'foo', 'bar', 10_000);
    console.log(`throttled at 1000/s: ${movedIn4s} of ${total} keys in 4 s; the rest ${done.ms} ms after CONFIG SET migrate-keys-per-second 0 (${Date.now() - t0} ms in all)`);
    expect(done.ms, 'unthrottled, the rest goes at once').toBeLessThan(3000);
    await checkEndState(c, null, c.routes, false);
  }, 60_000);
});

describe('commands over several keys while their range moves', () => {
  // Keys of one range can be split for a while: some still on the source, some
  // already on the target. MSET, MGET, RENAME and MULTI/EXEC over them must
  // behave as on one node, without an error.
  test('MSET, MGET, RENAME and MULTI/EXEC over keys half moved', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.settings = ['migrate-keys-per-second 1500', 'migrate-batch-keys 32'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    await seed(c.port('foo'), 60_000);
    const PAIRS = 40;
    // Every key of the workers exists before the move, so the move carries them.
    const setup = await connect(c.port('foo'));
    for (let w = 0; w < 4; w++) {
      for (let p = 0; p < PAIRS; p++) {
        expect(show(await setup.call(5000, 'MSET', `g${w}:${p}`, `g${w}:${p}:0`, `k${w}:${p}`, `k${w}:${p}:0`, `i${w}:${p}`, '0'))).toBe('+OK');
      }
    }
    const wrong: string[] = [];
    let ops = 0;
    let running = true;
    const workers = Array.from({ length: 4 }, async (_, w) => {
      const conns = await Promise.all(c.names.map((n) => connect(c.port(n))));
      const version = new Array<number>(PAIRS).fill(0);
      const counter = new Array<number>(PAIRS).fill(0);
      let at = '';
      const check = (what: string, got: string, want: string): void => {
        ops++;
        if (got !== want && wrong.length < 20) wrong.push(`${what} (n=${at}): ${got}, expected ${want}`);
      };
      for (let n = 0; running; n++) {
        const p = n % PAIRS;
        const via = conns[n % conns.length]!;
        at = `${n}, via ${c.names[n % conns.length]}, others via ${c.names[(n + 1) % conns.length]}`;
        const a = `g${w}:${p}`;
        const b = `k${w}:${p}`;
        const ctr = `i${w}:${p}`;
        const tmp = `j${w}:${p}`;
        const v = ++version[p]!;
        check(`MSET ${a} ${b}`, show(await via.call(5000, 'MSET', a, `${a}:${v}`, b, `${b}:${v}`)), '+OK');
        check(`MGET ${a} ${b}`, show(await conns[(n + 1) % conns.length]!.call(5000, 'MGET', a, b)), `["${a}:${v}", "${b}:${v}"]`);
        check(`RENAME ${a} ${tmp}`, show(await via.call(5000, 'RENAME', a, tmp)), '+OK');
        check(`GET ${tmp}`, show(await conns[(n + 1) % conns.length]!.call(5000, 'GET', tmp)), `"${a}:${v}"`);
        check(`EXISTS ${a}`, show(await via.call(5000, 'EXISTS', a)), ':0');
        check(`RENAME ${tmp} ${a}`, show(await via.call(5000, 'RENAME', tmp, a)), '+OK');
        via.send(encodeCommand('MULTI'));
        via.send(encodeCommand('INCR', ctr));
        via.send(encodeCommand('GET', b));
        via.send(encodeCommand('EXEC'));
        const tx = [await via.next(5000), await via.next(5000), await via.next(5000), await via.next(5000)].map(show);
        // A refused EXEC ran nothing: the counter stays where it was.
        if (!tx[3]!.startsWith('-')) counter[p]!++;
        check(`MULTI INCR ${ctr} GET ${b} EXEC`, tx.join(' '), `+OK +QUEUED +QUEUED [:${counter[p]!}, "${b}:${v}"]`);
      }
    });
    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    let done: { ms: number };
    try {
      await hangUp(c, ['foo', 'bar']);
      done = await waitMoved(c, 'g-m', 'foo', 'bar', 20_000);
    } finally {
      running = false;
      await Promise.allSettled(workers);
      if (wrong.length) console.log(`wrong replies: ${wrong.join(' | ')}`);
    }
    console.log(`multi-key commands over a moving range: ${ops} checked in ${done.ms} ms of move; ${wrong.length} wrong${wrong.length ? `: ${wrong.slice(0, 5).join(' | ')}` : ''}`);
    if (wrong.length) {
      const first = /^\S+ (\S+)/.exec(wrong[0]!)![1]!;
      const held = await Promise.all(c.names.map(async (n) => `${n}: ${(await localKeys(c.port(n), `*${first.slice(1)}`)).join(',')}`));
      console.log(`after the move, keys like ${first}: ${held.join('; ')}; foo's log: ${c.log('foo').split('\n').slice(-4).join(' / ')}`);
    }
    expect(wrong).toEqual([]);
    expect(ops, "commands checked while the range was split").toBeGreaterThan(300);
    await checkEndState(c, null, c.routes, false);
  }, 60_000);
});

/** Waits until `node` holds `key` itself (the move brought it), for up to `timeoutMs`. */
async function waitOn(c: Cluster, node: string, key: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while ((await localKeys(c.port(node), key)).length === 0) {
    if (Date.now() - started > timeoutMs) throw new Error(`${key} not on ${node} after ${timeoutMs} ms; INFO on foo: ${await migrationInfo(c.port('foo'))}`);
    await sleep(20);
  }
}

describe('a key that leaves the target and comes back during the move', () => {
  // Moved to bar, deleted there, then set again through bar: bar does not hold
  // it, so the SET is created on foo (the source), which must send it on. bar
  // must take that copy: it is not a second copy of what it took before.
  test('SET after DEL of a key already moved keeps the new value', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.settings = ['migrate-keys-per-second 200', 'migrate-batch-keys 10'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    const foo = await connect(c.port('foo'));
    const bar = await connect(c.port('bar'));
    // gk first: the move sends keys in the order the store holds them.
    expect(show(await foo.call(5000, 'SET', 'gk', 'v1'))).toBe('+OK');
    const r = await pipelineLoad(c.port('foo'), 1000, (i) => encode(['SET', `g:${i}`, 'x']));
    expect(r.errors).toBe(0);
    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    await hangUp(c, ['foo', 'bar']);
    await waitOn(c, 'bar', 'gk', 15_000);
    expect(show(await foo.call(5000, 'DEL', 'gk'))).toBe(':1');
    expect(show(await bar.call(5000, 'SET', 'gk', 'v2'))).toBe('+OK');
    expect(show(await foo.call(5000, 'GET', 'gk'))).toBe('"v2"');
    expect((await migrationInfo(c.port('foo'))).includes('kv_migrating_to_bar'), 'the move is still under way').toBe(true);
    // The rest of the move at full speed, then gk must still be v2, on bar only.
    expect(show(await foo.call(5000, 'CONFIG', 'SET', 'migrate-keys-per-second', '0'))).toBe('+OK');
    await waitMoved(c, 'g-m', 'foo', 'bar', 20_000);
    await waitQuiet(c, 10_000);
    expect(show(await bar.call(5000, 'GET', 'gk')), 'GET gk through bar after the move').toBe('"v2"');
    expect(show(await foo.call(5000, 'GET', 'gk')), 'GET gk through foo after the move').toBe('"v2"');
    expect(await localKeys(c.port('bar'), 'gk')).toEqual(['gk']);
  }, 60_000);
});

describe('one key moved, another of its range not yet', () => {
  // While 2000 keys of g-m move at 50 a second, one already on bar (a) and one
  // still on foo (z) are picked: a command over both spans the two nodes, and
  // must act as on one.
  for (const entry of ['foo', 'bar'] as const) {
    test(`MSET, MGET, RENAME and MULTI/EXEC over both, through ${entry}`, async () => {
      const c = new Cluster();
      await c.addNode('foo');
      await c.addNode('bar');
      c.routes = ['a-m foo', 'n-z bar'];
      c.settings = ['migrate-keys-per-second 50', 'migrate-batch-keys 5'];
      c.write();
      await c.start('foo');
      await c.start('bar');
      const r = await pipelineLoad(c.port('foo'), 2000, (i) => encode(['SET', `h:${i}`, `v${i}`]));
      expect(r.errors).toBe(0);
      c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
      c.write();
      await hangUp(c, ['foo', 'bar']);
      let moved: string[] = [];
      for (const started = Date.now(); moved.length === 0; await sleep(20)) {
        expect(Date.now() - started, 'no key of g-m reached bar in 15 s').toBeLessThan(15_000);
        moved = await localKeys(c.port('bar'), 'h:*');
      }
      const a = moved[0]!;
      const z = (await localKeys(c.port('foo'), 'h:*')).at(-1)!;
      expect(z, 'a key of g-m still on foo').toBeDefined();
      const va = `v${a.slice(2)}`;
      const vz = `v${z.slice(2)}`;
      const via = await connect(c.port(entry));
      const other = await connect(c.port(entry === 'foo' ? 'bar' : 'foo'));
      const steps: [string[], string][] = [
        [['MGET', a, z], `["${va}", "${vz}"]`],
        [['MSET', a, 'a1', z, 'z1'], '+OK'],
        [['MGET', a, z], '["a1", "z1"]'],
        [['RENAME', z, 'ib'], '+OK'],
        [['MGET', a, 'ib', z], '["a1", "z1", (nil)]'],
        [['RENAME', 'ib', z], '+OK'],
        [['MGET', a, 'ib', z], '["a1", (nil), "z1"]'],
      ];
      const got: string[] = [];
      for (const [argv, want] of steps) {
        const reply = show(await via.call(5000, ...argv));
        got.push(`${argv.join(' ')} -> ${reply}${reply === want ? '' : `  (expected ${want})`}`);
        const seen = show(await other.call(5000, 'MGET', a, 'ib', z));
        got.push(`  MGET through the other node -> ${seen}`);
      }
      for (const cmd of [['MULTI'], ['SET', a, 'a2'], ['INCR', 'kn'], ['GET', z], ['EXEC']]) via.send(encodeCommand(...cmd));
      const tx = [];
      for (let i = 0; i < 5; i++) tx.push(show(await via.next(5000)));
      got.push(`MULTI SET ${a} INCR kn GET ${z} EXEC -> ${tx.join(' ')}`);
      const stillOnFoo = (await localKeys(c.port('foo'), 'h:*')).length;
      console.log(`through ${entry}, ${a} on bar, ${z} on foo (${stillOnFoo} keys of g-m still on foo at the end):\n  ${got.join('\n  ')}`);
      expect(got.filter((l) => l.includes('expected'))).toEqual([]);
      expect(tx).toEqual(['+OK', '+QUEUED', '+QUEUED', '+QUEUED', '[+OK, :1, "z1"]']);
      expect(show(await other.call(5000, 'MGET', a, 'kn', z))).toBe('["a2", "1", "z1"]');
      expect(stillOnFoo, 'the move was still under way').toBeGreaterThan(0);
    }, 60_000);
  }
});

describe('removing a node', () => {
  // As kv-admin does it: first give its ranges to others (it moves them out),
  // then drop its node line once no entry names it, reload, and stop it.
  test('baz drains t-z to bar under load, then leaves the file and is stopped: nothing lost, links closed', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    await c.addNode('baz');
    c.routes = ['a-m foo', 'n-s bar', 't-z baz'];
    c.settings = ['migrate-keys-per-second 3000', 'migrate-batch-keys 64'];
    c.write();
    for (const n of c.names) await c.start(n);
    await seed(c.port('foo'), 1500);
    const load = new CheckedLoad({ ports: () => c.entryPorts(), nameOf: (p) => c.nameOf(p), workers: 4, letters: LETTERS, perLetter: 8, seeded: seededKeys(), hashes: true });
    load.start();
    const probe = new SeededProbe(() => c.entryPorts(), seededKeys(), (p) => c.nameOf(p));
    probe.start();
    await sleep(500);

    c.routes = ['a-m foo', 'n-z bar'];
    c.write();
    await hangUp(c, ['foo', 'bar', 'baz']);
    const drained = await waitMoved(c, 't-z', 'baz', 'bar', 30_000);
    await waitQuiet(c, 10_000);

    // baz is named by no entry now: its line goes, the others reload, and it stops.
    c.names = c.names.filter((n) => n !== 'baz');
    c.write();
    await sleep(200); // the load's workers pick their node per request: none picks baz from now on
    await hangUp(c, ['foo', 'bar']);
    await c.kill('baz');
    await sleep(500);
    await load.stop();
    await probe.stop();
    console.log(`baz drained t-z in ${drained.ms} ms and left; ${load.writes} writes, ${load.reads} reads; ${load.summary()}; probe: ${probe.summary()}`);
    for (const kind of ['missed', 'stale', 'resurrected', 'garbage', 'errors'] as const) expect(load.count(kind), load.summary()).toBe(0);
    expect(probe.missedCount, probe.summary()).toBe(0);
    for (const n of ['foo', 'bar']) {
      const info = await infoFields(c.port(n));
      expect(info.has('kv_link_baz'), `${n} still has a link to baz: ${info.get('kv_link_baz')}`).toBe(false);
      expect(info.get('kv_config_revision'), `${n}'s revision after two reloads`).toBe('3');
      expect(c.log(n)).toContain('link to baz closed');
    }
    await checkEndState(c, load, c.routes);
  }, 60_000);
});

describe('per-node tables during a move', () => {
  // baz's own [section] sends every key to foo (the guide's multi-hop): after
  // g-m moves to bar, baz's requests for it go baz -> foo -> bar, and during
  // the move foo answers for the keys it still holds.
  test('a node whose own table sends everything to the source keeps answering through it', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    await c.addNode('baz');
    c.routes = ['a-m foo', 'n-z bar'];
    c.sectionRoutes = { baz: ['a-z foo'] };
    c.settings = ['migrate-keys-per-second 3000', 'migrate-batch-keys 64'];
    c.write();
    for (const n of c.names) await c.start(n);
    await seed(c.port('foo'), 60_000);
    const viaBaz = (): number[] => [c.port('baz')];
    const load = new CheckedLoad({ ports: viaBaz, nameOf: (p) => c.nameOf(p), workers: 4, letters: LETTERS, perLetter: 8, seeded: seededKeys(), hashes: true });
    load.start();
    const probe = new SeededProbe(viaBaz, seededKeys().filter((k) => k[0]! >= 'g' && k[0]! <= 'm'), (p) => c.nameOf(p));
    probe.start();
    await sleep(500);
    c.routes = ['a-f foo', 'g-m bar', 'n-z bar'];
    c.write();
    await hangUp(c, ['foo', 'bar', 'baz']);
    const done = await waitMoved(c, 'g-m', 'foo', 'bar', 30_000);
    await sleep(500);
    await load.stop();
    await probe.stop();
    const route = show(await (await connect(c.port('baz'))).call(5000, 'ROUTE', 'gs:1'));
    console.log(`through baz (a-z via foo) while g-m moved in ${done.ms} ms: ${load.writes} writes, ${load.reads} reads; ${load.summary()}; probe: ${probe.summary()}; ROUTE gs:1 -> ${route}`);
    for (const kind of ['missed', 'stale', 'resurrected', 'garbage', 'errors'] as const) expect(load.count(kind), load.summary()).toBe(0);
    expect(probe.missedCount, probe.summary()).toBe(0);
    expect(probe.errors, probe.summary()).toBe(0);
    expect(route).toContain('"baz -> foo -> bar"');
    await checkEndState(c, load, ['a-f foo', 'g-m bar', 'n-z bar'], false);
  }, 60_000);
});

describe('the new owner is not up yet', () => {
  // An operator reloads the others before starting the node that joins: the
  // keys are still on their old owner, which can serve them until the new
  // one is up and takes them.
  test('keys of a range given to a node not started yet stay readable, and move once it starts', async () => {
    const c = new Cluster();
    await c.addNode('foo');
    await c.addNode('bar');
    c.routes = ['a-m foo', 'n-z bar'];
    c.write();
    await c.start('foo');
    await c.start('bar');
    await seed(c.port('foo'), 60_000);
    await c.addNode('baz');
    c.routes = ['a-m foo', 'n-s bar', 't-z baz'];
    c.write();
    await hangUp(c, ['foo', 'bar']);
    const probe = new SeededProbe(() => c.entryPorts(), seededKeys().filter((k) => k[0]! >= 't'), (p) => c.nameOf(p));
    probe.start();
    await sleep(1500);
    await probe.stop();
    const before = probe.summary();
    await c.start('baz');
    await waitMoved(c, 't-z', 'bar', 'baz', 20_000);
    console.log(`t-z given to baz before it started, read through foo and bar for 1.5 s: ${before}`);
    await checkEndState(c, null, c.routes, false);
    expect(probe.errors + probe.missedCount, before).toBe(0);
  }, 60_000);
});
