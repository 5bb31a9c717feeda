// Property-based tests over live nodes, with fixed seeds so a run is repeatable
// (fast-check prints the seed and the shrunk counterexample on failure; set
// KV_FUZZ_SEED to explore other seeds). Each property runs its full numRuns:
// no time limit that would end a run early and still count it as a pass.
//
// 1. Byte streams: random bytes, streams built from RESP's own tokens, and valid
//    pipelines mutated (truncated, bytes flipped, \r\n inserted, lengths made
//    huge…) go to a single node and to a cluster's entry node, each on a fresh
//    connection, in random chunks. The node must never crash or hang: a control
//    connection gets +PONG after every stream, and the fuzzed connection gets
//    one reply per complete request (as the request decoder frames the stream),
//    then the protocol error and a close if the stream goes bad — never silence
//    where a reply is owed. The same streams go to redis-server, when installed,
//    to hold that framing to Redis's.
// 2. A model: random sequences of string and hash commands through a two-node
//    cluster (a-m on foo, n-z on bar), each sent to either node, checked reply
//    by reply, byte for byte, against a Map-based model of Redis — itself checked
//    against redis-server; then the same kind of sequences
//    as single pipelines, whose replies must come back in request order.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import fc from 'fast-check';
import { RequestDecoder } from '../server/protocol/request-decoder.js';
import { DEFAULT_SETTINGS } from '../server/cluster/config.js';
import { RawClient } from './support/raw.js';
import { replyCount, resp } from './support/exchange.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';
import { WITHOUT_REDIS, missing, missingMessage, nameWithRedis } from './support/redis-rule.js';

/** No redis-server: the comparisons with it fail saying so, or are left out with KV_TEST_WITHOUT_REDIS=1. */
const NO_REDIS = missing().length > 0;

const SEED = Number(process.env['KV_FUZZ_SEED'] ?? 20_240_611);
const CLUSTER = { nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] };
/**
 * Three nodes whose tables differ: foo sends every key to bar; bar keeps n-z and
 * sends a-m on to baz. From foo, a-m takes two hops and n-z one, a RENAME or
 * MSET whose keys foo sees on one node is split by bar, and DBSIZE reaches all three.
 */
const THREE = {
  nodes: ['foo', 'bar', 'baz'],
  routes: ['a-m foo', 'n-z bar'],
  sections: { foo: ['a-z bar'], bar: ['a-m baz', 'n-z bar'], baz: ['a-z baz'] },
};
/** Streams per target, and command sequences for the model. */
const STREAMS = 1500;
const SEQUENCES = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves true once `cond()` holds, false if it still does not after `ms`.
 * The nodes run in this process, so a timer may fire late, before the socket
 * data that arrived meanwhile was read: a late timer waits one more poll phase
 * (setImmediate) and re-arms instead of giving up.
 */
function eventually(cond: () => boolean, wake: (f: () => void) => void, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    const check = (): void => {
      if (cond()) finish(true);
    };
    wake(check);
    let armedAt = Date.now();
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      timer = setTimeout(() => {
        const late = Date.now() - armedAt - ms > 50;
        setImmediate(() => {
          if (done) return;
          if (cond()) return finish(true);
          if (late) {
            armedAt = Date.now();
            arm();
          } else finish(false);
        });
      }, ms);
    };
    arm();
    check();
  });
}

/** A raw connection that records what it receives and whether it was closed. */
class Conn {
  bytes = '';
  closed = false;
  private listeners: (() => void)[] = [];
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes += d.toString('latin1');
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }
  private notify(): void {
    for (const f of this.listeners) f();
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  async write(chunks: Buffer[]): Promise<void> {
    for (const c of chunks) {
      if (this.closed) return;
      await new Promise<void>((r) => this.socket.write(c, () => r()));
      // Separate writes, so the node sees separate reads more often than not.
      await new Promise((r) => setImmediate(r));
    }
  }
  until(cond: () => boolean, ms: number): Promise<boolean> {
    return eventually(cond, (f) => this.listeners.push(f), ms);
  }
  close(): void {
    this.socket.destroy();
  }
}

