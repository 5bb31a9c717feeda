// Settings that CONFIG SET accepts and CONFIG GET shows but that change nothing
// here, or change only what this layer computes: Redis's encoding thresholds
// (there are no listpacks or intsets, so they have nothing to tune), the script
// timeout (there are no scripts), latency tracking (INFO latencystats), the
// slowlog's and the latency monitor's thresholds.
// Tools and Redis's test suite set them; refusing them would stop a run that
// does not depend on them. Values are checked as Redis's config.c checks them.

import type { NodeView } from './types.js';
import { parseLongLong } from '../protocol/numbers.js';
import { formatPercentile, statsOf } from './command-stats.js';
import { slowlogOf } from './slowlog.js';
import { latencyOf } from './latency-monitor.js';
import { formatEventClasses, INVALID_EVENT_CLASSES, parseEventClasses, setEventClasses } from './notify.js';

type Check = (value: string) => string | null;

const LONG_MAX = 9223372036854775807n;
const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;

function integerIn(min: bigint, max: bigint): Check {
  return (value) => {
    const n = parseLongLong(value);
    if (n === null) return "argument couldn't be parsed into an integer";
    if (n < min || n > max) return `argument must be between ${min} and ${max} inclusive`;
    return null;
  };
}

/** Redis's memtoull: digits and a unit (k/m/g powers of 1000, kb/mb/gb of 1024); "" is 0. */
function memoryValue(value: string): bigint | null {
  if (value === '') return 0n;
  const m = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/i.exec(value);
  if (m === null) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul = { b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n }[unit]!;
  return BigInt(m[1]!) * mul;
}

/** A byte count with Redis's units ("64", "1kb"), shown by CONFIG GET in bytes. */
const MEMORY: Check = (value) => {
  const n = memoryValue(value);
  if (n === null) return 'argument must be a memory value';
  if (n > LONG_MAX) return `argument must be between 0 and ${LONG_MAX} inclusive`;
  return null;
};
const inBytes = (value: string): string => String(memoryValue(value));

/** An accepted integer as CONFIG GET shows it ("010" → "10"). */
const canonical = (value: string): string => String(parseLongLong(value));

const yesNo: Check = (value) => (/^(yes|no)$/i.test(value) ? null : "argument must be 'yes' or 'no'");

/** Space-separated percentiles in [0, 100], as Redis's setConfigLatencyTrackingInfoPercentilesOutputOption reads them. */
export function parsePercentiles(value: string): number[] | string {
  const out: number[] = [];
  for (const word of value.split(' ').filter((w) => w !== '')) {
    const p = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(word) ? Number(word) : NaN;
    if (Number.isNaN(p)) return 'Invalid latency-tracking-info-percentiles parameters';
    if (p < 0 || p > 100) return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
    out.push(p);
  }
  return out;
}

const percentiles: Check = (value) => {
  const p = parsePercentiles(value);
  return typeof p === 'string' ? p : null;
};

interface Tunable {
  readonly name: string;
  /** Redis 7's older name for it, which CONFIG GET and SET also take (the ziplist names). */
  readonly alias?: string;
  readonly initial: string;
  readonly check: Check;
  /** How CONFIG GET shows a value that was accepted (yes/no lower-cased, percentiles normalised). */
  readonly normalise?: (value: string) => string;
}

