// Memory of a list of N elements (1M by default) in one key, kv against
// redis-server, loaded by RPUSH of 1000 elements per command, pipelined. kv's
// figure is the node's RSS (and V8 heap) after a forced GC, minus the same
// before loading; Redis's is used_memory and RSS, minus the same of the empty
// server. The target is at most 2x Redis. (Copied from
// memory-types.ts, which measures sets and sorted sets the same way.) The V8
// heap grows by about Redis's used_memory; RSS grows by that plus V8's young
// generation, which a load of this rate grows to its 16 MB semi-spaces (about
// 30 MB committed, whatever the list's size).
//
//   npm run build && node dist/bench/memory-lists.js [--elements 1000000]

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, removeWorkDir, rssOf, sleep, stopAll, workDir } from './lib/proc.js';
import { startNodes, startRedis } from './lib/targets.js';
import { encode, info, oneCommand, pipelineLoad } from './lib/resp.js';

const PER_COMMAND = 1000;
const KEY = 'biglist';

/** Elements as a queue holds them: short, distinct, mostly text (as memory-types.ts's members). */
const element = (i: number): string => 'element:' + String(i).padStart(9, '0');

function option(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

async function load(port: number, elements: number): Promise<void> {
  const commands = Math.ceil(elements / PER_COMMAND);
  const command = (c: number): string => encode(['RPUSH', KEY, ...Array.from({ length: Math.min(PER_COMMAND, elements - c * PER_COMMAND) }, (_, j) => element(c * PER_COMMAND + j))]);
  const r = await pipelineLoad(port, commands, command, { batch: 20, window: 200 });
  if (r.errors > 0) throw new Error(`loading the list: ${r.errors} errors, the first: ${r.firstError}`);
  const size = await oneCommand(port, 'LLEN', KEY);
  if (size !== elements) throw new Error(`LLEN ${KEY} is ${String(size)}, expected ${elements}`);
}

/** A forced GC in the node (gc-preload), then its RSS and heap once settled. */
async function settle(pid: number, memFile: string): Promise<{ rss: number; heapUsed: number }> {
  const prev = existsSync(memFile) ? statSync(memFile).mtimeMs : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (!existsSync(memFile) || statSync(memFile).mtimeMs === prev) {
    if (Date.now() > deadline) throw new Error('the kv node did not answer SIGUSR2 (gc-preload)');
    await sleep(50);
  }
  await sleep(1000);
  const mem = JSON.parse(readFileSync(memFile, 'utf8')) as { heapUsed: number; gcForced: boolean };
  if (!mem.gcForced) throw new Error('the kv node ran without --expose-gc');
  return { rss: rssOf(pid), heapUsed: mem.heapUsed };
}

const mb = (n: number): string => (n / 1048576).toFixed(1) + ' MB';

async function main(): Promise<void> {
  const elements = Number(option('elements', '1000000'));
  const memFile = join(workDir(), 'kv-memory-list.json');
  const preload = pathToFileURL(join(ROOT, 'dist/bench/gc-preload.js')).href;
  const kv = await startNodes(['mem'], () => ['* mem'], { nodeArgs: () => ['--expose-gc', '--import', preload], env: { KV_BENCH_MEMFILE: memFile } });
  const proc = kv.procs[0]!;
  let kvRss: number;
  let kvHeap: number;
  try {
    const before = await settle(proc.pid, memFile);
    await load(kv.ports.get('mem')!, elements);
    const after = await settle(proc.pid, memFile);
    kvRss = after.rss - before.rss;
    kvHeap = after.heapUsed - before.heapUsed;
  } finally {
    await proc.stop();
  }
  const rd = await startRedis();
  let redisUsed: number;
  let redisRss: number;
  try {
    await sleep(500);
    const empty = await info(rd.port, 'memory');
    const rssEmpty = rssOf(rd.proc.pid);
    await load(rd.port, elements);
    await sleep(1000);
    const full = await info(rd.port, 'memory');
    redisUsed = Number(full.get('used_memory')) - Number(empty.get('used_memory'));
    redisRss = rssOf(rd.proc.pid) - rssEmpty;
  } finally {
    await rd.proc.stop();
  }
  console.log('| type | elements | kv RSS growth (V8 heap growth) | redis used_memory / RSS growth | kv RSS ÷ redis used_memory / RSS |');
  console.log('|---|---|---|---|---|');
  console.log(`| list (quicklist) | ${elements} | ${mb(kvRss)} (heap ${mb(kvHeap)}) | ${mb(redisUsed)} / ${mb(redisRss)} | ${(kvRss / redisUsed).toFixed(2)}x / ${(kvRss / redisRss).toFixed(2)}x |`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    removeWorkDir();
  });