/** The control connection's check: +PONG within a second. */
async function pingWithin(c: Conn, ms = 1000): Promise<void> {
  const before = c.bytes.length;
  await c.write([Buffer.from(resp('PING'))]);
  const ok = await c.until(() => c.bytes.length >= before + 7, ms);
  expect(ok && c.bytes.slice(before) === '+PONG\r\n', `control connection: ${JSON.stringify(c.bytes.slice(before))}`).toBe(true);
  c.bytes = '';
}

/** What the node must do with `input`: the requests it frames, and the protocol error if any. */
function frame(input: Buffer): { requests: string[][]; error: string | null } {
  const requests: string[][] = [];
  const decoder = new RequestDecoder((argv) => requests.push(argv), {
    maxBulkLen: Number(DEFAULT_SETTINGS.get('proto-max-bulk-len')),
    maxQueryBuffer: Number(DEFAULT_SETTINGS.get('client-query-buffer-limit')),
    authRequired: () => false,
  });
  return { requests, error: decoder.feed(input) };
}

// ---------------------------------------------------------------------------
// Stream generators

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Keys on both nodes, and some no table entry covers (empty, "{", NUL). */
const KEYS = ['apple', 'kiwi', 'melon', 'nut', 'zebra', 'k', '', '{x}', '\x00'];
const key = fc.constantFrom(...KEYS);
const value = fc.oneof(fc.constantFrom('0', '1', '-1', '9223372036854775807', 'abc', ''), fc.uint8Array({ maxLength: 12 }).map(latin1));

/** Requests that cannot stop or reconfigure the node (no CONFIG, no internal commands). */
const request: fc.Arbitrary<string[]> = fc.oneof(
  fc.constant<string[]>(['PING']),
  value.map((v) => ['ECHO', v]),
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  key.map((k) => ['GET', k]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['DEL', ...ks]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['MGET', ...ks]),
  fc.tuple(key, value, key, value).map(([a, v, b, w]) => ['MSET', a, v, b, w]),
  key.map((k) => ['INCR', k]),
  fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(key, value).map(([k, v]) => ['HSET', k, 'f', v]),
  key.map((k) => ['HGETALL', k]),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  key.map((k) => ['TYPE', k]),
  key.map((k) => ['EXPIRE', k, '100']),
  key.map((k) => ['ROUTE', k]),
  fc.constantFrom<string[]>(['DBSIZE'], ['KEYS', '*'], ['SCAN', '0'], ['MULTI'], ['EXEC'], ['DISCARD'], ['HELLO', '3'], ['HELLO', '2'], ['QUIT'], ['CLIENT', 'SETNAME', 'fz'], ['NOSUCH', 'x']),
);

/** A pipeline of valid requests, each as RESP or as an inline line. */
const pipeline = fc
  .array(fc.tuple(request, fc.boolean()), { minLength: 1, maxLength: 8, size: 'max' })
  .map((reqs) => reqs.map(([argv, inline]) => (inline ? argv.join(' ') + '\r\n' : resp(...argv))).join(''));

/** Lengths and counts that probe the decoder's bounds. */
const HUGE = ['2147483647', '2147483648', '536870912', '536870913', '99999999999999999999', '-1', '-2', '0', '', 'x', '1 '];

type Mutation = (s: string) => string;
const at = (s: string, n: number): number => (s.length === 0 ? 0 : n % (s.length + 1));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (s: string) => s.slice(0, at(s, n))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([n, x]) => (s: string) => {
    const i = at(s, n);
    return i >= s.length ? s : s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ x) + s.slice(i + 1);
  }),
  fc.tuple(fc.nat(), fc.constantFrom('\r\n', '\r', '\n', '\x00', '"', '*', '$')).map(([n, t]) => (s: string) => s.slice(0, at(s, n)) + t + s.slice(at(s, n))),
  fc.tuple(fc.nat(), fc.nat({ max: 8 })).map(([n, len]) => (s: string) => s.slice(0, at(s, n)) + s.slice(at(s, n) + len)),
  fc.tuple(fc.nat(), fc.constantFrom(...HUGE)).map(([n, huge]) => (s: string) => {
    // Replace the n-th count or length with a huge (or broken) one.
    const spots = [...s.matchAll(/[*$](-?\d+)\r/g)];
    if (spots.length === 0) return s;
    const m = spots[n % spots.length]!;
    return s.slice(0, m.index + 1) + huge + s.slice(m.index + 1 + m[1]!.length);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (s: string) => {
    const [i, j] = [at(s, a), at(s, b)].sort((x, y) => x - y);
    return s.slice(0, j) + s.slice(i!, j) + s.slice(j);
  }),
);
const mutated = fc.tuple(pipeline, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([s, ms]) => ms.reduce((acc, m) => m(acc), s));

