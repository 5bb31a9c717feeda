// What a write command logs, as the command(s) that redo it (Redis's
// propagate() and rewriteClientCommandVector): most commands redo themselves
// exactly, so their arguments are logged as they came. The few whose effect
// depends on the clock or on kv-only types are logged by the state they left,
// as the command table declares (CommandSpec.propagate), so that replaying the
// log, in kv or in redis-server, gives the same keys, values and expiry times.

import type { Hash, Store } from '../store/store.js';
import type { CommandSpec } from './types.js';

/** The commands that redo `argv`, which `spec` has just run successfully. */
export function propagation(spec: CommandSpec, argv: readonly string[], store: Store): (readonly string[])[] {
  switch (spec.propagate) {
    case undefined:
      return [argv];
    case 'none':
      return [];
    case 'value':
      return [valueOf(store, argv[1]!)].flat();
    case 'expiry':
      return [expiryOf(store, argv[1]!)];
    case 'field':
      return [fieldOf(store, argv[1]!, argv[2]!)];
  }
}

/**
 * The key as it is now: a string as SET with its absolute expiry (PXAT), a hash
 * as DEL and HSET of every field, then PEXPIREAT; a missing key as DEL.
 */
function valueOf(store: Store, key: string): (readonly string[])[] {
  const v = store.get(key);
  if (v === undefined) return [['DEL', key]];
  const at = store.expireTime(key);
  if (typeof v === 'string') return [at > 0 ? ['SET', key, v, 'PXAT', String(at)] : ['SET', key, v]];
  const out: (readonly string[])[] = [['DEL', key]];
  if (v.fields.size > 0) out.push(hsetAll(key, v));
  if (at > 0) out.push(['PEXPIREAT', key, String(at)]);
  return out;
}

function hsetAll(key: string, h: Hash): string[] {
  const cmd = ['HSET', key];
  for (const [f, val] of h.fields) cmd.push(f, val);
  return cmd;
}

/** The key's expiry as it is now: its absolute time, none (PERSIST), or the key gone (DEL). */
function expiryOf(store: Store, key: string): readonly string[] {
  if (!store.has(key)) return ['DEL', key];
  const at = store.expireTime(key);
  return at > 0 ? ['PEXPIREAT', key, String(at)] : ['PERSIST', key];
}

/** One field of a hash as it is now: HSET with its value, or HDEL (which drops an emptied hash, as in Redis). */
function fieldOf(store: Store, key: string, field: string): readonly string[] {
  const v = store.get(key);
  const value = v !== undefined && typeof v !== 'string' ? v.fields.get(field) : undefined;
  return value === undefined ? ['HDEL', key, field] : ['HSET', key, field, value];
}
