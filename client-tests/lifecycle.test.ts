// Starting and stopping nodes as a user does: `main.js` with and without --name,
// the banner, Ctrl-C (SIGINT) and SIGTERM, a bad cluster.conf and a port in use.
// Uses the built server (dist/), as `npm start` does.

import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { clusterConf, freePort } from './support/servers.js';

function writeConf(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kv-life-')), 'cluster.conf');
  writeFileSync(file, text);
  return file;
}

interface Run {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

function runMain(args: string[]): Run {
  const child = spawn(process.execPath, ['dist/server/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    output: () => out,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => child.kill(signal),
  };
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('npm start', () => {
  test('starts every local node in its own process, prints banners, stops all on Ctrl-C', async () => {
    const ports = { foo: await freePort(), bar: await freePort() };
    const file = writeConf(clusterConf({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] }, ports));
    const run = runMain(['--config', file]);
    await waitFor(() => (run.output().match(/listening on/g) ?? []).length === 2);
    expect(run.output()).toContain(`kv node foo listening on 127.0.0.1:${ports.foo}`);
    expect(run.output()).toContain(`kv node bar listening on 127.0.0.1:${ports.bar}`);
    expect(run.output()).toContain('table: [a-m foo, n-z bar]');
    const c = new Redis({ port: ports.foo, host: '127.0.0.1' });
    expect(await c.set('world', '1')).toBe('OK');
    expect(await c.get('world')).toBe('1');
    c.disconnect();
    run.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    // Both ports are free again.
    for (const port of Object.values(ports)) {
      await expect(
        new Promise((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1' });
          s.on('connect', () => reject(new Error(`port ${port} still open`)));
          s.on('error', resolve);
        }),
      ).resolves.toBeDefined();
    }
  });

  test('--name starts one node; SIGTERM answers what is in flight and exits 0', async () => {
    const ports = { foo: await freePort(), bar: await freePort() };
    const file = writeConf(clusterConf({ nodes: ['foo', 'bar'], routes: ['* foo'] }, ports));
    const run = runMain(['--config', file, '--name', 'foo']);
    await waitFor(() => run.output().includes('listening on'));
    expect(run.output()).not.toContain('kv node bar');
    const c = new Redis({ port: ports.foo, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    await waitFor(() => c.status === 'ready');
    const p = c.pipeline();
    for (let i = 0; i < 20000; i++) p.set(`k${i}`, 'v');
    const inFlight = p.exec();
    await new Promise((r) => setTimeout(r, 5));
    run.kill('SIGTERM');
    const results = (await inFlight)!;
    // Every request that reached the node before SIGTERM was answered; none was
    // lost half-way: the answered ones are a prefix, each OK, and every later
    // one failed with the closed connection, none with another error.
    expect(results.length).toBe(20000);
    const answered = results.findIndex(([err]) => err !== null);
    const prefix = answered < 0 ? results.length : answered;
    expect(prefix).toBeGreaterThan(0);
    for (let i = 0; i < prefix; i++) expect(results[i], `SET k${i}`).toEqual([null, 'OK']);
    const after = results.slice(prefix).map(([err]) => err?.message);
    expect(new Set(after).size <= 1 && after.every((m) => m === 'Command aborted due to connection close'), JSON.stringify([...new Set(after)])).toBe(true);
    console.log(`SIGTERM with 20000 SETs in flight: ${prefix} answered OK in order, ${after.length} refused by the closed connection`);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    c.disconnect();
  });

  test('a bad cluster.conf names the line, and nothing starts', async () => {
    const port = await freePort();
    const file = writeConf(`node foo 127.0.0.1:${port}\nroute a-m foo\nroute k-z foo\n`);
    const run = runMain(['--config', file]);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.output()).toContain(`${file}:3: range k-z overlaps a-m (line 2)`);
  });

  test('a port in use is a clear error naming the port', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const file = writeConf(`node foo 127.0.0.1:${port}\nroute * foo\n`);
    const run = runMain(['--config', file, '--name', 'foo']);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.output()).toContain(`node foo: port ${port} on 127.0.0.1 is already in use`);
    blocker.close();
  });

  test('an unknown flag prints the usage', async () => {
    const run = runMain(['--bogus']);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.output()).toContain('usage: npm start -- [--config PATH] [--name NODE]');
  });
});