/** Streams made of RESP's own pieces, to reach the decoder's states more often than uniform bytes do. */
const TOKENS = ['*', '$', '\r\n', '\r', '\n', '0', '1', '2', '3', '4', '-', '-1', '9', 'PING', 'GET', 'SET', 'ECHO', 'apple', 'zebra', ' ', '"', "'", '\\', '\\x4', '\x00', '\xff', '*1\r\n', '*2\r\n', '$4\r\n', '$1\r\n', '$3\r\n'];
const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40, size: 'max' }).map((t) => t.join(''));

const stream: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300, size: 'max' }).map((b) => Buffer.from(b)) },
  { weight: 3, arbitrary: tokens.map((s) => Buffer.from(s, 'latin1')) },
  { weight: 5, arbitrary: mutated.map((s) => Buffer.from(s, 'latin1')) },
);

/** A stream and where to cut it into separate writes. */
const chunked = fc.tuple(stream, fc.array(fc.nat(), { maxLength: 3 })).map(([buf, cuts]) => {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, buf.length]) {
    if (p > from) chunks.push(buf.subarray(from, p));
    from = p;
  }
  return { buf, chunks };
});

// ---------------------------------------------------------------------------

describe('fuzzed byte streams never crash or hang a node', () => {
  let single: TestCluster;
  let cluster: TestCluster;
  let redis: ExternalServer | null = null;
  const counts = { streams: 0, requests: 0, errors: 0, quits: 0 };

  beforeAll(async () => {
    single = await startSingleNode();
    cluster = await startCluster(CLUSTER);
    if (!NO_REDIS) redis = await startRedis();
  });
  afterAll(async () => {
    console.log(`fuzz streams: ${counts.streams} streams, ${counts.requests} complete requests, ${counts.errors} protocol errors, ${counts.quits} QUITs`);
    await single.stop();
    await cluster.stop();
    await redis?.stop();
  });

  /** Sends one stream on a fresh connection and checks the outcome against the framing. */
  async function run(port: number, control: Conn, input: { buf: Buffer; chunks: Buffer[] }): Promise<void> {
    const { requests, error } = frame(input.buf);
    const quit = requests.findIndex((a) => a[0]!.toLowerCase() === 'quit');
    const answered = quit >= 0 ? quit + 1 : requests.length;
    const protocolError = quit < 0 && error !== null && error.startsWith('Protocol error') ? error : null;
    const closes = quit >= 0 || error !== null;
    const expected = answered + (protocolError ? 1 : 0);
    counts.streams++;
    counts.requests += answered;
    if (protocolError) counts.errors++;
    if (quit >= 0) counts.quits++;

    const c = await Conn.open(port);
    await c.write(input.chunks);
    // No unbounded silence: every owed reply (and the close) within the deadline.
    const settled = await c.until(() => c.closed || (!closes && replyCount(c.bytes).count >= expected), 3000);
    const got = replyCount(c.bytes);
    const what = `${JSON.stringify(input.buf.toString('latin1'))}: expected ${expected} replies${closes ? ' and a close' : ''}, got ${got.count}${c.closed ? ' and a close' : ''}: ${JSON.stringify(c.bytes.slice(0, 400))}`;
    expect(settled, what).toBe(true);
    expect(got.rest, what).toBe('');
    expect(c.closed, what).toBe(closes);
    expect(got.count, what).toBe(expected);
    // As in Redis, an error reply cannot carry a line break: CR and LF become spaces.
    if (protocolError) expect(c.bytes.endsWith(`-ERR ${protocolError.replace(/[\r\n]/g, ' ')}\r\n`), what).toBe(true);
    c.close();
    await pingWithin(control);
  }

  // redis-server too, when installed: the framing the checks rely on (the
  // node's own request decoder) must be the one Redis applies to the same bytes.
  const targets = [
    ['single node', () => single.ports['solo']!, false],
    ['cluster entry node', () => cluster.ports['foo']!, false],
    ['redis-server', () => redis?.port ?? 0, true],
  ] as const;

  for (const [name, port, needsRedis] of targets) {
    const title = `${name}: ${STREAMS} streams (random bytes, RESP tokens, mutated pipelines)`;
    test.skipIf(needsRedis && NO_REDIS && WITHOUT_REDIS)(needsRedis ? nameWithRedis(title) : title, async () => {
      if (needsRedis && NO_REDIS) throw new Error(missingMessage(missing()));
      const before = counts.streams;
      const control = await Conn.open(port());
      await pingWithin(control);
      await fc.assert(
        fc.asyncProperty(chunked, (input) => run(port(), control, input)),
        { seed: SEED, numRuns: STREAMS },
      );
      expect(counts.streams - before, 'streams checked').toBe(STREAMS);
      // Every fuzzed connection is gone on the node's side too, and a newcomer is served.
      const info = async (): Promise<number> => {
        await control.write([Buffer.from(resp('INFO', 'clients'))]);
        await control.until(() => replyCount(control.bytes).count === 1, 1000);
        const n = Number(/connected_clients:(\d+)/.exec(control.bytes)?.[1]);
        control.bytes = '';
        return n;
      };
      let clients = await info();
      for (let i = 0; i < 50 && clients !== 1; i++) {
        await sleep(20);
        clients = await info();
      }
      expect(clients, 'connections left on the node after the fuzz').toBe(1);
      const fresh = await RawClient.connect(port());
      expect(await fresh.command('PING')).toBe('+PONG\r\n');
      fresh.close();
      control.close();
    }, 40_000);
  }
});

