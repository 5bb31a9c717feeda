// The operations commands on real sockets, against redis-server 7.0.15:
// SLOWLOG entries, MONITOR lines (RESP2 and RESP3), CLIENT REPLY, KILL, PAUSE
// and LIST, LATENCY, MEMORY and their errors, byte for byte once the values
// that depend on the process (ids, times, durations, ports) are masked. Then
// what a cluster adds: MONITOR on the node a client talks to shows the
// commands it sends, wherever they run, and nowhere else.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { describeWithRedis } from './support/redis-rule.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';

/** Process-dependent values masked: client addresses, integers (ids, times, µs), MONITOR timestamps. */
function masked(reply: string): string {
  return reply
    .replace(/\$\d+\r\n127\.0\.0\.1:\d+\r\n/g, '<addr>')
    .replace(/\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]/g, '+<time> [0 <addr>]')
    .replace(/:\d+\r\n/g, ':<n>\r\n');
}

/** A flat RESP2 array of bulk strings as sorted name/value pairs. */
function pairs(reply: string): string[] {
  const items = reply.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(`${items[i]}=${items[i + 1]}`);
  return out.sort();
}

/** Replies whose bytes must be the same on a fresh node and a fresh redis-server. */
const SAME_BYTES: string[][] = [
  ['SLOWLOG', 'HELP'],
  ['LATENCY', 'HELP'],
  ['MEMORY', 'HELP'],
  ['SLOWLOG', 'GET', '-2'],
  ['SLOWLOG', 'GET', 'x'],
  ['SLOWLOG', 'GET', '1', '2'],
  ['SLOWLOG', 'FOO'],
  ['SLOWLOG'],
  ['LATENCY', 'FOO'],
  ['LATENCY', 'LATEST'],
  ['LATENCY', 'HISTORY', 'command'],
  ['LATENCY', 'RESET'],
  ['LATENCY', 'RESET', 'a', 'b'],
  ['LATENCY', 'GRAPH', 'command'],
  ['LATENCY', 'DOCTOR'],
  ['MEMORY', 'DOCTOR', 'x'],
  ['MEMORY', 'STATS', 'x'],
  ['MEMORY', 'PURGE'],
  ['MEMORY', 'USAGE', 'nokey'],
  ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
  ['MEMORY', 'USAGE', 'k', 'foo'],
  ['CLIENT', 'KILL'],
  ['CLIENT', 'KILL', '1.2.3.4:5'],
  ['CLIENT', 'KILL', 'ID', '10', 'wrong_arg'],
  ['CLIENT', 'KILL', 'ID', 'str'],
  ['CLIENT', 'KILL', 'ID', '0'],
  ['CLIENT', 'KILL', 'TYPE', 'wrong_type'],
  ['CLIENT', 'KILL', 'USER', 'wrong_user'],
  ['CLIENT', 'KILL', 'SKIPME', 'yes_or_no'],
  ['CLIENT', 'KILL', 'LADDR', '1.1.1.1:1'],
  ['CLIENT', 'KILL', 'ADDR', '1.1.1.1:1', 'SKIPME', 'no'],
  ['CLIENT', 'KILL', 'foo', 'bar'],
  ['CLIENT', 'PAUSE'],
  ['CLIENT', 'PAUSE', 'x'],
  ['CLIENT', 'PAUSE', '-1'],
  ['CLIENT', 'PAUSE', '10', 'foo'],
  ['CLIENT', 'UNPAUSE'],
  ['CLIENT', 'UNPAUSE', 'x'],
  ['CLIENT', 'REPLY'],
  ['CLIENT', 'REPLY', 'foo'],
  ['CLIENT', 'NO-EVICT', 'foo'],
  ['CLIENT', 'NO-EVICT', 'on'],
  ['CLIENT', 'LIST', 'TYPE', 'foo'],
  ['CLIENT', 'LIST', 'TYPE', 'replica'],
  ['MONITOR', 'x'],
  ['RESET', 'x'],
  ['CONFIG', 'GET', 'slowlog*'],
  ['CONFIG', 'GET', 'latency-monitor-threshold'],
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
  ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
  ['CONFIG', 'SET', 'latency-monitor-threshold', '-1'],
  ['CONFIG', 'SET', 'slowlog-max-len', '064'],
  ['CONFIG', 'GET', 'slowlog-max-len'],
  ['CONFIG', 'SET', 'slowlog-max-len', '128'],
  ['SLOWLOG', 'RESET'],
  ['SLOWLOG', 'LEN'],
];

