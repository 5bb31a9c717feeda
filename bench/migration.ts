// What a live migration costs: two kv nodes (foo owns a-m, bar n-z, AOF
// everysec as the shipped cluster.conf), N keys under the first byte m on foo,
// then `route m bar` in the file and KV.RELOAD on both (what SIGHUP does). It
// measures how fast the keys move (from the reload until foo holds none of
// them and bar all of them) and the latency of other requests, GETs on
// unmoved keys (a… on foo, z… on bar) sent through both nodes at a fixed rate,
// during the move against the same load with nothing moving. A section of
// bench/run.ts (`--only migration`, `--migration-keys 1000000`).

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, sleep, startProcess, waitForPort, workDir, type Proc } from './lib/proc.js';
import { RespClient, encode, info, pipelineLoad, type Reply } from './lib/resp.js';
import { SECRET } from './lib/targets.js';
import { fmtMs, fmtRps } from './lib/report.js';
import { formatSummary, summarize } from './cpuprofile-top.js';

export interface MigrationOptions {
  keys: number;
  /** Value size in bytes of the moved keys. */
  valueBytes: number;
  /** GETs per second of the latency load (both nodes together) and its connections. */
  rate: number;
  connections: number;
  /** Seconds of the load with nothing moving. */
  baselineSeconds: number;
  /** Extra setting lines (e.g. migrate-keys-per-second). */
  settings: string[];
  /** When set, both nodes run with --cpu-prof into DIR/<node>, and their top frames are logged at the end. */
  profileDir?: string;
  log: (msg: string) => void;
}

export interface LatencyFigures {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  errors: number;
  firstError: string;
  /** Requests that started late because the one before on their connection was slow. */
  late: number;
}

export interface MigrationFigures {
  keys: number;
  valueBytes: number;
  settings: string[];
  rate: number;
  connections: number;
  probeKeys: number;
  loadSeconds: number;
  moveSeconds: number;
  keysPerSecond: number;
  /** Samples of INFO cluster's kv_migrat… fields on the source during the move. */
  progress: string[];
  /** How long each node took to answer KV.RELOAD (the source's includes starting the move). */
  reloadMs: { foo: number; bar: number };
  baseline: LatencyFigures;
  during: LatencyFigures;
}

const PROBE_KEYS = 10_000;
const probeKey = (side: 'a' | 'z', i: number): string => `${side}:${String(i).padStart(8, '0')}`;
const movedKey = (i: number): string => `m:${String(i).padStart(12, '0')}`;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/**
 * GETs of unmoved keys through both nodes, `rate` per second spread over
 * `connections` (half on each node), one request at a time per connection;
 * each one's latency from its send to its reply, until `until()` resolves.
 */
async function latencyLoad(ports: number[], rate: number, connections: number, until: Promise<void>): Promise<LatencyFigures> {
  const clients = await Promise.all(Array.from({ length: connections }, (_, i) => RespClient.connect(ports[i % ports.length]!)));
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  let late = 0;
  let stop = false;
  void until.then(() => (stop = true));
  const interval = (1000 * connections) / rate; // ms between two requests of one connection
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, ci) => {
      let next = started + (interval * ci) / connections;
      for (let n = 0; !stop; n++) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        else if (wait < -interval) late++;
        if (stop) break;
        const key = probeKey(n % 2 === 0 ? 'a' : 'z', Math.floor(Math.random() * PROBE_KEYS));
        const t0 = performance.now();
        const reply: Reply = await c.command('GET', key).catch((e: Error) => e);
        latencies.push(performance.now() - t0);
        if (reply instanceof Error || reply !== `v-${key}`) {
          errors++;
          if (firstError === '') firstError = `GET ${key}: ${reply instanceof Error ? reply.message : String(reply)}`;
        }
        next = Math.max(next + interval, performance.now() - interval);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const c of clients) c.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : 0,
    errors,
    firstError,
    late,
  };
}

/** A command on a connection that presented the cluster secret (KV.LOCAL, KV.RELOAD). */
async function asPeer(port: number, ...argv: string[]): Promise<Reply> {
  const c = await RespClient.connect(port);
  try {
    const hello = await c.command('KV.HELLO', SECRET, 'bench');
    if (hello !== 'OK') throw new Error(`KV.HELLO on ${port}: ${String(hello)}`);
    return await c.command(...argv);
  } finally {
    c.close();
  }
}

async function localSize(port: number): Promise<number> {
  const r = await asPeer(port, 'KV.LOCAL', '2', 'DBSIZE');
  if (typeof r !== 'number') throw new Error(`KV.LOCAL DBSIZE on ${port}: ${String(r)}`);
  return r;
}