// ---------------------------------------------------------------------------
// The model

type Value = string | Map<string, string>;

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
const NIL = '$-1\r\n';
const OK = '+OK\r\n';
const int = (n: number | bigint): string => `:${n}\r\n`;
const arr = (items: string[]): string => `*${items.length}\r\n${items.join('')}`;

/** Redis's string2ll: the spelling INCR accepts. */
function asInt64(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n <= 2n ** 63n - 1n ? n : null;
}

/** Applies `argv` to the store and returns Redis's exact RESP2 reply. */
function apply(store: Map<string, Value>, argv: string[]): string {
  const [name, ...args] = argv;
  const get = (k: string): Value | undefined => store.get(k);
  switch (name) {
    case 'SET':
      store.set(args[0]!, args[1]!);
      return OK;
    case 'GET': {
      const v = get(args[0]!);
      return v === undefined ? NIL : typeof v === 'string' ? bulk(v) : WRONGTYPE;
    }
    case 'DEL':
      return int(args.filter((k) => store.delete(k)).length);
    case 'EXISTS':
      return int(args.filter((k) => store.has(k)).length);
    case 'INCR': {
      const v = get(args[0]!);
      if (v instanceof Map) return WRONGTYPE;
      const n = v === undefined ? 0n : asInt64(v);
      if (n === null) return '-ERR value is not an integer or out of range\r\n';
      if (n === 2n ** 63n - 1n) return '-ERR increment or decrement would overflow\r\n';
      store.set(args[0]!, String(n + 1n));
      return int(n + 1n);
    }
    case 'APPEND': {
      const v = get(args[0]!);
      if (v instanceof Map) return WRONGTYPE;
      const s = (v ?? '') + args[1]!;
      store.set(args[0]!, s);
      return int(s.length);
    }
    case 'HSET': {
      const v = get(args[0]!);
      if (typeof v === 'string') return WRONGTYPE;
      const h = v ?? new Map<string, string>();
      store.set(args[0]!, h);
      let added = 0;
      for (let i = 1; i < args.length; i += 2) {
        if (!h.has(args[i]!)) added++;
        h.set(args[i]!, args[i + 1]!);
      }
      return int(added);
    }
    case 'HGET': {
      const v = get(args[0]!);
      if (typeof v === 'string') return WRONGTYPE;
      const f = v?.get(args[1]!);
      return f === undefined ? NIL : bulk(f);
    }
    case 'HDEL': {
      const v = get(args[0]!);
      if (typeof v === 'string') return WRONGTYPE;
      if (v === undefined) return int(0);
      const n = args.slice(1).filter((f) => v.delete(f)).length;
      if (v.size === 0) store.delete(args[0]!);
      return int(n);
    }
    case 'HGETALL': {
      const v = get(args[0]!);
      if (typeof v === 'string') return WRONGTYPE;
      // Small hashes are listpacks in Redis: fields in insertion order.
      return arr([...(v ?? new Map<string, string>())].flatMap(([f, x]) => [bulk(f), bulk(x)]));
    }
    case 'MGET':
      return arr(args.map((k) => {
        const v = get(k);
        return typeof v === 'string' ? bulk(v) : NIL;
      }));
    case 'MSET':
      for (let i = 0; i < args.length; i += 2) store.set(args[i]!, args[i + 1]!);
      return OK;
    case 'RENAME': {
      const v = get(args[0]!);
      if (v === undefined) return '-ERR no such key\r\n';
      store.delete(args[0]!);
      store.set(args[1]!, v);
      return OK;
    }
    case 'TYPE': {
      const v = get(args[0]!);
      return v === undefined ? '+none\r\n' : typeof v === 'string' ? '+string\r\n' : '+hash\r\n';
    }
    case 'DBSIZE':
      return int(store.size);
    default:
      throw new Error(`model: no ${name}`);
  }
}

