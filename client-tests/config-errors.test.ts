// A bad cluster.conf or cluster secret, as a user meets it: `main.js` exits 1
// before listening and says on stderr which file and line (or which source of
// the secret) is wrong. Uses the built server (dist/), as `npm start` does.

import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './support/raw.js';
import { freePort, SECRET } from './support/servers.js';

interface Run {
  code: number | null;
  stderr: string;
}

/** A fresh directory that is also the node's home, so no test touches the real cookie. */
function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'kv-conf-err-'));
}

function write(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function baseEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env['KV_CLUSTER_SECRET'];
  return env;
}

/** Runs main.js to its exit; a node that starts instead fails the test. */
function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn(process.execPath, ['dist/server/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // A node that starts instead is stopped with SIGTERM, which npm start passes on to its nodes.
  const guard = setTimeout(() => child.kill('SIGTERM'), 10_000);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (stdout.includes('listening on')) reject(new Error(`a node started: ${stdout}`));
      else resolve({ code, stderr });
    }),
  );
}

async function confWith(dir: string, lines: string[], secret = `secret ${SECRET}`): Promise<string> {
  const port = await freePort();
  return write(dir, 'cluster.conf', [secret, `node x 127.0.0.1:${port}`, 'route * x', ...lines].join('\n') + '\n');
}

describe('a bad setting names the file and line, and nothing starts', () => {
  const cases: [string, string, string][] = [
    ['forward-timeout 0', 'forward-timeout 0', 'forward-timeout 0: argument must be between 1 and 3600000 inclusive (milliseconds)'],
    ['forward-timeout 2^31', `forward-timeout ${2 ** 31}`, 'forward-timeout 2147483648: argument must be between 1 and 3600000 inclusive (milliseconds)'],
    ['max-hops 0', 'max-hops 0', 'max-hops 0: argument must be between 1 and 64 inclusive'],
    ['a proto-max-bulk-len below 1mb', 'proto-max-bulk-len 1kb', 'proto-max-bulk-len 1kb: argument must be between 1048576 and 9223372036854775807 inclusive'],
    ['maxclients 0', 'maxclients 0', 'maxclients 0: argument must be between 1 and 4294967295 inclusive'],
  ];
  for (const [name, line, message] of cases) {
    test(name, async () => {
      const dir = scratch();
      const file = await confWith(dir, [line]);
      const run = await runMain(['--config', file, '--name', 'x'], baseEnv(dir));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: ${file}:4: ${message}`);
    });
  }

  test('"route é" is two bytes of UTF-8: the error names them and the 0xNN form', async () => {
    const dir = scratch();
    const port = await freePort();
    const file = write(dir, 'cluster.conf', Buffer.from(`secret ${SECRET}\nnode x 127.0.0.1:${port}\nroute é x\n`, 'utf8'));
    const run = await runMain(['--config', file, '--name', 'x'], baseEnv(dir));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${file}:3: bad range "é": a range names single bytes, and this is 2 bytes in the file (0xc3 0xa9)`);
    expect(run.stderr).toContain('write bytes past ASCII as 0xNN, e.g. 0xc3');
  });
});

describe('an empty or short cluster secret is refused, naming where it came from', () => {
  test('a short secret line: file and line, but not the secret', async () => {
    const dir = scratch();
    const file = await confWith(dir, [], 'secret hunter2');
    const run = await runMain(['--config', file, '--name', 'x'], baseEnv(dir));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${file}:1: secret: a cluster secret needs at least 16 bytes, this one has 7`);
    expect(run.stderr).not.toContain('hunter2');
  });

  test('an empty secret-file', async () => {
    const dir = scratch();
    const secretFile = write(dir, 'secret', '');
    const file = await confWith(dir, [], `secret-file ${secretFile}`);
    const run = await runMain(['--config', file, '--name', 'x'], baseEnv(dir));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: the cluster secret from ${secretFile} (secret-file in ${file}) is empty; it needs at least 16 bytes`);
  });

  test('an empty cookie file, with and without --name', async () => {
    const dir = scratch();
    const cookie = write(dir, '.kv-cluster-cookie', '\n');
    const file = await confWith(dir, [], '# no secret: the cookie');
    for (const args of [['--config', file, '--name', 'x'], ['--config', file]]) {
      const run = await runMain(args, baseEnv(dir));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: the cluster secret from ${cookie} is empty; it needs at least 16 bytes (delete the file and a node writes a new random one)`);
    }
  });

  test("npm start checks every local node's secret, its [section]'s included, before starting any", async () => {
    const dir = scratch();
    const secretFile = write(dir, 'x-secret', 'too-short\n');
    const file = await confWith(dir, ['[x]', `secret-file ${secretFile}`], '# no shared secret line: it would come first');
    const run = await runMain(['--config', file], baseEnv(dir));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: the cluster secret from ${secretFile} (secret-file in ${file}) is 9 bytes long; it needs at least 16 bytes`);
  });

  test('an empty or short KV_CLUSTER_SECRET', async () => {
    const dir = scratch();
    const file = await confWith(dir, []);
    for (const [value, what] of [
      ['', 'is empty'],
      ['short', 'is 5 bytes long'],
    ]) {
      const run = await runMain(['--config', file, '--name', 'x'], { ...baseEnv(dir), KV_CLUSTER_SECRET: value });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: the cluster secret from KV_CLUSTER_SECRET ${what}; it needs at least 16 bytes`);
    }
  });
});

describe('one encoding rule: cluster.conf is bytes, as client input is', () => {
  // The password in the file, or on the command line (with --name, and through npm start's child processes).
  const ways: [string, (file: string) => string[], string][] = [
    ['in cluster.conf', (file) => ['--config', file, '--name', 'x'], 'requirepass pässwörd'],
    ['from --requirepass with --name', (file) => ['--config', file, '--name', 'x', '--requirepass', 'pässwörd'], ''],
    ['from --requirepass through npm start', (file) => ['--config', file, '--requirepass', 'pässwörd'], ''],
  ];
  for (const [how, args, line] of ways) {
    test(`a UTF-8 requirepass ${how} matches the same password sent by a client`, async () => {
      const dir = scratch();
      const port = await freePort();
      const file = write(dir, 'cluster.conf', Buffer.from(`secret ${SECRET}\nnode x 127.0.0.1:${port}\nroute * x\n${line}\n`, 'utf8'));
      const child = spawn(process.execPath, ['dist/server/main.js', ...args(file)], { stdio: ['ignore', 'pipe', 'inherit'], env: baseEnv(dir) });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
          child.on('exit', (code) => reject(new Error(`the node exited (code ${code}) instead of listening`)));
        });
        // What a client sends for a password typed in UTF-8: its bytes (RawClient sends latin1 strings as bytes).
        const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
        const c = await RawClient.connect(port);
        expect(await c.command('GET', 'k')).toBe('-NOAUTH Authentication required.\r\n');
        expect(await c.command('AUTH', bytes('passwörd'))).toMatch(/^-WRONGPASS/);
        expect(await c.command('AUTH', bytes('pässwörd'))).toBe('+OK\r\n');
        expect(await c.command('SET', 'k', 'v')).toBe('+OK\r\n');
        c.close();
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    });
  }
});