export async function runMigration(o: MigrationOptions, checks: string[]): Promise<MigrationFigures> {
  const names = ['foo', 'bar'] as const;
  const ports = { foo: await freePort(), bar: await freePort() };
  const file = join(workDir(), 'migration.conf');
  const writeConf = (routes: string[]): void => {
    const lines = [`secret ${SECRET}`, 'save ""', 'appendonly yes', 'appendfsync everysec', ...o.settings];
    for (const n of names) lines.push(`node ${n} 127.0.0.1:${ports[n]}`);
    for (const r of routes) lines.push(`route ${r}`);
    for (const n of names) lines.push(`[${n}]`, `dir ${join(workDir(), `migration-${n}-${ports[n]}`)}`);
    writeFileSync(file + '.next', lines.join('\n') + '\n');
    renameSync(file + '.next', file);
  };
  writeConf(['a-m foo', 'n-z bar']);
  const procs: Proc[] = [];
  try {
    for (const n of names) {
      const prof = o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(o.profileDir, n)}`];
      if (o.profileDir !== undefined) {
        rmSync(join(o.profileDir, n), { recursive: true, force: true });
        mkdirSync(join(o.profileDir, n), { recursive: true });
      }
      const p = startProcess(`kv-migration-${n}-${ports[n]}`, process.execPath, [...prof, 'dist/server/main.js', '--config', file, '--name', n]);
      procs.push(p);
      await waitForPort(ports[n], p);
    }
    const value = 'x'.repeat(Math.max(0, o.valueBytes - 2));
    o.log(`migration: loading ${o.keys} keys of ${o.valueBytes} bytes on foo, and ${PROBE_KEYS} probe keys on each node`);
    const loaded = await pipelineLoad(ports.foo, o.keys, (i) => encode(['SET', movedKey(i), `${i % 100}`.padStart(2, '0') + value]));
    if (loaded.errors > 0) throw new Error(`loading: ${loaded.errors} errors, the first: ${loaded.firstError}`);
    for (const side of ['a', 'z'] as const) {
      const r = await pipelineLoad(side === 'a' ? ports.foo : ports.bar, PROBE_KEYS, (i) => encode(['SET', probeKey(side, i), `v-${probeKey(side, i)}`]));
      if (r.errors > 0) throw new Error(`loading probe keys: ${r.firstError}`);
    }
    o.log(`  loaded in ${loaded.seconds.toFixed(1)} s (${Math.round(o.keys / loaded.seconds)}/s)`);
    const both = [ports.foo, ports.bar];

    o.log(`migration: ${o.baselineSeconds} s of GETs at ${o.rate}/s with nothing moving`);
    const baseline = await latencyLoad(both, o.rate, o.connections, sleep(o.baselineSeconds * 1000));
    o.log(`  ${fmtRps(baseline.rps)} req/s, p50 ${fmtMs(baseline.p50Ms)} ms, p99 ${fmtMs(baseline.p99Ms)} ms, max ${fmtMs(baseline.maxMs)} ms`);

    o.log(`migration: route m foo -> bar, reloading both nodes`);
    writeConf(['a-l foo', 'm bar', 'n-z bar']);
    const progress: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const during = latencyLoad(both, o.rate, o.connections, finished);
    const t0 = performance.now();
    // Each node's KV.RELOAD, timed: the source's includes whatever it does at once to start the move.
    const reloadMs: number[] = [0, 0];
    const reloads = await Promise.all(
      both.map(async (p, i) => {
        const t = performance.now();
        const r = await asPeer(p, 'KV.RELOAD');
        reloadMs[i] = performance.now() - t;
        return r;
      }),
    );
    reloads.forEach((r, i) => {
      if (r !== 'OK') throw new Error(`KV.RELOAD on ${names[i]}: ${r instanceof Error ? r.message : String(r)}`);
    });
    o.log(`  KV.RELOAD answered in ${reloadMs.map((ms, i) => `${fmtMs(ms)} ms by ${names[i]}`).join(', ')}`);
    let lastLog = 0;
    let moveSeconds = 0;
    for (;;) {
      const [left, there] = await Promise.all([localSize(ports.foo), localSize(ports.bar)]);
      const fields = [...(await info(ports.foo, 'cluster'))].filter(([k]) => k.startsWith('kv_migrat')).map(([k, v]) => `${k}:${v}`).join(' ');
      const elapsed = (performance.now() - t0) / 1000;
      if (fields !== '' && progress[progress.length - 1] !== fields) progress.push(`${elapsed.toFixed(1)}s ${fields}`);
      if (left === PROBE_KEYS && there === PROBE_KEYS + o.keys) {
        moveSeconds = elapsed;
        break;
      }
      if (elapsed - lastLog >= 5) {
        lastLog = elapsed;
        o.log(`  ${elapsed.toFixed(0)} s: foo holds ${left - PROBE_KEYS} of the keys, bar ${there - PROBE_KEYS}; ${fields}`);
      }
      if (elapsed > 600) throw new Error(`the move did not finish in 600 s: foo holds ${left - PROBE_KEYS} moved keys, bar ${there - PROBE_KEYS}`);
      await sleep(50);
    }
    done();
    const duringFigures = await during;
    const keysPerSecond = o.keys / moveSeconds;
    o.log(`  moved ${o.keys} keys in ${moveSeconds.toFixed(1)} s: ${fmtRps(keysPerSecond)} keys/s; GETs meanwhile ${fmtRps(duringFigures.rps)} req/s, p50 ${fmtMs(duringFigures.p50Ms)} ms, p99 ${fmtMs(duringFigures.p99Ms)} ms, max ${fmtMs(duringFigures.maxMs)} ms`);

    // The keys arrived whole: a sample read back through foo, which now forwards m to bar.
    const c = await RespClient.connect(ports.foo);
    for (let k = 0; k < 1000; k++) {
      const i = Math.floor(Math.random() * o.keys);
      const got = await c.command('GET', movedKey(i));
      if (got !== `${i % 100}`.padStart(2, '0') + value) {
        checks.push(`migration: GET ${movedKey(i)} after the move: ${String(got).slice(0, 60)}`);
        break;
      }
    }
    c.close();
    for (const [what, f] of [['no move', baseline], ['during the move', duringFigures]] as const) {
      if (f.errors > 0) checks.push(`migration: ${f.errors} GETs failed ${what}, the first: ${f.firstError}`);
    }
    for (const p of procs) if (!p.running()) checks.push(`migration: ${p.name} is no longer running:\n${p.tail()}`);
    return {
      keys: o.keys,
      valueBytes: o.valueBytes,
      settings: o.settings,
      rate: o.rate,
      connections: o.connections,
      probeKeys: PROBE_KEYS,
      loadSeconds: loaded.seconds,
      moveSeconds,
      keysPerSecond,
      progress,
      reloadMs: { foo: reloadMs[0]!, bar: reloadMs[1]! },
      baseline,
      during: duringFigures,
    };
  } finally {
    // SIGTERM: the server exits 0, and V8 writes a profile only then (a big one takes a while).
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 60_000)));
    if (o.profileDir !== undefined) {
      for (const n of names) {
        const dir = join(o.profileDir, n);
        const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
        o.log(files.length === 0 ? `migration: no profile for ${n} in ${dir}` : `migration: CPU profile of ${n} (${join(dir, files[0]!)}):\n${formatSummary(summarize(join(dir, files[0]!), 15))}`);
      }
    }
  }
}

// ---- report -----------------------------------------------------------------

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function latencyCells(f: LatencyFigures): string[] {
  return [fmtRps(f.rps), fmtMs(f.p50Ms), fmtMs(f.p99Ms), fmtMs(f.p999Ms), fmtMs(f.maxMs), String(f.errors)];
}

function header(m: MigrationFigures): string {
  return (
    `migration: ${m.keys} keys of ${m.valueBytes} bytes from foo to bar in ${m.moveSeconds.toFixed(1)} s, ${fmtRps(m.keysPerSecond)} keys/s ` +
    `(AOF everysec on both${m.settings.length ? `, ${m.settings.join(', ')}` : ', no throttle'}); ` +
    `GETs on unmoved keys through both nodes, ${m.rate}/s over ${m.connections} connections`
  );
}

export function migrationConsole(m: MigrationFigures): string[] {
  const out = [header(m)];
  const cols = ['req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'];
  out.push(pad('', 18) + cols.map((c) => pad(c, 10)).join(''));
  out.push(pad('no move', 18) + latencyCells(m.baseline).map((c) => pad(c, 10)).join(''));
  out.push(pad('during the move', 18) + latencyCells(m.during).map((c) => pad(c, 10)).join(''));
  out.push(`p99 during / without a move: ${m.baseline.p99Ms > 0 ? (m.during.p99Ms / m.baseline.p99Ms).toFixed(2) : '–'}; KV.RELOAD answered in ${fmtMs(m.reloadMs.foo)} ms by foo (the source), ${fmtMs(m.reloadMs.bar)} ms by bar`);
  if (m.progress.length) out.push(`progress on foo (INFO cluster): ${m.progress.slice(0, 3).join(' | ')}${m.progress.length > 3 ? ` … ${m.progress[m.progress.length - 1]}` : ''}`);
  return out;
}

export function migrationMarkdown(m: MigrationFigures): string[] {
  const out = [header(m) + '.', ''];
  out.push('| | req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |', '|---|--:|--:|--:|--:|--:|--:|');
  out.push(`| no move | ${latencyCells(m.baseline).join(' | ')} |`);
  out.push(`| during the move | ${latencyCells(m.during).join(' | ')} |`);
  return out;
}
