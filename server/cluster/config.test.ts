import { describe, expect, test } from 'vitest';
import { ConfigError, configFor, parseConfig, parseRange } from './config.js';

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
    const cfg = parseConfig('node a [::1]:7000\nroute * a\nmaxclients 5\nsecret abc\n');
    expect(cfg.nodes[0]).toEqual({ name: 'a', host: '::1', port: 7000 });
    const node = configFor(cfg, 'a');
    expect(node.settings.get('maxclients')).toBe('5');
    expect(node.settings.get('secret')).toBe('abc');
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
    expect(errorOf(BASE + 'maxclients lots\n')).toBe('c.conf:7: maxclients must be a non-negative integer');
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
