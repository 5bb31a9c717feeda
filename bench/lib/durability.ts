// What durability costs: redis-server and a kv node that owns every key (the
// local path), each without persistence, with the append-only file fsynced
// once a second (appendfsync everysec) and with the AOF fsynced before every
// reply (appendfsync always), measured side by side in one run.
//
// All six targets run at once, each with a temporary directory of its own
// (removed when it stops), and the measurements are interleaved: for each test
// and pipeline depth, every target in turn (the order rotated from one group
// to the next), so that the machine's noise drifts over all of them alike.
//
// Each measurement runs for about the same time rather than the same number of
// requests: a short probe run (which also warms that command's path) gives
// the rate, and each measured run gets rate × seconds requests (the fastest
// rate seen so far), between the probe's count and a maximum. A full run reports the median of three rounds,
// each round every target in turn. appendfsync always can be several times slower
// than no persistence; a fixed count would make it dominate the runtime, or
// make the fast targets' runs too short to measure.

import os from 'node:os';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { workDir, type Proc } from './proc.js';
import { redisBenchmark, type Measurement, type TestId } from './redis-benchmark.js';
import { info, oneCommand } from './resp.js';
import { startNodes, startRedis } from './targets.js';

export const DURABILITY_SYSTEMS = ['redis', 'kv'] as const;
export type DurabilitySystem = (typeof DURABILITY_SYSTEMS)[number];
export const DURABILITY_MODES = ['none', 'everysec', 'always'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];
export const DURABILITY_TESTS = ['set', 'incr'] as const satisfies readonly TestId[];
export type DurabilityTest = (typeof DURABILITY_TESTS)[number];
export const DURABILITY_PIPELINES = [1, 16] as const;

/** The issue's target: appendfsync everysec keeps this much of the throughput without persistence. */
export const EVERYSEC_TARGET = 0.85;

export const SYSTEM_LABELS: Record<DurabilitySystem, string> = { redis: 'redis-server', kv: 'kv local' };
export const MODE_LABELS: Record<DurabilityMode, string> = {
  none: 'no persistence',
  everysec: 'AOF everysec',
  always: 'AOF always',
};

export interface DurabilityRow extends Measurement {
  system: DurabilitySystem;
  mode: DurabilityMode;
  test: DurabilityTest;
  pipeline: number;
  requests: number;
  clients: number;
  keyspace: number;
  /** Requests/s of the probe run that sized this one. */
  probeRps: number;
  /** Requests/s of every round (this row is their median). */
  roundsRps: number[];
}

export interface DurabilityRatio {
  system: DurabilitySystem;
  test: DurabilityTest;
  pipeline: number;
  everysecOverNone: number | null;
  alwaysOverNone: number | null;
}

export interface DurabilityTargetInfo {
  system: DurabilitySystem;
  mode: DurabilityMode;
  /** How each was started: redis-server arguments, or the kv settings lines. */
  settings: string[];
  /** INFO persistence after the runs. */
  aofEnabled: number | null;
  aofCurrentSize: number | null;
  aofRewriteHappened: boolean | null;
  /** Bytes under the target's dir after it stopped. */
  dirBytes: number;
}

export interface DurabilityFigures {
  clients: number;
  keyspace: number;
  /** Aimed duration of each measured run, in seconds. */
  secondsPerRun: number;
  /** Bounds of -n per pipeline depth: [probe (minimum), maximum]. */
  requestBounds: Record<string, [number, number]>;
  /** Measured runs per target and test, interleaved; the median is reported. */
  rounds: number;
  everysecTarget: number;
  rows: DurabilityRow[];
  ratios: DurabilityRatio[];
  targets: DurabilityTargetInfo[];
  /** Load average (1 min) before and after the section: the machine is shared. */
  loadavg: { before: number; after: number };
}

interface DurableTarget {
  system: DurabilitySystem;
  mode: DurabilityMode;
  port: number;
  proc: Proc;
  dir: string;
  settings: string[];
}