describeWithRedis('operations commands against redis-server', () => {
  let redis: ExternalServer;
  let single: TestCluster;
  let opened: RawClient[] = [];

  beforeAll(async () => {
    [redis, single] = await Promise.all([startRedis(), startSingleNode()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop()]);
  });

  async function connect(port: number): Promise<RawClient> {
    const c = await RawClient.connect(port);
    opened.push(c);
    return c;
  }
  /** A connection to each: [redis-server, node]. */
  async function pair(): Promise<[RawClient, RawClient]> {
    return [await connect(redis.port), await connect(single.ports['solo']!)];
  }
  async function closeAll(): Promise<void> {
    for (const c of opened) c.close();
    opened = [];
  }

  test('replies and errors, byte for byte', async () => {
    const [a, b] = await pair();
    try {
      for (const argv of SAME_BYTES) {
        const [theirs, ours] = [await a.command(...argv), await b.command(...argv)];
        // A pattern's matches come in Redis's hash-table order, which changes from run to run: compared as a set of pairs.
        if (argv[1] === 'GET' && argv[2]!.includes('*')) expect(pairs(ours), argv.join(' ')).toEqual(pairs(theirs));
        else expect(ours, argv.join(' ')).toBe(theirs);
      }
    } finally {
      await closeAll();
    }
  });

  for (const proto of ['2', '3']) {
    test(`SLOWLOG entries as Redis makes them (RESP${proto}): order, trimmed arguments, client name, max length`, async () => {
      const [a, b] = await pair();
      try {
        const steps: string[][] = [
          ['HELLO', proto],
          ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
          ['SLOWLOG', 'RESET'],
          ['CLIENT', 'SETNAME', 'ops'],
          ['SET', 'key', 'value'],
          ['SADD', 'set', ...Array.from({ length: 33 }, (_, i) => String(i))],
          ['SADD', 'set', 'foo', 'A'.repeat(129)],
          ['AUTH', 'not-real', 'not-a-password'],
          ['MULTI'],
          ['INCR', 'num'],
          ['EXEC'],
          ['SLOWLOG', 'LEN'],
          ['SLOWLOG', 'GET', '-1'],
          ['SLOWLOG', 'GET', '2'],
          ['CONFIG', 'SET', 'slowlog-max-len', '3'],
          ['PING'],
          ['SLOWLOG', 'LEN'],
          ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
          ['SLOWLOG', 'RESET'],
          ['PING'],
          ['SLOWLOG', 'GET'],
          ['CONFIG', 'SET', 'slowlog-max-len', '128'],
          ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
        ];
        for (const argv of steps) {
          const [theirs, ours] = [await a.command(...argv), await b.command(...argv)];
          if (argv[0] === 'HELLO') continue;
          expect(masked(ours), argv.join(' ').slice(0, 60)).toBe(masked(theirs));
        }
      } finally {
        await closeAll();
      }
    });

    test(`MONITOR lines as Redis writes them (RESP${proto}), admin commands left out, passwords redacted, MULTI/EXEC in order`, async () => {
      const [ma, mb] = await pair();
      const [a, b] = await pair();
      try {
        for (const m of [ma, mb]) {
          if (proto === '3') await m.command('HELLO', '3');
          expect(await m.command('MONITOR')).toBe('+OK\r\n');
        }
        const steps: string[][] = [
          ['SET', 'k', 'a "b"\r\n\x00\xff'],
          ['GET', 'k'],
          ['CONFIG', 'GET', 'timeout'],
          ['SLOWLOG', 'LEN'],
          ['AUTH', 'user', 'password'],
          ['MULTI'],
          ['SET', 'k', 'v'],
          ['EXEC'],
          ['CLIENT', 'SETNAME', 'x'],
          ['PING'],
        ];
        for (const argv of steps) expect(masked(await b.command(...argv))).toBe(masked(await a.command(...argv)));
        // Every step but CONFIG GET and SLOWLOG LEN (admin), with the queued SET shown when EXEC runs it.
        const n = 8;
        const [theirs, ours] = [await ma.replies(n), await mb.replies(n)];
        expect(ours.map(masked)).toEqual(theirs.map(masked));
        // Nothing more: both sent the same number of lines.
        await a.command('PING');
        await b.command('PING');
        expect(masked(await mb.reply())).toBe(masked(await ma.reply()));
        // The monitor's own keyspace commands are refused, as a replica's; RESET ends MONITOR.
        expect(await mb.command('GET', 'k')).toBe(await ma.command('GET', 'k'));
        expect(await mb.command('RESET')).toBe('+RESET\r\n');
        expect(await ma.command('RESET')).toBe('+RESET\r\n');
      } finally {
        await closeAll();
      }
    });
  }

  test('INFO commandstats, errorstats and latencystats after the same commands: rejected, failed, inside MULTI, blocking timeouts', async () => {
    const [a, b] = await pair();
    try {
      const steps: string[][] = [
        ['CONFIG', 'RESETSTAT'], ['SET', 'a', '1'], ['GET'], ['GET', 'a'], ['LPUSH', 'a', 'x'], ['NOSUCHCMD'], ['CONFIG'], ['CONFIG', 'NOSUB'],
        ['MULTI'], ['SET', 'b', '2'], ['INCR', 'b'], ['EXEC'], ['MULTI'], ['GET'], ['EXEC'], ['MULTI'], ['LPUSH', 'a', 'x'], ['EXEC'],
        ['HSET', 'h', 'f', 'v'], ['HGET', 'h'], ['INCRBYFLOAT', 'a', 'x'], ['OBJECT', 'ENCODING', 'a'], ['MEMORY', 'USAGE', 'a'],
        ['SLOWLOG', 'LEN'], ['LATENCY', 'LATEST'], ['CLIENT', 'KILL', 'ID', '99999'], ['BLPOP', 'nolist', '0.01'], ['ZADD', 'z', 'x', 'a'], ['SETEX', 'k', '-1', 'v'],
      ];
      for (const argv of steps) expect(masked(await b.command(...argv)), argv.join(' ')).toBe(masked(await a.command(...argv)));
      const lines = async (c: RawClient, section: string): Promise<string[]> =>
        (await c.command('INFO', section)).split('\r\n').filter((l) => /^[a-z]/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '').replace(/=[\d.]+/g, (m) => (section === 'latencystats' ? '=N' : m)));
      for (const section of ['commandstats', 'errorstats', 'latencystats']) {
        // Redis lists commands in its hash-table order: compared as sets.
        expect((await lines(b, section)).sort(), section).toEqual((await lines(a, section)).sort());
      }
    } finally {
      await closeAll();
    }
  });

  test('CLIENT REPLY OFF, SKIP and ON: the same bytes reach the client', async () => {
    for (const script of [
      ['CLIENT REPLY OFF', 'PING pong', 'PING pong2', 'CLIENT REPLY ON', 'PING pong3'],
      ['CLIENT REPLY SKIP', 'PING pong', 'PING pong2'],
      ['CLIENT REPLY SKIP', 'CLIENT REPLY ON', 'PING'],
      ['CLIENT REPLY OFF', 'CLIENT REPLY SKIP', 'PING a', 'CLIENT REPLY ON', 'PING b'],
      // (Un)subscribe confirmations go out anyway, as pushes; errors do not.
      ['CLIENT REPLY OFF', 'SUBSCRIBE channel', 'PSUBSCRIBE ch*', 'SUBSCRIBE', 'UNSUBSCRIBE channel', 'PUNSUBSCRIBE ch*'],
      ['CLIENT REPLY OFF', 'HELLO 3', 'SUBSCRIBE channel', 'PSUBSCRIBE ch*', 'UNSUBSCRIBE channel', 'PUNSUBSCRIBE ch*', 'PING'],
    ]) {
      const got: string[] = [];
      for (const port of [redis.port, single.ports['solo']!]) {
        const c = await connect(port);
        c.send(script.map((l) => l + '\r\n').join('') + 'QUIT\r\n');
        got.push(await c.untilClosed());
      }
      expect(got[1], script.join('; ')).toBe(got[0]);
    }
    await closeAll();
  });

  test('CLIENT KILL closes the connections it names and counts them; SKIPME no closes the asker after its reply', async () => {
    const port = single.ports['solo']!;
    const me = await connect(port);
    const others = [await connect(port), await connect(port)];
    const ids = await Promise.all(others.map(async (c) => Number((await c.command('CLIENT', 'ID')).slice(1, -2))));
    expect(await me.command('CLIENT', 'KILL', 'ID', String(ids[0]))).toBe(':1\r\n');
    await others[0]!.untilClosed();
    expect(others[0]!.closed).toBe(true);
    expect(others[1]!.closed).toBe(false);
    const clients = (await me.command('INFO', 'clients')).match(/connected_clients:(\d+)/)![1];
    expect(await me.command('CLIENT', 'KILL', 'SKIPME', 'yes')).toBe(`:${Number(clients) - 1}\r\n`);
    await others[1]!.untilClosed();
    expect(await me.command('CLIENT', 'KILL', 'SKIPME', 'no')).toBe(':1\r\n');
    await me.untilClosed();
    expect(me.closed).toBe(true);
    await closeAll();
  });

  test('CLIENT PAUSE WRITE holds writes until it ends and lets reads through; ALL holds everything; UNPAUSE ends it early', async () => {
    const port = single.ports['solo']!;
    const admin = await connect(port);
    const c = await connect(port);
    expect(await admin.command('CLIENT', 'PAUSE', '400', 'WRITE')).toBe('+OK\r\n');
    let t = Date.now();
    expect(await c.command('GET', 'paused')).toBe('$-1\r\n');
    expect(Date.now() - t).toBeLessThan(300);
    t = Date.now();
    expect(await c.command('SET', 'paused', '1')).toBe('+OK\r\n');
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);

    // UNPAUSE is not a write: it runs, and the held write goes at once.
    expect(await admin.command('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('+OK\r\n');
    c.send('*3\r\n$3\r\nSET\r\n$6\r\npaused\r\n$1\r\n2\r\n');
    await expect(c.reply(200)).rejects.toThrow(/timed out/);
    expect(await admin.command('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    expect(await c.reply(1000)).toBe('+OK\r\n');

    // ALL holds every command, the asker's too, until the pause ends.
    expect(await admin.command('CLIENT', 'PAUSE', '400', 'ALL')).toBe('+OK\r\n');
    t = Date.now();
    expect(await c.command('PING')).toBe('+PONG\r\n');
    expect(await admin.command('GET', 'paused')).toBe('$1\r\n2\r\n');
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
    await closeAll();
  });

  test('CLIENT LIST and CLIENT INFO lines match Redis test patterns for the asking client', async () => {
    const c = await connect(single.ports['solo']!);
    const list = await c.command('CLIENT', 'LIST');
    expect(list).toMatch(/id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=client\|list user=default redir=-1 resp=2/);
    const info = await c.command('CLIENT', 'INFO');
    expect(info).toMatch(/flags=N .* multi=-1 qbuf=26 .* cmd=client\|info user=default redir=-1 resp=2/);
    // In MULTI, seen by another client: flag x and the number of commands queued.
    const id = (await c.command('CLIENT', 'ID')).slice(1, -2);
    await c.command('MULTI');
    await c.command('SET', 'a', 'b');
    const other = await connect(single.ports['solo']!);
    expect(await other.command('CLIENT', 'LIST', 'ID', id)).toMatch(/flags=x db=0 sub=0 psub=0 ssub=0 multi=1 qbuf=0 .* cmd=set /);
    expect(await c.command('DISCARD')).toBe('+OK\r\n');
    // idle: seconds since the client last sent anything; age: since it connected.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await other.command('CLIENT', 'LIST', 'ID', id)).toMatch(/ age=1 idle=1 /);
    expect(await c.command('CLIENT', 'INFO')).toMatch(/ idle=0 /);
    await closeAll();
  });
});

describe('MONITOR in a cluster', () => {
  let two: TestCluster;
  beforeAll(async () => {
    two = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  });
  afterAll(async () => {
    await two?.stop();
  });

  test("a node's monitor shows what its clients send, also what runs on another node; that node's monitor does not show it again", async () => {
    const [monFoo, monBar] = [await RawClient.connect(two.ports['foo']!), await RawClient.connect(two.ports['bar']!)];
    const [viaFoo, viaBar] = [await RawClient.connect(two.ports['foo']!), await RawClient.connect(two.ports['bar']!)];
    try {
      expect(await monFoo.command('MONITOR')).toBe('+OK\r\n');
      expect(await monBar.command('MONITOR')).toBe('+OK\r\n');
      expect(await viaFoo.command('SET', 'zebra', '1')).toBe('+OK\r\n'); // runs on bar
      expect(await viaFoo.command('SET', 'apple', '1')).toBe('+OK\r\n'); // runs on foo
      expect(await viaBar.command('GET', 'zebra')).toBe('$1\r\n1\r\n');
      const fooLines = await monFoo.replies(2);
      expect(fooLines.map(masked)).toEqual(['+<time> [0 <addr>] "SET" "zebra" "1"\r\n', '+<time> [0 <addr>] "SET" "apple" "1"\r\n']);
      const barLine = await monBar.reply();
      expect(masked(barLine)).toBe('+<time> [0 <addr>] "GET" "zebra"\r\n');
      // Nothing else reached bar's monitor: the next line there is the next command of bar's own client.
      expect(await viaBar.command('PING')).toBe('+PONG\r\n');
      expect(masked(await monBar.reply())).toBe('+<time> [0 <addr>] "PING"\r\n');
    } finally {
      for (const c of [monFoo, monBar, viaFoo, viaBar]) c.close();
    }
  });

  test('CLIENT KILL on every node leaves the links between nodes alone: forwarding goes on at once', async () => {
    const [a, b] = [await RawClient.connect(two.ports['foo']!), await RawClient.connect(two.ports['bar']!)];
    try {
      expect(await a.command('SET', 'zebra', 'before')).toBe('+OK\r\n'); // foo has a link to bar now
      expect(await b.command('SET', 'apple', 'before')).toBe('+OK\r\n'); // and bar one to foo
      for (const c of [a, b]) {
        // The only other connection to each node is the other node's link: not a client, not killed.
        expect(await c.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).toBe(':0\r\n');
        expect(await c.command('CLIENT', 'KILL', 'ADDR', '127.0.0.1:1', 'SKIPME', 'yes')).toBe(':0\r\n');
      }
      expect(await a.command('GET', 'zebra')).toBe('$6\r\nbefore\r\n');
      expect(await b.command('GET', 'apple')).toBe('$6\r\nbefore\r\n');
      expect(await a.command('INFO', 'cluster')).not.toMatch(/unreachable/);
    } finally {
      a.close();
      b.close();
    }
  });
});
