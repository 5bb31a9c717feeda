// LATENCY (Redis's latency.c): with latency-monitor-threshold set (ms), every
// call from a client that takes at least that long is a sample of the event
// "command", or "fast-command" for a command flagged fast, as Redis's call()
// records them. Each event keeps its last 160 samples, one per second (the
// worst of that second), and its all-time worst. LATENCY HISTOGRAM is built
// from commandstats' latency samples (command-stats.ts).

import * as r from '../protocol/resp.js';
import type { Handler, NodeView } from './types.js';
import { statsOf } from './command-stats.js';
import { slowlogOf } from './slowlog.js';

/** LATENCY_TS_LEN: samples kept per event. */
const TS_LEN = 160;
const GRAPH_COLS = 80;

interface Sample {
  time: number;
  latency: number;
}

interface Series {
  samples: Sample[];
  max: number;
}

export class LatencyMonitor {
  /** latency-monitor-threshold in milliseconds; 0 turns the monitor off. Read on every call. */
  thresholdMs = 0;
  readonly events = new Map<string, Series>();

  /** Redis's latencyAddSampleIfNeeded: `ms` whole milliseconds of event `event`. */
  addIfNeeded(event: string, ms: number): void {
    if (this.thresholdMs === 0 || ms < this.thresholdMs) return;
    const now = Math.floor(Date.now() / 1000);
    let s = this.events.get(event);
    if (s === undefined) this.events.set(event, (s = { samples: [], max: 0 }));
    if (ms > s.max) s.max = ms;
    const last = s.samples[s.samples.length - 1];
    if (last !== undefined && last.time === now) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    s.samples.push({ time: now, latency: ms });
    if (s.samples.length > TS_LEN) s.samples.shift();
  }

  /** Forgets one event (any case), or all of them: how many were forgotten. */
  reset(event: string | null): number {
    let n = 0;
    for (const name of [...this.events.keys()]) {
      if (event === null || name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        n++;
      }
    }
    return n;
  }
}

const MONITORS = new WeakMap<NodeView, LatencyMonitor>();

export function latencyOf(node: NodeView): LatencyMonitor {
  let m = MONITORS.get(node);
  if (m === undefined) MONITORS.set(node, (m = new LatencyMonitor()));
  return m;
}

export const latencyLatest: Handler = (ctx) => {
  const m = latencyOf(ctx.node);
  return r.array(
    [...m.events].map(([event, s]) => {
      const last = s.samples[s.samples.length - 1]!;
      return r.array([r.bulk(event), r.integer(last.time), r.integer(last.latency), r.integer(s.max)]);
    }),
  );
};

export const latencyHistory: Handler = (ctx, argv) => {
  const s = latencyOf(ctx.node).events.get(argv[2]!);
  return r.array((s?.samples ?? []).map((x) => r.array([r.integer(x.time), r.integer(x.latency)])));
};

export const latencyReset: Handler = (ctx, argv) => {
  const m = latencyOf(ctx.node);
  if (argv.length === 2) return r.integer(m.reset(null));
  let n = 0;
  for (const event of argv.slice(2)) n += m.reset(event);
  return r.integer(n);
};

