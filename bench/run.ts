// `npm run bench [-- --quick] [--no-matrix] [--no-durability] [--no-memory]
//                [--no-scale] [--no-migration] [--only matrix,durability,memory,scale,migration]
//                [--targets redis,local,…] [--repeat N] [--out NAME]
//                [--migration-keys N] [--migration-setting 'LINE'] [--migration-cpu-prof DIR]`
//
// Starts every target on free ports (redis-server, nutcracker in front of
// redis-server, a kv node owning the keys, a kv node one hop and two hops away
// from the owner), runs redis-benchmark against each, measures what the
// append-only file costs (redis-server and a kv node, each without
// persistence, with appendfsync everysec and always: lib/durability.ts),
// memory and scaling, what a live migration costs (migration.ts: keys moved
// per second, and the latency of other requests during the move), stops everything, prints the tables and writes
// bench/results/<NAME>.{json,md,svg} (NAME: latest, or quick with --quick;
// with --only, only-<sections> or quick-only-<sections>, so that a partial run
// does not overwrite the full results).

import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, rssOf, runBench, sh, sleep, workDir, type Proc } from './lib/proc.js';
import { TESTS, redisBenchmark, type Measurement } from './lib/redis-benchmark.js';
import { TARGETS, TARGET_LABELS, startNodes, startRedis, startTarget, type Target, type TargetId } from './lib/targets.js';
import { info, oneCommand, pipelineLoad, randInt, encode } from './lib/resp.js';
import { runDurability } from './lib/durability.js';
import { migrationConsole, migrationMarkdown, runMigration, type MigrationFigures } from './migration.js';
import { consoleReport, markdownReport, ratios, svgChart, type MemoryFigures, type Results, type Row, type ScaleRow } from './lib/report.js';

interface Options {
  quick: boolean;
  matrix: boolean;
  durability: boolean;
  memory: boolean;
  scale: boolean;
  migration: boolean;
  /** Keys moved by the migration section (1M for the issue's figure: --migration-keys 1000000). */
  migrationKeys: number;
  migrationSettings: string[];
  migrationProfileDir: string | undefined;
  targets: TargetId[];
  repeat: number;
  out: string;
}

const SECTIONS = ['matrix', 'durability', 'memory', 'scale', 'migration'] as const;

function parseArgs(argv: string[]): Options {
  let only: string[] | null = null;
  const o: Options = { quick: false, matrix: true, durability: true, memory: true, scale: true, migration: true, migrationKeys: 0, migrationSettings: [], migrationProfileDir: undefined, targets: [...TARGETS], repeat: 1, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--no-matrix') o.matrix = false;
    else if (a === '--no-durability') o.durability = false;
    else if (a === '--no-memory') o.memory = false;
    else if (a === '--no-scale') o.scale = false;
    else if (a === '--no-migration') o.migration = false;
    else if (a === '--migration-keys') {
      o.migrationKeys = Number(value());
      if (!Number.isInteger(o.migrationKeys) || o.migrationKeys < 1) throw new Error('--migration-keys needs a positive integer');
    } else if (a === '--migration-setting') o.migrationSettings.push(value());
    else if (a === '--migration-cpu-prof') o.migrationProfileDir = value();
    else if (a === '--only') {
      const list = value().split(',');
      for (const s of list) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`);
      for (const s of SECTIONS) o[s] = list.includes(s);
      only = SECTIONS.filter((s) => o[s]);
    } else if (a === '--targets') {
      const list = value().split(',');
      for (const t of list) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${t}; targets: ${TARGETS.join(', ')}`);
      o.targets = list as TargetId[];
    } else if (a === '--repeat') o.repeat = Math.max(1, Number(value()) || 1);
    else if (a === '--out') o.out = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench -- [--quick] [--no-matrix] [--no-durability] [--no-memory] [--no-scale] [--no-migration]\n' +
          '                        [--only matrix,durability,memory,scale,migration]\n' +
          '                        [--targets redis,nutcracker,local,one-hop,two-hop] [--repeat N] [--out NAME]\n' +
          '                        [--migration-keys N (default 200000, 50000 with --quick)] [--migration-setting \'migrate-keys-per-second 50000\'] [--migration-cpu-prof DIR]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.migrationKeys === 0) o.migrationKeys = o.quick ? 50_000 : 200_000;
  if (o.out === '') o.out = only ? `${o.quick ? 'quick-' : ''}only-${only.join('-')}` : o.quick ? 'quick' : 'latest';
  return o;
}

