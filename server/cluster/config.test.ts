import { describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSetting, ConfigError, configFor, loadConfig, parseConfig, parseCoordinatorUrl, parseRange, shown } from './config.js';

const BASE = `
# two nodes
node foo 127.0.0.1:6379
node bar 127.0.0.1:6380
route a-m foo   # first half
route n-z bar
`;

function errorOf(text: string): string {
  try {
    parseConfig(text, 'c.conf');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseRange', () => {
  test('every form', () => {
    expect(parseRange('a-m')).toEqual({ from: 97, to: 109 });
    expect(parseRange('q')).toEqual({ from: 113, to: 113 });
    expect(parseRange('0x00-0x1f')).toEqual({ from: 0, to: 31 });
    expect(parseRange('0x41')).toEqual({ from: 65, to: 65 });
    expect(parseRange('*')).toEqual({ from: 0, to: 255 });
    expect(parseRange('--0x2f')).toEqual({ from: 45, to: 47 });
    expect(parseRange('-')).toEqual({ from: 45, to: 45 });
  });
  test('bad ranges', () => {
    for (const bad of ['m-a', 'ab', 'a-', '0x100', '0xzz', 'a-bc', '']) expect(parseRange(bad)).toBeNull();
  });
});

describe('parseConfig', () => {
  test('nodes, table and comments', () => {
    const cfg = parseConfig(BASE);
    expect(cfg.nodes).toEqual([
      { name: 'foo', host: '127.0.0.1', port: 6379 },
      { name: 'bar', host: '127.0.0.1', port: 6380 },
    ]);
    expect(cfg.table.map((e) => [e.from, e.to, e.node])).toEqual([
      [97, 109, 'foo'],
      [110, 122, 'bar'],
    ]);
  });

  test('a section replaces the table on that node only', () => {
    const cfg = parseConfig(BASE + '[bar]\nroute a-z bar\nrequirepass s3cret\n');
    expect(configFor(cfg, 'foo').table.map((e) => e.text)).toEqual(['a-m', 'n-z']);
    expect(configFor(cfg, 'bar').table.map((e) => e.text)).toEqual(['a-z']);
    expect(configFor(cfg, 'bar').settings.get('requirepass')).toBe('s3cret');
    expect(configFor(cfg, 'foo').settings.get('requirepass')).toBe('');
  });

  test('settings and IPv6 addresses', () => {
    const cfg = parseConfig('node a [::1]:7000\nroute * a\nmaxclients 5\nsecret abcdefghijklmnop\n');
    expect(cfg.nodes[0]).toEqual({ name: 'a', host: '::1', port: 7000 });
    const node = configFor(cfg, 'a');
    expect(node.settings.get('maxclients')).toBe('5');
    expect(node.settings.get('secret')).toBe('abcdefghijklmnop');
    expect(node.settings.get('forward-timeout')).toBe('1000');
  });

  test('each mistake names its line', () => {
    expect(errorOf(BASE + 'route 0-9 baz\n')).toBe('c.conf:7: unknown node "baz" in route 0-9');
    expect(errorOf(BASE + 'route k-p foo\n')).toBe('c.conf:7: range k-p overlaps a-m (line 5)');
    expect(errorOf(BASE + 'route z-a foo\n')).toBe('c.conf:7: bad range "z-a": use a-m, q, 0x00-0x1f or *');
    expect(errorOf(BASE + 'node foo 127.0.0.1:7000\n')).toBe('c.conf:7: duplicate node name "foo"');
    expect(errorOf(BASE + 'node baz 127.0.0.1:6380\n')).toBe('c.conf:7: duplicate address 127.0.0.1:6380 (node baz)');
    expect(errorOf(BASE + 'node baz 127.0.0.1\n')).toBe('c.conf:7: bad address "127.0.0.1" for node baz: expected <host>:<port>');
    expect(errorOf(BASE + 'node baz 127.0.0.1:70000\n')).toBe('c.conf:7: bad port 70000 for node baz');
    expect(errorOf(BASE + 'frobnicate 1\n')).toBe('c.conf:7: unknown directive "frobnicate"');
    expect(errorOf(BASE + 'route a foo bar\n')).toBe('c.conf:7: expected "route <first bytes> <node>"');
    expect(errorOf(BASE + 'maxclients lots\n')).toBe("c.conf:7: maxclients lots: argument couldn't be parsed into an integer");
    expect(errorOf(BASE + '[baz]\nroute a baz\n')).toBe('c.conf:8: unknown node "baz" in route a');
    expect(errorOf(BASE + '[baz]\n')).toBe('c.conf:7: section [baz] names an unknown node');
    expect(errorOf(BASE + '[foo]\n[foo]\n')).toBe('c.conf:8: duplicate section [foo]');
    expect(errorOf(BASE + '[foo]\nnode x 127.0.0.1:1\n')).toBe('c.conf:8: node lines belong before any [section]');
    expect(errorOf('# nothing\n')).toBe('c.conf: no nodes: add a line "node <name> <host>:<port>"');
  });

  test('configFor an unknown node', () => {
    expect(() => configFor(parseConfig(BASE), 'baz')).toThrow('no node named "baz" (nodes: foo, bar)');
  });

  test('the checked-in cluster.conf is the two-node local cluster', async () => {
    const { loadConfig } = await import('./config.js');
    const cfg = loadConfig('cluster.conf');
    expect(cfg.nodes.map((n) => `${n.name} ${n.host}:${n.port}`)).toEqual(['foo 127.0.0.1:6379', 'bar 127.0.0.1:6380']);
    expect(cfg.table.map((e) => `${e.text} ${e.node}`)).toEqual(['a-m foo', 'n-z bar']);
  });
});

