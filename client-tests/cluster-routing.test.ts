// Multi-node routing, in-process nodes on free ports: forwarding, multi-hop with
// divergent tables, loops, split multi-key commands, cluster-wide keyspace
// commands, cross-node RENAME and COPY, and the internal links' authentication.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { SECRET, startCluster, type TestCluster } from './support/servers.js';
import { RawClient } from './support/raw.js';
import { configFor, parseConfig } from '../server/cluster/config.js';

const clients: Redis[] = [];

/** Disconnects the ioredis clients first, or they retry (and complain) while the nodes go. */
async function stopWithClients(cluster: TestCluster): Promise<void> {
  for (const c of clients.splice(0)) c.disconnect();
  await cluster.stop();
}
function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  clients.push(c);
  return c;
}

afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('two nodes: a-m on foo, n-z on bar', () => {
  let cluster: TestCluster;
  let foo: Redis;
  let bar: Redis;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    foo = client(cluster.ports['foo']!);
    bar = client(cluster.ports['bar']!);
  });
  afterAll(() => stopWithClients(cluster));

  test('a key set through foo is stored on bar and read through either', async () => {
    expect(await foo.set('world', '1')).toBe('OK');
    expect(cluster.nodes['bar']!.store.get('world')).toBe('1');
    expect(cluster.nodes['foo']!.store.get('world')).toBeUndefined();
    expect(await bar.get('world')).toBe('1');
    expect(await foo.get('world')).toBe('1');
  });

  test('errors from the owner are relayed unchanged', async () => {
    await bar.set('nstr', 'x');
    await expect(foo.hget('nstr', 'f')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(foo.incr('nstr')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  test('ROUTE names the owner and the path', async () => {
    expect(await foo.call('ROUTE', 'world')).toEqual(['bucket', 'world', 'owner', 'bar', 'path', 'foo -> bar', 'hops', 1]);
    expect(await foo.call('ROUTE', 'apple')).toEqual(['bucket', 'apple', 'owner', 'foo', 'path', 'foo', 'hops', 0]);
  });

  test('no entry, and an empty key, are errors in the guide words', async () => {
    await expect(foo.get('Zebra')).rejects.toThrow('ERR could not find entry for "Zebra" in table [a-m foo, n-z bar]');
    await expect(foo.set('', 'x')).rejects.toThrow('ERR could not find entry for "" in table [a-m foo, n-z bar]');
  });

  test('a pipeline mixing local and remote keys gets its replies in order', async () => {
    const p = foo.pipeline();
    for (let i = 0; i < 200; i++) {
      p.set(i % 2 === 0 ? `apple${i}` : `zebra${i}`, String(i));
      p.get(i % 2 === 0 ? `apple${i}` : `zebra${i}`);
    }
    const results = await p.exec();
    for (let i = 0; i < 200; i++) {
      expect(results![2 * i]).toEqual([null, 'OK']);
      expect(results![2 * i + 1]).toEqual([null, String(i)]);
    }
  });

  test('a client that shuts its side after its requests still gets every reply, forwarded ones too', async () => {
    await foo.set('zhalf', 'v');
    const got = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ port: cluster.ports['foo']!, host: '127.0.0.1', allowHalfOpen: true });
      let bytes = '';
      s.on('data', (d: Buffer) => (bytes += d.toString('latin1')));
      s.on('close', () => resolve(bytes));
      s.on('error', reject);
      s.on('connect', () => s.end('GET zhalf\r\n*2\r\n$3\r\nGET\r\n$5\r\nzhalf\r\nPING\r\n'));
    });
    expect(got).toBe('$1\r\nv\r\n$1\r\nv\r\n+PONG\r\n');
  });

  test('MSET/MGET/EXISTS/DEL split across nodes and merge in order', async () => {
    expect(await foo.mset('ka', '1', 'za', '2', 'kb', '3', 'zb', '4')).toBe('OK');
    expect(cluster.nodes['foo']!.store.get('ka')).toBe('1');
    expect(cluster.nodes['bar']!.store.get('za')).toBe('2');
    expect(await bar.mget('za', 'ka', 'missing', 'zb', 'kb', 'nope')).toEqual(['2', '1', null, '4', '3', null]);
    expect(await foo.exists('ka', 'za', 'ka', 'missing')).toBe(3);
    expect(await bar.del('ka', 'za', 'missing')).toBe(2);
    expect(await foo.mget('ka', 'za', 'kb')).toEqual([null, null, '3']);
  });

  test('MSETNX across nodes sets all or none', async () => {
    expect(await foo.msetnx('ma', '1', 'ya', '2')).toBe(1);
    expect(await foo.mget('ma', 'ya')).toEqual(['1', '2']);
    expect(await bar.msetnx('mb', '1', 'ya', '3')).toBe(0);
    expect(await foo.exists('mb')).toBe(0);
    expect(await foo.get('ya')).toBe('2');
  });

  test('keyspace commands cover the whole cluster from either node', async () => {
    await foo.flushall();
    await foo.mset('a1', '1', 'b1', '2', 'x1', '3', 'y1', '4', 'z1', '5');
    expect(await foo.dbsize()).toBe(5);
    expect(await bar.dbsize()).toBe(5);
    expect((await bar.keys('*')).sort()).toEqual(['a1', 'b1', 'x1', 'y1', 'z1']);
    expect((await foo.keys('?1')).sort()).toEqual(['a1', 'b1', 'x1', 'y1', 'z1']);
    expect((await foo.keys('[xy]*')).sort()).toEqual(['x1', 'y1']);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await bar.scan(cursor, 'COUNT', 2);
      seen.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.sort()).toEqual(['a1', 'b1', 'x1', 'y1', 'z1']);
    expect(['a1', 'b1', 'x1', 'y1', 'z1']).toContain(await foo.randomkey());
    expect(await bar.flushdb()).toBe('OK');
    expect(await foo.dbsize()).toBe(0);
    expect(await foo.randomkey()).toBeNull();
  });

  test('SCAN MATCH and TYPE filter on every node', async () => {
    await foo.flushall();
    await foo.mset('s1', 'v', 's2', 'v');
    await foo.hset('h1', 'f', 'v');
    await foo.hset('xh', 'f', 'v');
    const collect = async (...opts: (string | number)[]): Promise<string[]> => {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = (await foo.call('SCAN', cursor, ...opts)) as [string, string[]];
        out.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      return out.sort();
    };
    expect(await collect('TYPE', 'hash')).toEqual(['h1', 'xh']);
    expect(await collect('MATCH', 's*')).toEqual(['s1', 's2']);
  });

  test('RENAME across nodes moves the value and its TTL', async () => {
    await foo.set('apple', 'red', 'EX', 100);
    expect(await foo.rename('apple', 'zapple')).toBe('OK');
    expect(cluster.nodes['bar']!.store.get('zapple')).toBe('red');
    expect(await foo.exists('apple')).toBe(0);
    const ttl = await bar.ttl('zapple');
    expect(ttl).toBeGreaterThan(98);
    expect(ttl).toBeLessThanOrEqual(100);
    await bar.hset('zhash', 'a', '1', 'b', '2');
    expect(await bar.rename('zhash', 'ahash')).toBe('OK');
    expect(await foo.hgetall('ahash')).toEqual({ a: '1', b: '2' });
    await expect(foo.rename('nothing', 'zz')).rejects.toThrow('ERR no such key');
  });

  test('COPY across nodes copies the value and its TTL, keeps the source, and honours REPLACE', async () => {
    await foo.set('acopy', 'red', 'EX', 100);
    expect(await foo.copy('acopy', 'zcopy')).toBe(1);
    expect(cluster.nodes['bar']!.store.get('zcopy')).toBe('red');
    expect(cluster.nodes['foo']!.store.get('acopy')).toBe('red');
    expect(await bar.pexpiretime('zcopy')).toBe(await foo.pexpiretime('acopy'));
    // The destination exists: 0 and left alone, unless REPLACE.
    await bar.set('zcopy', 'blue');
    expect(await foo.copy('acopy', 'zcopy')).toBe(0);
    expect(await bar.get('zcopy')).toBe('blue');
    expect(await bar.ttl('zcopy')).toBe(-1);
    expect(await bar.copy('acopy', 'zcopy', 'REPLACE')).toBe(1);
    expect(await bar.get('zcopy')).toBe('red');
    expect(await bar.ttl('zcopy')).toBeGreaterThan(98);
    // And back, from bar to foo: a hash, and a bucket that stays a bucket.
    await bar.hset('zchash', 'a', '1', 'b', '2');
    expect(await bar.copy('zchash', 'achash')).toBe(1);
    expect(await foo.hgetall('achash')).toEqual({ a: '1', b: '2' });
    expect(await bar.hgetall('zchash')).toEqual({ a: '1', b: '2' });
    expect(await bar.ttl('achash')).toBe(-1);
    expect(await bar.call('CREATE', 'zcbucket')).toBe('OK');
    expect(await foo.copy('zcbucket', 'acbucket')).toBe(1);
    expect(await foo.call('PUT', 'acbucket', 'k', 'v')).toBe('OK');
    expect(await foo.call('DELETE', 'acbucket', 'k')).toBe('OK');
    expect(await bar.type('acbucket')).toBe('hash');
    // A missing source is 0; option errors come before any step.
    expect(await foo.copy('anothing', 'znothing')).toBe(0);
    expect(await foo.exists('znothing')).toBe(0);
    await expect(foo.copy('acopy', 'zcopy2', 'DB', '1')).rejects.toThrow('ERR DB index is out of range');
    await expect(foo.call('COPY', 'acopy', 'zcopy2', 'bogus')).rejects.toThrow('ERR syntax error');
    expect(await foo.exists('zcopy2')).toBe(0);
  });

  test('a long pipeline behind cross-node RENAMEs runs in order: each read sees the move before it', async () => {
    // Every RENAME takes three round trips; the GETs behind it wait (the
    // connection stops reading meanwhile), so none overtakes a move.
    await foo.set('amove', '0');
    const p = foo.pipeline();
    for (let i = 0; i < 50; i++) {
      const [from, to] = i % 2 === 0 ? ['amove', 'zmove'] : ['zmove', 'amove'];
      p.rename(from, to);
      for (let j = 0; j < 100; j++) p.exists(from);
      p.incr(to);
      p.dbsize();
    }
    const results = (await p.exec())!;
    // A move never shows as two keys or none: the cluster's size stays what it was.
    const before = await foo.dbsize();
    let at = 0;
    for (let i = 0; i < 50; i++) {
      expect(results[at++]).toEqual([null, 'OK']);
      for (let j = 0; j < 100; j++) expect(results[at++]).toEqual([null, 0]);
      expect(results[at++]).toEqual([null, i + 1]);
      expect(results[at++]).toEqual([null, before]);
    }
    // 50 moves, an even number: back on foo.
    expect(cluster.nodes['foo']!.store.get('amove')).toBe('50');
    expect(cluster.nodes['bar']!.store.get('zmove')).toBeUndefined();
  });

  test('a bucket created through foo lives on bar', async () => {
    expect(await foo.call('CREATE', 'shopping')).toBe('OK');
    expect(await foo.call('PUT', 'shopping', 'milk', '1')).toBe('OK');
    expect(await bar.call('GET', 'shopping', 'milk')).toBe('1');
    expect(await foo.call('DELETE', 'shopping', 'milk')).toBe('OK');
    expect(await foo.type('shopping')).toBe('hash');
    await expect(foo.call('PUT', 'nobucket', 'a', 'b')).rejects.toThrow('NOT FOUND');
  });

  test('RESP3 replies pass through a hop with their RESP3 shape', async () => {
    const raw = await RawClient.connect(cluster.ports['foo']!);
    await raw.command('HELLO', '3');
    await raw.command('HSET', 'zmap', 'f', 'v');
    expect(await raw.command('HGETALL', 'zmap')).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
    expect(await raw.command('GET', 'zmissing')).toBe('_\r\n');
    expect(await raw.command('MGET', 'zmap2', 'amissing')).toBe('*2\r\n_\r\n_\r\n');
    raw.close();
  });

  test('INFO cluster shows the table, links and counters', async () => {
    const info = await foo.info('cluster');
    expect(info).toContain('kv_node:foo');
    expect(info).toContain('kv_table:[a-m foo, n-z bar]');
    expect(info).toMatch(/kv_link_bar:state=up,addr=127\.0\.0\.1:\d+,/);
    expect(Number(/kv_commands_forwarded:(\d+)/.exec(info)![1])).toBeGreaterThan(0);
    const barInfo = await bar.info('cluster');
    expect(Number(/kv_commands_received:(\d+)/.exec(barInfo)![1])).toBeGreaterThan(0);
  });
});

