// Per-command and per-error counters, as Redis keeps them in its command table
// and errors dict, for INFO commandstats, errorstats and latencystats (and
// total_error_replies). The pipeline records what clients send to this node:
// a call (with its time and whether it failed), a rejection before the call
// (arity, authentication, a command not allowed in MULTI), and every error
// reply. A command forwarded to another node is counted where the client sent
// it, with the time until its reply came back. CONFIG RESETSTAT clears it all.
// When neither the slowlog nor the latency monitor needs every call timed
// (call-observers.ts), a busy command's calls are timed one in TIME_EVERY once
// it has ALWAYS_TIMED timed calls: its usec is then the timed calls' mean times
// its calls, and its percentiles come from the timed calls, which Redis too
// keeps only as a sampled histogram.

import type { AnyReply } from '../protocol/resp.js';
import type { NodeView } from './types.js';

/** Redis keeps latency samples in an HdrHistogram; a bounded reservoir gives the same percentiles closely enough. */
const MAX_SAMPLES = 1024;
/** Redis stops tracking new error codes past this many (ERROR_STATS_NUMBER), so a flood of odd codes cannot grow memory. */
const MAX_ERROR_CODES = 128;
const ALWAYS_TIMED = 256;
/** A power of two: which calls are timed is a mask of the call count. */
const TIME_EVERY = 16;

/** One command's counters (cmdstat_<name>); the pipeline holds it across the call. */
export interface CommandCounters {
  calls: number;
  rejected: number;
  failed: number;
  /** Calls whose time was measured, and their whole microseconds. */
  timed: number;
  timedUsec: number;
  /** Microseconds of timed calls: every one up to MAX_SAMPLES, then a uniform sample. */
  samples: number[];
  seen: number;
}

export class CommandStats {
  private readonly commands = new Map<string, CommandCounters>();
  private errors = new Map<string, number>();
  private errorsDisabled = false;
  totalErrorReplies = 0;
  /** total_commands_processed: every call counted, as Redis's call() counts stat_numcommands. */
  totalCalls = 0;
  /** CONFIG SET latency-tracking: whether calls feed latencystats (read on every call, so kept here). */
  trackLatency = true;

  /** The counters of the command named `name` (lower case, "container|sub" for a subcommand). */
  of(name: string): CommandCounters {
    let c = this.commands.get(name);
    if (c === undefined) {
      c = { calls: 0, rejected: 0, failed: 0, timed: 0, timedUsec: 0, samples: [], seen: 0 };
      this.commands.set(name, c);
    }
    return c;
  }

  /** The counters of `name` if it has any, without creating them (LATENCY HISTOGRAM). */
  peek(name: string): CommandCounters | undefined {
    return this.commands.get(name);
  }

  /** Every command name with counters, in first-call order. */
  names(): IterableIterator<string> {
    return this.commands.keys();
  }

  /** Whether the next call of `c` is to be timed. */
  timesNext(c: CommandCounters): boolean {
    return c.timed < ALWAYS_TIMED || (c.calls & (TIME_EVERY - 1)) === 0;
  }

  /**
   * A command that ran, in `usec` microseconds (null: not timed); `reply` is its
   * own reply (an error reply makes it a failed call). Not `sampled`: its
   * time counts, but not in latencystats (a blocking command that timed out,
   * which Redis 7.0 leaves out of its histogram).
   */
  called(c: CommandCounters, usec: number | null, reply: AnyReply, sampled = true): void {
    c.calls++;
    this.totalCalls++;
    if (typeof reply === 'string' && reply.charCodeAt(0) === 45 /* '-' */) {
      c.failed++;
      this.errorReply(reply);
    }
    if (usec === null) return;
    c.timed++;
    // Redis adds whole microseconds per call (ustime() differences), so usec_per_call is their mean.
    c.timedUsec += Math.round(usec);
    if (this.trackLatency && sampled) {
      // Redis's histogram starts at 1 ns: the quickest call reads 0.001 us, never 0.
      const sample = Math.max(usec, 0.001);
      c.seen++;
      if (c.samples.length < MAX_SAMPLES) c.samples.push(sample);
      else {
        const k = Math.floor(Math.random() * c.seen);
        if (k < MAX_SAMPLES) c.samples[k] = sample;
      }
    }
  }

