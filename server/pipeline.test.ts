// The pipeline: the internal envelopes a peer sends (KV.FWD, KV.LOCAL, KV.TX)
// are checked field by field before anything runs, and the per-command counters
// of INFO commandstats/errorstats are kept as Redis keeps them.

import { afterEach, describe, expect, test } from 'vitest';
import { execute, type PipelineHost } from './pipeline.js';
import { RoutingStage, type MaybeAsync } from './cluster/routing-stage.js';
import { configFor, parseConfig } from './cluster/config.js';
import { testClient, testNode, type TestNode } from './commands/test-node.js';
import { statsOf } from './commands/command-stats.js';
import type { ClientState } from './commands/types.js';

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
});

/** A one-node host, and a function that runs a request from `client` through the pipeline. */
function host(): { run: (client: ClientState, ...argv: string[]) => MaybeAsync; host: PipelineHost } {
  node = testNode();
  const cfg = configFor(parseConfig('node solo 127.0.0.1:1\nroute * solo\n'), 'solo');
  const routing = new RoutingStage('solo', cfg.table, cfg.nodes, new Map(), 8);
  const h: PipelineHost = { view: node.ctx.node, routing, passwordRequired: () => false, log: () => {} };
  return { host: h, run: (client, ...argv) => execute(h, client, argv) };
}

function peer(): ClientState {
  return { ...testClient(), peer: 'bar' };
}

const malformed = (cmd: string, what: string): string => `-ERR malformed ${cmd}: ${what}\r\n`;

