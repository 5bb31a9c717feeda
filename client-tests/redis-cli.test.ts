// redis-cli, the real binary, against our nodes: one-shot commands (compared
// with the same invocation against a real redis-server, stdout byte for byte),
// the README's walk-through on a two-node cluster, --stat, and interactive mode
// fed through a pipe, whose connection handshake a recording proxy captures.
//
// redis-cli formats replies itself, so these tests catch reply-type mistakes
// (a status where Redis sends a bulk string, an array where RESP3 has a map)
// that a client library would silently paper over.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { noteMissing, run, runUntil, type RunResult } from './support/clients-bin.js';
import { RecordingProxy } from './support/clients-proxy.js';
import { leaveOutRedis, nameWithRedis } from './support/redis-rule.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';

const NO_CLI = noteMissing('redis-cli', 'redis-cli tests');
// Without redis-server the one-shot and interactive tests fail, saying what to
// install; with KV_TEST_WITHOUT_REDIS=1 they check only their literal
// expectations, and their names say the comparison with Redis was left out.

function cli(port: number, args: readonly string[], stdin = ''): Promise<RunResult> {
  return run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], stdin, 10_000);
}

/** What a test compares: everything redis-cli printed and how it exited. */
function shown(r: RunResult): { stdout: string; stderr: string; code: number | null } {
  return { stdout: r.stdout, stderr: r.stderr, code: r.code };
}

/** Bytes no argv can carry (NUL, CR LF, 0xff), so they go through `-x` (stdin) instead. */
const BINARY = '\x00\x01bin\xff\r\nend';

interface Step {
  args: string[];
  stdin?: string;
  /** redis-cli's stdout, when the test spells it out (Redis's own output is compared either way). */
  stdout?: string;
}

// In order: later steps read what earlier ones wrote. stdout is a pipe, so
// redis-cli prints raw replies unless told --no-raw (its TTY formatting).
const STEPS: Step[] = [
  { args: ['ping'], stdout: 'PONG\n' },
  { args: ['set', 'greeting', 'hello world'], stdout: 'OK\n' },
  { args: ['get', 'greeting'], stdout: 'hello world\n' },
  { args: ['--no-raw', 'get', 'greeting'], stdout: '"hello world"\n' },
  { args: ['-x', 'set', 'bin'], stdin: BINARY, stdout: 'OK\n' },
  { args: ['get', 'bin'], stdout: `${BINARY}\n` },
  { args: ['--no-raw', 'get', 'bin'], stdout: '"\\x00\\x01bin\\xff\\r\\nend"\n' },
  { args: ['--no-raw', 'strlen', 'bin'], stdout: `(integer) ${BINARY.length}\n` },
  // Node passes argv as UTF-8: multi-byte characters arrive as their bytes.
  { args: ['set', 'utf8', 'h\u00e9llo \u2603'], stdout: 'OK\n' },
  { args: ['--no-raw', 'get', 'utf8'], stdout: '"h\\xc3\\xa9llo \\xe2\\x98\\x83"\n' },
  { args: ['hset', 'user', 'name', 'ann', 'age', '31'], stdout: '2\n' },
  { args: ['hgetall', 'user'], stdout: 'name\nann\nage\n31\n' },
  { args: ['--no-raw', 'hgetall', 'user'], stdout: '1) "name"\n2) "ann"\n3) "age"\n4) "31"\n' },
  // RESP3: HGETALL is a map, which redis-cli prints as key => value pairs.
  { args: ['-3', '--no-raw', 'hgetall', 'user'], stdout: '1# "name" => "ann"\n2# "age" => "31"\n' },
  { args: ['--no-raw', 'hgetall', 'nohash'], stdout: '(empty array)\n' },
  { args: ['-3', '--no-raw', 'hgetall', 'nohash'], stdout: '(empty hash)\n' },
  { args: ['--no-raw', 'mget', 'greeting', 'missing', 'user'], stdout: '1) "hello world"\n2) (nil)\n3) (nil)\n' },
  { args: ['get', 'missing'], stdout: '\n' },
  { args: ['--no-raw', 'get', 'missing'], stdout: '(nil)\n' },
  { args: ['-3', '--no-raw', 'get', 'missing'], stdout: '(nil)\n' },
  { args: ['--no-raw', 'ttl', 'greeting'], stdout: '(integer) -1\n' },
  { args: ['set', 'n', 'x'], stdout: 'OK\n' },
  { args: ['incr', 'n'] },
  { args: ['--no-raw', 'incr', 'n'], stdout: '(error) ERR value is not an integer or out of range\n' },
  { args: ['--no-raw', 'hget', 'n', 'f'], stdout: '(error) WRONGTYPE Operation against a key holding the wrong kind of value\n' },
  { args: ['--no-raw', 'nosuchcmd', 'a'], stdout: "(error) ERR unknown command 'nosuchcmd', with args beginning with: 'a' \n" },
  { args: ['--no-raw', 'get'], stdout: "(error) ERR wrong number of arguments for 'get' command\n" },
];

