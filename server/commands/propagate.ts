// What a write command logs, as the command(s) that redo it (Redis's
// propagate() and rewriteClientCommandVector): most commands redo themselves
// exactly, so their arguments are logged as they came. The few whose effect
// depends on the clock or on kv-only types are logged by the state they left,
// as the command table declares (CommandSpec.propagate), so that replaying the
// log, in kv or in redis-server, gives the same keys, values and expiry times.

import { Hash, type Store, type Value } from '../store/store.js';
import type { CommandSpec } from './types.js';

/**
 * What a command whose arguments would not redo it (SPOP picks members by
 * chance) did instead, as commands, recorded while it ran (Redis's
 * alsoPropagate with the command itself prevented); propagation() takes it
 * in place of the command's arguments.
 */
const EFFECTS = new WeakMap<Store, (readonly string[])[]>();

/**
 * Logs `cmd` in place of the running command's arguments; nothing when no
 * one reads the log. Only for a write that then succeeds and replies at once,
 * so the routing stage's propagation() is the next to look.
 */
export function logEffect(store: Store, cmd: readonly string[]): void {
  if (!store.log.active) return;
  const effects = EFFECTS.get(store);
  if (effects === undefined) EFFECTS.set(store, [cmd]);
  else effects.push(cmd);
}

/** The commands that redo `argv`, which `spec` has just run successfully. */
export function propagation(spec: CommandSpec, argv: readonly string[], store: Store): (readonly string[])[] {
  const effects = EFFECTS.get(store);
  if (effects !== undefined) {
    EFFECTS.delete(store);
    return effects;
  }
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

/** The key as it is now, replacing whatever it was; a missing key as DEL. */
function valueOf(store: Store, key: string): (readonly string[])[] {
  const v = store.get(key);
  if (v === undefined) return [['DEL', key]];
  const cmds = rebuild(key, v, store.expireTime(key));
  return typeof v === 'string' ? cmds : [['DEL', key], ...cmds];
}

/** Hash fields per HSET when a hash is rebuilt, as Redis's AOF_REWRITE_ITEMS_PER_CMD. */
const FIELDS_PER_COMMAND = 64;

/**
 * The commands that create `key` with `value` and expiry time `at` (0: none)
 * on a node without it: a string as SET with PXAT, a hash as HSETs of up to
 * 64 fields, a collection as its own rebuild() says, then PEXPIREAT. An AOF
 * rewrite writes its base with these.
 */
export function rebuild(key: string, value: Value, at: number): (readonly string[])[] {
  if (typeof value === 'string') return [at > 0 ? ['SET', key, value, 'PXAT', String(at)] : ['SET', key, value]];
  const out: (readonly string[])[] = value instanceof Hash ? hashRebuild(key, value) : value.rebuild(key);
  if (at > 0 && out.length > 0) out.push(['PEXPIREAT', key, String(at)]);
  return out;
}

function hashRebuild(key: string, value: Hash): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  let cmd: string[] = [];
  for (const [f, val] of value.fields) {
    if (cmd.length === 0) cmd = ['HSET', key];
    cmd.push(f, val);
    if (cmd.length === 2 + 2 * FIELDS_PER_COMMAND) {
      out.push(cmd);
      cmd = [];
    }
  }
  if (cmd.length > 0) out.push(cmd);
  return out;
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
  const value = v instanceof Hash ? v.fields.get(field) : undefined;
  return value === undefined ? ['HDEL', key, field] : ['HSET', key, field, value];
}
