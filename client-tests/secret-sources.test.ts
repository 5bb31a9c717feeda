// Where a running node takes the cluster secret from, end to end: two nodes in
// their own processes link up only when the source that wins on each gives
// the same secret. The order is KV_CLUSTER_SECRET, a `secret` line, a
// `secret-file` line, then ~/.kv-cluster-cookie, created 0600 on first start.
// (server/cluster/secret.test.ts checks resolveSecret alone.)

import { afterEach, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './support/raw.js';
import { freePort } from './support/servers.js';
import { pairConf, removeTempDirs, startNode, writeConf, type NodeProcess } from './support/node-process.js';

const nodes: NodeProcess[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  removeTempDirs();
});

/** A home directory of its own, for the cookie. */
function home(): string {
  return mkdtempSync(join(tmpdir(), 'kv-home-'));
}

interface NodeSetup {
  secretLine: string | null;
  env?: Record<string, string>;
}

/** foo and bar, each with its own file and environment; what a SET of bar's key through foo answers. */
async function pair(foo: NodeSetup, bar: NodeSetup): Promise<string> {
  const ports = { foo: await freePort(), bar: await freePort() };
  for (const [name, setup] of [['foo', foo], ['bar', bar]] as const) {
    nodes.push(await startNode(writeConf(pairConf(ports, { secretLine: setup.secretLine })), name, ports[name], setup.env));
  }
  const c = await RawClient.connect(ports.foo);
  try {
    // The links connect at start; a refused one has its error by the first request.
    return await c.command('SET', 'zebra', '1');
  } finally {
    c.close();
  }
}

const REFUSED = /^-ERR node bar \(127\.0\.0\.1:\d+\) is unreachable: peer refused the cluster secret\r\n$/;

function secretFile(content: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'kv-sf-')), 'secret');
  writeFileSync(f, content + '\n', { mode: 0o600 });
  return f;
}

describe('the secret a node uses, by source', () => {
  test('KV_CLUSTER_SECRET wins over a secret line', async () => {
    const env = { KV_CLUSTER_SECRET: 'the-same-secret-from-env', HOME: home() };
    expect(await pair({ secretLine: 'secret line-of-foo-0123456789', env }, { secretLine: 'secret line-of-bar-0123456789', env })).toBe('+OK\r\n');
    expect(await pair({ secretLine: 'secret line-of-foo-0123456789', env }, { secretLine: 'secret line-of-bar-0123456789', env: { ...env, KV_CLUSTER_SECRET: 'another-secret-from-env' } })).toMatch(REFUSED);
  }, 20_000);

  test('a secret line wins over a secret-file', async () => {
    const same = 'secret the-same-secret-line-01';
    expect(await pair({ secretLine: `${same}\nsecret-file ${secretFile('file-of-foo-0123456789')}` }, { secretLine: `${same}\nsecret-file ${secretFile('file-of-bar-0123456789')}` })).toBe('+OK\r\n');
    const file = secretFile('the-same-secret-file-0123');
    expect(await pair({ secretLine: `secret line-of-foo-0123456789\nsecret-file ${file}` }, { secretLine: `secret line-of-bar-0123456789\nsecret-file ${file}` })).toMatch(REFUSED);
  }, 20_000);

  test('a secret-file wins over the cookie', async () => {
    const file = secretFile('the-same-secret-file-0123');
    // Two homes: their cookies differ, so only the file can make them agree.
    expect(await pair({ secretLine: `secret-file ${file}`, env: { HOME: home() } }, { secretLine: `secret-file ${file}`, env: { HOME: home() } })).toBe('+OK\r\n');
    expect(await pair({ secretLine: `secret-file ${file}`, env: { HOME: home() } }, { secretLine: `secret-file ${secretFile('another-secret-file-0123')}`, env: { HOME: home() } })).toMatch(REFUSED);
  }, 20_000);

  test('with no other source, ~/.kv-cluster-cookie: created 0600 by the first node, shared by those of the same home', async () => {
    const shared = home();
    const cookie = join(shared, '.kv-cluster-cookie');
    expect(existsSync(cookie)).toBe(false);
    expect(await pair({ secretLine: null, env: { HOME: shared } }, { secretLine: null, env: { HOME: shared } })).toBe('+OK\r\n');
    expect(statSync(cookie).mode & 0o777).toBe(0o600);
    expect(readFileSync(cookie, 'latin1').trim().length).toBeGreaterThanOrEqual(16);
    // A node of another home has a cookie of its own: refused.
    expect(await pair({ secretLine: null, env: { HOME: shared } }, { secretLine: null, env: { HOME: home() } })).toMatch(REFUSED);
  }, 20_000);
});
