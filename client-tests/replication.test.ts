// Replication with Redis's protocol, every server in its own process: a
// redis-server following a kv node and a kv node following a redis-server
// (every key, value and PEXPIRETIME compared on both sides, then writes
// followed), kv following kv through a SIGKILL of the primary (no write that
// WAIT acknowledged may be lost), partial resynchronization after a cut link
// (a proxy the test cuts) and a full one when the backlog no longer covers the
// cut, a paused replica, masterauth, what a kv replica does with what it cannot
// hold (lists, database 1), and READONLY, WAIT, ROLE and INFO replication
// compared with a pair of redis-servers in the same setup.

import { afterAll, describe, expect, test } from 'vitest';
import { describeWithRedis } from './support/redis-rule.js';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort, SECRET } from './support/servers.js';
import { canConnect, removeTempDirs, startNode, tempDir, writeConf, type NodeProcess } from './support/node-process.js';
import { ReplyReader, show, type Reply } from './support/reply-reader.js';

const READONLY_ERROR = "-READONLY You can't write against a read only replica.";

const nodes = new Set<NodeProcess>();
const redises = new Set<RedisProcess>();
const readers = new Set<ReplyReader>();
const proxies = new Set<CutProxy>();
afterAll(async () => {
  for (const r of readers) r.close();
  for (const p of proxies) p.close();
  for (const n of nodes) await n.stop();
  for (const r of redises) await r.stop();
  removeTempDirs();
});

// --- servers -------------------------------------------------------------------

interface RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** What it logged (redis-server logs on stdout), latin1. */
  log(): string;
  stop(): Promise<void>;
}


