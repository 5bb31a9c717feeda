// kv-admin as an operator runs it (the built dist/server/admin.js, in its own
// process), and the INFO cluster fields tests compare revisions and tables by.

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { ReplyReader } from './reply-reader.js';

const ADMIN = resolve('dist/server/admin.js');

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kv-admin in `cwd` (where its default ./cluster.conf is), with the file's secret rather than the environment's. */
export function runAdmin(cwd: string, ...args: string[]): Promise<AdminRun> {
  const env = { ...process.env };
  delete env['KV_CLUSTER_SECRET'];
  return new Promise((done) => {
    execFile(process.execPath, [ADMIN, ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

/** The fields of a node's INFO cluster. */
export async function clusterInfo(port: number): Promise<Map<string, string>> {
  const r = await ReplyReader.connect(port);
  try {
    const reply = await r.call(5000, 'INFO', 'cluster');
    const fields = new Map<string, string>();
    for (const line of (reply.data ?? Buffer.alloc(0)).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
    }
    return fields;
  } finally {
    r.close();
  }
}

/** Polls `check` until it returns true, or fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
  return Date.now() - started;
}
