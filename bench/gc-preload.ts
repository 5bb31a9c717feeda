// Preloaded into a kv node for the memory measurement only:
//   node --expose-gc --import ./dist/bench/gc-preload.js dist/server/main.js …
// On SIGUSR2 it runs a full garbage collection (twice, so that finalized
// objects go too) and writes process.memoryUsage() to $KV_BENCH_MEMFILE, so the
// benchmark reads VmRSS after a forced settle. The server itself is unchanged.

import { writeFileSync } from 'node:fs';

const out = process.env.KV_BENCH_MEMFILE;
const gc = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  if (out) writeFileSync(out, JSON.stringify({ ...process.memoryUsage(), gcForced: gc !== undefined, at: Date.now() }));
});
