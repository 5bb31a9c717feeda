// CPU profiles of kv nodes under redis-benchmark SET and GET at -P 16:
//   npm run -s build && node dist/bench/profile.js [--dir /tmp/prof] [--top 15] [--requests 500000] [--targets local,one-hop]
// Each node of the target runs with --cpu-prof --cpu-prof-dir=DIR/<target>-<node>;
// after the runs it gets SIGTERM (the server exits 0, so V8 writes the profile)
// and the top self-time frames of every profile are printed.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeWorkDir, stopAll } from './lib/proc.js';
import { redisBenchmark } from './lib/redis-benchmark.js';
import { startTarget, type TargetId } from './lib/targets.js';
import { formatSummary, summarize } from './cpuprofile-top.js';

interface Options {
  dir: string;
  top: number;
  requests: number;
  targets: TargetId[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { dir: '/tmp/prof', top: 15, requests: 500_000, targets: ['local', 'one-hop'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--dir') o.dir = v;
    else if (a === '--top') o.top = Number(v);
    else if (a === '--requests') o.requests = Number(v);
    else if (a === '--targets') {
      const list = v.split(',');
      for (const t of list) if (t !== 'local' && t !== 'one-hop' && t !== 'two-hop') throw new Error(`only kv targets can be profiled: ${t}`);
      o.targets = list as TargetId[];
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

async function profile(o: Options, id: TargetId): Promise<void> {
  const dirOf = (node: string): string => join(o.dir, `${id}-${node}`);
  mkdirSync(o.dir, { recursive: true });
  for (const old of readdirSync(o.dir)) if (old.startsWith(`${id}-`)) rmSync(join(o.dir, old), { recursive: true, force: true });
  const target = await startTarget(id, { nodeArgs: (node) => ['--cpu-prof', `--cpu-prof-dir=${dirOf(node)}`] });
  const names = [...target.nodes.keys()];
  try {
    for (const test of ['set', 'get'] as const) {
      const m = await redisBenchmark({ port: target.port, test, requests: o.requests, clients: 50, pipeline: 16, keyspace: 100_000 });
      process.stdout.write(`${id} ${test.toUpperCase()} -P 16: ${Math.round(m.rps)} req/s (p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms) under --cpu-prof\n`);
    }
  } finally {
    await target.stop();
  }
  for (const [i, p] of target.procs.entries()) {
    const exit = await p.exited;
    if (exit.code !== 0) process.stdout.write(`${p.name} exited with ${exit.signal ?? `code ${exit.code}`}\n`);
    const dir = dirOf(names[i]!);
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) {
      process.stdout.write(`${id} node ${names[i]}: no profile in ${dir}\n`);
      continue;
    }
    process.stdout.write(`\n${id}, node ${names[i]}:\n${formatSummary(summarize(join(dir, files[0]!), o.top))}\n`);
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  for (const id of o.targets) await profile(o, id);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`profile failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    removeWorkDir();
  });
