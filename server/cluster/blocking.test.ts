// BlockedClients on its own: waiters served in arrival order on the owner, and
// the KV.BLOCK / KV.UNBLOCK / KV.UNBLOCKED exchange with a peer, played by hand
// over fake links (client-tests/blocking.test.ts runs it between real nodes).

import { afterEach, describe, expect, test, vi } from 'vitest';
import * as r from '../protocol/resp.js';
import { BlockedClients } from './blocking.js';
import type { PeerLink } from './peer-link.js';
import { lookupCommand } from '../commands/table.js';
import { testClient, testNode, type TestNode } from '../commands/test-node.js';
import type { Ctx } from '../commands/types.js';

interface Sent {
  argv: string[];
  answer: (reply: string) => void;
}

function fakeLink(sent: Sent[]): PeerLink {
  return { send: (argv: readonly string[], cb: (reply: string) => void) => sent.push({ argv: [...argv], answer: cb }) } as unknown as PeerLink;
}

let nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes) n.close();
  nodes = [];
  vi.useRealTimers();
});

/** A node `self` whose keys all live on `owner`, with links that record what is sent. */
function setup(self: string, owner: string): { blocking: BlockedClients; node: TestNode; sent: Record<string, Sent[]>; run: (ctx: Ctx, ...argv: string[]) => unknown; move: (to: string) => void } {
  const node = testNode();
  nodes.push(node);
  const sent: Record<string, Sent[]> = { foo: [], bar: [] };
  const links = new Map([
    ['foo', fakeLink(sent['foo']!)],
    ['bar', fakeLink(sent['bar']!)],
  ]);
  const blocking = new BlockedClients({
    self,
    store: node.store,
    links,
    owner: () => owner,
    tableOwner: () => owner,
    runHere: (ctx, spec, argv) => spec.run!(ctx, argv),
    runOn: (ctx, _node, argv) => Promise.resolve(lookupCommand(argv[0]!)!.run!(ctx, argv)),
    forwardTimeoutMs: () => 1000,
    log: () => {},
  });
  const run = (ctx: Ctx, ...argv: string[]): unknown => {
    const spec = lookupCommand(argv[0]!)!;
    const reply = spec.routing === 'blocking' ? blocking.dispatch(ctx, spec, argv) : spec.run!(ctx, argv);
    blocking.serveReady();
    return reply;
  };
  return { blocking, node, sent, run, move: (to) => void (owner = to) };
}

const clientCtx = (node: TestNode, id: number, proto: 2 | 3 = 2): Ctx => ({ ...node.ctx, client: { ...testClient(proto), id }, proto });
const peerCtx = (node: TestNode, peer: string): Ctx => ({ ...node.ctx, client: { ...testClient(), id: 999, peer } });

describe('waiting on the owner', () => {
  test('first blocked, first served; a timeout answers a null array; a closed client leaves the queue', async () => {
    vi.useFakeTimers();
    const { blocking, node, run } = setup('bar', 'bar');
    const a = run(clientCtx(node, 1), 'BLPOP', 'q', '0') as Promise<string>;
    const b = run(clientCtx(node, 2, 3), 'BRPOP', 'other', 'q', '0') as Promise<string>;
    const c = run(clientCtx(node, 3), 'BLPOP', 'q', '1') as Promise<string>;
    const gone = run(clientCtx(node, 4), 'BLPOP', 'q', '0') as Promise<string>;
    expect(blocking.blockedClients).toBe(4);
    blocking.clientClosed(clientCtx(node, 4).client);
    expect(await gone).toBe('*-1\r\n');
    run(node.ctx, 'RPUSH', 'q', 'x', 'y');
    expect(await a).toBe(`*2\r\n${r.bulk('q')}${r.bulk('x')}`);
    expect(await b).toBe(`*2\r\n${r.bulk('q')}${r.bulk('y')}`);
    expect(node.store.has('q')).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(await c).toBe('*-1\r\n');
    expect(blocking.blockedClients).toBe(0);
    run(node.ctx, 'RPUSH', 'q', 'z');
    expect(node.store.has('q')).toBe(true); // nobody took it
  });
});