/** A redis-server on a free port, in a temporary directory of its own, its log kept. */
async function startRedisServer(args: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir(), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => out.push(d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const proc: RedisProcess = {
    port,
    child,
    log: () => Buffer.concat(out).toString('latin1'),
    stop: async () => {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  redises.add(proc);
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (!alive() || Date.now() > deadline) throw new Error(`redis-server did not start: ${proc.log()}`);
    await sleep(20);
  }
  return proc;
}

/**
 * A cluster.conf with `nodes` (name → port), the shared table `routes`
 * ("a-m foo"), and each node's [section]: a directory of its own, then `sections`' lines.
 */
function kvConf(ports: Record<string, number>, routes: string[], sections: Record<string, string[]> = {}): string {
  const lines = [`secret ${SECRET}`, 'save ""'];
  for (const [name, port] of Object.entries(ports)) lines.push(`node ${name} 127.0.0.1:${port}`);
  lines.push(...routes.map((r) => `route ${r}`));
  for (const name of Object.keys(ports)) lines.push(`[${name}]`, `dir ${tempDir()}`, ...(sections[name] ?? []));
  return writeConf(lines);
}

async function kvNode(conf: string, name: string, port: number): Promise<NodeProcess> {
  const node = await startNode(conf, name, port);
  nodes.add(node);
  return node;
}

/** A single kv node owning every key, with `settings` in its [section]. */
async function soloNode(settings: string[] = []): Promise<NodeProcess> {
  const port = await freePort();
  return kvNode(kvConf({ solo: port }, ['* solo'], { solo: settings }), 'solo', port);
}

/**
 * A TCP proxy in front of a primary that the test can cut: cut() closes every
 * connection through it and refuses new ones until heal(). A replica following
 * the proxy sees its link drop, as after a network failure, while both
 * processes keep running.
 */
class CutProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<CutProxy> {
    const port = await freePort();
    let proxy!: CutProxy;
    const server = net.createServer((client) => {
      if (proxy.down) return void client.destroy();
      const upstream = net.connect({ host: '127.0.0.1', port: target });
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          proxy.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    proxy = new CutProxy(server, port);
    proxies.add(proxy);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.down = false;
  }

  close(): void {
    this.cut();
    this.server.close();
  }
}

// --- reading servers -------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function connect(port: number): Promise<ReplyReader> {
  const r = await ReplyReader.connect(port);
  readers.add(r);
  return r;
}

/** Sends a command and returns its reply as show() prints it. */
async function say(c: ReplyReader, ...argv: (string | Buffer)[]): Promise<string> {
  return show(await c.call(5000, ...argv));
}

const text = (r: Reply): string => r.data?.toString('latin1') ?? '';

async function info(c: ReplyReader, section = 'replication'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of text(await c.call(5000, 'INFO', section)).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function linkUp(replica: ReplyReader): Promise<void> {
  let last = new Map<string, string>();
  try {
    await until('master_link_status:up', async () => (last = await info(replica)).get('master_link_status') === 'up');
  } catch (e) {
    throw new Error(`${(e as Error).message}; INFO replication: ${JSON.stringify([...last])}`);
  }
}

/** Every key (KEYS *), as latin1 strings, sorted. */
async function allKeys(c: ReplyReader): Promise<string[]> {
  return ((await c.call(5000, 'KEYS', '*')).items ?? []).map(text).sort();
}

interface KeyState {
  type: string;
  /** A string's bytes (latin1), or a hash's field=value pairs sorted by field. */
  value: string | [string, string][];
  pexpiretime: string;
}

/** Type, value and PEXPIRETIME of each key (pipelined: a few thousand keys take a moment, not seconds). */
async function dump(c: ReplyReader, keys: readonly string[]): Promise<Record<string, KeyState>> {
  for (const key of keys) {
    c.command('TYPE', key);
    c.command('PEXPIRETIME', key);
  }
  const types: string[] = [];
  const expiry: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    types.push(show(await c.next()));
    expiry.push(show(await c.next()));
  }
  keys.forEach((key, i) => c.command(types[i] === '+hash' ? 'HGETALL' : 'GET', key));
  const out: Record<string, KeyState> = {};
  for (let i = 0; i < keys.length; i++) {
    const reply = await c.next();
    let value: KeyState['value'];
    if (types[i] === '+hash') {
      const items = reply.items ?? [];
      const pairs: [string, string][] = [];
      for (let j = 0; j < items.length; j += 2) pairs.push([text(items[j]!), text(items[j + 1]!)]);
      value = pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    } else {
      value = reply.type === '-' ? show(reply) : text(reply);
    }
    out[keys[i]!] = { type: types[i]!, value, pexpiretime: expiry[i]! };
  }
  return out;
}

/** Both servers hold exactly `keys`, with the same types, values and expiry times. */
async function expectSameData(primary: ReplyReader, replica: ReplyReader, keys: readonly string[]): Promise<void> {
  expect(await allKeys(replica)).toEqual([...keys].sort());
  const want = await dump(primary, keys);
  expect(await dump(replica, keys)).toEqual(want);
}

/** The shape of a reply: each leaf's type byte, arrays kept. */
function shape(r: Reply): unknown {
  return r.type === '*' ? (r.items ?? []).map(shape) : r.type;
}

// --- data ------------------------------------------------------------------------

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Strings (binary, integer-like, empty, long and compressible), hashes (small and big), TTLs, binary key names; keys start with a-m. */
async function fill(c: ReplyReader, prefix = ''): Promise<void> {
  const ok = async (...argv: (string | Buffer)[]): Promise<void> => {
    const r = await say(c, ...argv);
    expect(r, argv.join(' ')).not.toMatch(/^-/);
  };
  await ok('SET', `${prefix}alpha`, 'hello');
  await ok('SET', `${prefix}bin`, ALL_BYTES);
  await ok('SET', Buffer.concat([Buffer.from(`${prefix}k`), Buffer.from([0, 0xff, 13, 10, 0x80])]), ALL_BYTES.subarray(100));
  await ok('SET', `${prefix}counter`, '12345');
  await ok('SET', `${prefix}minus`, '-42');
  await ok('SET', `${prefix}empty`, '');
  await ok('SET', `${prefix}long`, 'abc'.repeat(2000));
  await ok('SET', `${prefix}e-ttl`, 'soon', 'PX', '300000');
  await ok('HSET', `${prefix}hash`, 'f1', 'v1', 'f2', ALL_BYTES, 'n', '7');
  const fields: string[] = [];
  for (let i = 0; i < 200; i++) fields.push(`field${i}`, `value${i}`.repeat(i % 7));
  await ok('HSET', `${prefix}big-hash`, ...fields);
  await ok('HSET', `${prefix}h-ttl`, 'a', '1');
  await ok('EXPIRE', `${prefix}h-ttl`, '200000');
  await ok('SET', `${prefix}gone`, 'x');
  await ok('DEL', `${prefix}gone`);
}

/** Writes of every kind Redis propagates differently (EXPIRE as PEXPIREAT, SET EX as PXAT, INCRBYFLOAT as SET KEEPTTL…). */
async function moreWrites(c: ReplyReader): Promise<void> {
  const writes: string[][] = [
    ['SET', 'alpha', 'world'],
    ['HSET', 'hash', 'f3', 'v3', 'f1', 'changed'],
    ['HDEL', 'hash', 'f2'],
    ['HINCRBY', 'hash', 'n', '5'],
    ['INCR', 'counter'],
    ['INCRBY', 'minus', '-8'],
    ['INCRBYFLOAT', 'float', '1.5'],
    ['APPEND', 'empty', 'now not'],
    ['SETRANGE', 'long', '10', 'XYZ'],
    ['EXPIRE', 'alpha', '5000'],
    ['PEXPIRE', 'counter', '7000000'],
    ['PERSIST', 'h-ttl'],
    ['SET', 'ex', 'v', 'EX', '100'],
    ['SETEX', 'ex2', '1000', 'w'],
    ['GETEX', 'e-ttl', 'PERSIST'],
    ['GETEX', 'alpha', 'PX', '600000'],
    ['GETDEL', 'minus'],
    ['DEL', 'big-hash'],
    ['MSET', 'm1', 'a', 'm2', 'b'],
    ['GETSET', 'm1', 'c'],
    ['SET', 'big', 'z'.repeat(100_000)],
  ];
  for (const w of writes) {
    const r = await say(c, ...w);
    expect(r, w.join(' ')).not.toMatch(/^-/);
  }
}

// --- the tests --------------------------------------------------------------------

describeWithRedis('replication, servers in their own processes', () => {
  test('redis-server as a replica of a kv node: the RDB, then the stream, WAIT and ROLE', async () => {
    // Two kv nodes, so that a cross-node RENAME brings a key onto foo (a-m), which redis-server follows.
    const ports = { foo: await freePort(), bar: await freePort() };
    const conf = kvConf(ports, ['a-m foo', 'n-z bar']);
    await kvNode(conf, 'foo', ports.foo);
    await kvNode(conf, 'bar', ports.bar);
    const kv = await connect(ports.foo);
    await fill(kv);
    expect(await say(kv, 'SET', 'zed', 'from bar')).toBe('+OK');
    expect(await say(kv, 'PEXPIRE', 'zed', '400000')).toBe(':1');
    expect(await say(kv, 'SET', 'apple', 'leaves foo')).toBe('+OK');

    const redis = await startRedisServer(['--replicaof', '127.0.0.1', String(ports.foo)]);
    const rc = await connect(redis.port);
    await linkUp(rc);
    const onFoo = (await allKeys(kv)).filter((k) => k >= 'a' && k < 'n');
    expect(onFoo.length).toBeGreaterThan(10);
    await expectSameData(kv, rc, onFoo);

    await moreWrites(kv);
    // foo -> bar: foo deletes apple; bar -> foo: foo gains moved, with zed's value and TTL.
    expect(await say(kv, 'RENAME', 'apple', 'napple')).toBe('+OK');
    expect(await say(kv, 'RENAME', 'zed', 'moved')).toBe('+OK');
    // This connection also wrote to bar (napple), which has no replica: its WAIT
    // counts the replicas holding all of its writes, the fewest over foo and bar.
    expect(await say(kv, 'WAIT', '1', '100')).toBe(':0');
    // A connection that wrote nothing asks foo alone, for its whole stream so far.
    const waiter = await connect(ports.foo);
    expect(await say(waiter, 'WAIT', '1', '1000'), `redis-server's log:\n${redis.log()}`).toBe(':1');
    // WAIT counted redis-server's acknowledgement: it has everything, no polling needed.
    const nowOnFoo = (await allKeys(kv)).filter((k) => k >= 'a' && k < 'n');
    expect(nowOnFoo).toContain('moved');
    expect(nowOnFoo).not.toContain('apple');
    await expectSameData(kv, rc, nowOnFoo);
    expect(await say(rc, 'PEXPIRETIME', 'moved')).not.toBe(':-1');

    const role = await kv.call(5000, 'ROLE');
    expect(shape(role)).toEqual(['$', ':', [['$', '$', '$']]]);
    const [ip, port, acked] = role.items![2]!.items![0]!.items!.map(text);
    expect([ip, port]).toEqual(['127.0.0.1', String(redis.port)]);
    expect(Number(acked)).toBeGreaterThan(0);
    expect(Number(acked)).toBeLessThanOrEqual(Number(role.items![1]!.line));
    const primaryInfo = await info(kv);
    expect(primaryInfo.get('connected_slaves')).toBe('1');
    expect(primaryInfo.get('slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${redis.port},state=online,offset=\\d+,lag=\\d+$`));
    // redis-server's view of the same history.
    const replicaInfo = await info(rc);
    expect(replicaInfo.get('master_replid')).toBe(primaryInfo.get('master_replid'));
    // It applied the GETACK of that last WAIT too: it is at foo's offset.
    expect(replicaInfo.get('slave_repl_offset')).toBe(primaryInfo.get('master_repl_offset'));
  }, 20_000);

  test('a kv node as a replica of redis-server: loads its RDB, follows, refuses writes, then REPLICAOF NO ONE keeps the data', async () => {
    const redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    const rc = await connect(redis.port);
    await fill(rc);
    const node = await soloNode();
    const kv = await connect(node.port);
    expect(await say(kv, 'SET', 'stale', 'mine')).toBe('+OK'); // a full resync replaces the dataset
    expect(await say(kv, 'REPLICAOF', '127.0.0.1', String(redis.port))).toBe('+OK');
    await linkUp(kv);
    await expectSameData(rc, kv, await allKeys(rc));

    await moreWrites(rc);
    // A transaction reaches a replica as MULTI … EXEC.
    expect(await say(rc, 'MULTI')).toBe('+OK');
    expect(await say(rc, 'SET', 'tx1', 'a')).toBe('+QUEUED');
    expect(await say(rc, 'HSET', 'tx2', 'f', 'b')).toBe('+QUEUED');
    expect(await say(rc, 'EXEC')).toBe('[+OK, :1]');
    // WAIT: redis-server counts kv's REPLCONF ACK, sent once kv applied everything before the GETACK.
    expect(await say(rc, 'WAIT', '1', '1000')).toBe(':1');
    const keys = await allKeys(rc);
    expect(keys).toContain('tx2');
    await expectSameData(rc, kv, keys);

    // A client write on the replica, of any kind.
    for (const w of [['SET', 'x', '1'], ['HSET', 'hash', 'f', 'v'], ['INCR', 'counter'], ['DEL', 'alpha'], ['EXPIRE', 'hash', '10']]) {
      expect(await say(kv, ...w), w.join(' ')).toBe(READONLY_ERROR);
    }
    const role = await kv.call(5000, 'ROLE');
    expect(shape(role)).toEqual(['$', '$', ':', '$', ':']);
    expect([text(role.items![0]!), text(role.items![1]!), role.items![2]!.line, text(role.items![3]!)]).toEqual(['slave', '127.0.0.1', String(redis.port), 'connected']);
    const redisRole = await rc.call(5000, 'ROLE');
    expect(redisRole.items![2]!.items!.map((r) => r.items!.map(text).slice(0, 2))).toEqual([['127.0.0.1', String(node.port)]]);

    // Migration from Redis: the kv node becomes a primary with the data.
    expect(await say(kv, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK');
    expect((await info(kv)).get('role')).toBe('master');
    await expectSameData(rc, kv, keys);
    expect(await say(kv, 'SET', 'x', 'mine now')).toBe('+OK');
    expect(await say(kv, 'GET', 'x')).toBe('"mine now"');
    // …and no longer follows redis-server.
    expect(await say(rc, 'SET', 'after', 'no')).toBe('+OK');
    await sleep(200);
    expect(await say(kv, 'EXISTS', 'after')).toBe(':0');
  }, 20_000);

  // foo2 follows foo (`replicaof foo`), in two setups. With its own table
  // (`route * foo2`) reads on foo2 run on foo2's copy whatever happened to foo.
  // With the shared table (`route * foo`) foo2 forwards keyed requests to foo
  // until it is promoted; REPLICAOF NO ONE must then make it serve foo's keys
  // itself (a take-over), or every read below fails on the dead foo.
  test.each(['own', 'shared'])('kv -> kv: after a SIGKILL of the primary, the promoted replica (%s table) has every write WAIT acknowledged', async (table) => {
    const ports = { foo: await freePort(), foo2: await freePort() };
    const conf = kvConf(ports, ['* foo'], { foo2: [...(table === 'own' ? ['route * foo2'] : []), 'replicaof foo'] });
    const foo = await kvNode(conf, 'foo', ports.foo);
    const foo2 = await kvNode(conf, 'foo2', ports.foo2);
    const replica = await connect(ports.foo2);
    await linkUp(replica);

    interface Write {
      key: string;
      /** SET key n / HSET key f n: present on the replica iff its value there is >= n; INCR: iff the counter is >= n. */
      field: string | null;
      n: number;
      acked: boolean;
      waited: boolean;
    }
    // Workers 0-2 send WAIT 1 100 after every BATCH writes; worker 3 never does,
    // so its acknowledged writes show what a client that does not WAIT can lose.
    const WORKERS = 4;
    const NO_WAIT = 3;
    const BATCH = 6;
    const logs: Write[][] = [];
    let stop = false;
    let waits = 0;
    let waitsShort = 0;
    const worker = async (w: number): Promise<void> => {
      const c = await connect(ports.foo);
      const log: Write[] = [];
      logs[w] = log;
      let incrs = 0;
      let unconfirmed: Write[] = [];
      for (let n = 1; !stop; n++) {
        let write: Write;
        let argv: string[];
        if (n % 3 === 0) {
          write = { key: `w${w}:c`, field: null, n: ++incrs, acked: false, waited: false };
          argv = ['INCR', write.key];
        } else if (n % 3 === 1) {
          write = { key: `w${w}:s`, field: null, n, acked: false, waited: false };
          argv = ['SET', write.key, String(n)];
        } else {
          write = { key: `w${w}:h`, field: `f${n % 4}`, n, acked: false, waited: false };
          argv = ['HSET', write.key, write.field!, String(n)];
        }
        log.push(write);
        try {
          write.acked = (await c.call(2000, ...argv)).type !== '-';
        } catch {
          return; // foo died: no reply
        }
        if (!write.acked) return;
        unconfirmed.push(write);
        if (w !== NO_WAIT && n % BATCH === 0) {
          let r: Reply;
          try {
            r = await c.call(2000, 'WAIT', '1', '100');
          } catch {
            return;
          }
          waits++;
          if (r.type === ':' && Number(r.line) >= 1) {
            for (const u of unconfirmed) u.waited = true;
            unconfirmed = [];
          } else waitsShort++;
        }
      }
    };
    const running = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await sleep(1500);
    foo.child.kill('SIGKILL');
    await foo.exited;
    stop = true;
    await running;

    expect(await say(replica, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK');
    expect((await info(replica)).get('role')).toBe('master');
    // What foo2 holds of each worker's keys.
    const seen = new Map<string, number>();
    for (let w = 0; w < WORKERS; w++) {
      for (const k of ['s', 'c']) {
        const r = await replica.call(5000, 'GET', `w${w}:${k}`);
        seen.set(`w${w}:${k}`, r.data === undefined ? 0 : Number(text(r)));
      }
      const h = (await replica.call(5000, 'HGETALL', `w${w}:h`)).items ?? [];
      for (let i = 0; i < h.length; i += 2) seen.set(`w${w}:h ${text(h[i]!)}`, Number(text(h[i + 1]!)));
    }
    const present = (x: Write): boolean => (seen.get(x.field === null ? x.key : `${x.key} ${x.field}`) ?? 0) >= x.n;

    const all = logs.flat();
    const acked = all.filter((x) => x.acked);
    const waited = acked.filter((x) => x.waited);
    const lostWaited = waited.filter((x) => !present(x));
    const lostUnwaited = acked.filter((x) => !x.waited && !present(x));
    const noWait = logs[NO_WAIT]!.filter((x) => x.acked);
    console.log(
      `kv -> kv failover (${table} table): ${acked.length} writes acknowledged, ${waited.length} of them confirmed by WAIT 1 100 ` +
        `(${waits} WAITs, ${waitsShort} returned 0); lost: ${lostWaited.length} confirmed by WAIT, ` +
        `${lostUnwaited.length} of ${acked.length - waited.length} acknowledged without WAIT ` +
        `(of which ${noWait.filter((x) => !present(x)).length} of ${noWait.length} from the worker that never WAITs)`,
    );
    expect(waited.length).toBeGreaterThan(100);
    expect(lostWaited.map((x) => `${x.key} ${x.field ?? ''} ${x.n}`)).toEqual([]);
    // The stream is applied in order: of each worker's writes, foo2 has a prefix.
    for (const log of logs) {
      const firstMissing = log.findIndex((x) => !present(x));
      if (firstMissing >= 0) expect(log.slice(firstMissing).filter(present).map((x) => `${x.key} ${x.n}`)).toEqual([]);
    }
    // The promoted replica takes writes.
    expect(await say(replica, 'INCR', 'w0:c')).toBe(`:${(seen.get('w0:c') ?? 0) + 1}`);
    expect(foo2.running()).toBe(true);
  }, 20_000);

  // Each pair: the primary, the replica following it through a CutProxy; the link is cut for 1.5 s while the primary takes writes.
  const pairs: [primary: 'kv' | 'redis', replica: 'kv' | 'redis'][] = [
    ['kv', 'kv'],
    ['kv', 'redis'],
    ['redis', 'kv'],
  ];
  test.each(pairs)('partial resync after a cut link: %s primary, %s replica', async (primaryKind, replicaKind) => {
    const start = async (kind: 'kv' | 'redis', args: string[] = []): Promise<{ port: number; log: () => string }> => {
      if (kind === 'redis') return startRedisServer(['--repl-diskless-sync-delay', '0', ...args]);
      const n = await soloNode();
      return { port: n.port, log: n.stderr };
    };
    const primary = await start(primaryKind);
    const pc = await connect(primary.port);
    await fill(pc);
    const proxy = await CutProxy.start(primary.port);
    const replica = await start(replicaKind, ['--replicaof', '127.0.0.1', String(proxy.port)]);
    const rc = await connect(replica.port);
    if (replicaKind === 'kv') expect(await say(rc, 'REPLICAOF', '127.0.0.1', String(proxy.port))).toBe('+OK');
    await linkUp(rc);
    expect(await say(pc, 'WAIT', '1', '2000')).toBe(':1');
    // Writes between the first sync and the cut, so the replica's offset must have moved past them.
    for (let k = 0; k < 5; k++) expect(await say(pc, 'INCR', 'counter')).toBe(`:${12346 + k}`);
    expect(await say(pc, 'WAIT', '1', '2000')).toBe(':1');
    await until('the replica at the primary\'s offset', async () => (await info(rc)).get('slave_repl_offset') === (await info(pc)).get('master_repl_offset'), 3000);
    const offsetAtCut = Number((await info(rc)).get('slave_repl_offset'));
    const primaryLogBefore = primary.log().length;
    const replicaLogBefore = replica.log().length;

    proxy.cut();
    const cutAt = Date.now();
    let i = 0;
    while (Date.now() - cutAt < 1500) {
      expect(await say(pc, 'SET', `during:${i}`, `v${i}`)).toBe('+OK');
      expect(await say(pc, 'HSET', 'hash', `during${i % 10}`, String(i))).toBe(':' + (i < 10 ? '1' : '0'));
      expect(await say(pc, 'INCR', 'counter')).toBe(`:${12351 + i}`);
      i++;
      if (i % 20 === 0) await sleep(10);
    }
    expect((await info(rc)).get('master_link_status')).toBe('down');
    proxy.heal();
    await linkUp(rc);
    expect(await say(pc, 'WAIT', '1', '3000')).toBe(':1');
    await expectSameData(pc, rc, await allKeys(pc));

    const primaryLog = primary.log();
    const replicaLog = replica.log();
    const primaryAfter = primaryLog.slice(primaryLogBefore);
    const replicaAfter = replicaLog.slice(replicaLogBefore);
    const detail = `\nprimary log since the cut:\n${primaryAfter}\nreplica log since the cut:\n${replicaAfter}`;
    // The replica resumed where it was at the cut: nothing applied twice, nothing skipped.
    expect(primaryAfter, detail).toMatch(new RegExp(`Partial resynchronization request from \\S+ accepted.* starting from offset ${offsetAtCut + 1}\\b`));
    expect(replicaAfter, detail).toMatch(/Successful partial resynchronization with master/);
    // One full resync in all: the first sync.
    const fullSync = primaryKind === 'kv' ? /Full resync requested by replica/g : /Starting BGSAVE for SYNC/g;
    expect(primaryLog.match(fullSync)?.length, detail).toBe(1);
    expect(replicaLog.match(/Full resync from master/g)?.length, detail).toBe(1);
    console.log(`partial resync ${primaryKind} -> ${replicaKind}: ${i} rounds of writes during the cut; ${primaryAfter.match(/Partial resynchronization request[^\n]*/)?.[0]}`);
  }, 20_000);

  // kv holds no streams, and database 0 only: a redis-server primary with
  // a stream, or keys in database 1, cannot be loaded whole. Redis's rule for a
  // replica whose load failed: no dataset, no history; the link stays down and
  // the next attempt is a full sync again, never a +CONTINUE on the offset of
  // an RDB that was not loaded.
  test.each([
    ['a stream', ['XADD', 'stream', '*', 'f', 'v']],
    ['a key in database 1', ['MOVE', 'str:0', '1']],
  ])('a kv replica whose full sync cannot be loaded (%s) does not carry on as if it had synced', async (_what, extra) => {
    const redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    const rc = await connect(redis.port);
    for (let i = 0; i < 30; i++) expect(await say(rc, 'SET', `str:${i}`, `v${i}`)).toBe('+OK');
    expect(await say(rc, ...extra)).not.toMatch(/^-/);
    const node = await soloNode();
    const kv = await connect(node.port);
    expect(await say(kv, 'REPLICAOF', '127.0.0.1', String(redis.port))).toBe('+OK');
    await until('the failed load in the log', async () => /Failed trying to load/.test(node.stderr()), 5000);
    const failedAt = node.stderr().search(/Failed trying to load/);
    // The link is retried every second: leave time for two attempts.
    await sleep(2500);
    const after = node.stderr().slice(failedAt);
    const detail = `kv's log:\n${node.stderr()}\nINFO replication: ${JSON.stringify([...(await info(kv))])}\nkeys on kv: ${JSON.stringify(await allKeys(kv))}`;
    expect(after, detail).not.toMatch(/Successful partial resynchronization/);
    // Up would mean in sync: then every string the primary holds in database 0 must be here.
    if ((await info(kv)).get('master_link_status') === 'up') {
      const strings = (await allKeys(rc)).filter((k) => k.startsWith('str:'));
      expect(await dump(kv, strings), detail).toEqual(await dump(rc, strings));
    }
  }, 20_000);

  test("a redis-server primary's writes in database 1 leave the kv replica's database 0 alone", async () => {
    const redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    const rc = await connect(redis.port);
    expect(await say(rc, 'SET', 'a', 'db0')).toBe('+OK');
    const node = await soloNode();
    const kv = await connect(node.port);
    expect(await say(kv, 'REPLICAOF', '127.0.0.1', String(redis.port))).toBe('+OK');
    await linkUp(kv);
    // The stream says SELECT 1 before these, and SELECT 0 before the last.
    expect(await say(rc, 'SELECT', '1')).toBe('+OK');
    expect(await say(rc, 'SET', 'a', 'db1')).toBe('+OK');
    expect(await say(rc, 'SET', 'only-in-db1', 'x')).toBe('+OK');
    expect(await say(rc, 'SELECT', '0')).toBe('+OK');
    expect(await say(rc, 'SET', 'after', 'db0')).toBe('+OK');
    expect(await say(rc, 'WAIT', '1', '1000')).toBe(':1');
    expect(await say(kv, 'GET', 'after')).toBe('"db0"');
    expect(await dump(kv, await allKeys(kv))).toEqual(await dump(rc, await allKeys(rc)));
  }, 20_000);

  test('a link cut for longer than the backlog holds: a full resync, and the same data', async () => {
    // kv primary with the smallest backlog (16 KB); a kv and a redis-server replica, each through its own proxy.
    const primary = await soloNode(['repl-backlog-size 16kb']);
    const pc = await connect(primary.port);
    await fill(pc);
    const kvProxy = await CutProxy.start(primary.port);
    const redisProxy = await CutProxy.start(primary.port);
    const kvReplica = await soloNode();
    const redisReplica = await startRedisServer(['--replicaof', '127.0.0.1', String(redisProxy.port)]);
    const replicas = [
      { name: 'kv', c: await connect(kvReplica.port), log: kvReplica.stderr },
      { name: 'redis-server', c: await connect(redisReplica.port), log: redisReplica.log },
    ];
    expect(await say(replicas[0]!.c, 'REPLICAOF', '127.0.0.1', String(kvProxy.port))).toBe('+OK');
    for (const r of replicas) await linkUp(r.c);
    expect(await say(pc, 'WAIT', '2', '2000')).toBe(':2');
    kvProxy.cut();
    redisProxy.cut();
    // 200 KB of writes while they are away: far more than the backlog keeps.
    for (let i = 0; i < 200; i++) expect(await say(pc, 'SET', `cut:${i}`, 'x'.repeat(1000))).toBe('+OK');
    expect(await say(pc, 'INCR', 'counter')).toBe(':12346');
    expect(Number((await info(pc)).get('repl_backlog_histlen'))).toBeLessThanOrEqual(16 * 1024 + 1100);
    kvProxy.heal();
    redisProxy.heal();
    for (const r of replicas) await linkUp(r.c);
    expect(await say(pc, 'WAIT', '2', '3000')).toBe(':2');
    const keys = await allKeys(pc);
    for (const r of replicas) await expectSameData(pc, r.c, keys);
    // Two full resyncs on each side: the first sync, and the one after the cut.
    expect(primary.stderr().match(/Full resync requested by replica/g)?.length, primary.stderr()).toBe(4);
    expect(primary.stderr()).not.toMatch(/Partial resynchronization request from .* accepted/);
    for (const r of replicas) expect(r.log().match(/Full resync from master/g)?.length, `${r.name}:\n${r.log()}`).toBe(2);
  }, 20_000);

  test('a replica paused (SIGSTOP) while its primary takes writes catches up on the same link', async () => {
    // SIGSTOP does not cut the TCP link: the stream waits in the socket buffers
    // and kv's primary has no replica timeout or output limit, so no resync of any kind follows.
    const primary = await soloNode();
    const pc = await connect(primary.port);
    await fill(pc);
    const replica = await soloNode();
    const rc = await connect(replica.port);
    expect(await say(rc, 'REPLICAOF', '127.0.0.1', String(primary.port))).toBe('+OK');
    await linkUp(rc);
    expect(await say(pc, 'WAIT', '1', '2000')).toBe(':1');
    replica.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    let i = 0;
    try {
      while (Date.now() - stoppedAt < 1500) {
        if (i >= 3000) {
          await sleep(20);
          continue;
        }
        expect(await say(pc, 'SET', `paused:${i}`, 'y'.repeat(i % 500))).toBe('+OK');
        expect(await say(pc, 'INCR', 'counter')).toBe(`:${12346 + i}`);
        i++;
      }
      // Nobody acknowledges while the replica is stopped.
      expect(await say(pc, 'WAIT', '1', '200')).toBe(':0');
    } finally {
      replica.child.kill('SIGCONT');
    }
    expect(await say(pc, 'WAIT', '1', '5000')).toBe(':1');
    await expectSameData(pc, rc, await allKeys(pc));
    expect(primary.stderr().match(/Full resync requested by replica/g)?.length).toBe(1);
    expect(primary.stderr()).not.toMatch(/Partial resynchronization/);
    expect(replica.stderr()).not.toMatch(/Error condition|Successful partial/);
    console.log(`SIGSTOP of a replica for 1.5 s: ${i} rounds of writes, caught up on the same link`);
  }, 20_000);

  test('masterauth and requirepass: redis-server following a kv node, and a kv node configured with `replicaof <host> <port>` following redis-server', async () => {
    // A kv primary with requirepass; redis-server follows it with --masterauth.
    const kvPrimary = await soloNode(['requirepass kv-pass']);
    const kc = await connect(kvPrimary.port);
    expect(await say(kc, 'AUTH', 'kv-pass')).toBe('+OK');
    await fill(kc);
    const redisReplica = await startRedisServer(['--replicaof', '127.0.0.1', String(kvPrimary.port), '--masterauth', 'kv-pass']);
    const rrc = await connect(redisReplica.port);
    await linkUp(rrc);
    await expectSameData(kc, rrc, await allKeys(kc));

    // A redis-server primary with requirepass; a kv node whose cluster.conf says where to follow and the password.
    const redisPrimary = await startRedisServer(['--repl-diskless-sync-delay', '0', '--requirepass', 'redis-pass']);
    const rpc = await connect(redisPrimary.port);
    expect(await say(rpc, 'AUTH', 'redis-pass')).toBe('+OK');
    await fill(rpc);
    const kvReplica = await soloNode([`replicaof 127.0.0.1 ${redisPrimary.port}`, 'masterauth redis-pass']);
    const krc = await connect(kvReplica.port);
    await linkUp(krc);
    await expectSameData(rpc, krc, await allKeys(rpc));
    expect(await say(rpc, 'SET', 'later', 'arrives')).toBe('+OK');
    expect(await say(rpc, 'WAIT', '1', '1000')).toBe(':1');
    expect(await say(krc, 'GET', 'later')).toBe('"arrives"');

    // A wrong password: the link stays down, and the node says why.
    const refused = await soloNode([`replicaof 127.0.0.1 ${redisPrimary.port}`, 'masterauth wrong']);
    const fc = await connect(refused.port);
    await until('the AUTH refusal in the log', async () => /AUTH/i.test(refused.stderr()), 5000);
    expect((await info(fc)).get('master_link_status')).toBe('down');
    expect(refused.stderr()).toMatch(/unable to AUTH to MASTER: -WRONGPASS/);
  }, 20_000);

  interface Side {
    primary: ReplyReader;
    replica: ReplyReader;
    primaryPort: number;
    replicaPort: number;
  }

  /**
   * A redis-server primary and a redis-server replica; a kv primary foo and a
   * kv replica foo2 (`replicaof foo`), and, with `sharedTable`, foo2 keeps the
   * shared table (`route * foo`) rather than `route * foo2`. Each pair holds k=v, acknowledged by WAIT.
   */
  async function replicaPairs(sharedTable = false): Promise<Record<'redis' | 'kv', Side>> {
    const rp = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    const rr = await startRedisServer(['--replicaof', '127.0.0.1', String(rp.port)]);
    const ports = { foo: await freePort(), foo2: await freePort() };
    const conf = kvConf(ports, ['* foo'], { foo2: [...(sharedTable ? [] : ['route * foo2']), 'replicaof foo'] });
    await kvNode(conf, 'foo', ports.foo);
    await kvNode(conf, 'foo2', ports.foo2);
    const sides = {
      redis: { primary: await connect(rp.port), replica: await connect(rr.port), primaryPort: rp.port, replicaPort: rr.port },
      kv: { primary: await connect(ports.foo), replica: await connect(ports.foo2), primaryPort: ports.foo, replicaPort: ports.foo2 },
    };
    for (const [name, s] of Object.entries(sides)) {
      await linkUp(s.replica);
      expect(await say(s.primary, 'SET', 'k', 'v')).toBe('+OK');
      expect(await say(s.primary, 'WAIT', '1', '1000'), name).toBe(':1');
    }
    return sides;
  }

  test('READONLY, WAIT, ROLE and INFO replication on a kv pair, as on a redis-server pair', async () => {
    const seen: Record<string, Record<string, unknown>> = {};
    for (const [name, s] of Object.entries(await replicaPairs())) {
      const out: Record<string, unknown> = {};
      out['GET on the replica'] = await say(s.replica, 'GET', 'k');
      for (const w of [['SET', 'k', 'x'], ['DEL', 'k'], ['INCR', 'n'], ['HSET', 'h', 'f', 'v'], ['EXPIRE', 'k', '10'], ['SETEX', 'k', '10', 'v']]) {
        out[w.join(' ')] = await say(s.replica, ...w);
      }
      out['WAIT on the replica'] = await say(s.replica, 'WAIT', '0', '0');
      out['value after all that'] = await say(s.replica, 'GET', 'k');

      const primaryRole = await s.primary.call(5000, 'ROLE');
      out['ROLE on the primary'] = shape(primaryRole);
      out['ROLE on the primary: word, replica ip'] = [text(primaryRole.items![0]!), ...(primaryRole.items![2]!.items ?? []).map((r) => text(r.items![0]!))];
      expect(primaryRole.items![2]!.items![0]!.items![1]!.data?.toString(), name).toBe(String(s.replicaPort));
      const replicaRole = await s.replica.call(5000, 'ROLE');
      out['ROLE on the replica'] = shape(replicaRole);
      out['ROLE on the replica: word, host, state'] = [text(replicaRole.items![0]!), text(replicaRole.items![1]!), text(replicaRole.items![3]!)];
      expect(replicaRole.items![2]!.line, name).toBe(String(s.primaryPort));

      // INFO replication: the same fields in the same order, and slave0's parts.
      const pInfo = await info(s.primary);
      const rInfo = await info(s.replica);
      out['INFO replication fields on the primary'] = [...pInfo.keys()];
      out['INFO replication fields on the replica'] = [...rInfo.keys()];
      out['slave0 parts'] = pInfo.get('slave0')?.split(',').map((p) => p.split('=')[0]);
      out['replica: role, link, read only, sync in progress'] = [rInfo.get('role'), rInfo.get('master_link_status'), rInfo.get('slave_read_only'), rInfo.get('master_sync_in_progress')];
      expect(rInfo.get('master_replid'), name).toBe(pInfo.get('master_replid'));
      seen[name] = out;
    }
    expect(seen['kv']).toEqual(seen['redis']);
    expect(seen['kv']!['SET k x']).toBe(READONLY_ERROR);
  }, 20_000);

  // On a replica node with its own table (`route * foo2`): commands that reach
  // every node of cluster.conf (DBSIZE, KEYS, FLUSHALL) and a write queued in MULTI.
  test('DBSIZE, KEYS, FLUSHALL and MULTI on a kv replica, as on a redis-server replica', async () => {
    const seen: Record<string, Record<string, string>> = {};
    for (const [name, s] of Object.entries(await replicaPairs())) {
      const out: Record<string, string> = {};
      out['DBSIZE on the replica'] = await say(s.replica, 'DBSIZE');
      out['KEYS * on the replica'] = await say(s.replica, 'KEYS', '*');
      out['MULTI'] = await say(s.replica, 'MULTI');
      out['SET in MULTI'] = await say(s.replica, 'SET', 'k', 'y');
      out['EXEC'] = await say(s.replica, 'EXEC');
      out['FLUSHALL on the replica'] = await say(s.replica, 'FLUSHALL');
      out['DBSIZE on the primary after FLUSHALL on the replica'] = await say(s.primary, 'DBSIZE');
      await sleep(100);
      out['GET k on the replica after all that'] = await say(s.replica, 'GET', 'k');
      seen[name] = out;
    }
    expect(seen['kv']).toEqual(seen['redis']);
  }, 20_000);

  // The replica keeps the shared table (`route * foo`), so writes sent to it are
  // forwarded to foo by design; what reaches every node must still count foo's keys once, and a refused FLUSHALL flush nothing.
  test('DBSIZE, KEYS and FLUSHALL on a kv replica that keeps the shared table', async () => {
    const { kv, redis } = await replicaPairs(true);
    expect(await say(kv.replica, 'SET', 'k2', 'forwarded')).toBe('+OK');
    expect(await say(kv.primary, 'GET', 'k2')).toBe('"forwarded"');
    expect(await say(redis.primary, 'SET', 'k2', 'forwarded')).toBe('+OK');
    expect(await say(redis.primary, 'WAIT', '1', '1000')).toBe(':1');
    expect(await say(kv.primary, 'WAIT', '1', '1000')).toBe(':1');
    const seen: Record<string, Record<string, string>> = {};
    for (const [name, s] of Object.entries({ kv, redis })) {
      const out: Record<string, string> = {};
      out['DBSIZE on the replica'] = await say(s.replica, 'DBSIZE');
      out['KEYS * on the replica'] = JSON.stringify(await allKeys(s.replica));
      out['FLUSHALL on the replica'] = await say(s.replica, 'FLUSHALL');
      out['DBSIZE on the primary after FLUSHALL on the replica'] = await say(s.primary, 'DBSIZE');
      seen[name] = out;
    }
    expect(seen['kv']).toEqual(seen['redis']);
  }, 20_000);
});
