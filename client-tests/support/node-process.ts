// kv nodes in their own processes (the built server, dist/), with their output
// captured and their exit observed: for tests that need to know whether a node
// died, what it logged, or whether it refused to start. servers.ts's
// startNodeProcess inherits stderr and cannot tell a refusal from a hang.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import net from 'node:net';
import { SECRET } from './servers.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  running(): boolean;
  /** What the node wrote on stdout and stderr, as latin1 text (the first 8 MB of each). */
  stdout(): string;
  stderr(): string;
  /** Every byte written on stderr, counted even past what is kept. */
  stderrBytes(): number;
  /** SIGKILL, and wait for the exit. */
  stop(): Promise<void>;
}

const KEEP = 8 * 1024 * 1024;

// Children still running when the test process exits (a test that timed out,
// a worker torn down) are killed with it rather than left listening.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const tempDirs = new Set<string>();

/** A fresh temporary directory, removed by removeTempDirs(). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-hostile-'));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** A cluster.conf written to a fresh temporary directory; returns its path. */
export function writeConf(lines: readonly string[]): string {
  const file = join(tempDir(), 'cluster.conf');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface PairOptions {
  /** Setting lines for the whole file. */
  settings?: string[];
  /** Setting lines of a node's own [section] (which repeats the shared table). */
  sections?: Record<string, string[]>;
  /** Replaces the `secret …` line (null: no secret line at all). */
  secretLine?: string | null;
}

export const PAIR_ROUTES = ['route a-m foo', 'route n-z bar'];

/** The lines of a foo/bar cluster.conf: a-m on foo, n-z on bar. */
export function pairConf(ports: { foo: number; bar: number }, opts: PairOptions = {}): string[] {
  const lines: string[] = [];
  const secret = opts.secretLine === undefined ? `secret ${SECRET}` : opts.secretLine;
  if (secret !== null) lines.push(secret);
  // No snapshots unless a test asks: a node's default dir is ./data/<name>, in the checkout.
  lines.push('save ""', ...(opts.settings ?? []));
  lines.push(`node foo 127.0.0.1:${ports.foo}`, `node bar 127.0.0.1:${ports.bar}`, ...PAIR_ROUTES);
  for (const [name, settings] of Object.entries(opts.sections ?? {})) lines.push(`[${name}]`, ...PAIR_ROUTES, ...settings);
  return lines;
}

const SERVER = resolve('dist/server/main.js');

/**
 * Starts `name` from the file `confFile`, without waiting for anything. It runs
 * in the file's directory, so whatever it writes there (./data/<name>: dump.rdb,
 * the AOF) is the test's own and never loaded by another test's node.
 */
export function spawnNode(confFile: string, name: string, port: number, extraEnv: Record<string, string> = {}): NodeProcess {
  const env = { ...process.env };
  delete env['KV_CLUSTER_SECRET']; // the file's secret lines are what the tests exercise, unless extraEnv sets it
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [SERVER, '--config', confFile, '--name', name], {
    cwd: dirname(confFile),
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outKept = 0;
  let errKept = 0;
  let errBytes = 0;
  child.stdout!.on('data', (d: Buffer) => {
    if (outKept < KEEP) out.push(d);
    outKept += d.length;
  });
  child.stderr!.on('data', (d: Buffer) => {
    errBytes += d.length;
    if (errKept < KEEP) err.push(d);
    errKept += d.length;
  });
  running.add(child);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
    port,
    child,
    exited,
    running: isRunning,
    stdout: () => Buffer.concat(out).toString('latin1'),
    stderr: () => Buffer.concat(err).toString('latin1'),
    stderrBytes: () => errBytes,
    stop: async () => {
      if (!isRunning()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** True when something accepts connections on `port` now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * What became of a node just started: it listened on its port, or it exited
 * (with its code and output), or neither within `timeoutMs`.
 */
export async function outcomeOf(node: NodeProcess, timeoutMs = 10_000): Promise<'listening' | 'exited' | 'neither'> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void node.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited || !node.running()) return 'exited';
    // Its own banner, not only an open port: with tests in parallel, another
    // worker's server may have taken the port between freePort() and listen().
    if (node.stdout().includes(`listening on `) && (await canConnect(node.port))) return 'listening';
    await new Promise((r) => setTimeout(r, 25));
  }
  return 'neither';
}

/** Starts a node and waits until it listens; fails with its output if it exits first. */
export async function startNode(confFile: string, name: string, port: number, extraEnv: Record<string, string> = {}): Promise<NodeProcess> {
  const node = spawnNode(confFile, name, port, extraEnv);
  const outcome = await outcomeOf(node);
  if (outcome !== 'listening') {
    await node.stop();
    throw new Error(`node ${name} did not start (${outcome}): ${node.stderr()}`);
  }
  return node;
}
