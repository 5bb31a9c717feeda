// LATENCY (Redis's latency.c): with latency-monitor-threshold set (ms), every
// call from a client that takes at least that long is a sample of the event
// "command", or "fast-command" for a command flagged fast, as Redis's call()
// records them. Each event keeps its last 160 samples, one per second (the
// worst of that second), and its all-time worst. LATENCY HISTOGRAM is built
// from commandstats' latency samples (command-stats.ts).

import * as r from '../protocol/resp.js';
import type { Handler, NodeView } from './types.js';
import { statsOf } from './command-stats.js';

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

/**
 * LATENCY GRAPH event: Redis's header and ruler, then one column per sample
 * (a bar of '#' four rows high, scaled between the low and the high) with its
 * age written downwards beneath, as sparkline.c lays it out.
 */
export const latencyGraph: Handler = (ctx, argv) => {
  const s = latencyOf(ctx.node).events.get(argv[2]!);
  if (s === undefined) return r.error(`ERR No samples available for event '${argv[2]!}'`);
  const values = s.samples.map((x) => x.latency);
  const max = Math.max(...values);
  const min = Math.min(...values);
  let out = `${argv[2]!} - high ${max} ms, low ${min} ms (all time high ${s.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  const rows = 4;
  const now = Math.floor(Date.now() / 1000);
  const cols = s.samples.slice(-GRAPH_COLS);
  const heights = cols.map((x) => (max === min ? rows : Math.max(1, Math.round(((x.latency - min) / (max - min)) * rows))));
  for (let row = rows; row >= 1; row--) out += heights.map((h) => (h >= row ? '#' : ' ')).join('').trimEnd() + '\n';
  out += '\n';
  const labels = cols.map((x) => ago(now - x.time));
  const depth = Math.max(...labels.map((l) => l.length));
  for (let i = 0; i < depth; i++) out += labels.map((l) => l[i] ?? ' ').join('').trimEnd() + '\n';
  return r.verbatim(out, ctx.proto);
};

/** LATENCY DOCTOR: Redis's words when the monitor is off or saw nothing, else each event's figures. */
export const latencyDoctor: Handler = (ctx) => {
  const m = latencyOf(ctx.node);
  if (m.events.size === 0 && m.thresholdMs === 0) {
    return r.verbatim(
      'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n',
      ctx.proto,
    );
  }
  if (m.events.size === 0) {
    return r.verbatim('Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n', ctx.proto);
  }
  let out = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 0;
  for (const [event, s] of m.events) {
    const n = s.samples.length;
    const avg = Math.floor(s.samples.reduce((a, x) => a + x.latency, 0) / n);
    const mad = Math.floor(s.samples.reduce((a, x) => a + Math.abs(x.latency - avg), 0) / n);
    const period = n > 1 ? (s.samples[n - 1]!.time - s.samples[0]!.time) / n : 0;
    out += `${++i}. ${event}: ${n} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${period.toFixed(2)} sec). Worst all time event ${s.max}ms.\n`;
  }
  out += '\nI have a few advices for you:\n\n- Check your slow log (SLOWLOG GET) for the commands that took long.\n';
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
  const names = argv.length > 2 ? argv.slice(2).map((n) => n.toLowerCase()) : [...stats.names()];
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
