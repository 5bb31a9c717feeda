// A node for unit tests of the command modules: a real Store, no sockets, no peers.
// (Excluded from the build like the tests themselves.)

import { Store } from '../store/store.js';
import { newClientState, type ClientState, type Ctx, type NodeView } from './types.js';
import type { Proto } from '../protocol/resp.js';
import { lookupCommand } from './table.js';
import { afterEach, beforeEach, vi } from 'vitest';

// Replies as Redis sends them, for the expectations of the unit tests.
export const OK = '+OK\r\n';
export const NIL = '$-1\r\n';
export const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
export const NOT_INTEGER = '-ERR value is not an integer or out of range\r\n';
export const SYNTAX = '-ERR syntax error\r\n';
export const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
export const int = (n: number | bigint | string): string => `:${n}\r\n`;

export function testClient(proto: Proto = 2): ClientState {
  return { ...newClientState(1, '127.0.0.1:1', '127.0.0.1:2', true), proto };
}

export interface TestNode {
  ctx: Ctx;
  store: Store;
  close(): void;
}

export function testNode(proto: Proto = 2, settings: Record<string, string> = {}): TestNode {
  const store = new Store();
  const config = new Map(Object.entries({ requirepass: '', ...settings }));
  const view: NodeView = {
    name: 'test',
    store,
    startedAt: Date.now(),
    config: () => config,
    setConfig: (name, value) => {
      config.set(name, value);
      return null;
    },
    infoSection: () => null,
    clients: () => [],
    checkSecret: () => false,
    resetStats: () => {},
    reload: () => 'no configuration to reload in a unit test',
    disk: { save: () => null, bgsave: () => null, rewriteAof: () => null, lastSave: () => 0, onShutdown: () => {} },
    replication: {
      role: () => ({ role: 'master', offset: 0, replicas: [] }),
      readOnly: () => false,
      canServeSync: () => null,
      ack: () => {},
      wait: () => 0,
      follow: () => null,
      stopFollowing: () => {},
      takeOver: () => false,
      failover: () => null,
      peerPromoted: () => {},
      replaced: () => [],
    },
  };
  return { ctx: { node: view, client: testClient(proto), proto, path: [] }, store, close: () => store.close() };
}

/**
 * Registers a test file's sessions: `session(proto)` makes a fresh node and
 * returns a runner for commands on it; the node is closed after its test.
 * With `clockAt`, each test runs on fake timers that start at that time (ms),
 * so TTLs read back exactly.
 */
export function testSessions(opts: { clockAt?: number } = {}): (proto?: Proto) => (...argv: string[]) => string {
  let node: TestNode | null = null;
  const clockAt = opts.clockAt;
  if (clockAt !== undefined) beforeEach(() => void vi.useFakeTimers({ now: clockAt }));
  afterEach(() => {
    node?.close();
    node = null;
    if (clockAt !== undefined) vi.useRealTimers();
  });
  return (proto = 2) => {
    node = testNode(proto);
    return commandRunner(node);
  };
}

/**
 * Runs commands on `node` by name through the table (a container's subcommand,
 * such as CONFIG SET, by its second word), after the arity check the dispatcher
 * does first (so a wrong arity is a bug in the test, and says so).
 */
function commandRunner(node: TestNode): (...argv: string[]) => string {
  return (...argv) => {
    const container = lookupCommand(argv[0]!)!;
    const sub = container.subcommands?.find((s) => s.name === `${container.name}|${argv[1]?.toLowerCase()}`);
    const spec = sub ?? container;
    const n = argv.length;
    const arityOk = spec.arity > 0 ? n === spec.arity : n >= -spec.arity && n <= (spec.maxArgs ?? Infinity);
    if (!arityOk) throw new Error(`test bug: ${argv.join(' ')} has the wrong arity; the dispatcher refuses it first`);
    const reply = spec.run!(node.ctx, argv);
    // A long reply is joined, so tests compare bytes whatever shape it took.
    if (reply instanceof Promise) throw new Error(`test bug: ${argv[0]} answers later; test it through a node`);
    return typeof reply === 'string' ? reply : reply.parts.join('');
  };
}

/** The bulk strings of a flat RESP2 array, which must be the whole of `reply`. */
export function bulkItems(reply: string): string[] {
  const m = /^\*(\d+)\r\n/.exec(reply);
  if (!m) throw new Error(`not an array: ${JSON.stringify(reply)}`);
  const out: string[] = [];
  let pos = m[0].length;
  for (let i = 0; i < Number(m[1]); i++) {
    const cr = reply.indexOf('\r\n', pos);
    const len = Number(reply.slice(pos + 1, cr));
    out.push(reply.slice(cr + 2, cr + 2 + len));
    pos = cr + 2 + len + 2;
  }
  if (pos !== reply.length) throw new Error(`trailing bytes after the array: ${JSON.stringify(reply.slice(pos))}`);
  return out;
}

/** A SCAN or HSCAN reply split into its next cursor and its flat list of items. */
export function scanItems(reply: string): [string, string[]] {
  const m = /^\*2\r\n\$\d+\r\n(\d+)\r\n/.exec(reply);
  if (!m) throw new Error(`not a scan reply: ${JSON.stringify(reply)}`);
  return [m[1]!, bulkItems(reply.slice(m[0].length))];
}