describe('a peer client waiting here (owner side)', () => {
  test('KV.BLOCK waits without holding the link; the served pop goes back by KV.UNBLOCKED', () => {
    const { blocking, node, sent, run } = setup('bar', 'bar');
    const link = peerCtx(node, 'foo');
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '7', '5000', '2', 'foo', 'BLPOP', 'q', '0'])).toBe('+BLOCKED\r\n');
    expect(blocking.waitingForPeers).toBe(1);
    // Sent again (the link came back): still one waiter.
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '7', '5000', '2', 'foo', 'BLPOP', 'q', '0'])).toBe('+BLOCKED\r\n');
    run(node.ctx, 'RPUSH', 'q', 'job');
    expect(sent['foo']!.map((s) => s.argv)).toEqual([['KV.UNBLOCKED', 'foo', '7', `*2\r\n${r.bulk('q')}${r.bulk('job')}`]]);
    // Its KV.UNBLOCK crossed the answer: the entry is told to wait for it.
    expect(blocking.fromPeer(link, 'kv.unblock', ['KV.UNBLOCK', '7'])).toBe('+SERVED\r\n');
    sent['foo']![0]!.answer(r.OK);
    expect(blocking.fromPeer(link, 'kv.unblock', ['KV.UNBLOCK', '7'])).toBe('+UNKNOWN\r\n');
    expect(node.store.has('q')).toBe(false);
  });

  test('an entry that no longer has the client makes the owner put the elements back where they were', () => {
    const { blocking, node, sent, run } = setup('bar', 'bar');
    const link = peerCtx(node, 'foo');
    blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '1', '0', '2', 'foo', 'BLMPOP', '0', '1', 'q', 'RIGHT', 'COUNT', '2']);
    blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '2', '0', '2', 'foo', 'BLMOVE', 'm', 'd', 'LEFT', 'RIGHT', '0']);
    run(node.ctx, 'RPUSH', 'q', 'a', 'b', 'c');
    run(node.ctx, 'RPUSH', 'm', 'x', 'y');
    expect(sent['foo']!.length).toBe(2);
    for (const s of sent['foo']!) s.answer(r.error('ERR client gone'));
    expect(run(node.ctx, 'LRANGE', 'q', '0', '-1')).toBe(`*3\r\n${r.bulk('a')}${r.bulk('b')}${r.bulk('c')}`);
    expect(run(node.ctx, 'LRANGE', 'm', '0', '-1')).toBe(`*2\r\n${r.bulk('x')}${r.bulk('y')}`);
    expect(node.store.has('d')).toBe(false);
  });

  test('KV.UNBLOCK before any push cancels; a closed link drops its waiters', () => {
    const { blocking, node, sent, run } = setup('bar', 'bar');
    const link = peerCtx(node, 'foo');
    blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '1', '0', '2', 'foo', 'BLPOP', 'q', '0']);
    blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '2', '0', '2', 'foo', 'BLPOP', 'q', '0']);
    expect(blocking.fromPeer(link, 'kv.unblock', ['KV.UNBLOCK', '1'])).toBe('+CANCELLED\r\n');
    blocking.clientClosed(link.client);
    expect(blocking.waitingForPeers).toBe(0);
    run(node.ctx, 'RPUSH', 'q', 'kept');
    expect(sent['foo']).toEqual([]);
    expect(node.store.has('q')).toBe(true);
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', 'x', '0', '2', 'foo', 'BLPOP', 'q', '0'])).toBe('-ERR malformed KV.BLOCK: bad id\r\n');
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '3', '0', '2', 'foo', 'GET', 'q', '0'])).toBe('-ERR malformed KV.BLOCK: not a blocking command\r\n');
    // Data there: answered at once.
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '4', '0', '3', 'foo', 'BLPOP', 'q', '0'])).toBe(`*2\r\n${r.bulk('q')}${r.bulk('kept')}`);
  });
});