const started = Date.now();
function log(msg: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${t}s] ${msg}\n`);
}

const CLIENTS = 50;
const KEYSPACE = 100_000;

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** INFO cluster counters of every kv node of a target, as a line for the checks. */
async function routingCounters(target: Target): Promise<string> {
  const parts: string[] = [];
  for (const [name, port] of target.nodes) {
    const c = await info(port, 'cluster');
    parts.push(`${name}: local ${c.get('kv_commands_local')}, forwarded ${c.get('kv_commands_forwarded')}, received ${c.get('kv_commands_received')}`);
  }
  return parts.join('; ');
}

/** Lines of a kv node's log that are neither the banner nor the shutdown message. */
function unexpectedLog(p: Proc): string[] {
  let text = '';
  try {
    text = readFileSync(p.logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^kv node |^ {2}(table|peers):|shutting down|^\s*$/.test(l))
    .slice(0, 5);
}

/**
 * Every target is started first, and each measurement (test, -P, round) runs
 * on the targets in turn: on a shared machine whose load changes by the
 * minute, the ratios between targets then compare runs made seconds apart,
 * not minutes. An idle target costs the others nothing.
 */
async function runMatrix(o: Options, checks: string[]): Promise<Row[]> {
  const requests: Record<number, number> = o.quick ? { 1: 20_000, 16: 100_000 } : { 1: 100_000, 16: 500_000 };
  const rows: Row[] = [];
  const targets: Target[] = [];
  try {
    for (const id of o.targets) {
      log(`starting ${TARGET_LABELS[id]}`);
      try {
        const target = await startTarget(id);
        targets.push(target);
        // Warm-up (the JIT, the links, the allocator), the same for every target.
        await redisBenchmark({ port: target.port, test: 'set', requests: o.quick ? 20_000 : 100_000, clients: CLIENTS, pipeline: 16, keyspace: KEYSPACE }).catch((e: Error) => {
          checks.push(`${id}: warm-up failed: ${e.message.slice(0, 500)}`);
        });
      } catch (e) {
        checks.push(`${id}: could not start: ${(e as Error).message.slice(0, 500)}`);
      }
    }
    for (const test of TESTS) {
      for (const pipeline of [1, 16]) {
        const n = requests[pipeline]!;
        const runs = new Map<TargetId, Measurement[]>(targets.map((t) => [t.id, []]));
        for (let k = 0; k < o.repeat; k++) {
          for (const target of targets) {
            try {
              runs.get(target.id)!.push(await redisBenchmark({ port: target.port, test, requests: n, clients: CLIENTS, pipeline, keyspace: KEYSPACE }));
            } catch (e) {
              checks.push(`${target.id} ${test} -P ${pipeline} FAILED: ${(e as Error).message.slice(0, 500)}`);
              log(`  ${target.id} ${test} -P ${pipeline} FAILED: ${(e as Error).message.slice(0, 500)}`);
            }
          }
        }
        for (const target of targets) {
          const got = runs.get(target.id)!;
          if (got.length === 0) continue;
          const m = median(got);
          rows.push({ ...m, target: target.id, test, pipeline, requests: n, clients: CLIENTS, keyspace: KEYSPACE });
          log(`  ${target.id.padEnd(10)} ${test.padEnd(5)} -P ${String(pipeline).padEnd(2)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  (${m.seconds.toFixed(1)} s)`);
          if (m.errors.length) checks.push(`${target.id} ${test} -P ${pipeline}: error replies: ${m.errors[0]}`);
        }
      }
    }
    for (const target of targets) {
      if (target.nodes.size > 0) checks.push(`${target.id} routing counters after the run: ${await routingCounters(target)}`);
      for (const p of target.procs) {
        if (!p.running()) checks.push(`${target.id}: ${p.name} is no longer running:\n${p.tail()}`);
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  for (const target of targets) {
    for (const p of target.procs) {
      const exit = await p.exited;
      if (target.nodes.size > 0 && exit.code !== 0) checks.push(`${target.id}: ${p.name} exited with ${exit.signal ?? `code ${exit.code}`} on SIGTERM`);
      if (target.nodes.size > 0) for (const l of unexpectedLog(p)) checks.push(`${target.id}: ${p.name} logged: ${l}`);
    }
  }
  return rows;
}

// ---- memory -------------------------------------------------------------

const STRING_VALUE = (i: number): string => 'val-' + randInt(i); // 16 bytes, not an integer
const setCmd = (i: number): string => encode(['SET', 'key:' + randInt(i), STRING_VALUE(i)]);
const FIELDS = 10;
const hsetCmd = (i: number): string => {
  const argv = ['HSET', 'hash:' + randInt(i)];
  for (let f = 0; f < FIELDS; f++) argv.push('field:' + f, STRING_VALUE(i * FIELDS + f));
  return encode(argv);
};

/** Forces a GC in a node started with gc-preload and returns VmRSS after it settles. */
async function settleKv(pid: number, memFile: string): Promise<{ rss: number; before: number; heapUsed: number; gcForced: boolean }> {
  const before = rssOf(pid);
  const prev = existsSync(memFile) ? statSync(memFile).mtimeMs : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (!existsSync(memFile) || statSync(memFile).mtimeMs === prev) {
    if (Date.now() > deadline) throw new Error('the kv node did not answer SIGUSR2 (gc-preload)');
    await sleep(50);
  }
  await sleep(1000);
  const mem = JSON.parse(readFileSync(memFile, 'utf8')) as { heapUsed: number; gcForced: boolean };
  return { rss: rssOf(pid), before, heapUsed: mem.heapUsed, gcForced: mem.gcForced };
}

async function redisMemory(port: number, pid: number): Promise<{ rss: number; used: number }> {
  await sleep(1000);
  const m = await info(port, 'memory');
  return { rss: rssOf(pid), used: Number(m.get('used_memory')) };
}

async function load(port: number, count: number, make: (i: number) => string, what: string): Promise<number> {
  const r = await pipelineLoad(port, count, make);
  if (r.errors > 0) throw new Error(`loading ${what}: ${r.errors} error replies, the first: ${r.firstError}`);
  log(`  loaded ${count} ${what} in ${r.seconds.toFixed(1)} s (${Math.round(count / r.seconds)}/s)`);
  return r.seconds;
}

async function runMemory(o: Options, checks: string[]): Promise<MemoryFigures> {
  const strings = o.quick ? 100_000 : 1_000_000;
  const hashes = o.quick ? 10_000 : 100_000;
  const memFile = join(workDir(), 'kv-memory.json');
  const preload = pathToFileURL(join(ROOT, 'dist/bench/gc-preload.js')).href;
  log(`memory: kv node (${strings} strings, ${hashes} hashes × ${FIELDS} fields)`);
  // Keys start with k (key:…) and h (hash:…): the node's table gives it a-z.
  const kv = await startNodes(['mem'], () => ['a-z mem'], { nodeArgs: () => ['--expose-gc', '--import', preload], env: { KV_BENCH_MEMFILE: memFile } });
  const kvProc = kv.procs[0]!;
  const kvPort = kv.ports.get('mem')!;
  let kvFig: MemoryFigures['kv'];
  let kvLoad = 0;
  try {
    const empty = await settleKv(kvProc.pid, memFile);
    kvLoad += await load(kvPort, strings, setCmd, 'strings');
    const afterStrings = await settleKv(kvProc.pid, memFile);
    kvLoad += await load(kvPort, hashes, hsetCmd, 'hashes');
    const all = await settleKv(kvProc.pid, memFile);
    const size = await oneCommand(kvPort, 'DBSIZE');
    if (size !== strings + hashes) checks.push(`memory: kv DBSIZE is ${String(size)}, expected ${strings + hashes}`);
    if (!all.gcForced) checks.push('memory: the kv node ran without --expose-gc: no forced GC');
    kvFig = { rssEmpty: empty.rss, rssStrings: afterStrings.rss, rssAll: all.rss, heapUsedAll: all.heapUsed, rssBeforeSettle: all.before, gcForced: all.gcForced };
  } finally {
    await kvProc.stop();
  }
  log('memory: redis-server');
  const rd = await startRedis();
  let redisFig: MemoryFigures['redis'];
  let redisLoad = 0;
  try {
    const empty = await redisMemory(rd.port, rd.proc.pid);
    redisLoad += await load(rd.port, strings, setCmd, 'strings');
    const afterStrings = await redisMemory(rd.port, rd.proc.pid);
    redisLoad += await load(rd.port, hashes, hsetCmd, 'hashes');
    const all = await redisMemory(rd.port, rd.proc.pid);
    const size = await oneCommand(rd.port, 'DBSIZE');
    if (size !== strings + hashes) checks.push(`memory: redis DBSIZE is ${String(size)}, expected ${strings + hashes}`);
    redisFig = {
      rssEmpty: empty.rss,
      rssStrings: afterStrings.rss,
      rssAll: all.rss,
      usedMemoryEmpty: empty.used,
      usedMemoryStrings: afterStrings.used,
      usedMemoryAll: all.used,
    };
  } finally {
    await rd.proc.stop();
  }
  return { strings, hashes, fieldsPerHash: FIELDS, loadSeconds: { kv: kvLoad, redis: redisLoad }, kv: kvFig, redis: redisFig };
}

// ---- scale --------------------------------------------------------------

async function runScale(o: Options, checks: string[], hardLimit: number): Promise<ScaleRow[]> {
  const keyCounts = [1_000, 100_000, 1_000_000];
  const clientCounts = [50, 500, 5000];
  const keyRequests = o.quick ? 100_000 : 500_000;
  const clientRequests = o.quick ? 50_000 : 200_000;
  const rows: ScaleRow[] = [];
  const usable = clientCounts.filter((c) => c + 64 <= hardLimit);
  for (const c of clientCounts) if (!usable.includes(c)) checks.push(`scale: -c ${c} skipped: the hard fd limit is ${hardLimit}`);
  for (const id of ['local', 'redis'] as const) {
    log(`scale: ${TARGET_LABELS[id]}`);
    const target = await startTarget(id);
    try {
      const bench = async (kind: 'keys' | 'clients', test: 'get' | 'set', keys: number, keyspace: number, clients: number, pipeline: number, requests: number): Promise<void> => {
        let m: Measurement;
        try {
          m = await redisBenchmark({ port: target.port, test, requests, clients, pipeline, keyspace });
        } catch (e) {
          checks.push(`scale ${id} ${test} keys ${keys} -c ${clients} FAILED: ${(e as Error).message.slice(0, 500)}`);
          log(`  scale ${id} ${test} keys ${keys} -c ${clients} FAILED`);
          return;
        }
        rows.push({ target: id, kind, keys, clients, pipeline, test, requests, rps: m.rps, p50Ms: m.p50Ms, p99Ms: m.p99Ms, errors: m.errors });
        log(`  ${id.padEnd(6)} ${test} keys ${String(keys).padEnd(8)} -c ${String(clients).padEnd(5)} -P ${String(pipeline).padEnd(2)} ${Math.round(m.rps).toString().padStart(7)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms`);
        if (m.errors.length) checks.push(`scale ${id} ${test} keys ${keys} -c ${clients}: error replies: ${m.errors[0]}`);
      };
      let filled = 0;
      for (const keys of keyCounts) {
        // The same names redis-benchmark uses (key:000000000042), so every GET hits.
        await load(target.port, keys - filled, (i) => encode(['SET', 'key:' + randInt(filled + i), 'xxx']), `keys (to ${keys})`);
        filled = keys;
        await bench('keys', 'get', keys, keys, CLIENTS, 16, keyRequests);
        await bench('keys', 'set', keys, keys, CLIENTS, 16, keyRequests);
      }
      for (const clients of usable) {
        await bench('clients', 'get', filled, KEYSPACE, clients, 1, clientRequests);
        await bench('clients', 'set', filled, KEYSPACE, clients, 1, clientRequests);
      }
      const size = await oneCommand(target.port, 'DBSIZE');
      if (size !== filled) checks.push(`scale ${id}: DBSIZE ${String(size)} after filling ${filled} keys`);
    } finally {
      await target.stop();
    }
  }
  return rows;
}

// ---- main ---------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const commit = sh('git rev-parse --short HEAD') || 'unknown';
  const uncommitted = sh('git status --porcelain -- server').split('\n').filter((l) => l !== '');
  const ulimitSoft = sh('ulimit -Sn');
  const ulimitHard = sh('ulimit -Hn');
  const hardLimit = ulimitHard === 'unlimited' ? 1 << 20 : Number(ulimitHard);
  const checks: string[] = [];
  if (uncommitted.length) checks.push(`server/ differs from ${commit}: ${uncommitted.join(', ')}`);
  const loadavgBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  log(`kv benchmark at ${commit}${o.quick ? ' (quick)' : ''}; fd limit soft ${ulimitSoft}, hard ${ulimitHard} (children run at the hard limit); load average ${loadavgBefore.join(' ')}`);
  const rows = o.matrix ? await runMatrix(o, checks) : [];
  const durability = o.durability ? await runDurability({ quick: o.quick, repeat: o.repeat, clients: CLIENTS, keyspace: KEYSPACE, log }, checks) : null;
  const memory = o.memory ? await runMemory(o, checks) : null;
  const scale = o.scale ? await runScale(o, checks, hardLimit) : [];
  const migration: MigrationFigures | null = o.migration
    ? await runMigration(
        { keys: o.migrationKeys, valueBytes: 16, rate: 2000, connections: 8, baselineSeconds: o.quick ? 5 : 10, settings: o.migrationSettings, log, ...(o.migrationProfileDir !== undefined ? { profileDir: o.migrationProfileDir } : {}) },
        checks,
      )
    : null;
  const res: Results = {
    commit,
    uncommittedServerChanges: uncommitted,
    date: new Date().toISOString(),
    quick: o.quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model.trim() ?? 'unknown',
      loadavgBefore,
      node: process.version,
      redis: /v=(\S+)/.exec(sh('redis-server --version'))?.[1] ?? 'unknown',
      nutcracker: /nutcracker-(\S+)/.exec(sh('nutcracker --version 2>&1'))?.[1] ?? 'unknown',
      ulimitSoft,
      ulimitHard,
    },
    params: { clients: CLIENTS, keyspace: KEYSPACE, requests: o.quick ? { 1: 20_000, 16: 100_000 } : { 1: 100_000, 16: 500_000 } },
    rows,
    ratios: ratios(rows, [1, 16]).filter((r) => rows.some((x) => x.test === r.test && x.pipeline === r.pipeline)),
    memory,
    scale,
    durability,
    checks,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${o.out}.json`), JSON.stringify({ ...res, migration }, null, 2) + '\n');
  writeFileSync(join(dir, `${o.out}.md`), markdownReport(res) + (migration ? '\n' + migrationMarkdown(migration).join('\n') + '\n' : ''));
  if (rows.length) writeFileSync(join(dir, `${o.out}.svg`), svgChart(res));
  process.stdout.write('\n' + consoleReport(res) + (migration ? '\n\n' + migrationConsole(migration).join('\n') : '') + '\n\n');
  log(`wrote bench/results/${o.out}.json, .md${rows.length ? ', .svg' : ''} in ${res.durationSeconds} s`);
}

runBench(main);
