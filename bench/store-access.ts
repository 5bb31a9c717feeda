// What a GET or SET costs in the store, call by call: node-cache's own get(),
// set(), has() and del() against reading and writing its data object directly
// (what server/store/store.ts does), and a Map for scale. Keys are fresh latin1
// strings sliced from Buffers, as the request decoder makes them, so every
// lookup pays for finding the key's name in V8's string table the way a
// request does.
//   npm run -s build && node dist/bench/store-access.js [--keys 100000] [--ops 1000000] [--rounds 7]
// Prints the median of the rounds, in ns per operation; the rounds of the
// variants are interleaved, so a busy machine slows them all alike.

import NodeCache from 'node-cache';
import { Store } from '../server/store/store.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const KEYS = option('--keys', 100_000);
const OPS = option('--ops', 1_000_000);
const ROUNDS = option('--rounds', 7);

const names = Array.from({ length: KEYS }, (_, i) => Buffer.from('key:' + String(i).padStart(12, '0'), 'latin1'));
/** A fresh, non-internalized key string, as the decoder hands one over. */
const keyAt = (i: number): string => {
  const b = names[(i * 7919) % KEYS]!;
  return b.toString('latin1', 0, b.length);
};

type Entry = { t: number; v: unknown };
const cache = new NodeCache({ useClones: false, checkperiod: 0, stdTTL: 0 });
cache.data = Object.create(null) as NodeCache.Data;
const data = cache.data as unknown as Record<string, Entry>;
const map = new Map<string, unknown>();
const store = new Store();
for (let i = 0; i < KEYS; i++) {
  cache.set(keyAt(i), 'value');
  map.set(keyAt(i), 'value');
  store.set(keyAt(i), 'value');
}

let sink = 0;
const variants: [string, () => void][] = [
  ['key string only (the floor)', () => { for (let i = 0; i < OPS; i++) sink += keyAt(i).length; }],
  ['node-cache get()', () => { for (let i = 0; i < OPS; i++) if (cache.get(keyAt(i)) !== undefined) sink++; }],
  ['node-cache has() then data[key]', () => { for (let i = 0; i < OPS; i++) { const k = keyAt(i); if (cache.has(k) && data[k] !== undefined) sink++; } }],
  ['data[key] with the expiry check', () => {
    for (let i = 0; i < OPS; i++) {
      const e = data[keyAt(i)];
      if (e !== undefined && (e.t === 0 || e.t >= Date.now())) sink++;
    }
  }],
  ['Store.get() (store.ts)', () => { for (let i = 0; i < OPS; i++) if (store.get(keyAt(i)) !== undefined) sink++; }],
  ['Store.has() then Store.get(), as a GET does', () => {
    for (let i = 0; i < OPS; i++) {
      const k = keyAt(i);
      if (store.has(k) && store.get(k) !== undefined) sink++;
    }
  }],
  ['node-cache set() of an existing key', () => { for (let i = 0; i < OPS; i++) cache.set(keyAt(i), 'value', 0); }],
  ['data[key] entry updated in place', () => {
    for (let i = 0; i < OPS; i++) {
      const e = data[keyAt(i)];
      if (e !== undefined) { e.v = 'value'; e.t = 0; }
    }
  }],
  ['Store.set() of an existing key (store.ts)', () => { for (let i = 0; i < OPS; i++) store.set(keyAt(i), 'value'); }],
  ['Map get()', () => { for (let i = 0; i < OPS; i++) if (map.get(keyAt(i)) !== undefined) sink++; }],
  ['Map set()', () => { for (let i = 0; i < OPS; i++) map.set(keyAt(i), 'value'); }],
];

const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of variants) {
    const t0 = process.hrtime.bigint();
    run();
    times.get(name)!.push(Number(process.hrtime.bigint() - t0) / OPS);
  }
}
store.close();
process.stdout.write(`${KEYS} keys, ${OPS} operations a round, median of ${ROUNDS} rounds (ns/op)\n`);
for (const [name, ts] of times) {
  ts.sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(44)} ${ts[Math.floor(ts.length / 2)]!.toFixed(0).padStart(6)}\n`);
}
if (sink === -1) process.stdout.write('\n');
