// MONITOR on one node: Redis's line format (time, [db address], quoted
// arguments escaped as sdscatrepr escapes them), which commands are shown,
// passwords redacted, and a monitor forgotten on RESET.

import { afterEach, expect, test } from 'vitest';
import { testClient, testNode, type TestNode } from './test-node.js';
import { lookupCommand } from './table.js';
import { observed, observersOf } from './call-observers.js';
import { monitorsOf, repr } from './monitor.js';
import type { AnyReply } from '../protocol/resp.js';
import type { ClientState } from './types.js';

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
});

function specOf(argv: readonly string[]) {
  const c = lookupCommand(argv[0]!)!;
  return c.subcommands?.find((x) => x.name === `${c.name}|${argv[1]!.toLowerCase()}`) ?? c;
}

test('repr escapes as sdscatrepr', () => {
  expect(repr('plain')).toBe('"plain"');
  expect(repr('a"b\\c')).toBe('"a\\"b\\\\c"');
  expect(repr('\r\n\t\x07\x08')).toBe('"\\r\\n\\t\\a\\b"');
  expect(repr('\x00\x01\xff~ ')).toBe('"\\x00\\x01\\xff~ "');
});

test('a monitor gets each command others run, in Redis format; admin commands are not shown; RESET ends it', async () => {
  node = testNode();
  const view = node.ctx.node;
  const mon: ClientState = { ...testClient(), id: 7 };
  const got: AnyReply[] = [];
  mon.push = (m) => got.push(m);
  expect(specOf(['MONITOR']).run!({ ...node.ctx, client: mon }, ['MONITOR'])).toBe('+OK\r\n');
  // A second MONITOR has no reply at all, as in Redis.
  expect(specOf(['MONITOR']).run!({ ...node.ctx, client: mon }, ['MONITOR'])).toBe('');
  const other = node.ctx.client;
  for (const argv of [['SET', 'k', 'a b\n'], ['CONFIG', 'GET', 'timeout'], ['AUTH', 'secret'], ['get', 'k']]) {
    observed(observersOf(view), other, specOf(argv), argv, 3);
  }
  const lines = got.map(String);
  expect(lines).toHaveLength(3);
  const head = /^\+\d{10}\.\d{6} \[0 127\.0\.0\.1:1\] /;
  expect(lines.every((l) => head.test(l) && l.endsWith('\r\n'))).toBe(true);
  expect(lines.map((l) => l.replace(head, ''))).toEqual(['"SET" "k" "a b\\n"\r\n', '"AUTH" "(redacted)"\r\n', '"get" "k"\r\n']);

  // Its own commands come after their reply (a microtask later).
  observed(observersOf(view), mon, specOf(['PING']), ['PING'], 1);
  expect(got).toHaveLength(3);
  await Promise.resolve();
  expect(got).toHaveLength(4);

  expect(specOf(['RESET']).run!({ ...node.ctx, client: mon }, ['RESET'])).toBe('+RESET\r\n');
  expect(monitorsOf(view).size).toBe(0);
  observed(observersOf(view), other, specOf(['GET', 'k']), ['GET', 'k'], 1);
  expect(got).toHaveLength(4);
});