describe('checkSetting', () => {
  const ok = (name: string, value: string): string => {
    const r = checkSetting(name, value);
    if ('error' in r) throw new Error(`${name} ${value}: ${r.error}`);
    return r.value;
  };
  const err = (name: string, value: string): string => {
    const r = checkSetting(name, value);
    if ('value' in r) throw new Error(`${name} ${value} accepted as ${r.value}`);
    return r.error;
  };

  test('each numeric setting has its bounds, inclusive', () => {
    const bounds: [string, string, string][] = [
      ['maxclients', '1', '4294967295'],
      ['proto-max-bulk-len', '1048576', '9223372036854775807'],
      ['client-query-buffer-limit', '1048576', '9223372036854775807'],
      ['client-output-buffer-limit', '0', '9223372036854775807'],
      ['forward-timeout', '1', '3600000'],
      ['max-hops', '1', '64'],
      ['timeout', '0', '2147483'],
    ];
    for (const [name, min, max] of bounds) {
      expect(ok(name, min)).toBe(min);
      expect(ok(name, max)).toBe(max);
      const unit = name === 'forward-timeout' ? ' (milliseconds)' : '';
      const words = `argument must be between ${min} and ${max} inclusive${unit}`;
      // A memory value below 0 is not a memory value at all (Redis's memtoull).
      if (name === 'client-output-buffer-limit') expect(err(name, '-1')).toBe('argument must be a memory value');
      else expect(err(name, String(BigInt(min) - 1n))).toBe(words);
      expect(err(name, String(BigInt(max) + 1n))).toBe(words);
    }
  });

  test('the timer overflow: forward-timeout 0 and 2^31 are refused', () => {
    expect(err('forward-timeout', '0')).toMatch(/between 1 and/);
    expect(err('forward-timeout', String(2 ** 31))).toMatch(/between 1 and/);
  });

  test("integers as Redis's string2ll reads them", () => {
    for (const bad of ['', 'lots', '1.5', '+5', '007', ' 5', '5 ', '1e3', '0x10', '10mb']) {
      expect(err('max-hops', bad)).toBe("argument couldn't be parsed into an integer");
    }
    expect(err('timeout', '-1')).toBe('argument must be between 0 and 2147483 inclusive');
  });

  test("memory values as Redis's memtoull reads them: k/m/g by 1000, kb/mb/gb by 1024, any case", () => {
    expect(ok('proto-max-bulk-len', '512mb')).toBe(String(512 * 1024 * 1024));
    expect(ok('proto-max-bulk-len', '512MB')).toBe(String(512 * 1024 * 1024));
    expect(ok('client-query-buffer-limit', '1gb')).toBe(String(1024 ** 3));
    expect(ok('client-query-buffer-limit', '1Gb')).toBe(String(1024 ** 3));
    expect(ok('client-query-buffer-limit', '2g')).toBe(String(2 * 1000 ** 3));
    expect(ok('client-query-buffer-limit', '1024kb')).toBe('1048576');
    expect(ok('client-query-buffer-limit', '1048576b')).toBe('1048576');
    expect(ok('client-output-buffer-limit', '64k')).toBe('64000');
    expect(ok('client-output-buffer-limit', '3m')).toBe('3000000');
    expect(err('proto-max-bulk-len', '1m')).toBe('argument must be between 1048576 and 9223372036854775807 inclusive');
    for (const bad of ['', 'mb', '-1', '1.5mb', '1tb', '1 mb', 'lots']) expect(err('proto-max-bulk-len', bad)).toBe('argument must be a memory value');
    // Units are for memory settings only, as in Redis.
    expect(err('maxclients', '1k')).toBe("argument couldn't be parsed into an integer");
  });

  test('text settings and the secret', () => {
    expect(ok('requirepass', 'p\xe4ss')).toBe('p\xe4ss');
    expect(ok('secret-file', '/etc/kv/secret')).toBe('/etc/kv/secret');
    expect(ok('secret', 'x'.repeat(16))).toBe('x'.repeat(16));
    expect(err('secret', 'x'.repeat(15))).toBe('a cluster secret needs at least 16 bytes, this one has 15');
    expect(err('nosuch', '1')).toBe('unknown setting "nosuch"');
  });
});