/** "12s", "3m", "2h", "1d": how long ago a sample was, as the graph labels it. */
function ago(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Redis's sparkline.c, filled: rows of '_', 'o', '#' and '|' scaled between the lowest and highest sample, then each label written downwards. */
function sparkline(values: readonly number[], labels: readonly string[], columns: number, rows: number): string {
  const CHARSET = '_o#';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET.length * rows;
  let out = '';
  for (let offset = 0; offset < values.length; offset += columns) {
    if (offset !== 0) out += '\n';
    const len = Math.min(columns, values.length - offset);
    for (let row = 0; ; row++) {
      let loop = false;
      const chars = new Array<string>(len).fill(' ');
      for (let j = 0; j < len; j++) {
        const relval = values[j + offset]! - min;
        // C's (int)(relval*steps)/relmax, then truncated into an int.
        let step = Math.trunc(Math.trunc(relval * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        if (row < rows) {
          const charidx = step - (rows - row - 1) * CHARSET.length;
          loop = true;
          if (charidx >= 0 && charidx < CHARSET.length) chars[j] = CHARSET[charidx]!;
          else if (charidx >= CHARSET.length) chars[j] = '|';
        } else {
          // One blank row between the graph and the labels.
          if (row - rows < 1) {
            loop = true;
            break;
          }
          const label = labels[j + offset]!;
          const at = row - rows - 1;
          if (label.length > at) {
            loop = true;
            chars[j] = label[at]!;
          }
        }
      }
      if (!loop) break;
      out += chars.join('') + '\n';
    }
  }
  return out;
}

/** LATENCY GRAPH event: Redis's header, an 80-column ruler, and the samples as a sparkline labelled by their age. */
export const latencyGraph: Handler = (ctx, argv) => {
  const s = latencyOf(ctx.node).events.get(argv[2]!);
  if (s === undefined) return r.error(`ERR No samples available for event '${argv[2]!}'`);
  const values = s.samples.map((x) => x.latency);
  const now = Math.floor(Date.now() / 1000);
  const header = `${argv[2]!} - high ${Math.max(...values)} ms, low ${Math.min(...values)} ms (all time high ${s.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  return r.verbatim(header + sparkline(values, s.samples.map((x) => ago(now - x.time)), GRAPH_COLS, 4), ctx.proto);
};

/** LATENCY DOCTOR: Redis's createLatencyReport for the events recorded here (command and fast-command), word for word. */
export const latencyDoctor: Handler = (ctx) => {
  const m = latencyOf(ctx.node);
  if (m.events.size === 0 && m.thresholdMs === 0) {
    return r.verbatim(
      'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n',
      ctx.proto,
    );
  }
  const slowerThan = slowlogOf(ctx.node).slowerThan;
  const now = Math.floor(Date.now() / 1000);
  let out = '';
  let i = 0;
  const advise = { slowlogEnabled: false, slowlogTuning: false, slowlogInspect: false, scheduler: false, largeObjects: false };
  for (const [event, s] of m.events) {
    if (++i === 1) out += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    // analyzeLatencyForEvent: integer average and mean deviation, the period since the oldest sample.
    const n = s.samples.length;
    const avg = Math.floor(s.samples.reduce((a, x) => a + x.latency, 0) / n);
    const mad = Math.floor(s.samples.reduce((a, x) => a + Math.abs(avg - x.latency), 0) / n);
    const period = Math.max(1, now - Math.min(...s.samples.map((x) => x.time)));
    out += `${i}. ${event}: ${n} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / n).toFixed(2)} sec). Worst all time event ${s.max}ms.`;
    if (event.toLowerCase() === 'command') {
      if (slowerThan < 0) advise.slowlogEnabled = true;
      else if (Math.trunc(slowerThan / 1000) > m.thresholdMs) advise.slowlogTuning = true;
      advise.slowlogInspect = advise.largeObjects = true;
    }
    if (event.toLowerCase() === 'fast-command') advise.scheduler = true;
    out += '\n';
  }
  const advices = Object.values(advise).some((a) => a);
  if (i === 0 && !advices) {
    out += 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  } else if (!advices) {
    out += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  } else {
    out += '\nI have a few advices for you:\n\n';
    if (advise.slowlogEnabled) {
      out += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${m.thresholdMs * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    }
    if (advise.slowlogTuning) {
      out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${m.thresholdMs * 1000}'.\n`;
    }
    if (advise.slowlogInspect) {
      out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    }
    if (advise.scheduler) {
      out +=
        '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
        '  1) Lower the system load.\n' +
        '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
        '  3) Check if you have a "noisy neighbour" problem.\n' +
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
        '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
    }
    if (advise.largeObjects) {
      out +=
        '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
    }
  }
  return r.verbatim(out, ctx.proto);
};

/** Redis's histogram buckets are powers of two microseconds, counted cumulatively. */
function histogram(samples: readonly number[], calls: number, proto: r.Proto): r.Reply {
  const sorted = [...samples].sort((a, b) => a - b);
  const scale = sorted.length === 0 ? 0 : calls / sorted.length;
  const pairs: [r.Reply, r.Reply][] = [];
  let bucket = 1;
  let i = 0;
  let previous = 0;
  while (i < sorted.length) {
    while (i < sorted.length && sorted[i]! <= bucket) i++;
    // Only the buckets where the count grows, as Redis's iteration skips the others.
    if (i > previous) pairs.push([r.integer(bucket), r.integer(Math.round(i * scale))]);
    previous = i;
    bucket *= 2;
  }
  return r.map(pairs, proto);
}

/** LATENCY HISTOGRAM [command ...]: each command's calls and latency distribution (only commands with calls). */
export const latencyHistogram: Handler = (ctx, argv) => {
  const stats = statsOf(ctx.node);
  // A container named (CONFIG) stands for its subcommands, as Redis answers it.
  const all = [...stats.names()];
  const names = argv.length > 2 ? argv.slice(2).flatMap((n) => [n.toLowerCase(), ...all.filter((x) => x.startsWith(`${n.toLowerCase()}|`))]) : all;
  const out: [r.Reply, r.Reply][] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const c = stats.peek(name);
    if (c === undefined || c.calls === 0) continue;
    out.push([
      r.bulk(name),
      r.map([[r.bulk('calls'), r.integer(c.calls)], [r.bulk('histogram_usec'), histogram(c.samples, c.calls, ctx.proto)]], ctx.proto),
    ]);
  }
  return r.map(out, ctx.proto);
};

export const latencyHelp: Handler = () =>
  r.array(
    [
      'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'DOCTOR',
      '    Return a human readable latency analysis report.',
      'GRAPH <event>',
      '    Return an ASCII latency graph for the <event> class.',
      'HISTORY <event>',
      '    Return time-latency samples for the <event> class.',
      'LATEST',
      '    Return the latest latency samples for all events.',
      'RESET [<event> ...]',
      '    Reset latency data of one or more <event> classes.',
      '    (default: reset all data for all event classes)',
      'HISTOGRAM [COMMAND ...]',
      '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
      '    If no commands are specified then all histograms are replied.',
      'HELP',
      '    Prints this help.',
    ].map(r.simple),
  );
