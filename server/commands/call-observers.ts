// What a call from a client leaves behind besides its reply and commandstats,
// as Redis's call() records it once the command ran: a slowlog entry, a latency
// monitor sample, a line to every MONITOR client. The pipeline calls `observed`
// once per call (and once per command EXEC ran) with the call's time; all three
// are off or empty on an idle node, so the common case is three comparisons.

import type { ClientState, CommandSpec, NodeView } from './types.js';
import { slowlogOf, type SlowLog } from './slowlog.js';
import { latencyOf, type LatencyMonitor } from './latency-monitor.js';
import { feedMonitors, monitorsOf } from './monitor.js';

export interface CallObservers {
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly monitors: Set<ClientState>;
}

const BY_NODE = new WeakMap<NodeView, CallObservers>();

export function observersOf(node: NodeView): CallObservers {
  let o = BY_NODE.get(node);
  if (o === undefined) BY_NODE.set(node, (o = { slowlog: slowlogOf(node), latency: latencyOf(node), monitors: monitorsOf(node) }));
  return o;
}

/** Whether calls must be timed for the slowlog or the latency monitor (else commandstats' sampling decides). */
export function wantsTime(o: CallObservers): boolean {
  return o.slowlog.slowerThan >= 0 || o.latency.thresholdMs > 0;
}

/** A call that ran, `usec` microseconds long (null: not timed). */
export function observed(o: CallObservers, client: ClientState, spec: CommandSpec, argv: readonly string[], usec: number | null): void {
  if (usec !== null) {
    if (o.latency.thresholdMs > 0) o.latency.addIfNeeded(spec.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
    if (o.slowlog.slowerThan >= 0 && usec >= o.slowlog.slowerThan && !spec.flags.includes('skip_slowlog')) {
      o.slowlog.push(client, redacted(spec, argv), usec);
    }
  }
  if (o.monitors.size > 0 && !spec.flags.includes('admin') && !spec.flags.includes('skip_monitor')) {
    feedMonitors(o.monitors, client, redacted(spec, argv));
  }
}

const REDACTED = '(redacted)';
/** Settings whose values never reach the slowlog or MONITOR (Redis's SENSITIVE_CONFIG). */
const SENSITIVE = new Set(['requirepass', 'masterauth', 'secret']);

/** argv with passwords replaced, as Redis's redactClientCommandArgument leaves it for the slowlog and MONITOR. */
export function redacted(spec: CommandSpec, argv: readonly string[]): readonly string[] {
  switch (spec.name) {
    case 'auth':
      return argv.map((a, i) => (i === 0 ? a : REDACTED));
    case 'hello': {
      const i = argv.findIndex((a, j) => j >= 2 && a.toLowerCase() === 'auth');
      if (i < 0) return argv;
      return argv.map((a, j) => (j === i + 1 || j === i + 2 ? REDACTED : a));
    }
    case 'config|set':
      return argv.map((a, j) => (j >= 3 && j % 2 === 1 && SENSITIVE.has(argv[j - 1]!.toLowerCase()) ? REDACTED : a));
    default:
      return argv;
  }
}
