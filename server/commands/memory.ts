// MEMORY DOCTOR, STATS, MALLOC-STATS and PURGE (Redis's object.c): the node's
// memory as Redis reports it, with V8's heap standing in for the allocator:
// used is the heap in use, active the heap V8 holds, resident the process's
// RSS. MEMORY USAGE, which is about one key, is in object.ts.

import v8 from 'node:v8';
import * as r from '../protocol/resp.js';
import type { Handler } from './types.js';
import { doubleReply } from './doubles.js';

const STARTUP = process.memoryUsage().heapUsed;
let peak = STARTUP;

interface Figures {
  used: number;
  peak: number;
  active: number;
  rss: number;
}

function figures(): Figures {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed);
  return { used: m.heapUsed, peak, active: m.heapTotal, rss: m.rss };
}

/** MEMORY STATS: Redis's fields in Redis's order (numbers as integers, ratios as doubles). */
export const memoryStats: Handler = (ctx) => {
  const f = figures();
  const keys = ctx.node.store.size();
  const overhead = STARTUP;
  const dataset = Math.max(0, f.used - overhead);
  const int = (n: number): r.Reply => r.integer(Math.round(n));
  const dbl = (n: number): r.Reply => doubleReply(n, ctx.proto);
  const pairs: [string, r.Reply][] = [
    ['peak.allocated', int(f.peak)],
    ['total.allocated', int(f.used)],
    ['startup.allocated', int(STARTUP)],
    ['replication.backlog', int(0)],
    ['clients.slaves', int(0)],
    ['clients.normal', int(0)],
    ['cluster.links', int(0)],
    ['aof.buffer', int(0)],
    ['lua.caches', int(0)],
    ['functions.caches', int(0)],
  ];
  if (keys > 0) {
    pairs.push([
      'db.0',
      r.map(
        [
          [r.bulk('overhead.hashtable.main'), int(0)],
          [r.bulk('overhead.hashtable.expires'), int(0)],
          [r.bulk('overhead.hashtable.slot-to-keys'), int(0)],
        ],
        ctx.proto,
      ),
    ]);
  }
  pairs.push(
    ['overhead.total', int(overhead)],
    ['keys.count', int(keys)],
    ['keys.bytes-per-key', int(keys > 0 ? (f.used - STARTUP) / keys : 0)],
    ['dataset.bytes', int(dataset)],
    ['dataset.percentage', dbl((dataset * 100) / Math.max(1, f.used - STARTUP))],
    ['peak.percentage', dbl((f.used * 100) / f.peak)],
    ['allocator.allocated', int(f.used)],
    ['allocator.active', int(f.active)],
    ['allocator.resident', int(f.rss)],
    ['allocator-fragmentation.ratio', dbl(f.active / f.used)],
    ['allocator-fragmentation.bytes', int(f.active - f.used)],
    ['allocator-rss.ratio', dbl(f.rss / f.active)],
    ['allocator-rss.bytes', int(f.rss - f.active)],
    ['rss-overhead.ratio', dbl(1)],
    ['rss-overhead.bytes', int(0)],
    ['fragmentation', dbl(f.rss / f.used)],
    ['fragmentation.bytes', int(f.rss - f.used)],
  );
  return r.map(pairs.map(([k, v]) => [r.bulk(k), v] as const), ctx.proto);
};

/**
 * MEMORY DOCTOR: Redis's verdicts. A heap under 5 MB beyond what the node
 * started with is "empty"; a peak over 1.5 times the heap in use is reported.
 * (RSS is always well above V8's heap, so Redis's fragmentation checks would
 * cry wolf here and are left out.)
 */
export const memoryDoctor: Handler = (ctx) => {
  const f = figures();
  let text: string;
  if (f.used - STARTUP < 5 * 1024 * 1024) {
    text =
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  } else if (f.peak / f.used > 1.5) {
    text =
      'Sam, I detected a few issues in this Redis instance memory implants:\n\n' +
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n' +
      "I'm here to keep you safe, Sam. I want to help you.\n";
  } else {
    text = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  }
  return r.verbatim(text, ctx.proto);
};

/** MEMORY MALLOC-STATS: V8's heap spaces, where Redis prints jemalloc's statistics. */
export const memoryMallocStats: Handler = (ctx) => {
  let text = '___ Begin V8 heap statistics ___\n';
  for (const [k, v] of Object.entries(v8.getHeapStatistics())) text += `${k}: ${v}\n`;
  for (const s of v8.getHeapSpaceStatistics()) {
    text += `${s.space_name}: size ${s.space_size}, used ${s.space_used_size}, available ${s.space_available_size}, physical ${s.physical_space_size}\n`;
  }
  text += '--- End V8 heap statistics ---\n';
  return r.verbatim(text, ctx.proto);
};

/** MEMORY PURGE: V8 gives memory back on its own schedule; nothing to ask of it here. */
export const memoryPurge: Handler = () => r.OK;
