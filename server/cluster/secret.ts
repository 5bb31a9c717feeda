// The cluster secret that links between nodes prove, like Erlang's cookie. Taken
// from, in order: $KV_CLUSTER_SECRET, a `secret` line, a `secret-file` line, or
// ~/.kv-cluster-cookie, which is created with a random value (mode 0600) when
// absent, so nodes of one user on one machine share it with no set-up. An empty
// or short secret is refused at start: with it anyone could open a link.
// Like cluster.conf, a secret is a latin1 string, one char per byte.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MIN_SECRET_BYTES, shown } from './config.js';

export function cookiePath(): string {
  return join(homedir(), '.kv-cluster-cookie');
}

/** The secret itself, or a ConfigError naming where it came from and what is wrong. */
export function resolveSecret(settings: ReadonlyMap<string, string>, configFile = 'cluster.conf'): string {
  const env = process.env['KV_CLUSTER_SECRET'];
  // Set but empty is refused too: `KV_CLUSTER_SECRET=$UNSET_VAR` is a mistake, not a choice.
  if (env !== undefined) return checked(Buffer.from(env, 'utf8').toString('latin1'), 'KV_CLUSTER_SECRET');
  const inline = settings.get('secret') ?? '';
  if (inline !== '') return checked(inline, `the secret setting in ${configFile}`);
  const secretFile = settings.get('secret-file') ?? '';
  if (secretFile !== '') return checked(readSecretFile(secretFile), `${shown(secretFile)} (secret-file in ${configFile})`);
  const cookie = cookiePath();
  if (!existsSync(cookie)) createCookie(cookie);
  return checked(readSecretFile(cookie), cookie, 'delete the file and a node writes a new random one');
}

function checked(secret: string, source: string, fix = 'e.g. openssl rand -base64 24'): string {
  if (secret.length >= MIN_SECRET_BYTES) return secret;
  const what = secret === '' ? 'is empty' : `is ${secret.length} byte${secret.length === 1 ? '' : 's'} long`;
  throw new ConfigError(`the cluster secret from ${source} ${what}; it needs at least ${MIN_SECRET_BYTES} bytes (${fix})`);
}

function readSecretFile(path: string): string {
  try {
    // The path, like every string of cluster.conf, is bytes.
    const text = readFileSync(Buffer.from(path, 'latin1')).toString('latin1');
    // Only ASCII blanks are trimmed: trim() would also eat 0xa0, a byte of many UTF-8 characters.
    return text.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');
  } catch (e) {
    throw new ConfigError(`cannot read the cluster secret file ${shown(path)}: ${(e as Error).message}`);
  }
}

/**
 * Writes the cookie under a temporary name and links it into place, so a node
 * starting at the same moment sees either no file or the whole secret, never an
 * empty file; link() fails if another node was first, and its cookie is kept.
 */
function createCookie(path: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    linkSync(tmp, path);
  } catch {
    /* another node created it first, or the home directory is read-only: reading it says which */
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* never written */
    }
  }
}

export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
