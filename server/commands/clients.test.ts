// CLIENT KILL, PAUSE/UNPAUSE and REPLY on one node: the filters and errors of
// Redis 7.0.15's CLIENT KILL (and 7.4's MAXAGE), what a pause holds (WRITE:
// writes and an EXEC of writes; ALL: everything) and for how long, and the
// REPLY flags the connection reads. Real sockets: client-tests/operations.test.ts.

import { afterEach, expect, test, vi } from 'vitest';
import { int, SYNTAX, testClient, testNode, type TestNode } from './test-node.js';
import { lookupCommand } from './table.js';
import { clientType, pausedUntil } from './clients.js';
import type { ClientState, Ctx } from './types.js';

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
  vi.useRealTimers();
});

function run(ctx: Ctx, ...argv: string[]): string {
  const c = lookupCommand(argv[0]!)!;
  const s = c.subcommands?.find((x) => x.name === `${c.name}|${argv[1]!.toLowerCase()}`) ?? c;
  return s.run!(ctx, argv) as string;
}

test('CLIENT KILL: the old form, each filter, SKIPME, and Redis errors', () => {
  node = testNode();
  const killed: number[] = [];
  const mk = (id: number, addr: string, extra: Partial<ClientState> = {}): ClientState => ({
    ...testClient(),
    id,
    remoteAddress: addr,
    localAddress: '127.0.0.1:6379',
    kill: () => killed.push(id),
    ...extra,
  });
  const me = mk(1, '127.0.0.1:1001');
  const others = [mk(2, '127.0.0.1:1002'), mk(3, '127.0.0.1:1003', { pubsub: { channels: new Set(['c']), patterns: new Set(), shardChannels: new Set() } }), mk(4, '10.0.0.1:5', { peer: 'bar' })];
  const ctx: Ctx = { ...node.ctx, node: { ...node.ctx.node, clients: () => [me, ...others] }, client: me };

  expect(run(ctx, 'CLIENT', 'KILL', '127.0.0.1:1002')).toBe('+OK\r\n');
  expect(run(ctx, 'CLIENT', 'KILL', '127.0.0.1:9')).toBe('-ERR No such client\r\n');
  // A link from another node is not a client: never killed.
  expect(run(ctx, 'CLIENT', 'KILL', '10.0.0.1:5')).toBe('-ERR No such client\r\n');
  expect(run(ctx, 'CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(int(1));
  expect(run(ctx, 'CLIENT', 'KILL', 'ID', '2', 'LADDR', '127.0.0.1:6379')).toBe(int(1));
  expect(run(ctx, 'CLIENT', 'KILL', 'ADDR', '127.0.0.1:1001')).toBe(int(0)); // SKIPME yes by default
  expect(killed).toEqual([2, 3, 2]);
  expect(me.closeAfterReply).toBe(false);
  expect(run(ctx, 'CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no', 'MAXAGE', '0')).toBe(int(3));
  expect(me.closeAfterReply).toBe(true);

  // Redis shows a monitor as a normal client, though it is a replica inside.
  expect(clientType({ ...testClient(), monitor: true })).toBe('normal');
  expect(clientType({ ...testClient(), fromPrimary: true })).toBe('master');

  expect(run(ctx, 'CLIENT', 'KILL', 'ID', '10', 'wrong_arg')).toBe(SYNTAX);
  for (const id of ['str', '-1', '0']) expect(run(ctx, 'CLIENT', 'KILL', 'ID', id)).toBe('-ERR client-id should be greater than 0\r\n');
  expect(run(ctx, 'CLIENT', 'KILL', 'TYPE', 'wrong_type')).toBe("-ERR Unknown client type 'wrong_type'\r\n");
  expect(run(ctx, 'CLIENT', 'KILL', 'USER', 'wrong_user')).toBe("-ERR No such user 'wrong_user'\r\n");
  expect(run(ctx, 'CLIENT', 'KILL', 'SKIPME', 'yes_or_no')).toBe(SYNTAX);
  expect(run(ctx, 'CLIENT', 'KILL', 'foo', 'bar')).toBe(SYNTAX);
});

test('CLIENT PAUSE WRITE holds writes (and an EXEC of writes) until its timeout; ALL holds everything; UNPAUSE ends it', async () => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  node = testNode();
  const view = node.ctx.node;
  const c = testClient();
  expect(pausedUntil(view, c, ['SET', 'k', 'v'])).toBe(null);
  expect(run(node.ctx, 'CLIENT', 'PAUSE', '1000', 'WRITE')).toBe('+OK\r\n');
  const held = pausedUntil(view, c, ['set', 'k', 'v']);
  expect(held).not.toBe(null);
  expect(pausedUntil(view, c, ['GET', 'k'])).toBe(null);
  expect(pausedUntil(view, c, ['PUBLISH', 'ch', 'm'])).not.toBe(null); // may_replicate
  // As in Redis 7.0, a write waits even when MULTI would only queue it, and so does an EXEC of writes.
  const inMulti: ClientState = { ...c, multi: [{ spec: lookupCommand('set')!, argv: ['SET', 'k', 'v'] }] };
  expect(pausedUntil(view, inMulti, ['SET', 'k', 'v'])).not.toBe(null);
  expect(pausedUntil(view, inMulti, ['EXEC'])).not.toBe(null);
  expect(pausedUntil(view, { ...c, multi: [] }, ['EXEC'])).toBe(null);

  let ended = false;
  void held!.then(() => (ended = true));
  await vi.advanceTimersByTimeAsync(999);
  expect(ended).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(ended).toBe(true);
  expect(pausedUntil(view, c, ['SET', 'k', 'v'])).toBe(null);

  expect(run(node.ctx, 'CLIENT', 'PAUSE', '100000')).toBe('+OK\r\n');
  expect(pausedUntil(view, c, ['PING'])).not.toBe(null);
  expect(pausedUntil(view, { ...c, monitor: true }, ['PING'])).toBe(null); // a monitor is a replica in Redis's terms
  expect(run(node.ctx, 'CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
  expect(pausedUntil(view, c, ['PING'])).toBe(null);

  expect(run(node.ctx, 'CLIENT', 'PAUSE', 'x')).toBe('-ERR timeout is not an integer or out of range\r\n');
  expect(run(node.ctx, 'CLIENT', 'PAUSE', '-1')).toBe('-ERR timeout is negative\r\n');
  expect(run(node.ctx, 'CLIENT', 'PAUSE', '10', 'foo')).toBe('-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
});

test('CLIENT REPLY: OFF and SKIP answer nothing and set the flags the connection reads; ON clears them', () => {
  node = testNode();
  const c = node.ctx.client;
  expect(run(node.ctx, 'CLIENT', 'REPLY', 'SKIP')).toBe('');
  expect([c.replyOff, c.replySkip, c.replySkipNext]).toEqual([false, false, true]);
  expect(run(node.ctx, 'CLIENT', 'REPLY', 'ON')).toBe('+OK\r\n');
  expect([c.replyOff, c.replySkip, c.replySkipNext]).toEqual([false, false, false]);
  expect(run(node.ctx, 'CLIENT', 'REPLY', 'OFF')).toBe('');
  expect(c.replyOff).toBe(true);
  // SKIP while OFF changes nothing, as in Redis.
  expect(run(node.ctx, 'CLIENT', 'REPLY', 'SKIP')).toBe('');
  expect(c.replySkipNext).toBe(false);
  expect(run(node.ctx, 'CLIENT', 'REPLY', 'maybe')).toBe(SYNTAX);
  expect(run(node.ctx, 'RESET')).toBe('+RESET\r\n');
  expect(c.replyOff).toBe(false);
});