async function startDurable(system: DurabilitySystem, mode: DurabilityMode): Promise<DurableTarget> {
  const dir = mkdtempSync(join(workDir(), `aof-${system}-${mode}-`));
  try {
    if (system === 'redis') {
      // startRedis already passes --save "" --appendonly no; later arguments win.
      const settings = mode === 'none' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', mode];
      settings.push('--dir', dir, '--aof-use-rdb-preamble', 'no');
      const r = await startRedis(settings);
      return { system, mode, port: r.port, proc: r.proc, dir, settings: ['--save', '""', ...settings.map((s) => (s === dir ? '<tmp>' : s))] };
    }
    // startNodes writes `save ""` (no snapshots) for every node.
    const settings = mode === 'none' ? ['appendonly no'] : ['appendonly yes', `appendfsync ${mode}`];
    const { procs, ports } = await startNodes(['solo'], () => ['* solo'], { settings: [...settings, `dir ${dir}`] });
    return { system, mode, port: ports.get('solo')!, proc: procs[0]!, dir, settings: ['save ""', ...settings, 'dir <tmp>'] };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function median<T extends { rps: number }>(ms: T[]): T {
  const sorted = [...ms].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function durabilityRatios(rows: readonly DurabilityRow[]): DurabilityRatio[] {
  const get = (s: DurabilitySystem, m: DurabilityMode, t: DurabilityTest, p: number): DurabilityRow | undefined =>
    rows.find((r) => r.system === s && r.mode === m && r.test === t && r.pipeline === p);
  const ratio = (a: DurabilityRow | undefined, b: DurabilityRow | undefined): number | null => (a && b && b.rps > 0 ? a.rps / b.rps : null);
  const out: DurabilityRatio[] = [];
  for (const s of DURABILITY_SYSTEMS) {
    for (const p of DURABILITY_PIPELINES) {
      for (const t of DURABILITY_TESTS) {
        if (!rows.some((r) => r.system === s && r.test === t && r.pipeline === p)) continue;
        out.push({
          system: s,
          test: t,
          pipeline: p,
          everysecOverNone: ratio(get(s, 'everysec', t, p), get(s, 'none', t, p)),
          alwaysOverNone: ratio(get(s, 'always', t, p), get(s, 'none', t, p)),
        });
      }
    }
  }
  return out;
}

export interface DurabilityOptions {
  quick: boolean;
  repeat: number;
  clients: number;
  keyspace: number;
  log: (msg: string) => void;
}

/** Lines of a kv node's log other than its banner, shutdown and AOF rewrite messages (a failed rewrite is kept). */
function unexpectedKvLog(p: Proc): string[] {
  let text = '';
  try {
    text = readFileSync(p.logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^kv node |^ {2}(table|peers):|shutting down|Starting automatic rewriting of AOF|Background append only file rewriting started|Background AOF rewrite finished successfully/.test(l))
    .slice(0, 5);
}

export async function runDurability(o: DurabilityOptions, checks: string[]): Promise<DurabilityFigures> {
  // Full: the median of 3 rounds (or --repeat) of about 1 s a run; 24
  // measurements, about 80 s in all. --quick: one round of about 0.8 s, under 30 s.
  const secondsPerRun = o.quick ? 0.8 : 1;
  const rounds = o.quick ? o.repeat : Math.max(3, o.repeat);
  const bounds: Record<number, [number, number]> = o.quick
    ? { 1: [3_000, 100_000], 16: [10_000, 500_000] }
    : { 1: [5_000, 300_000], 16: [20_000, 2_000_000] };
  const loadBefore = Math.round(loadavg1() * 100) / 100;
  const targets: DurableTarget[] = [];
  const infos: DurabilityTargetInfo[] = [];
  const rows: DurabilityRow[] = [];
  const tag = (t: { system: string; mode: string }): string => `durability ${t.system} ${t.mode}`;
  try {
    for (const system of DURABILITY_SYSTEMS) {
      for (const mode of DURABILITY_MODES) {
        try {
          targets.push(await startDurable(system, mode));
        } catch (e) {
          checks.push(`${tag({ system, mode })}: could not start: ${(e as Error).message.slice(0, 500)}`);
        }
      }
    }
    o.log(`durability: ${targets.length} targets running (${targets.map((t) => `${t.system}/${t.mode}`).join(', ')}), ${rounds} round(s) of ~${secondsPerRun} s a run`);
    // Warm-up, the same for every target (as the main matrix's).
    for (const t of targets) {
      await redisBenchmark({ port: t.port, test: 'set', requests: o.quick ? 20_000 : 100_000, clients: o.clients, pipeline: 16, keyspace: o.keyspace }).catch((e: Error) => {
        checks.push(`${tag(t)}: warm-up failed: ${e.message.slice(0, 500)}`);
      });
    }
    let group = 0;
    for (const test of DURABILITY_TESTS) {
      for (const pipeline of DURABILITY_PIPELINES) {
        const [probeN, maxN] = bounds[pipeline]!;
        const sized = new Map<DurableTarget, { probeRps: number }>();
        const runs = new Map<DurableTarget, DurabilityRow[]>();
        const failed = (t: DurableTarget, e: unknown): void => {
          checks.push(`${tag(t)} ${test} -P ${pipeline} FAILED: ${(e as Error).message.slice(0, 500)}`);
          o.log(`  ${tag(t)} ${test} -P ${pipeline} FAILED`);
        };
        for (const t of targets) {
          try {
            const probe = await redisBenchmark({ port: t.port, test, clients: o.clients, pipeline, keyspace: o.keyspace, requests: probeN });
            sized.set(t, { probeRps: probe.rps });
          } catch (e) {
            failed(t, e);
          }
        }
        for (let k = 0; k < rounds; k++) {
          const shift = group++ % Math.max(1, targets.length);
          const order = [...targets.slice(shift), ...targets.slice(0, shift)];
          for (const t of order) {
            const size = sized.get(t);
            if (!size) continue;
            // Sized from the fastest rate seen so far (the probe's, then the
            // rounds'): the machine's noise only ever slows a run down, and a
            // slowed probe would make every later run too short.
            const fastest = Math.max(size.probeRps, ...(runs.get(t) ?? []).map((r) => r.rps));
            const n = Math.min(maxN, Math.max(probeN, Math.round((fastest * secondsPerRun) / 1000) * 1000));
            try {
              const m = await redisBenchmark({ port: t.port, test, clients: o.clients, pipeline, keyspace: o.keyspace, requests: n });
              const row: DurabilityRow = { ...m, system: t.system, mode: t.mode, test, pipeline, requests: n, clients: o.clients, keyspace: o.keyspace, probeRps: size.probeRps, roundsRps: [] };
              runs.set(t, [...(runs.get(t) ?? []), row]);
              if (m.errors.length) checks.push(`${tag(t)} ${test} -P ${pipeline}: error replies: ${m.errors[0]}`);
            } catch (e) {
              failed(t, e);
            }
          }
        }
        for (const t of targets) {
          const r = runs.get(t);
          if (!r || r.length === 0) continue;
          const m = { ...median(r), roundsRps: r.map((x) => Math.round(x.rps)) };
          rows.push(m);
          o.log(
            `  ${t.system.padEnd(5)} ${t.mode.padEnd(8)} ${test.padEnd(4)} -P ${String(pipeline).padEnd(2)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  (-n ${m.requests}, ${m.seconds.toFixed(1)} s${r.length > 1 ? `; rounds ${m.roundsRps.join(' ')}` : ''})`,
          );
        }
      }
    }
    // Each target is what it says: the AOF on or off, the fsync policy, no write errors.
    for (const t of targets) {
      const fig: DurabilityTargetInfo = { system: t.system, mode: t.mode, settings: t.settings, aofEnabled: null, aofCurrentSize: null, aofRewriteHappened: null, dirBytes: 0 };
      infos.push(fig);
      if (!t.proc.running()) {
        checks.push(`${tag(t)}: ${t.proc.name} is no longer running:\n${t.proc.tail()}`);
        continue;
      }
      try {
        const p = await info(t.port, 'persistence');
        fig.aofEnabled = Number(p.get('aof_enabled'));
        const size = p.get('aof_current_size');
        fig.aofCurrentSize = size === undefined ? null : Number(size);
        fig.aofRewriteHappened = p.has('aof_last_rewrite_time_sec') ? p.get('aof_last_rewrite_time_sec') !== '-1' : null;
        const want = t.mode === 'none' ? 0 : 1;
        if (fig.aofEnabled !== want) checks.push(`${tag(t)}: INFO persistence says aof_enabled:${p.get('aof_enabled')}, expected ${want}`);
        if (p.get('aof_last_write_status') !== 'ok') checks.push(`${tag(t)}: aof_last_write_status:${p.get('aof_last_write_status')}`);
        if (t.mode !== 'none') {
          const fsync = await oneCommand(t.port, 'CONFIG', 'GET', 'appendfsync');
          if (!Array.isArray(fsync) || fsync[1] !== t.mode) checks.push(`${tag(t)}: CONFIG GET appendfsync answered ${JSON.stringify(fsync)}`);
        }
      } catch (e) {
        checks.push(`${tag(t)}: INFO persistence failed: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.proc.stop()));
    for (const t of targets) {
      const fig = infos.find((f) => f.system === t.system && f.mode === t.mode);
      const bytes = dirBytes(t.dir);
      if (fig) fig.dirBytes = bytes;
      if (t.mode !== 'none' && !existsSync(join(t.dir, 'appendonlydir'))) checks.push(`${tag(t)}: no appendonlydir in its dir after the run`);
      if (t.mode === 'none' && bytes > 0) checks.push(`${tag(t)}: wrote ${bytes} bytes to its dir without persistence`);
      if (t.system === 'kv') for (const l of unexpectedKvLog(t.proc)) checks.push(`${tag(t)}: ${t.proc.name} logged: ${l}`);
      rmSync(t.dir, { recursive: true, force: true });
    }
  }
  const ratios = durabilityRatios(rows);
  return {
    clients: o.clients,
    keyspace: o.keyspace,
    secondsPerRun,
    requestBounds: Object.fromEntries(Object.entries(bounds)),
    rounds,
    everysecTarget: EVERYSEC_TARGET,
    rows,
    ratios,
    targets: infos,
    loadavg: { before: loadBefore, after: Math.round(loadavg1() * 100) / 100 },
  };
}

function loadavg1(): number {
  return os.loadavg()[0] ?? 0;
}
