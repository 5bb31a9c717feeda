// A real etcd (Debian's etcd-server) for tests: one member on free ports with
// a temporary data directory, stopped and restarted on the same ports and data.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, haveBinary } from './servers.js';
import { canConnect } from './node-process.js';

/** Why the etcd tests cannot run here, or null when they can. */
export function etcdMissing(): string | null {
  return haveBinary('etcd') ? null : 'etcd is not installed: install Debian\'s etcd-server (bash .ci/run does), or set KV_TEST_WITHOUT_ETCD=1 to skip the etcd tests';
}

export interface TestEtcd {
  readonly clientPort: number;
  /** etcd://127.0.0.1:<port><prefix> */
  url(prefix: string): string;
  output(): string;
  /** SIGTERM and wait for the exit; the data directory stays. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** stop() and remove the data directory. */
  destroy(): Promise<void>;
}

export async function startEtcd(): Promise<TestEtcd> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'kv-etcd-'));
  let child: ChildProcess | null = null;
  let out = '';
  const launch = async (): Promise<void> => {
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const proc = spawn(
      'etcd',
      ['--data-dir', dataDir, '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `default=${peer}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child = proc;
    const deadline = Date.now() + 15_000;
    // Serving once it says so (the client port opens a little before).
    while (!/ready to serve client requests/.test(out) || !(await canConnect(clientPort))) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`etcd did not start on port ${clientPort}:\n${out.slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGTERM');
    await exited;
    out = '';
  };
  process.on('exit', () => child?.kill('SIGKILL'));
  await launch();
  return {
    clientPort,
    url: (prefix) => `etcd://127.0.0.1:${clientPort}${prefix}`,
    output: () => out,
    stop,
    restart: launch,
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
