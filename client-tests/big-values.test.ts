// Values and replies near Redis's limits, through a hop: requests and replies
// whose total passes the longest JS string (2^29 - 24 bytes) must travel as
// pieces, in both directions, and arrive whole. Each reply is checked by length
// and SHA-1 of every value, never held as one string by the test either.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type TestCluster } from './support/servers.js';
import { ReplyReader, encodeCommand, sha1, show } from './support/reply-reader.js';

const MB = 1024 * 1024;
// Three of them pass V8's longest string; one alone does not.
const SIZE = 200 * MB;

let cluster: TestCluster;
let foo: ReplyReader;
let bar: ReplyReader;
const values = ['a', 'b', 'c'].map((c) => Buffer.alloc(SIZE, c));
const digests = values.map((v) => sha1(v));

beforeAll(async () => {
  cluster = await startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] });
  foo = await ReplyReader.connect(cluster.ports['foo']!);
  bar = await ReplyReader.connect(cluster.ports['bar']!);
}, 30_000);

afterAll(async () => {
  foo?.close();
  bar?.close();
  await cluster?.stop();
});

function expectValues(reply: Awaited<ReturnType<ReplyReader['next']>>, expected: (string | null)[]): void {
  expect(reply.type, show(reply)).toBe('*');
  expect(reply.items!.map((i) => (i.line === '-1' ? null : i.sha1))).toEqual(expected);
}

describe('600 MB in one command, through a hop', () => {
  test('MSET of three 200 MB values to bar, sent through foo, is stored whole', async () => {
    const reply = await foo.call(60_000, 'MSET', 'zA', values[0]!, 'zB', values[1]!, 'zC', values[2]!);
    expect(show(reply)).toBe('+OK');
    for (const [i, k] of ['zA', 'zB', 'zC'].entries()) {
      const got = await bar.call(30_000, 'GET', k);
      expect(got.length).toBe(SIZE);
      expect(got.sha1).toBe(digests[i]);
    }
  }, 120_000);

  test('MGET of them through foo: a 600 MB reply relayed in pieces', async () => {
    expectValues(await foo.call(60_000, 'MGET', 'zA', 'zmissing', 'zB', 'zC'), [digests[0]!, null, digests[1]!, digests[2]!]);
  }, 120_000);

  test('MGET split over both nodes merges 600 MB without joining it', async () => {
    expect(show(await foo.call(30_000, 'SET', 'aA', values[0]!))).toBe('+OK');
    expectValues(await foo.call(60_000, 'MGET', 'aA', 'zB', 'zC'), [digests[0]!, digests[1]!, digests[2]!]);
  }, 120_000);

  test('EXEC of three big GETs on their owner, entered through foo', async () => {
    foo.send(Buffer.concat([encodeCommand('MULTI'), encodeCommand('GET', 'zA'), encodeCommand('GET', 'zB'), encodeCommand('GET', 'zC'), encodeCommand('EXEC')]));
    for (const expected of ['+OK', '+QUEUED', '+QUEUED', '+QUEUED']) expect(show(await foo.next(30_000))).toBe(expected);
    expectValues(await foo.next(60_000), [digests[0]!, digests[1]!, digests[2]!]);
  }, 120_000);

  test('HGETALL of a hash with three 200 MB fields, through foo', async () => {
    expect(show(await bar.call(60_000, 'HSET', 'zh', 'f1', values[0]!, 'f2', values[1]!, 'f3', values[2]!))).toBe(':3');
    const reply = await foo.call(60_000, 'HGETALL', 'zh');
    expect(reply.type).toBe('*');
    expect(reply.items!.map((i) => (i.length === SIZE ? i.sha1 : show(i)))).toEqual(['"f1"', digests[0], '"f2"', digests[1], '"f3"', digests[2]]);
    expect(show(await foo.call(5000, 'PING'))).toBe('+PONG');
  }, 120_000);
});