// Both halves of the table: a, k, m on foo; n, p, y, z on bar.
const M_KEYS = ['apple', 'avocado', 'kiwi', 'melon', 'nut', 'pear', 'yak', 'zebra'];
const mKey = fc.constantFrom(...M_KEYS);
const mField = fc.constantFrom('f1', 'f2', 'f3', 'name');
const mValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '-1', '41', '007', '-0', '+1', ' 1', 'abc', '', '9223372036854775806', '9223372036854775807', '-9223372036854775808', 'a b\r\n') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const keys = (min: number, max: number): fc.Arbitrary<string[]> => fc.array(mKey, { minLength: min, maxLength: max });

const mCommand: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(mKey, mValue).map(([k, v]) => ['SET', k, v]),
  mKey.map((k) => ['GET', k]),
  keys(1, 3).map((ks) => ['DEL', ...ks]),
  keys(1, 3).map((ks) => ['EXISTS', ...ks]),
  mKey.map((k) => ['INCR', k]),
  fc.tuple(mKey, mValue).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(mKey, fc.array(fc.tuple(mField, mValue), { minLength: 1, maxLength: 2 })).map(([k, fv]) => ['HSET', k, ...fv.flat()]),
  fc.tuple(mKey, mField).map(([k, f]) => ['HGET', k, f]),
  fc.tuple(mKey, fc.array(mField, { minLength: 1, maxLength: 2 })).map(([k, fs]) => ['HDEL', k, ...fs]),
  mKey.map((k) => ['HGETALL', k]),
  keys(1, 4).map((ks) => ['MGET', ...ks]),
  fc.array(fc.tuple(mKey, mValue), { minLength: 1, maxLength: 3 }).map((kv) => ['MSET', ...kv.flat()]),
  fc.tuple(mKey, mKey).map(([a, b]) => ['RENAME', a, b]),
  mKey.map((k) => ['TYPE', k]),
  fc.constant<string[]>(['DBSIZE']),
);