describe('settings in the file', () => {
  test('are stored normalized', () => {
    const node = configFor(parseConfig(BASE + 'proto-max-bulk-len 1mb\nclient-query-buffer-limit 1GB\n'), 'foo');
    expect(node.settings.get('proto-max-bulk-len')).toBe('1048576');
    expect(node.settings.get('client-query-buffer-limit')).toBe(String(1024 ** 3));
  });

  test('a value out of range names the file and line', () => {
    expect(errorOf(BASE + 'forward-timeout 0\n')).toBe('c.conf:7: forward-timeout 0: argument must be between 1 and 3600000 inclusive (milliseconds)');
    expect(errorOf(BASE + `[foo]\nforward-timeout ${2 ** 31}\n`)).toBe(
      'c.conf:8: forward-timeout 2147483648: argument must be between 1 and 3600000 inclusive (milliseconds)',
    );
    expect(errorOf(BASE + 'max-hops 65\n')).toBe('c.conf:7: max-hops 65: argument must be between 1 and 64 inclusive');
    expect(errorOf(BASE + 'proto-max-bulk-len 1kb\n')).toBe('c.conf:7: proto-max-bulk-len 1kb: argument must be between 1048576 and 9223372036854775807 inclusive');
  });

  test('a short secret names the line but not the secret', () => {
    expect(errorOf(BASE + 'secret hunter2\n')).toBe('c.conf:7: secret: a cluster secret needs at least 16 bytes, this one has 7');
  });
});

