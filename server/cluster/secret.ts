// The cluster secret that links between nodes prove, like Erlang's cookie. Taken
// from, in order: $KV_CLUSTER_SECRET, a `secret` line, a `secret-file` line, or
// ~/.kv-cluster-cookie, which is created with a random value (mode 0600) when
// absent, so nodes of one user on one machine share it with no set-up.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cookiePath(): string {
  return join(homedir(), '.kv-cluster-cookie');
}

export function resolveSecret(settings: ReadonlyMap<string, string>): string {
  const env = process.env['KV_CLUSTER_SECRET'];
  if (env) return env;
  const inline = settings.get('secret');
  if (inline) return inline;
  const file = settings.get('secret-file') || cookiePath();
  if (!existsSync(file) && !settings.get('secret-file')) {
    try {
      writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    } catch {
      /* another node created it first */
    }
  }
  return readFileSync(file, 'utf8').trim();
}

export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