describe('the cluster against a model of Redis', () => {
  let cluster: TestCluster;
  let three: TestCluster;
  let redis: ExternalServer | null = null;
  const entries: { name: string; client: RawClient }[] = [];
  let reference: RawClient | null = null;
  const counts = { runs: 0, steps: 0, pipelines: 0, pipelined: 0 };

  beforeAll(async () => {
    cluster = await startCluster(CLUSTER);
    three = await startCluster(THREE);
    for (const name of ['foo', 'bar']) entries.push({ name, client: await RawClient.connect(cluster.ports[name]!) });
    if (!NO_REDIS) {
      redis = await startRedis();
      reference = await RawClient.connect(redis.port);
    }
  });
  afterAll(async () => {
    console.log(
      `model: ${counts.runs} sequences of ${counts.steps} commands one at a time${reference ? ' (each also checked against redis-server)' : ''}, ` +
        `${counts.pipelines} pipelines of ${counts.pipelined} commands`,
    );
    for (const e of entries) e.client.close();
    reference?.close();
    await cluster.stop();
    await three.stop();
    await redis?.stop();
  });

  test(nameWithRedis('random sequences of string and hash commands, through either node, reply exactly as the model (and as redis-server)'), async () => {
    // The model is held to redis-server; without one, only with KV_TEST_WITHOUT_REDIS=1.
    if (NO_REDIS && !WITHOUT_REDIS) throw new Error(missingMessage(missing()));
    const before = counts.runs;
    const sequence = fc.array(fc.tuple(mCommand, fc.nat({ max: 1 })), { minLength: 1, maxLength: 60, size: 'max' });
    await fc.assert(
      fc.asyncProperty(sequence, async (cmds) => {
        counts.runs++;
        const store = new Map<string, Value>();
        expect(await entries[0]!.client.command('FLUSHALL')).toBe(OK);
        if (reference) expect(await reference.command('FLUSHALL')).toBe(OK);
        for (const [i, [argv, via]] of cmds.entries()) {
          counts.steps++;
          const expected = apply(store, argv);
          const label = `step ${i}: ${JSON.stringify(argv)} via ${entries[via]!.name}`;
          if (reference) expect(await reference.command(...argv), `redis-server disagrees with the model at ${label}`).toBe(expected);
          expect(await entries[via]!.client.command(...argv), label).toBe(expected);
        }
        // Each key lives on its owner only.
        for (const k of M_KEYS) {
          const [owner, other] = k < 'n' ? ['foo', 'bar'] : ['bar', 'foo'];
          expect([cluster.nodes[owner]!.store.has(k), cluster.nodes[other]!.store.has(k)], `${k} on ${owner} only`).toEqual([store.has(k), false]);
        }
      }),
      { seed: SEED, numRuns: SEQUENCES },
    );
    expect(counts.runs - before, 'sequences checked').toBe(SEQUENCES);
  }, 40_000);

  /** Random sequences, each sent as one pipeline on `client`: the replies must be the model's, in order. */
  async function pipelinesMatchTheModel(client: RawClient, seed: number): Promise<void> {
    const sequence = fc.array(mCommand, { minLength: 1, maxLength: 60, size: 'max' });
    const before = counts.pipelines;
    await fc.assert(
      fc.asyncProperty(sequence, async (cmds) => {
        counts.pipelines++;
        counts.pipelined += cmds.length;
        const store = new Map<string, Value>();
        expect(await client.command('FLUSHALL')).toBe(OK);
        const expected = cmds.map((argv) => apply(store, argv));
        client.send(cmds.map((argv) => resp(...argv)).join(''));
        const got = await client.replies(cmds.length);
        for (let i = 0; i < cmds.length; i++) expect(got[i], `reply ${i}: ${JSON.stringify(cmds[i])}`).toBe(expected[i]);
      }),
      { seed, numRuns: SEQUENCES },
    );
    expect(counts.pipelines - before, 'pipelines checked').toBe(SEQUENCES);
  }

  test('the same sequences sent as one pipeline to foo: every reply in request order', async () => {
    // Local, forwarded and split (MGET, MSET, DEL, EXISTS, DBSIZE) requests
    // interleave on one connection; a reply that overtook another would show.
    await pipelinesMatchTheModel(entries[0]!.client, SEED + 1);
  }, 40_000);

  test('the same pipelines through three nodes with divergent tables: in order, and each runs after the ones before', async () => {
    // Two hops for a-m, one for n-z; RENAME, MSET and DEL split by a node
    // further on; DBSIZE fanned out from foo. A reply out of order, or a command
    // that overtook an earlier one still on its way, would show as a difference.
    const foo = await RawClient.connect(three.ports['foo']!);
    try {
      await pipelinesMatchTheModel(foo, SEED + 2);
    } finally {
      foo.close();
    }
  }, 40_000);
});
