// Running the real Redis command-line tools (redis-cli, redis-benchmark) against
// a test node: one-shot runs with stdin and a deadline, long-running modes
// (--stat) stopped once they have printed enough, and the skip notice for a
// machine without the binary.

import { spawn } from 'node:child_process';
import { haveBinary } from './servers.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Says why a suite is skipped, once, in the test output. CI installs the tools
 * (Debian's redis-tools), so there the suite runs; a developer without them
 * sees what to install instead of a silent skip.
 */
export function noteMissing(binary: string, suite: string): boolean {
  const missing = !haveBinary(binary);
  if (missing) {
    const pkg = binary === 'redis-server' ? 'redis-server' : 'redis-tools';
    console.log(`SKIPPED ${suite}: the ${binary} binary is not on PATH (install Debian's ${pkg} package)`);
  }
  return missing;
}

/** Runs a command to completion, feeding `stdin`; kills it (by its own pid) after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin, 'latin1');
  });
}

/**
 * Runs a command that never ends by itself (redis-cli --stat) until its output
 * satisfies `enough`, then stops it with SIGTERM. stdout is a pipe, so the tool's
 * stdio would buffer 4 KiB at a time; stdbuf (coreutils) makes it line-buffered
 * when present, and otherwise we simply wait longer for the buffer to fill.
 */
export function runUntil(
  cmd: string,
  args: readonly string[],
  enough: (stdout: string) => boolean,
  timeoutMs = 15_000,
): Promise<RunResult & { stoppedByUs: boolean }> {
  const [exe, argv] = haveBinary('stdbuf') ? ['stdbuf', ['-oL', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(exe, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedByUs = false;
    const stop = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        stoppedByUs = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      stdout += d;
      if (enough(stdout)) stop();
    });
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stop();
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal, stoppedByUs });
    });
  });
}