describe('encoding: the file is bytes, read as latin1 like client input', () => {
  const file = (bytes: Buffer): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'kv-conf-')), 'cluster.conf');
    writeFileSync(path, bytes);
    return path;
  };

  test('a UTF-8 requirepass is the byte sequence a client sends', () => {
    const cfg = loadConfig(file(Buffer.from('node foo 127.0.0.1:6379\nroute * foo\nrequirepass pässwörd\n', 'utf8')));
    const pass = configFor(cfg, 'foo').settings.get('requirepass')!;
    expect(pass).toBe(Buffer.from('pässwörd', 'utf8').toString('latin1'));
    expect(pass.length).toBe(10);
  });

  test('"route é" is two bytes: an error that names them and the 0xNN form', () => {
    const path = file(Buffer.from('node foo 127.0.0.1:6379\nroute é foo\n', 'utf8'));
    expect(() => loadConfig(path)).toThrow(
      `${path}:2: bad range "é": a range names single bytes, and this is 2 bytes in the file (0xc3 0xa9); write bytes past ASCII as 0xNN, e.g. 0xc3 for keys whose first byte is 0xc3`,
    );
  });

  test('a latin1 file gives single bytes, and 0xNN reaches them all', () => {
    const cfg = loadConfig(file(Buffer.concat([Buffer.from('node foo 127.0.0.1:6379\nroute '), Buffer.from([0xe9]), Buffer.from(' foo\nroute 0xc3 foo\n')])));
    expect(cfg.table.map((e) => [e.from, e.to])).toEqual([
      [0xe9, 0xe9],
      [0xc3, 0xc3],
    ]);
  });

  test('0xa0 is not a blank (it is a byte of "à"), and a UTF-8 BOM is skipped', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const cfg = loadConfig(file(Buffer.concat([bom, Buffer.from('node foo 127.0.0.1:6379\nroute * foo\nrequirepass à\n', 'utf8')])));
    expect(configFor(cfg, 'foo').settings.get('requirepass')).toBe('\xc3\xa0');
  });

  test('errors show file text as typed, and unprintable bytes as \\xNN', () => {
    expect(shown('plain')).toBe('plain');
    expect(shown('\xc3\xa9')).toBe('é');
    expect(shown('a\x1b[31mb\n')).toBe('a\\x1b[31mb\\x0a');
    expect(shown('\xe9')).toBe('\\xe9');
    expect(errorOf(BASE + 'fr\xc3\xa9q 1\n')).toBe('c.conf:7: unknown directive "fréq"');
    expect(errorOf(BASE + 'route a-m\x1b[2J x\n')).toBe('c.conf:7: bad range "a-m\\x1b[2J": use a-m, q, 0x00-0x1f or *');
  });
});

describe('durability settings', () => {
  const base = 'secret abcdefghijklmnopqrstuv\nnode a 127.0.0.1:7000\nnode b 127.0.0.1:7001\nroute * a\n';
  test("Redis's names and defaults; dir defaults to ./data/<node>", () => {
    const cfg = parseConfig(base + 'appendonly yes\n[b]\ndir /var/lib/kv\n');
    const a = configFor(cfg, 'a').settings;
    expect([a.get('appendonly'), a.get('appendfsync'), a.get('dir'), a.get('appenddirname'), a.get('appendfilename')]).toEqual([
      'yes',
      'everysec',
      './data/a',
      'appendonlydir',
      'appendonly.aof',
    ]);
    expect([a.get('auto-aof-rewrite-percentage'), a.get('auto-aof-rewrite-min-size'), a.get('aof-load-truncated'), a.get('save')]).toEqual([
      '100',
      String(64 * 1024 * 1024),
      'yes',
      '3600 1 300 100 60 10000',
    ]);
    expect(configFor(cfg, 'b').settings.get('dir')).toBe('/var/lib/kv');
  });

  test('enumerations and save take what Redis takes, in its words', () => {
    expect(checkSetting('appendfsync', 'ALWAYS')).toEqual({ value: 'always' });
    expect(checkSetting('appendfsync', 'sometimes')).toEqual({ error: 'argument(s) must be one of the following: always, everysec, no' });
    expect(checkSetting('appendonly', 'maybe')).toEqual({ error: "argument must be 'yes' or 'no'" });
    expect(checkSetting('save', '900 1 300 10')).toEqual({ value: '900 1 300 10' });
    expect(checkSetting('save', '')).toEqual({ value: '' });
    expect(checkSetting('save', '900')).toEqual({ error: 'Invalid save parameters' });
    expect(configFor(parseConfig(base + 'save 900 1 60 100\n'), 'a').settings.get('save')).toBe('900 1 60 100');
    expect(configFor(parseConfig(base + 'save ""\n'), 'a').settings.get('save')).toBe('');
    expect(() => parseConfig(base + 'appendfsync sometimes\n', 'c.conf')).toThrow('c.conf:5: appendfsync sometimes: argument(s) must be one of the following: always, everysec, no');
  });
});