describe('KV.TX from a peer', () => {
  test('a well-formed transaction runs as EXEC, watched keys included', () => {
    const { run } = host();
    const p = peer();
    expect(run(p, 'KV.TX', '2', 'bar', '0', '3', 'SET', 'k', 'v', '2', 'GET', 'k')).toBe('*2\r\n+OK\r\n$1\r\nv\r\n');
    const version = (run(p, 'KV.VERSION', 'k') as string).slice(1, -2);
    expect(run(p, 'KV.TX', '3', 'bar', '1', 'k', version, '1', 'PING')).toBe('*1\r\n+PONG\r\n');
    expect(run(p, 'KV.TX', '2', 'bar', '1', 'k', 'stale', '1', 'PING')).toBe('*-1\r\n');
    expect(run(p, 'KV.TX', '2', 'bar', '0')).toBe('*0\r\n');
  });

  test('a watched-key count beyond the arguments is refused at once, not looped over', () => {
    const { run } = host();
    const p = peer();
    const before = process.memoryUsage().heapUsed;
    expect(run(p, 'KV.TX', '2', 'foo', '100000000', '1', 'PING')).toBe(malformed('KV.TX', "watched key count '100000000' does not match the arguments"));
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50_000_000);
    expect(run(p, 'KV.TX', '2', 'foo', '99999999999999999999', 'PING')).toBe(malformed('KV.TX', "watched key count '99999999999999999999' does not match the arguments"));
    expect(run(p, 'KV.TX', '2', 'foo', '1', 'k')).toBe(malformed('KV.TX', "watched key count '1' does not match the arguments"));
    expect(run(p, 'KV.TX', '2', 'foo', '-1', '1', 'PING')).toBe(malformed('KV.TX', "watched key count '-1' does not match the arguments"));
    expect(run(p, 'KV.TX', '2', 'foo', '01', 'k', 'v')).toBe(malformed('KV.TX', "watched key count '01' does not match the arguments"));
    expect(run(p, 'KV.TX', '2', 'foo', 'x', '1', 'PING')).toBe(malformed('KV.TX', "watched key count 'x' does not match the arguments"));
  });

  test('a command length that is zero, negative, not a number or past the end is refused', () => {
    const { run } = host();
    const p = peer();
    const len = (v: string, at: number): string => malformed('KV.TX', `command length '${v}' at argument ${at} does not match the arguments`);
    expect(run(p, 'KV.TX', '2', 'foo', '0', '100000000', 'PING')).toBe(len('100000000', 4));
    expect(run(p, 'KV.TX', '2', 'foo', '0', '0', 'PING')).toBe(len('0', 4));
    expect(run(p, 'KV.TX', '2', 'foo', '0', '-1', 'PING')).toBe(len('-1', 4));
    expect(run(p, 'KV.TX', '2', 'foo', '0', '1.5', 'PING')).toBe(len('1.5', 4));
    expect(run(p, 'KV.TX', '2', 'foo', '0', '1', 'PING', '2', 'GET')).toBe(len('2', 6));
    expect(run(p, 'KV.TX', '2', 'foo', '0', '1', 'PING', 'SET')).toBe(len('SET', 6));
  });

  test('the protocol and path fields are checked; queued commands pass the arity check', () => {
    const { run } = host();
    const p = peer();
    expect(run(p, 'KV.TX', '4', 'foo', '0', '1', 'PING')).toBe(malformed('KV.TX', "protocol must be 2 or 3, got '4'"));
    expect(run(p, 'KV.TX', '', 'foo', '0', '1', 'PING')).toBe(malformed('KV.TX', "protocol must be 2 or 3, got ''"));
    expect(run(p, 'KV.TX', '2', '', '0', '1', 'PING')).toBe(malformed('KV.TX', "bad path ''"));
    expect(run(p, 'KV.TX', '2', 'foo,,bar', '0', '1', 'PING')).toBe(malformed('KV.TX', "bad path 'foo,,bar'"));
    expect(run(p, 'KV.TX', '2', 'foo')).toMatch(/^-ERR malformed KV\.TX: expected /);
    expect(run(p, 'KV.TX', '2', 'foo', '0', '1', 'GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(run(p, 'KV.TX', '2', 'foo', '0', '1', 'NOSUCH')).toMatch(/^-ERR unknown command 'NOSUCH'/);
    expect(run(p, 'KV.TX', '2', 'foo', '0', '2', 'KV.DUMP', 'k')).toMatch(/^-ERR unknown command 'KV.DUMP'/);
  });

  test('from a client that has not proved the secret, it is an unknown command', () => {
    const { run } = host();
    expect(run(testClient(), 'KV.TX', '2', 'foo', '100000000', '1', 'PING')).toMatch(/^-ERR unknown command 'KV.TX'/);
  });
});

describe('KV.FWD and KV.LOCAL from a peer', () => {
  test('well-formed envelopes run their command', () => {
    const { run } = host();
    const p = peer();
    expect(run(p, 'KV.FWD', '2', 'foo', 'SET', 'k', 'v')).toBe('+OK\r\n');
    expect(run(p, 'KV.FWD', '3', 'foo,baz', 'GET', 'nokey')).toBe('_\r\n');
    expect(run(p, 'KV.LOCAL', '2', 'DBSIZE')).toBe(':1\r\n');
  });

  test('a bad protocol, path or length is refused by name', () => {
    const { run } = host();
    const p = peer();
    expect(run(p, 'KV.FWD', '1', 'foo', 'GET', 'k')).toBe(malformed('KV.FWD', "protocol must be 2 or 3, got '1'"));
    expect(run(p, 'KV.FWD', 'x'.repeat(100), 'foo', 'GET', 'k')).toBe(malformed('KV.FWD', `protocol must be 2 or 3, got '${'x'.repeat(32)}...'`));
    expect(run(p, 'KV.FWD', '2', '', 'GET', 'k')).toBe(malformed('KV.FWD', "bad path ''"));
    expect(run(p, 'KV.FWD', '2', 'foo,', 'GET', 'k')).toBe(malformed('KV.FWD', "bad path 'foo,'"));
    expect(run(p, 'KV.FWD', '2', 'foo')).toBe(malformed('KV.FWD', 'expected <proto> <path> <command...>'));
    expect(run(p, 'KV.LOCAL', '23', 'DBSIZE')).toBe(malformed('KV.LOCAL', "protocol must be 2 or 3, got '23'"));
    expect(run(p, 'KV.LOCAL', '2')).toBe(malformed('KV.LOCAL', 'expected <proto> <command...>'));
    expect(run(p, 'KV.LOCAL', '2', 'GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(run(p, 'KV.LOCAL', '2', 'WATCH', 'k')).toBe(malformed('KV.LOCAL', "'watch' does not run on one node's keys"));
  });
});

describe('command statistics', () => {
  const line = (text: string, prefix: string): string | undefined => text.split('\r\n').find((l) => l.startsWith(prefix));

  test('calls, failed calls and rejected calls are counted per command, errors per code', () => {
    const { run, host: h } = host();
    const c = testClient();
    run(c, 'SET', 'k', 'v');
    run(c, 'SET', 'k');
    run(c, 'INCR', 'k');
    run(c, 'NOSUCH');
    run(c, 'CONFIG', 'GET', 'maxclients');
    const stats = statsOf(h.view);
    expect(line(stats.commandstats(), 'cmdstat_set:')).toMatch(/^cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/);
    expect(line(stats.commandstats(), 'cmdstat_incr:')).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1$/);
    expect(line(stats.commandstats(), 'cmdstat_config|get:')).toMatch(/^cmdstat_config\|get:calls=1,/);
    expect(stats.errorstats()).toBe('errorstat_ERR:count=3\r\n');
    expect(stats.totalErrorReplies).toBe(3);
    expect(stats.latencystats([50, 99, 99.9])).toMatch(/^latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
    stats.reset();
    expect([stats.commandstats(), stats.errorstats(), stats.totalErrorReplies]).toEqual(['', '', 0]);
  });

  test('EXEC counts each queued command by its own reply; a refusal while queueing dooms EXEC', () => {
    const { run, host: h } = host();
    const c = testClient();
    run(c, 'MULTI');
    run(c, 'SET', 'a', 'b');
    run(c, 'AUTH', 'a');
    expect(run(c, 'EXEC')).toMatch(/^\*2\r\n\+OK\r\n-ERR AUTH/);
    const stats = statsOf(h.view);
    expect(line(stats.commandstats(), 'cmdstat_set:')).toMatch(/calls=1,.*rejected_calls=0,failed_calls=0$/);
    expect(line(stats.commandstats(), 'cmdstat_auth:')).toMatch(/calls=1,.*rejected_calls=0,failed_calls=1$/);
    expect(line(stats.commandstats(), 'cmdstat_exec:')).toMatch(/calls=1,.*rejected_calls=0,failed_calls=0$/);
    stats.reset();
    run(c, 'MULTI');
    run(c, 'SET');
    run(c, 'SAVE');
    expect(run(c, 'EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(stats.errorstats()).toBe('errorstat_ERR:count=2\r\nerrorstat_EXECABORT:count=1\r\n');
    expect(line(stats.commandstats(), 'cmdstat_set:')).toMatch(/^cmdstat_set:calls=0,.*rejected_calls=1,failed_calls=0$/);
    expect(line(stats.commandstats(), 'cmdstat_save:')).toMatch(/^cmdstat_save:calls=0,.*rejected_calls=1,failed_calls=0$/);
    expect(line(stats.commandstats(), 'cmdstat_exec:')).toMatch(/calls=1,.*failed_calls=1$/);
  });

  test('a busy command is timed on a sample of its calls, but every call is counted', () => {
    const { run, host: h } = host();
    const c = testClient();
    run(c, 'SET', 'k', 'v');
    for (let i = 0; i < 2000; i++) run(c, 'GET', 'k');
    run(c, 'CONFIG', 'RESETSTAT');
    for (let i = 0; i < 1000; i++) run(c, 'GET', 'k');
    const stats = statsOf(h.view);
    const get = line(stats.commandstats(), 'cmdstat_get:')!;
    expect(get).toMatch(/^cmdstat_get:calls=1000,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    // The reset zeroed the counters CONFIG RESETSTAT itself was holding: its own call counts.
    expect(line(stats.commandstats(), 'cmdstat_config|resetstat:')).toMatch(/^cmdstat_config\|resetstat:calls=1,/);
    expect(line(stats.latencystats([50]), 'latency_percentiles_usec_get:')).toMatch(/^latency_percentiles_usec_get:p50=\d+\.\d{3}$/);
  });

  test('requests forwarded from a peer are counted where the client sent them, not again here', () => {
    const { run, host: h } = host();
    run(peer(), 'KV.FWD', '2', 'foo', 'GET', 'k');
    expect(statsOf(h.view).commandstats()).toBe('');
  });
});
