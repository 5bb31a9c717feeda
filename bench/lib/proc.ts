// Child processes for the benchmark: servers started on free ports, each with
// its file-descriptor limit raised to the hard limit, and always stopped when
// the benchmark ends (normally, on an error, or on Ctrl-C).

import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/bench/lib/proc.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `cmd args` with the soft fd limit raised to the hard one; `exec` keeps the pid. */
const RAISE_ULIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<Exit>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
  running(): boolean;
  tail(lines?: number): string;
}

const live = new Set<Proc>();
let tempDir: string | null = null;

/** One temporary directory per benchmark run, removed at the end. */
export function workDir(): string {
  if (tempDir === null) tempDir = mkdtempSync(join(tmpdir(), 'kv-bench-'));
  return tempDir;
}

export function startProcess(name: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  const logFile = join(workDir(), `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn('sh', ['-c', RAISE_ULIMIT, cmd, ...args], {
    cwd: ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${cmd})`);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const proc: Proc = {
    name,
    pid: child.pid,
    child,
    logFile,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: async (signal = 'SIGTERM', graceMs = 5000) => {
      if (proc.running()) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        live.delete(proc);
        return exit;
      }
      live.delete(proc);
      return exited;
    },
    tail: (lines = 10) => {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** Stops every process still running; called on the way out. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', 3000)));
}

export function removeWorkDir(): void {
  if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on `port`; fails early if `proc` (when given) dies. */
export function waitForPort(port: number, proc: Proc | null, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (proc !== null && !proc.running()) {
        reject(new Error(`${proc.name} exited before listening on ${port}:\n${proc.tail()}`));
        return;
      }
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() <= deadline) setTimeout(attempt, 25);
        else if (proc === null) reject(new Error(`nothing listening on ${port} after ${timeoutMs} ms`));
        else reject(new Error(`${proc.name}: nothing listening on ${port} after ${timeoutMs} ms\n${proc.tail()}`));
      });
    };
    attempt();
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** Runs a command to completion (with the raised fd limit), killing it after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', RAISE_ULIMIT, cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, stdout, stderr, timedOut, seconds });
    });
  });
}

export function sh(command: string): string {
  const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

/** Resident set size of a process in bytes, from /proc/PID/status (VmRSS). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a benchmark's main: every process it started is stopped and its work
 * directory removed, whether it succeeds, fails or is stopped with Ctrl-C.
 */
export function runBench(main: () => Promise<void>): void {
  let exiting = false;
  const cleanup = async (code: number): Promise<never> => {
    if (!exiting) {
      exiting = true;
      await stopAll();
      removeWorkDir();
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void cleanup(130));
  process.on('SIGTERM', () => void cleanup(143));
  main().then(
    () => cleanup(0),
    (e: unknown) => {
      process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
      return cleanup(1);
    },
  );
}