describe.skipIf(NO_CLI)(nameWithRedis('redis-cli one-shot commands on one node'), () => {
  let node: TestCluster;
  let redis: ExternalServer | undefined;

  beforeAll(async () => {
    node = await startSingleNode();
    if (!leaveOutRedis()) redis = await startRedis();
  });

  afterAll(async () => {
    await node?.stop();
    await redis?.stop();
  });

  test('print what they print against redis-server', async () => {
    for (const step of STEPS) {
      const ours = await cli(node.ports['solo']!, step.args, step.stdin);
      const label = `redis-cli ${step.args.join(' ')}`;
      if (step.stdout !== undefined) expect(ours.stdout, label).toBe(step.stdout);
      expect(ours.stderr, label).toBe('');
      if (redis) {
        const theirs = await cli(redis.port, step.args, step.stdin);
        expect(shown(ours), label).toEqual(shown(theirs));
      }
    }
    // The error reply itself, whatever redis-cli adds around it.
    const raw = await cli(node.ports['solo']!, ['incr', 'n']);
    expect(raw.stdout).toContain('ERR value is not an integer or out of range');
  });

  test('--stat prints sensible keys/mem/clients/requests columns', async () => {
    const port = node.ports['solo']!;
    expect((await cli(port, ['mset', 'stat:a', '1', 'stat:b', '2', 'stat:c', '3'])).stdout).toBe('OK\n');
    const keys = Number((await cli(port, ['dbsize'])).stdout.trim());
    expect(keys).toBeGreaterThanOrEqual(3);
    const DATA = /^(\d+)\s+(\d+(?:\.\d+)?[BKMGT])\s+(\d+)\s+(\d+)\s+(\d+) \(\+(\d+)\)\s+(\d+)\s*$/;
    const dataLines = (out: string): RegExpMatchArray[] =>
      out
        .split('\n')
        .map((l) => DATA.exec(l))
        .filter((m): m is RegExpExecArray => m !== null);

    const r = await runUntil('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--stat', '-i', '0.1'], (out) => dataLines(out).length >= 5);
    // It only ends when we stop it; ending by itself means it gave up.
    expect(r.stoppedByUs, r.stdout + r.stderr).toBe(true);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/err/i);
    expect(r.stdout).toMatch(/keys\s+mem\s+clients\s+blocked\s+requests\s+connections/);

    const rows = dataLines(r.stdout).map((m) => ({
      keys: Number(m[1]),
      mem: m[2]!,
      clients: Number(m[3]),
      blocked: Number(m[4]),
      requests: Number(m[5]),
      delta: Number(m[6]),
      connections: Number(m[7]),
    }));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const [i, row] of rows.entries()) {
      expect(row.keys).toBe(keys);
      expect(parseFloat(row.mem)).toBeGreaterThan(0);
      // --stat's own connection at least, and nobody is blocked on one node without blocking commands.
      expect(row.clients).toBeGreaterThanOrEqual(1);
      expect(row.blocked).toBe(0);
      expect(row.connections).toBeGreaterThanOrEqual(row.clients);
      if (i > 0) {
        // Each interval's INFO is a request; the (+n) column is the difference.
        expect(row.delta).toBeGreaterThanOrEqual(1);
        expect(row.requests - rows[i - 1]!.requests).toBe(row.delta);
      }
    }
  });
});