describe('the links between nodes are authenticated', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  });
  afterAll(() => stopWithClients(cluster));

  test('a stranger cannot send forwarded or internal commands', async () => {
    const raw = await RawClient.connect(cluster.ports['bar']!);
    expect(await raw.command('KV.FWD', '2', 'foo', 'SET', 'zz', 'evil')).toBe(
      "-ERR unknown command 'KV.FWD', with args beginning with: '2' 'foo' 'SET' 'zz' 'evil' \r\n",
    );
    expect(await raw.command('KV.LOCAL', '2', 'FLUSHALL')).toMatch(/^-ERR unknown command 'KV.LOCAL'/);
    expect(await raw.command('KV.DUMP', 'zz')).toMatch(/^-ERR unknown command 'KV.DUMP'/);
    expect(cluster.nodes['bar']!.store.get('zz')).toBeUndefined();
    raw.close();
  });

  test('a wrong secret is refused and the connection closed', async () => {
    const raw = await RawClient.connect(cluster.ports['bar']!);
    expect(await raw.command('KV.HELLO', 'wrong', 'foo')).toBe('-ERR cluster secret refused\r\n');
    await raw.untilClosed();
    expect(raw.closed).toBe(true);
  });

  test('the right secret opens the internal commands', async () => {
    const raw = await RawClient.connect(cluster.ports['bar']!);
    expect(await raw.command('KV.HELLO', SECRET, 'foo')).toBe('+OK\r\n');
    expect(await raw.command('KV.FWD', '2', 'foo', 'SET', 'zz', 'ok')).toBe('+OK\r\n');
    expect(cluster.nodes['bar']!.store.get('zz')).toBe('ok');
    raw.close();
  });
});

