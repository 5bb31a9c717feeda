// LATENCY on one node: samples from calls over latency-monitor-threshold under
// Redis's event names, one per second holding that second's worst, the
// all-time worst, RESET, HISTORY and the replies redis-server 7.0.15 gives
// with the monitor off.

import { afterEach, expect, test, vi } from 'vitest';
import { int, testNode, type TestNode } from './test-node.js';
import { lookupCommand } from './table.js';
import { observed, observersOf } from './call-observers.js';
import { latencyOf } from './latency-monitor.js';

let node: TestNode | null = null;
afterEach(() => {
  node?.close();
  node = null;
  vi.useRealTimers();
});

function run(...argv: string[]): string {
  const c = lookupCommand(argv[0]!)!;
  const s = c.subcommands?.find((x) => x.name === `${c.name}|${argv[1]!.toLowerCase()}`) ?? c;
  return s.run!(node!.ctx, argv) as string;
}

/** A call of `name` that took `ms` milliseconds, as the pipeline reports it. */
function took(name: string, ms: number): void {
  observed(observersOf(node!.ctx.node), node!.ctx.client, lookupCommand(name)!, [name], ms * 1000);
}

test('off by default: no samples, and the words Redis says when it is off', () => {
  node = testNode();
  took('keys', 500);
  expect(run('LATENCY', 'LATEST')).toBe('*0\r\n');
  expect(run('LATENCY', 'HISTORY', 'command')).toBe('*0\r\n');
  expect(run('LATENCY', 'RESET')).toBe(int(0));
  expect(run('LATENCY', 'GRAPH', 'command')).toBe("-ERR No samples available for event 'command'\r\n");
  expect(run('LATENCY', 'DOCTOR')).toContain("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance.");
  expect(run('CONFIG', 'GET', 'latency-monitor-threshold')).toBe('*2\r\n$25\r\nlatency-monitor-threshold\r\n$1\r\n0\r\n');
});

test('calls over the threshold are samples of "command" or "fast-command", one per second, the worst kept', () => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  node = testNode();
  expect(run('CONFIG', 'SET', 'latency-monitor-threshold', '10')).toBe('+OK\r\n');
  took('keys', 9); // under the threshold
  took('keys', 12);
  took('keys', 30);
  took('keys', 15); // same second: the worst (30) stays
  took('get', 11); // GET is fast
  vi.advanceTimersByTime(1000);
  took('keys', 20);
  const t = 1_700_000_000;
  expect(run('LATENCY', 'LATEST')).toBe(
    `*2\r\n*4\r\n$7\r\ncommand\r\n:${t + 1}\r\n:20\r\n:30\r\n*4\r\n$12\r\nfast-command\r\n:${t}\r\n:11\r\n:11\r\n`,
  );
  expect(run('LATENCY', 'HISTORY', 'command')).toBe(`*2\r\n*2\r\n:${t}\r\n:30\r\n*2\r\n:${t + 1}\r\n:20\r\n`);
  expect(run('LATENCY', 'GRAPH', 'command').startsWith('$')).toBe(true);
  expect(run('LATENCY', 'DOCTOR')).toContain('1. command: 2 latency spikes');
  expect(run('LATENCY', 'RESET', 'COMMAND', 'nosuch')).toBe(int(1));
  expect([...latencyOf(node.ctx.node).events.keys()]).toEqual(['fast-command']);
  expect(run('LATENCY', 'RESET')).toBe(int(1));
});

test('only the last 160 seconds are kept', () => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  node = testNode();
  run('CONFIG', 'SET', 'latency-monitor-threshold', '1');
  for (let i = 0; i < 200; i++) {
    took('keys', i + 1);
    vi.advanceTimersByTime(1000);
  }
  const s = latencyOf(node.ctx.node).events.get('command')!;
  expect(s.samples.length).toBe(160);
  expect(s.samples[0]!.latency).toBe(41);
  expect(s.max).toBe(200);
});

test("LATENCY GRAPH draws Redis's sparkline: the bytes redis-server 7.0.15 sent for the same samples", () => {
  vi.useFakeTimers({ now: 1_795_954_502_000 });
  node = testNode();
  run('CONFIG', 'SET', 'latency-monitor-threshold', '1');
  for (const ms of [12, 5, 30, 2, 20]) {
    took('keys', ms);
    vi.advanceTimersByTime(1000);
  }
  const text =
    'command - high 30 ms, low 2 ms (all time high 30 ms)\n' +
    '-'.repeat(80) +
    '\n' +
    ['  #  ', '  | o', 'o | |', '|o|_|', '     ', '54321', 'sssss'].join('\n') +
    '\n';
  expect(run('LATENCY', 'GRAPH', 'command')).toBe(`$${text.length}\r\n${text}\r\n`);
});

test('LATENCY DOCTOR says what redis-server 7.0.15 said for the same samples', () => {
  vi.useFakeTimers({ now: 1_795_954_546_000 });
  node = testNode();
  run('CONFIG', 'SET', 'latency-monitor-threshold', '1');
  for (const ms of [12, 5, 30]) {
    took('keys', ms);
    vi.advanceTimersByTime(1000);
  }
  const text = [
    "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?",
    "",
    "1. command: 3 latency spikes (average 15ms, mean deviation 9ms, period 1.00 sec). Worst all time event 30ms.",
    "",
    "I have a few advices for you:",
    "",
    "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.",
    "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.",
    "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.",
  ].join('\n') + '\n';
  expect(run('LATENCY', 'DOCTOR')).toBe(`$${text.length}\r\n${text}\r\n`);
  // Nothing seen yet with the monitor on: Redis's other words.
  run('LATENCY', 'RESET');
  expect(run('LATENCY', 'DOCTOR')).toContain('Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n');
});