describe.skipIf(NO_CLI)(nameWithRedis('redis-cli interactive mode through a pipe'), () => {
  let node: TestCluster;
  let redis: ExternalServer | undefined;
  let proxy: RecordingProxy;

  // With stdin not a TTY and no command on the command line, redis-cli runs its
  // REPL and reads one command per line, parsing quotes as at the prompt.
  const SCRIPT = [
    'set "a b" "hello world"',
    'get "a b"',
    `set 'single quoted' "esc\\x41\\t\\"q\\""`,
    `get 'single quoted'`,
    'ping',
    'incr "a b"',
    'hset h f1 v1 f2 v2',
    'hgetall h',
    'nosuchcmd x',
    '',
  ].join('\n');

  beforeAll(async () => {
    node = await startSingleNode();
    proxy = await RecordingProxy.start(node.ports['solo']!);
    if (!leaveOutRedis()) redis = await startRedis();
  });

  afterAll(async () => {
    await proxy?.stop();
    await node?.stop();
    await redis?.stop();
  });

  test('reads commands line by line, quotes included', async () => {
    const ours = await cli(proxy.port, [], SCRIPT);
    expect(ours.stdout).toBe(
      [
        'OK',
        'hello world',
        'OK',
        'escA\t"q"',
        'PONG',
        'ERR value is not an integer or out of range',
        '',
        '2',
        'f1',
        'v1',
        'f2',
        'v2',
        "ERR unknown command 'nosuchcmd', with args beginning with: 'x' ",
        '',
        '',
      ].join('\n'),
    );
    if (redis) expect(shown(ours)).toEqual(shown(await cli(redis.port, [], SCRIPT)));

    // What reached the server: the quoted arguments as single arguments.
    const sent = proxy.exchanges().map((e) => e.request);
    expect(sent).toContainEqual(['set', 'a b', 'hello world']);
    expect(sent).toContainEqual(['set', 'single quoted', 'escA\t"q"']);
  });

  test('the handshake it does before the first command is answered without errors', () => {
    const exchanges = proxy.exchanges();
    const first = exchanges.findIndex((e) => e.request[0] === 'set');
    expect(first).toBeGreaterThan(0);
    const handshake = exchanges.slice(0, first);
    // redis-cli 7.0 asks COMMAND DOCS for its help and hints; later versions ask
    // INFO SERVER first for the server's version, and fall back to COMMAND for
    // servers without COMMAND DOCS.
    const asked = handshake.map((e) => e.request.join(' ').toUpperCase());
    expect(asked.some((c) => c === 'COMMAND DOCS' || c === 'COMMAND')).toBe(true);
    for (const c of asked) expect(['COMMAND DOCS', 'COMMAND', 'INFO SERVER', 'INFO']).toContain(c);
    for (const e of handshake) {
      expect(e.reply, e.request.join(' ')).not.toBe('');
      expect(e.reply[0], `${e.request.join(' ')} -> ${e.reply.slice(0, 200)}`).not.toBe('-');
    }
    const docs = handshake.find((e) => e.request.join(' ').toUpperCase() === 'COMMAND DOCS');
    // RESP2: a flat array of name, doc pairs.
    if (docs) expect(docs.reply).toMatch(/^\*[1-9]\d*\r\n/);
  });

  test('--no-raw shows reply types as at the prompt', async () => {
    const ours = await cli(node.ports['solo']!, ['--no-raw'], SCRIPT);
    expect(ours.stdout).toContain('"hello world"\n');
    expect(ours.stdout).toContain('(error) ERR value is not an integer or out of range\n');
    expect(ours.stdout).toContain('(integer) 0\n'); // the second HSET of the same fields
    expect(ours.stdout).toContain('1) "f1"\n2) "v1"\n3) "f2"\n4) "v2"\n');
    if (redis) expect(shown(ours)).toEqual(shown(await cli(redis.port, ['--no-raw'], SCRIPT)));
  });
});

describe.skipIf(NO_CLI)('redis-cli through a two-node cluster', () => {
  let cluster: TestCluster;
  let foo: number;
  let bar: number;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    foo = cluster.ports['foo']!;
    bar = cluster.ports['bar']!;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test("the README's walk-through: set world through foo, read it from bar and through foo", async () => {
    expect((await cli(foo, ['set', 'world', '1'])).stdout).toBe('OK\n');
    // "w" is in n-z: the value lives on bar only.
    expect(cluster.nodes['bar']!.store.get('world')).toBe('1');
    expect(cluster.nodes['foo']!.store.has('world')).toBe(false);
    expect((await cli(bar, ['get', 'world'])).stdout).toBe('1\n');
    expect((await cli(foo, ['get', 'world'])).stdout).toBe('1\n');
    expect((await cli(foo, ['--no-raw', 'get', 'world'])).stdout).toBe('"1"\n');
  });

  test('ROUTE tells the owner and the path', async () => {
    const r = await cli(foo, ['--no-raw', 'route', 'world']);
    expect(r.stdout).toBe(
      ['1) "bucket"', '2) "world"', '3) "owner"', '4) "bar"', '5) "path"', '6) "foo -> bar"', '7) "hops"', '8) (integer) 1', ''].join('\n'),
    );
  });

  test('keys of both owners in one command, from either node', async () => {
    expect((await cli(bar, ['mset', 'apple', 'red', 'zebra', 'striped'])).stdout).toBe('OK\n');
    expect(cluster.nodes['foo']!.store.get('apple')).toBe('red');
    expect(cluster.nodes['bar']!.store.get('zebra')).toBe('striped');
    for (const port of [foo, bar]) {
      expect((await cli(port, ['--no-raw', 'mget', 'apple', 'world', 'nothing', 'zebra'])).stdout).toBe(
        '1) "red"\n2) "1"\n3) (nil)\n4) "striped"\n',
      );
    }
  });
});
