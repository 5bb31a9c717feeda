// redis-benchmark (7.x) runs and their CSV output:
// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"

import { run } from './proc.js';

export const TESTS = ['set', 'get', 'hset', 'incr', 'mset'] as const;
export type TestId = (typeof TESTS)[number];

export interface BenchSpec {
  port: number;
  test: TestId;
  requests: number;
  clients: number;
  pipeline: number;
  /** -r: __rand_int__ takes values 0..keyspace-1. */
  keyspace: number;
  timeoutMs?: number;
}

export interface Measurement {
  rps: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Wall time of the redis-benchmark process, connection set-up included. */
  seconds: number;
  /** Lines about errors in redis-benchmark's output (7.x exits on the first error reply). */
  errors: string[];
}

function csvFields(line: string): string[] {
  return line
    .replace(/^"|"$/g, '')
    .split('","');
}

export async function redisBenchmark(spec: BenchSpec): Promise<Measurement> {
  const args = [
    '-h', '127.0.0.1',
    '-p', String(spec.port),
    '-t', spec.test,
    '-n', String(spec.requests),
    '-c', String(spec.clients),
    '-P', String(spec.pipeline),
    '-r', String(spec.keyspace),
    '--csv',
  ];
  const res = await run('redis-benchmark', args, spec.timeoutMs ?? 300_000);
  const what = `redis-benchmark ${args.join(' ')}`;
  if (res.timedOut) throw new Error(`${what}: timed out after ${res.seconds.toFixed(0)} s`);
  const lines = res.stdout.split('\n').map((l) => l.trim());
  const errors = lines.filter((l) => /error/i.test(l) && !l.startsWith('"'));
  const data = lines.filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const header = lines.find((l) => l.startsWith('"test"'));
  if (res.code !== 0 || data.length !== 1 || header === undefined) {
    throw new Error(`${what}: exit ${res.code}\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
  }
  const names = csvFields(header);
  const values = csvFields(data[0]!);
  const field = (name: string): number => {
    const i = names.indexOf(name);
    const v = i >= 0 ? Number(values[i]) : NaN;
    if (!Number.isFinite(v)) throw new Error(`${what}: no ${name} in ${data[0]}`);
    return v;
  };
  return {
    rps: field('rps'),
    avgMs: field('avg_latency_ms'),
    minMs: field('min_latency_ms'),
    p50Ms: field('p50_latency_ms'),
    p95Ms: field('p95_latency_ms'),
    p99Ms: field('p99_latency_ms'),
    maxMs: field('max_latency_ms'),
    seconds: res.seconds,
    errors: [...errors, ...res.stderr.split('\n').filter((l) => /error/i.test(l))].slice(0, 5),
  };
}