const TUNABLES: readonly Tunable[] = [
  { name: 'hash-max-listpack-entries', alias: 'hash-max-ziplist-entries', initial: '128', check: integerIn(0n, LONG_MAX) },
  { name: 'hash-max-listpack-value', alias: 'hash-max-ziplist-value', initial: '64', check: MEMORY, normalise: inBytes },
  { name: 'list-max-listpack-size', alias: 'list-max-ziplist-size', initial: '-2', check: integerIn(INT_MIN, INT_MAX) },
  { name: 'list-compress-depth', initial: '0', check: integerIn(0n, INT_MAX) },
  { name: 'set-max-intset-entries', initial: '512', check: integerIn(0n, LONG_MAX) },
  { name: 'set-max-listpack-entries', initial: '128', check: integerIn(0n, LONG_MAX) },
  { name: 'set-max-listpack-value', initial: '64', check: MEMORY, normalise: inBytes },
  { name: 'zset-max-listpack-entries', alias: 'zset-max-ziplist-entries', initial: '128', check: integerIn(0n, LONG_MAX) },
  { name: 'zset-max-listpack-value', alias: 'zset-max-ziplist-value', initial: '64', check: MEMORY, normalise: inBytes },
  { name: 'stream-node-max-bytes', initial: '4096', check: MEMORY, normalise: inBytes },
  { name: 'stream-node-max-entries', initial: '100', check: integerIn(0n, LONG_MAX) },
  { name: 'hll-sparse-max-bytes', initial: '3000', check: MEMORY, normalise: inBytes },
  { name: 'busy-reply-threshold', alias: 'lua-time-limit', initial: '5000', check: integerIn(0n, LONG_MAX) },
  { name: 'latency-tracking', initial: 'yes', check: yesNo, normalise: (v) => v.toLowerCase() },
  {
    name: 'notify-keyspace-events',
    initial: '',
    check: (v) => (parseEventClasses(v) === null ? INVALID_EVENT_CLASSES : null),
    normalise: (v) => formatEventClasses(parseEventClasses(v)!),
  },
  // Read on every call, so setTunable copies them where the pipeline looks (call-observers.ts).
  { name: 'slowlog-log-slower-than', initial: '10000', check: integerIn(-1n, LONG_MAX), normalise: canonical },
  { name: 'slowlog-max-len', initial: '128', check: integerIn(0n, LONG_MAX), normalise: canonical },
  { name: 'latency-monitor-threshold', initial: '0', check: integerIn(0n, LONG_MAX), normalise: canonical },
  {
    name: 'latency-tracking-info-percentiles',
    initial: '50 99 99.9',
    check: percentiles,
    normalise: (v) => (parsePercentiles(v) as number[]).map(formatPercentile).join(' '),
  },
];

/** Every name (and alias) to its tunable. */
const BY_NAME = new Map<string, Tunable>(TUNABLES.flatMap((t) => (t.alias ? [[t.name, t], [t.alias, t]] : [[t.name, t]])));

const VALUES = new WeakMap<NodeView, Map<string, string>>();

function valuesOf(node: NodeView): Map<string, string> {
  let v = VALUES.get(node);
  if (v === undefined) VALUES.set(node, (v = new Map(TUNABLES.map((t) => [t.name, t.initial]))));
  return v;
}

export function isTunable(name: string): boolean {
  return BY_NAME.has(name);
}

/** Checks a value for a tunable (lower-case name): Redis's reason for refusing it, or null. */
export function checkTunable(name: string, value: string): string | null {
  return BY_NAME.get(name)!.check(value);
}

export function setTunable(node: NodeView, name: string, value: string): void {
  const t = BY_NAME.get(name)!;
  const normalised = t.normalise ? t.normalise(value) : value;
  valuesOf(node).set(t.name, normalised);
  if (t.name === 'latency-tracking') statsOf(node).trackLatency = normalised === 'yes';
  if (t.name === 'notify-keyspace-events') setEventClasses(node, normalised);
  // Numbers past 2^53 only mean "never" or "no limit" here: they stay that as doubles.
  if (t.name === 'slowlog-log-slower-than') slowlogOf(node).slowerThan = Number(normalised);
  if (t.name === 'slowlog-max-len') slowlogOf(node).maxLen = Number(normalised);
  if (t.name === 'latency-monitor-threshold') latencyOf(node).thresholdMs = Number(normalised);
}

/** The current value of a tunable by name or alias. */
export function tunable(node: NodeView, name: string): string {
  return valuesOf(node).get(BY_NAME.get(name)!.name)!;
}

/** Every tunable name and alias with its value, for CONFIG GET. */
export function* tunables(node: NodeView): Generator<[string, string]> {
  const values = valuesOf(node);
  for (const t of TUNABLES) {
    yield [t.name, values.get(t.name)!];
    if (t.alias) yield [t.alias, values.get(t.name)!];
  }
}
