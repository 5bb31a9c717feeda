// `npm run -s build && node dist/bench/decoder-linearity.js [--max-ratio R]`
//
// Whether the request decoder stays linear in its input: each shape is decoded
// at a size and at twice that size, several doublings up, and the time ratio of
// each doubling is printed. Linear work doubles (ratio about 2); a quadratic
// slip (rescanning the buffer on every chunk, joining strings again and again)
// quadruples it. Exits 1 when the median ratio of a shape passes --max-ratio
// (3 by default). A ratio, not a time limit: it holds on a slow machine too,
// where a "< 2000 ms" check passes a quadratic decoder on small inputs and
// fails a linear one on a busy CI runner. Moved here from request-decoder.test.ts.

import { RequestDecoder } from '../server/protocol/request-decoder.js';

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024, authRequired: () => false };

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

interface Shape {
  name: string;
  /** The input for size n, and the chunk size it arrives in. */
  make(n: number): { input: Buffer; chunk: number };
  /** Requests it holds. */
  requests(n: number): number;
}

const SHAPES: Shape[] = [
  {
    // 1 to 16 MB: bigger, and the time is the allocator's and the GC's more than the decoder's.
    name: 'one bulk of n KiB in 1 KiB chunks',
    make: (n) => {
      const big = Buffer.alloc(n * 1024, 'ab');
      return { input: Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n`), big, Buffer.from('\r\n')]), chunk: 1024 };
    },
    requests: () => 1,
  },
  {
    name: 'n small requests (RESP and inline) in one chunk',
    make: (n) => {
      const input = Buffer.from((resp('GET', 'k') + 'PING\r\n').repeat(n / 2), 'latin1');
      return { input, chunk: input.length };
    },
    requests: (n) => n,
  },
  {
    name: 'n small requests in 1 KiB chunks',
    make: (n) => ({ input: Buffer.from(resp('SET', 'key', 'value').repeat(n), 'latin1'), chunk: 1024 }),
    requests: (n) => n,
  },
  {
    // Inline requests stop at 64 KiB (Redis's PROTO_INLINE_MAX_SIZE): n × 4 bytes.
    name: 'one inline request of n × 4 bytes in 64-byte chunks',
    make: (n) => ({ input: Buffer.from('ECHO ' + 'x'.repeat(n * 4) + '\r\n', 'latin1'), chunk: 64 }),
    requests: () => 1,
  },
];

/** Milliseconds to decode `input` in chunks of `chunk`, the best of `tries`; checks what came out. */
function timeDecode(input: Buffer, chunk: number, expected: number, tries = 7): number {
  let best = Infinity;
  for (let t = 0; t < tries; t++) {
    let count = 0;
    const decoder = new RequestDecoder(() => count++, LIMITS);
    const started = process.hrtime.bigint();
    for (let from = 0; from < input.length; from += chunk) {
      const error = decoder.feed(input.subarray(from, Math.min(input.length, from + chunk)));
      if (error !== null) throw new Error(`decoder error: ${error}`);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (count !== expected) throw new Error(`decoded ${count} requests, expected ${expected}`);
    best = Math.min(best, ms);
  }
  return best;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const arg = process.argv.indexOf('--max-ratio');
const maxRatio = arg >= 0 ? Number(process.argv[arg + 1]) : 3;
let failed = false;
console.log(`| shape | sizes | time per doubling (ms) | ratios | median |\n|---|---|---|---|---|`);
for (const shape of SHAPES) {
  const sizes = [1000, 2000, 4000, 8000, 16000];
  const times = sizes.map((n) => {
    const { input, chunk } = shape.make(n);
    return timeDecode(input, chunk, shape.requests(n));
  });
  const ratios = times.slice(1).map((t, i) => t / Math.max(times[i]!, 0.01));
  const m = median(ratios);
  if (!(m <= maxRatio)) failed = true;
  console.log(`| ${shape.name} | ${sizes.join(', ')} | ${times.map((t) => t.toFixed(2)).join(', ')} | ${ratios.map((r) => r.toFixed(2)).join(', ')} | ${m.toFixed(2)}${m > maxRatio ? ' FAIL' : ''} |`);
}
if (failed) {
  console.error(`a shape's time more than ${maxRatio}× per doubling of its input: the decoder is not linear there`);
  process.exit(1);
}