  /** A command refused before it ran (arity, NOAUTH, not allowed in MULTI). */
  rejected(name: string, reply: string): void {
    this.of(name).rejected++;
    this.errorReply(reply);
  }

  /** Any error reply sent to a client, counted by its code: the first word, as Redis's afterErrorReply takes it. */
  errorReply(reply: string): void {
    this.totalErrorReplies++;
    const end = reply.indexOf('\r\n');
    const text = reply.slice(1, end < 0 ? undefined : end);
    const space = text.slice(0, 32).indexOf(' ');
    const code = space > 0 ? text.slice(0, space) : 'ERR';
    const n = this.errors.get(code);
    if (n !== undefined) this.errors.set(code, n + 1);
    else if (this.errors.size < MAX_ERROR_CODES) this.errors.set(code, 1);
    else if (!this.errorsDisabled) {
      // Redis then drops the table and says so once, as errorstat_ERRORSTATS_DISABLED.
      this.errorsDisabled = true;
      this.errors = new Map([['ERRORSTATS_DISABLED', 1]]);
    }
  }

  reset(): void {
    // Zeroed in place, not replaced: a call in progress (CONFIG RESETSTAT itself)
    // holds its counters and is counted after the reset, as in Redis.
    for (const c of this.commands.values()) {
      c.calls = c.rejected = c.failed = c.timed = c.timedUsec = c.seen = 0;
      c.samples = [];
    }
    this.errors = new Map();
    this.errorsDisabled = false;
    this.totalErrorReplies = 0;
    this.totalCalls = 0;
  }

  /** The lines of INFO commandstats: commands with a call, a rejection or a failure. */
  commandstats(): string {
    let out = '';
    for (const [name, c] of this.commands) {
      if (c.calls === 0 && c.rejected === 0 && c.failed === 0) continue;
      const usec = c.timed === c.calls ? c.timedUsec : Math.round((c.timedUsec / Math.max(1, c.timed)) * c.calls);
      const perCall = c.calls === 0 ? 0 : usec / c.calls;
      out += `cmdstat_${name}:calls=${c.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}\r\n`;
    }
    return out;
  }

  errorstats(): string {
    let out = '';
    // In code order, as Redis walks its radix tree of errors.
    const codes = [...this.errors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [code, n] of codes) out += `errorstat_${code}:count=${n}\r\n`;
    return out;
  }

  /** INFO latencystats: the configured percentiles of each command's call times, "p50=1.003,p99=…". */
  latencystats(percentiles: readonly number[]): string {
    let out = '';
    for (const [name, c] of this.commands) {
      if (c.samples.length === 0) continue;
      const sorted = [...c.samples].sort((a, b) => a - b);
      const parts = percentiles.map((p) => {
        const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
        return `p${formatPercentile(p)}=${sorted[i]!.toFixed(3)}`;
      });
      out += `latency_percentiles_usec_${name}:${parts.join(',')}\r\n`;
    }
    return out;
  }
}

/** A percentile as Redis prints it in names and CONFIG GET: "%f" with trailing zeros cut (50, 99.9). */
export function formatPercentile(p: number): string {
  return String(Number(p.toFixed(6)));
}

const BY_NODE = new WeakMap<NodeView, CommandStats>();

/** The counters of one node (several nodes may share a process, in tests). */
export function statsOf(node: NodeView): CommandStats {
  let s = BY_NODE.get(node);
  if (s === undefined) BY_NODE.set(node, (s = new CommandStats()));
  return s;
}
