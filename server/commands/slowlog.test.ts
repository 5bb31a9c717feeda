// SLOWLOG on one node: what a call leaves in the log (call-observers.ts decides,
// slowlog.ts keeps), Redis's trimming of long commands, the threshold and the
// length from CONFIG SET, and the replies and errors as redis-server 7.0.15
// sent them for the same commands.

import { afterEach, expect, test } from 'vitest';
import { bulk, int, testNode, type TestNode } from './test-node.js';
import { lookupCommand } from './table.js';
import { observed, observersOf, redacted } from './call-observers.js';
import { slowlogOf, trimmed } from './slowlog.js';
import type { CommandSpec } from './types.js';

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
});

function spec(name: string): CommandSpec {
  const [container, sub] = name.split('|');
  const c = lookupCommand(container!)!;
  return sub === undefined ? c : c.subcommands!.find((s) => s.name === name)!;
}

/** Runs a command through the table, then records it as the pipeline does, as taking `usec`. */
function call(usec: number, ...argv: string[]): string {
  const sub = lookupCommand(argv[0]!)!.subcommands ? `${argv[0]!.toLowerCase()}|${argv[1]!.toLowerCase()}` : argv[0]!.toLowerCase();
  const s = spec(sub);
  const reply = s.run!(node!.ctx, argv) as string;
  observed(observersOf(node!.ctx.node), node!.ctx.client, s, argv, usec);
  return reply;
}

test('calls at or over slowlog-log-slower-than are logged, newest first, with Redis fields', () => {
  node = testNode();
  node.ctx.client.name = 'worker';
  expect(call(5, 'CONFIG', 'SET', 'slowlog-log-slower-than', '100')).toBe('+OK\r\n');
  call(99, 'SET', 'fast', '1');
  call(100, 'SET', 'slow', '1');
  call(250.7, 'GET', 'slow');
  expect(call(0, 'SLOWLOG', 'LEN')).toBe(int(2));
  const reply = call(0, 'SLOWLOG', 'GET');
  const now = Math.floor(Date.now() / 1000);
  // id, unix time, µs, argv, client address, client name.
  const entry = (id: number, usec: number, argv: string[]): string =>
    `*6\r\n:${id}\r\n:${now}\r\n:${usec}\r\n*${argv.length}\r\n${argv.map(bulk).join('')}${bulk('127.0.0.1:1')}${bulk('worker')}`;
  expect(reply).toBe(`*2\r\n${entry(1, 250, ['GET', 'slow'])}${entry(0, 100, ['SET', 'slow', '1'])}`);
  expect(call(0, 'SLOWLOG', 'GET', '1')).toBe(`*1\r\n${entry(1, 250, ['GET', 'slow'])}`);
  expect(call(0, 'SLOWLOG', 'GET', '0')).toBe('*0\r\n');
  expect(call(0, 'SLOWLOG', 'GET', '-1')).toBe(reply);
  expect(call(0, 'SLOWLOG', 'RESET')).toBe('+OK\r\n');
  expect(call(0, 'SLOWLOG', 'LEN')).toBe(int(0));
});

test('-1 turns the log off; 0 logs every call; skip_slowlog commands (EXEC) are never logged', () => {
  node = testNode();
  call(0, 'CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
  call(1e9, 'SET', 'k', 'v');
  expect(slowlogOf(node.ctx.node).length).toBe(0);
  call(0, 'CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  call(0, 'GET', 'k');
  observed(observersOf(node.ctx.node), node.ctx.client, spec('exec'), ['EXEC'], 1e6);
  expect(slowlogOf(node.ctx.node).newest(10).map((e) => e.argv.join(' '))).toEqual(['GET k', 'CONFIG SET slowlog-log-slower-than 0']);
});

test('slowlog-max-len keeps the newest entries, trimming at the next logged call as Redis does', () => {
  node = testNode();
  call(0, 'CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  for (let i = 0; i < 20; i++) call(0, 'PING');
  expect(call(0, 'CONFIG', 'SET', 'slowlog-max-len', '10')).toBe('+OK\r\n');
  expect(call(0, 'SLOWLOG', 'LEN')).toBe(int(10));
  expect(call(0, 'CONFIG', 'SET', 'slowlog-max-len', '0')).toBe('+OK\r\n');
  expect(call(0, 'SLOWLOG', 'LEN')).toBe(int(0));
});

test('long commands are trimmed as slowlogCreateEntry trims them', () => {
  const args = Array.from({ length: 33 }, (_, i) => String(i + 1));
  expect(trimmed(['SADD', 'set', ...args])).toEqual(['SADD', 'set', ...args.slice(0, 29), '... (4 more arguments)']);
  expect(trimmed(['SADD', 'set', 'foo', 'A'.repeat(129)])).toEqual(['SADD', 'set', 'foo', 'A'.repeat(128) + '... (1 more bytes)']);
  expect(trimmed(['SADD', 'set', 'A'.repeat(128)])).toEqual(['SADD', 'set', 'A'.repeat(128)]);
});

test('passwords never reach the log: AUTH, HELLO AUTH, CONFIG SET requirepass', () => {
  expect(redacted(spec('auth'), ['AUTH', 'pw'])).toEqual(['AUTH', '(redacted)']);
  expect(redacted(spec('auth'), ['auth', 'user', 'pw'])).toEqual(['auth', '(redacted)', '(redacted)']);
  expect(redacted(spec('hello'), ['HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'x'])).toEqual(['HELLO', '3', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'x']);
  expect(redacted(spec('config|set'), ['CONFIG', 'SET', 'timeout', '0', 'requirepass', 'pw'])).toEqual(['CONFIG', 'SET', 'timeout', '0', 'requirepass', '(redacted)']);
  expect(redacted(spec('get'), ['GET', 'requirepass'])).toEqual(['GET', 'requirepass']);
});

test("Redis's words for bad SLOWLOG arguments, and its HELP", () => {
  node = testNode();
  expect(call(0, 'SLOWLOG', 'GET', '-2')).toBe('-ERR count should be greater than or equal to -1\r\n');
  expect(call(0, 'SLOWLOG', 'GET', 'x')).toBe('-ERR count should be greater than or equal to -1\r\n');
  expect(call(0, 'SLOWLOG', 'GET', '1', '2')).toBe("-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n");
  expect(call(0, 'CONFIG', 'SET', 'slowlog-log-slower-than', '-2')).toBe(
    "-ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive\r\n",
  );
  const help = call(0, 'SLOWLOG', 'HELP');
  expect(help.startsWith('*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET [<count>]\r\n')).toBe(true);
  expect(help.endsWith('+HELP\r\n+    Prints this help.\r\n')).toBe(true);
});
