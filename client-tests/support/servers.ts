// Servers for tests, each on a free port so they never collide with a running
// cluster or Redis: in-process nodes with tables of the test's choosing, nodes in
// child processes (which can be killed), and a real redis-server to compare with.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFor, parseConfig } from '../../server/cluster/config.js';
import { KvNode } from '../../server/node.js';

export const SECRET = 'test-cluster-secret';

// Finding a free port and waiting for a listener, shared with the benchmark.
export { freePort } from '../../bench/lib/proc.js';
import { freePort, waitForPort } from '../../bench/lib/proc.js';

export interface ClusterSpec {
  /** Node names, in order. */
  nodes: string[];
  /** The shared table, as cluster.conf route lines (without "route"): e.g. ["a-m foo", "n-z bar"]. */
  routes: string[];
  /** Per-node tables that replace the shared one. */
  sections?: Record<string, string[]>;
  /** Extra setting lines for the whole file, e.g. ["requirepass s3cret"]. */
  settings?: string[];
}

/** The text of a cluster.conf for `spec` with the given ports. */
// The nodes' directories of this test process, removed when it exits.
const dataDirs: string[] = [];
process.on('exit', () => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

export function clusterConf(spec: ClusterSpec, ports: Record<string, number>): string {
  // No snapshots unless a test asks, and each node's files (a SAVE, an AOF) in a
  // temporary directory of its own, not in ./data/<name> of the checkout.
  const lines = [`secret ${SECRET}`, 'save ""', ...(spec.settings ?? [])];
  for (const n of spec.nodes) lines.push(`node ${n} 127.0.0.1:${ports[n]}`);
  for (const r of spec.routes) lines.push(`route ${r}`);
  const files = mkdtempSync(join(tmpdir(), 'kv-data-'));
  dataDirs.push(files);
  for (const n of spec.nodes) {
    const routes = spec.sections?.[n] ?? [];
    lines.push(`[${n}]`, ...routes.map((r) => `route ${r}`), `dir ${join(files, n)}`);
  }
  return lines.join('\n') + '\n';
}

export interface TestCluster {
  ports: Record<string, number>;
  nodes: Record<string, KvNode>;
  conf: string;
  stop(): Promise<void>;
}

/** Starts every node of `spec` in this process. */
export async function startCluster(spec: ClusterSpec): Promise<TestCluster> {
  const ports: Record<string, number> = {};
  for (const n of spec.nodes) ports[n] = await freePort();
  const conf = clusterConf(spec, ports);
  const cfg = parseConfig(conf, 'test.conf');
  const nodes: Record<string, KvNode> = {};
  for (const n of spec.nodes) {
    nodes[n] = new KvNode(configFor(cfg, n), { log: () => {} });
    await nodes[n].start();
  }
  return {
    ports,
    nodes,
    conf,
    stop: async () => {
      await Promise.all(Object.values(nodes).map((node) => node.stop()));
    },
  };
}

/** A single node that owns every key. */
export async function startSingleNode(settings: string[] = []): Promise<TestCluster> {
  return startCluster({ nodes: ['solo'], routes: ['* solo'], settings });
}

export function haveBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}


export interface ExternalServer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function spawnServer(cmd: string, args: string[], port: number): Promise<ExternalServer> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, null, 10_000);
  return {
    port,
    process: proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}

/** A real redis-server on a free port, without persistence. */
export async function startRedis(extra: string[] = []): Promise<ExternalServer> {
  // A clear word rather than a spawn error (support/redis-rule.ts has the rule).
  if (!haveBinary('redis-server')) {
    throw new Error("redis-server not on PATH: install Debian's redis-server package (bash .ci/run does), or set KV_TEST_WITHOUT_REDIS=1 to skip what needs it");
  }
  const port = await freePort();
  // Its own directory: a SAVE or SHUTDOWN in a test must not leave dump.rdb in the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'kv-redis-'));
  return spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], port);
}

/**
 * A node of `conf` in its own process (the built server, dist/), so a test can
 * kill, pause and restart it. Needs `npm run build` first (the test setup does it).
 */
export async function startNodeProcess(conf: string, name: string, port: number): Promise<ExternalServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kv-test-'));
  const file = join(dir, 'cluster.conf');
  writeFileSync(file, conf);
  return spawnServer(process.execPath, ['dist/server/main.js', '--config', file, '--name', name], port);
}
