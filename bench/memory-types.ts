// Memory of one large collection per type, kv against redis-server: a list, a
// set and a sorted set of N members (1M by default) in one key each, loaded by
// RPUSH / SADD / ZADD of 1000 members per command, pipelined. kv's figure is the node's RSS
// (and V8 heap) after a forced GC, minus the same before loading; Redis's is
// used_memory and RSS, minus the same of the empty server. The target
// is at most 2x Redis. kv's V8 heap grows by about Redis's used_memory for a
// list; its RSS grows by that plus V8's young generation, which a load at this
// rate grows to its 16 MB semi-spaces (about 30 MB committed, whatever the size).
//
//   npm run build && node dist/bench/memory-types.js [--members 1000000] [--types list,set,zset]

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, removeWorkDir, rssOf, sleep, stopAll, workDir } from './lib/proc.js';
import { startNodes, startRedis } from './lib/targets.js';
import { encode, info, oneCommand, pipelineLoad } from './lib/resp.js';

const PER_COMMAND = 1000;

interface TypeLoad {
  name: string;
  key: string;
  /** The command that adds members [from, from + PER_COMMAND). */
  command: (from: number, count: number) => string;
  size: string;
}

const member = (i: number): string => 'member:' + String(i).padStart(9, '0');
/** Scores that are not all small integers (those would be cheap for V8), as a leaderboard's points or times may be. */
const score = (i: number): string => String(((i * 7919) % 1_000_003) / 8);

const TYPES: Record<string, TypeLoad> = {
  list: {
    name: 'list',
    key: 'biglist',
    command: (from, count) => encode(['RPUSH', 'biglist', ...Array.from({ length: count }, (_, j) => member(from + j))]),
    size: 'LLEN',
  },
  set: {
    name: 'set',
    key: 'bigset',
    command: (from, count) => encode(['SADD', 'bigset', ...Array.from({ length: count }, (_, j) => member(from + j))]),
    size: 'SCARD',
  },
  zset: {
    name: 'sorted set',
    key: 'bigzset',
    command: (from, count) => encode(['ZADD', 'bigzset', ...Array.from({ length: count }, (_, j) => [score(from + j), member(from + j)]).flat()]),
    size: 'ZCARD',
  },
};

function option(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

async function loadType(port: number, t: TypeLoad, members: number): Promise<void> {
  const commands = Math.ceil(members / PER_COMMAND);
  const r = await pipelineLoad(port, commands, (c) => t.command(c * PER_COMMAND, Math.min(PER_COMMAND, members - c * PER_COMMAND)), { batch: 20, window: 200 });
  if (r.errors > 0) throw new Error(`loading the ${t.name}: ${r.errors} errors, the first: ${r.firstError}`);
  const size = await oneCommand(port, t.size, t.key);
  if (size !== members) throw new Error(`${t.size} ${t.key} is ${String(size)}, expected ${members}`);
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
  const members = Number(option('members', '1000000'));
  const types = option('types', 'list,set,zset').split(',').map((n) => {
    const t = TYPES[n];
    if (t === undefined) throw new Error(`unknown type ${n}: ${Object.keys(TYPES).join(', ')}`);
    return t;
  });
  const rows: string[] = [];
  for (const t of types) {
    const memFile = join(workDir(), `kv-memory-${t.key}.json`);
    const preload = pathToFileURL(join(ROOT, 'dist/bench/gc-preload.js')).href;
    const kv = await startNodes(['mem'], () => ['* mem'], { nodeArgs: () => ['--expose-gc', '--import', preload], env: { KV_BENCH_MEMFILE: memFile } });
    const proc = kv.procs[0]!;
    let kvRss: number;
    let kvHeap: number;
    try {
      const before = await settle(proc.pid, memFile);
      await loadType(kv.ports.get('mem')!, t, members);
      const after = await settle(proc.pid, memFile);
      kvRss = after.rss - before.rss;
      kvHeap = after.heapUsed - before.heapUsed;
    } finally {
      await proc.stop();
    }
    const rd = await startRedis();
    let redisUsed: number;
    let redisRss: number;
    let encoding: string;
    try {
      await sleep(500);
      const empty = await info(rd.port, 'memory');
      const rssEmpty = rssOf(rd.proc.pid);
      await loadType(rd.port, t, members);
      await sleep(1000);
      const full = await info(rd.port, 'memory');
      redisUsed = Number(full.get('used_memory')) - Number(empty.get('used_memory'));
      redisRss = rssOf(rd.proc.pid) - rssEmpty;
      encoding = String(await oneCommand(rd.port, 'OBJECT', 'ENCODING', t.key));
    } finally {
      await rd.proc.stop();
    }
    rows.push(
      `| ${t.name} (${encoding}) | ${members} | ${mb(kvRss)} (heap ${mb(kvHeap)}) | ${mb(redisUsed)} / ${mb(redisRss)} | ` +
        `${(kvRss / redisUsed).toFixed(2)}x / ${(kvRss / redisRss).toFixed(2)}x |`,
    );
    console.log(rows[rows.length - 1]);
  }
  console.log('\n| type | members | kv RSS growth (V8 heap growth) | redis used_memory / RSS growth | kv RSS ÷ redis used_memory / RSS |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
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