describe('requests held behind a multi-step command', () => {
  test('QUIT among them: its OK, then nothing more is parsed, not even a protocol error', async () => {
    const cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    try {
      const raw = await RawClient.connect(cluster.ports['foo']!);
      raw.send('SET apple 1\r\nRENAME apple zoo\r\nQUIT\r\n*x\r\n');
      expect(await raw.untilClosed()).toBe('+OK\r\n+OK\r\n+OK\r\n');
    } finally {
      await cluster.stop();
    }
  });

  test('a node stopping gracefully still answers what it had read', async () => {
    const cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
    try {
      const raw = await RawClient.connect(cluster.ports['foo']!);
      raw.send('SET apple 1\r\nRENAME apple zoo\r\nGET zoo\r\nGET bee\r\n');
      // SET's reply shows the node has read all four; RENAME's steps are under way.
      expect(await raw.reply()).toBe('+OK\r\n');
      const stopped = cluster.nodes['foo']!.stop();
      expect(await raw.untilClosed()).toBe('+OK\r\n$1\r\n1\r\n$-1\r\n');
      await stopped;
    } finally {
      await cluster.stop();
    }
  });
});

describe('three nodes with divergent tables', () => {
  let cluster: TestCluster;
  let foo: Redis;

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: ['foo', 'bar', 'baz'],
      routes: ['a-m foo', 'n-z bar'],
      sections: {
        // bar hands s-z on to baz.
        bar: ['a-m foo', 'n-r bar', 's-z baz'],
        baz: ['a-z baz'],
      },
    });
    foo = client(cluster.ports['foo']!);
  });
  afterAll(() => stopWithClients(cluster));

  test('a request takes two hops and the reply comes back unchanged', async () => {
    expect(await foo.set('world', 'far')).toBe('OK');
    expect(cluster.nodes['baz']!.store.get('world')).toBe('far');
    expect(await foo.get('world')).toBe('far');
    expect(await foo.call('ROUTE', 'world')).toEqual(['bucket', 'world', 'owner', 'baz', 'path', 'foo -> bar -> baz', 'hops', 2]);
    expect(await foo.call('ROUTE', 'nest')).toEqual(['bucket', 'nest', 'owner', 'bar', 'path', 'foo -> bar', 'hops', 1]);
  });

  test('a forwarding loop fails with the path, never loops', async () => {
    // A file with a loop is refused when read, but nodes on different revisions
    // can still make one: bar takes a view in which q is baz's, and baz one in
    // which q is foo's. (Between two nodes, the one that had the range serves it
    // until the other takes it: see live-table.test.ts.)
    const view = (node: string, sections: Record<string, string>): void => {
      let text = cluster.conf;
      for (const [from, to] of Object.entries(sections)) text = text.replace(from, to);
      expect(cluster.nodes[node]!.applyConfig(configFor(parseConfig(text, 'next.conf'), node), '2')).toBeNull();
    };
    view('bar', { 'route n-r bar': 'route n-p bar\nroute q baz\nroute r bar' });
    view('baz', { 'route a-z baz': 'route a-p baz\nroute q foo\nroute r-z baz' });
    await expect(foo.get('queue')).rejects.toThrow('ERR forwarding loop for "queue": foo -> bar -> baz -> foo');
    for (const node of ['bar', 'baz']) expect(cluster.nodes[node]!.applyConfig(configFor(parseConfig(cluster.conf, 'test.conf'), node), '3')).toBeNull();
  });

  test('a RENAME or MSETNX forwarded whole and split by a later node still runs before the next command', async () => {
    // foo sends both keys to bar (n-z and a-m are bar's and foo's by foo's
    // table, but "nut" and "sky" are both bar's there); bar puts sky on baz, so
    // the move takes its steps on bar. The GET behind it must see it done.
    for (let i = 0; i < 10; i++) {
      const raw = await RawClient.connect(cluster.ports['foo']!);
      raw.send(`DEL sky\r\nSET nut v${i}\r\nRENAME nut sky\r\nGET sky\r\nDEL nap sea\r\nMSETNX nap 1 sea w${i}\r\nGET sea\r\n`);
      const v = `v${i}`;
      const w = `w${i}`;
      expect(await raw.replies(7)).toEqual([':0\r\n', '+OK\r\n', '+OK\r\n', `$${v.length}\r\n${v}\r\n`, ':0\r\n', ':1\r\n', `$${w.length}\r\n${w}\r\n`]);
      raw.send('DEL sky sea nap\r\n');
      expect(await raw.reply()).toBe(':3\r\n');
      raw.close();
    }
  });

  test('a split MGET re-split by the owner merges in order', async () => {
    await foo.mset('apple', '1', 'nut', '2', 'sun', '3');
    expect(cluster.nodes['baz']!.store.get('sun')).toBe('3');
    expect(await foo.mget('sun', 'apple', 'nut', 'rock', 'sky')).toEqual(['3', '1', '2', null, null]);
    expect(await foo.del('sun', 'apple', 'nut', 'rock')).toBe(3);
  });
});
