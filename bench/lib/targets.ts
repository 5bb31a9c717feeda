// The five things benchmarked, each started on free ports and stopped after:
//   redis      redis-server, direct
//   nutcracker twemproxy in front of redis-server (one proxy hop)
//   local      one kv node that owns every key (the local path)
//   one-hop    kv node a, whose table sends every key to node b
//   two-hop    kv nodes a → b → c with divergent tables; c owns every key
// Every kv node is its own process: node dist/server/main.js --config F --name N.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitForPort, workDir, type Proc } from './proc.js';

export const TARGETS = ['redis', 'nutcracker', 'local', 'one-hop', 'two-hop'] as const;
export type TargetId = (typeof TARGETS)[number];

export const TARGET_LABELS: Record<TargetId, string> = {
  redis: 'redis-server',
  nutcracker: 'nutcracker → redis',
  local: 'kv local',
  'one-hop': 'kv one hop',
  'two-hop': 'kv two hops',
};

export const SECRET = 'kv-bench-cluster-secret';

export interface Target {
  readonly id: TargetId;
  /** The port clients use. */
  readonly port: number;
  /** Every process of the target, the entry point first. */
  readonly procs: readonly Proc[];
  /** The process that holds the data (redis-server, or the owning node). */
  readonly owner: Proc;
  /** kv nodes by name, with their ports (empty for redis and nutcracker). */
  readonly nodes: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export interface NodeOptions {
  /** Extra node arguments before the script (e.g. --cpu-prof). */
  nodeArgs?: (name: string) => string[];
  /** Extra lines for the config file (settings). */
  settings?: string[];
  env?: NodeJS.ProcessEnv;
}

let serial = 0;

function makeTarget(id: TargetId, port: number, procs: Proc[], owner: Proc, nodes: Map<string, number>): Target {
  return {
    id,
    port,
    procs,
    owner,
    nodes,
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

export async function startRedis(extra: string[] = []): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const proc = startProcess(`redis-${port}`, 'redis-server', [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--maxclients', '10000',
    ...extra,
  ]);
  await waitForPort(port, proc);
  return { proc, port };
}

async function startNutcracker(redisPort: number): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const statsPort = await freePort();
  const file = join(workDir(), `nutcracker-${port}.yml`);
  writeFileSync(
    file,
    [
      'bench:',
      `  listen: 127.0.0.1:${port}`,
      '  redis: true',
      '  hash: fnv1a_64',
      '  distribution: ketama',
      '  auto_eject_hosts: false',
      '  server_connections: 1',
      '  servers:',
      `    - 127.0.0.1:${redisPort}:1`,
      '',
    ].join('\n'),
  );
  const proc = startProcess(`nutcracker-${port}`, 'nutcracker', ['-c', file, '-s', String(statsPort), '-a', '127.0.0.1', '-v', '4']);
  await waitForPort(port, proc);
  return { proc, port };
}

/**
 * Starts kv nodes from a config text built for their ports. `routes(name)` is
 * the table of that node (written as a [name] section), so tables may diverge.
 */
export async function startNodes(names: string[], routes: (name: string) => string[], opts: NodeOptions = {}): Promise<{ procs: Proc[]; ports: Map<string, number> }> {
  const ports = new Map<string, number>();
  for (const n of names) ports.set(n, await freePort());
  const lines = [`secret ${SECRET}`, 'save ""', ...(opts.settings ?? [])];
  for (const n of names) lines.push(`node ${n} 127.0.0.1:${ports.get(n)}`);
  // Each node's files (dump.rdb, the AOF) in a directory of its own under the
  // run's temporary directory, unless the settings name one: the default,
  // ./data/<name>, would load whatever a test or an earlier run left there.
  const ownDir = !(opts.settings ?? []).some((l) => /^dir\s/.test(l));
  for (const n of names) {
    lines.push(`[${n}]`, ...(ownDir ? [`dir ${join(workDir(), `data-${n}-${ports.get(n)}`)}`] : []), ...routes(n).map((r) => `route ${r}`));
  }
  const file = join(workDir(), `cluster-${++serial}.conf`);
  writeFileSync(file, lines.join('\n') + '\n');
  const procs: Proc[] = [];
  try {
    for (const n of names) {
      const args = [...(opts.nodeArgs?.(n) ?? []), 'dist/server/main.js', '--config', file, '--name', n];
      const proc = startProcess(`kv-${n}-${ports.get(n)}`, process.execPath, args, opts.env ?? {});
      procs.push(proc);
      await waitForPort(ports.get(n)!, proc);
    }
  } catch (e) {
    await Promise.all(procs.map((p) => p.stop()));
    throw e;
  }
  return { procs, ports };
}

export async function startTarget(id: TargetId, opts: NodeOptions = {}): Promise<Target> {
  switch (id) {
    case 'redis': {
      const r = await startRedis();
      return makeTarget(id, r.port, [r.proc], r.proc, new Map());
    }
    case 'nutcracker': {
      const r = await startRedis();
      try {
        const n = await startNutcracker(r.port);
        return makeTarget(id, n.port, [n.proc, r.proc], r.proc, new Map());
      } catch (e) {
        await r.proc.stop();
        throw e;
      }
    }
    case 'local': {
      const { procs, ports } = await startNodes(['solo'], () => ['* solo'], opts);
      return makeTarget(id, ports.get('solo')!, procs, procs[0]!, ports);
    }
    case 'one-hop': {
      // a forwards every first byte to b; b owns everything.
      const { procs, ports } = await startNodes(['a', 'b'], () => ['* b'], opts);
      return makeTarget(id, ports.get('a')!, procs, procs[1]!, ports);
    }
    case 'two-hop': {
      // Divergent tables: a says b owns everything, b says c does, c owns it.
      const next: Record<string, string> = { a: 'b', b: 'c', c: 'c' };
      const { procs, ports } = await startNodes(['a', 'b', 'c'], (n) => [`* ${next[n]}`], opts);
      return makeTarget(id, ports.get('a')!, procs, procs[2]!, ports);
    }
  }
}
