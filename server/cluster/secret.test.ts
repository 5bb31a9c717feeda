import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_SETTINGS } from './config.js';
import { cookiePath, resolveSecret, secretsEqual } from './secret.js';

const GOOD = 'a-secret-of-16-b';

// Each test gets its own home (for the cookie) and no KV_CLUSTER_SECRET unless it sets one.
let dir: string;
const saved = { HOME: process.env['HOME'], KV_CLUSTER_SECRET: process.env['KV_CLUSTER_SECRET'] };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kv-secret-'));
  process.env['HOME'] = dir;
  delete process.env['KV_CLUSTER_SECRET'];
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function settings(extra: Record<string, string> = {}): Map<string, string> {
  return new Map([...DEFAULT_SETTINGS, ...Object.entries(extra)]);
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refusal(s: Map<string, string>): string {
  try {
    resolveSecret(s, 'c.conf');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSecret: where the secret comes from', () => {
  test('the environment first, then a secret line, then a secret-file, then the cookie', () => {
    const path = file('s', 'from-the-secret-file\n');
    process.env['KV_CLUSTER_SECRET'] = 'from-the-environment';
    expect(resolveSecret(settings({ secret: 'from-the-secret-line', 'secret-file': path }))).toBe('from-the-environment');
    delete process.env['KV_CLUSTER_SECRET'];
    expect(resolveSecret(settings({ secret: 'from-the-secret-line', 'secret-file': path }))).toBe('from-the-secret-line');
    expect(resolveSecret(settings({ 'secret-file': path }))).toBe('from-the-secret-file');
  });

  test('the cookie is created once, mode 0600, and read back the same', () => {
    expect(existsSync(cookiePath())).toBe(false);
    const first = resolveSecret(settings());
    expect(first.length).toBeGreaterThanOrEqual(16);
    expect(statSync(cookiePath()).mode & 0o777).toBe(0o600);
    expect(resolveSecret(settings())).toBe(first);
    expect(readFileSync(cookiePath(), 'latin1').trim()).toBe(first);
  });

  test('one encoding rule: the environment is UTF-8 text, files are bytes, both become latin1', () => {
    process.env['KV_CLUSTER_SECRET'] = 'sécret-sécret-sécret';
    expect(resolveSecret(settings())).toBe(Buffer.from('sécret-sécret-sécret', 'utf8').toString('latin1'));
    delete process.env['KV_CLUSTER_SECRET'];
    expect(resolveSecret(settings({ 'secret-file': file('s', 'sécret-sécret-sécret\n') }))).toBe(Buffer.from('sécret-sécret-sécret', 'utf8').toString('latin1'));
    // Only ASCII blanks are trimmed: 0xa0 ends "à" and stays.
    expect(resolveSecret(settings({ 'secret-file': file('t', ' voilà-voilà-voilà \r\n') }))).toBe(Buffer.from('voilà-voilà-voilà', 'utf8').toString('latin1'));
  });
});

describe('resolveSecret refuses an empty or short secret, naming its source', () => {
  test('an empty or short KV_CLUSTER_SECRET', () => {
    process.env['KV_CLUSTER_SECRET'] = '';
    expect(refusal(settings({ secret: GOOD }))).toBe(
      'the cluster secret from KV_CLUSTER_SECRET is empty; it needs at least 16 bytes (e.g. openssl rand -base64 24)',
    );
    process.env['KV_CLUSTER_SECRET'] = 'short';
    expect(refusal(settings())).toBe('the cluster secret from KV_CLUSTER_SECRET is 5 bytes long; it needs at least 16 bytes (e.g. openssl rand -base64 24)');
  });

  test('a short secret line', () => {
    expect(refusal(settings({ secret: 'x' }))).toBe(
      'the cluster secret from the secret setting in c.conf is 1 byte long; it needs at least 16 bytes (e.g. openssl rand -base64 24)',
    );
  });

  test('an empty, blank or short secret-file, and one that cannot be read', () => {
    for (const [content, what] of [
      ['', 'is empty'],
      ['\n \n', 'is empty'],
      ['fifteen-bytes!!\n', 'is 15 bytes long'],
    ] as const) {
      const path = file('s', content);
      expect(refusal(settings({ 'secret-file': path }))).toBe(
        `the cluster secret from ${path} (secret-file in c.conf) ${what}; it needs at least 16 bytes (e.g. openssl rand -base64 24)`,
      );
    }
    expect(refusal(settings({ 'secret-file': join(dir, 'absent') }))).toMatch(/^cannot read the cluster secret file .*absent: ENOENT/);
  });

  test('an empty cookie file', () => {
    writeFileSync(cookiePath(), '');
    expect(refusal(settings())).toBe(
      `the cluster secret from ${cookiePath()} is empty; it needs at least 16 bytes (delete the file and a node writes a new random one)`,
    );
  });
});

test('secretsEqual compares bytes', () => {
  expect(secretsEqual(GOOD, GOOD)).toBe(true);
  expect(secretsEqual(GOOD, GOOD + 'x')).toBe(false);
  expect(secretsEqual('', '')).toBe(true);
});