describe('a client of this node waiting on another (entry side)', () => {
  test('KV.BLOCK, then KV.UNBLOCKED answers the client', async () => {
    const { blocking, node, sent, run } = setup('foo', 'bar');
    const p = run(clientCtx(node, 5), 'BLPOP', 'q', '0') as Promise<string>;
    const block = sent['bar']![0]!;
    expect(block.argv).toEqual(['KV.BLOCK', '1', '0', '2', 'foo', 'BLPOP', 'q', '0']);
    block.answer('+BLOCKED\r\n');
    expect(blocking.blockedClients).toBe(1);
    const reply = `*2\r\n${r.bulk('q')}${r.bulk('v')}`;
    expect(blocking.fromPeer(peerCtx(node, 'bar'), 'kv.unblocked', ['KV.UNBLOCKED', 'foo', '1', reply])).toBe(r.OK);
    expect(await p).toBe(reply);
    expect(blocking.blockedClients).toBe(0);
    expect(blocking.fromPeer(peerCtx(node, 'bar'), 'kv.unblocked', ['KV.UNBLOCKED', 'foo', '1', reply])).toBe('-ERR no such blocked client\r\n');
  });

  test('on timeout the owner is asked to cancel; if it had served, the value still reaches the client', async () => {
    vi.useFakeTimers();
    const { blocking, node, sent, run } = setup('foo', 'bar');
    const cancelled = run(clientCtx(node, 5), 'BLPOP', 'q', '0.5') as Promise<string>;
    const served = run(clientCtx(node, 6), 'BLPOP', 'q', '0.5') as Promise<string>;
    expect(sent['bar']![0]!.argv.slice(0, 3)).toEqual(['KV.BLOCK', '1', '6500']); // 500 ms + margin + forward-timeout
    sent['bar']![0]!.answer('+BLOCKED\r\n');
    sent['bar']![1]!.answer('+BLOCKED\r\n');
    vi.advanceTimersByTime(500);
    expect(sent['bar']!.slice(2).map((s) => s.argv)).toEqual([['KV.UNBLOCK', '1'], ['KV.UNBLOCK', '2']]);
    sent['bar']![2]!.answer('+CANCELLED\r\n');
    expect(await cancelled).toBe('*-1\r\n');
    sent['bar']![3]!.answer('+SERVED\r\n');
    const reply = `*2\r\n${r.bulk('q')}${r.bulk('late')}`;
    expect(blocking.fromPeer(peerCtx(node, 'bar'), 'kv.unblocked', ['KV.UNBLOCKED', 'foo', '2', reply])).toBe(r.OK);
    expect(await served).toBe(reply);
  });

  test('a client that goes away is cancelled on the owner, and refuses what was already on its way', async () => {
    const { blocking, node, sent, run } = setup('foo', 'bar');
    const ctx = clientCtx(node, 7);
    void run(ctx, 'BLPOP', 'q', '0');
    sent['bar']![0]!.answer('+BLOCKED\r\n');
    blocking.clientClosed(ctx.client);
    expect(sent['bar']![1]!.argv).toEqual(['KV.UNBLOCK', '1']);
    sent['bar']![1]!.answer('+SERVED\r\n');
    expect(blocking.fromPeer(peerCtx(node, 'bar'), 'kv.unblocked', ['KV.UNBLOCKED', 'foo', '1', '*2\r\n$1\r\nq\r\n$1\r\nv\r\n'])).toBe('-ERR client gone\r\n');
    // The link came back: nothing of it is sent again.
    blocking.linkUp('bar');
    expect(sent['bar']!.length).toBe(2);
  });
});

describe('a table change', () => {
  test("the owner's waiters go where the keys live now: its own clients by KV.BLOCK, a peer's back to their entry", async () => {
    vi.useFakeTimers();
    const { blocking, node, sent, run, move } = setup('bar', 'bar');
    const mine = run(clientCtx(node, 1), 'BLPOP', 'q', '10') as Promise<string>;
    const link = peerCtx(node, 'foo');
    expect(blocking.fromPeer(link, 'kv.block', ['KV.BLOCK', '3', '0', '2', 'foo', 'BLPOP', 'q', '0'])).toBe('+BLOCKED\r\n');
    vi.advanceTimersByTime(4000);
    move('foo');
    blocking.tableChanged();
    // The peer's client is handed back; this node's own waits on foo for the 6 s it has left.
    // (The backstop: the 6 s left, plus the margin and forward-timeout.)
    expect(sent['foo']!.map((s) => s.argv)).toEqual([
      ['KV.BLOCK', '1', '12000', '2', 'bar', 'BLPOP', 'q', '10'],
      ['KV.UNBLOCKED', 'foo', '3', '+MOVED\r\n'],
    ]);
    expect(blocking.waitingForPeers).toBe(0);
    sent['foo']![0]!.answer('+BLOCKED\r\n');
    run(node.ctx, 'RPUSH', 'q', 'here'); // no longer served here
    expect(node.store.has('q')).toBe(true);
    const reply = `*2\r\n${r.bulk('q')}${r.bulk('there')}`;
    expect(blocking.fromPeer(peerCtx(node, 'foo'), 'kv.unblocked', ['KV.UNBLOCKED', 'bar', '1', reply])).toBe(r.OK);
    expect(await mine).toBe(reply);
  });

  test('an entry told +MOVED sends its client to the new owner, or waits here if the keys came here', async () => {
    const { blocking, node, sent, run, move } = setup('foo', 'bar');
    const p = run(clientCtx(node, 5), 'BLPOP', 'q', '0') as Promise<string>;
    sent['bar']![0]!.answer('+BLOCKED\r\n');
    move('foo');
    expect(blocking.fromPeer(peerCtx(node, 'bar'), 'kv.unblocked', ['KV.UNBLOCKED', 'foo', '1', '+MOVED\r\n'])).toBe(r.OK);
    expect(blocking.blockedClients).toBe(1);
    run(node.ctx, 'RPUSH', 'q', 'local');
    expect(await p).toBe(`*2\r\n${r.bulk('q')}${r.bulk('local')}`);
  });
});