describe('loops are refused when the file is read', () => {
  const THREE = 'node foo 127.0.0.1:1\nnode bar 127.0.0.1:2\nnode baz 127.0.0.1:3\nroute a-m foo\nroute n-z bar\n';

  test('a byte sent back to a node it passed names the entry and the chain', () => {
    expect(errorOf(THREE + '[bar]\nroute a-m foo\nroute n-p bar\nroute q foo\nroute r-z bar\n')).toBe('c.conf:5: route n-z loops: foo -> bar -> foo');
    expect(errorOf(THREE + '[foo]\nroute a-z baz\n[baz]\nroute a-z bar\n[bar]\nroute a-z foo\n')).toBe('c.conf:7: route a-z loops: foo -> baz -> bar -> foo');
  });

  test('a chain longer than max-hops is refused; multi-hop chains within it and bytes no table covers are fine', () => {
    const chain = THREE + '[bar]\nroute a-m foo\nroute n-z baz\n[baz]\nroute *  baz\n';
    expect(configFor(parseConfig(chain, 'c.conf'), 'foo').table.map((e) => e.text)).toEqual(['a-m', 'n-z']);
    expect(errorOf('max-hops 1\n' + chain)).toBe('c.conf:6: route n-z takes more than max-hops (1): foo -> bar -> baz');
    expect(() => parseConfig(THREE + '[bar]\nroute a-p bar\n', 'c.conf')).not.toThrow(); // q: foo -> bar, where no entry covers it
  });
});

describe('the coordinator line', () => {
  test('etcd endpoints and a prefix; a file with only this line needs no nodes', () => {
    const cfg = parseConfig('coordinator etcd://127.0.0.1:2379,10.0.0.2:2379/kv/prod\n', 'c.conf');
    expect(cfg.coordinator).toEqual({ url: 'etcd://127.0.0.1:2379,10.0.0.2:2379/kv/prod', line: 1 });
    expect(parseCoordinatorUrl(cfg.coordinator!.url)).toEqual({ hosts: ['http://127.0.0.1:2379', 'http://10.0.0.2:2379'], prefix: '/kv/prod' });
    expect(parseConfig(BASE).coordinator).toBeNull();
  });

  test('a bad URL names its line', () => {
    for (const bad of ['etcd://127.0.0.1:2379', 'http://127.0.0.1:2379/kv', 'etcd://127.0.0.1:2379/kv/', 'etcd://host/kv']) {
      expect(errorOf(`coordinator ${bad}\n`)).toBe('c.conf:1: expected "coordinator etcd://<host>:<port>[,<host>:<port>...]/<prefix>"');
    }
  });

  test('lease-ttl: seconds, 5 by default', () => {
    expect(configFor(parseConfig(BASE), 'foo').settings.get('lease-ttl')).toBe('5');
    expect(errorOf(BASE + 'lease-ttl 1\n')).toBe('c.conf:7: lease-ttl 1: argument must be between 2 and 3600 inclusive (seconds)');
  });
});
