// Set commands (Redis's t_set.c). The value is store/set.ts's SetValue; replies
// keep Redis 7.0's shapes (RESP3 sets for SMEMBERS, SPOP with a count and the
// SINTER family) and its order of checks: arguments, then types, then keys.

import * as r from '../protocol/resp.js';
import { LLONG_MAX, parseLongLong } from '../protocol/numbers.js';
import { SetValue } from '../store/set.js';
import type { Ctx, Handler } from './types.js';
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from './errors.js';
import { globMatch } from './glob.js';
import { INVALID_CURSOR, parseScanArgs, parseScanCursor } from './scan-args.js';
import { tunable } from './config.js';
import { logEffect } from './propagate.js';

/** set-max-intset-entries, which decides when a set of integers stops being an intset. */
function maxIntset(ctx: Ctx): number {
  return Number(tunable(ctx.node, 'set-max-intset-entries'));
}

/** The set at `key`: undefined when missing, null when the key holds another type. */
export function lookupSet(ctx: Ctx, key: string): SetValue | undefined | null {
  const v = ctx.node.store.get(key);
  if (v === undefined) return undefined;
  return v instanceof SetValue ? v : null;
}

/** Deletes a set's key once its last member is gone, as Redis does. */
function dropIfEmpty(ctx: Ctx, key: string, set: SetValue): void {
  if (set.size === 0) ctx.node.store.del(key);
}

/**
 * Members as a reply: a RESP3 set (~) where Redis sends one, else an array.
 * Built as valuesArray does, so a huge set becomes a LongReply.
 */
export function membersReply(members: readonly string[], proto: r.Proto, asSet: boolean): r.AnyReply {
  const reply = r.valuesArray(members, proto);
  if (!asSet || proto !== 3) return reply;
  if (typeof reply === 'string') return '~' + reply.slice(1);
  return new r.LongReply(['~' + reply.parts[0]!.slice(1), ...reply.parts.slice(1)]);
}

const EMPTY_SET = (proto: r.Proto): r.Reply => (proto === 3 ? '~0\r\n' : r.EMPTY_ARRAY);

export const sadd: Handler = (ctx, argv) => {
  const key = argv[1]!;
  let set = lookupSet(ctx, key);
  if (set === null) return WRONGTYPE;
  if (set === undefined) {
    set = new SetValue();
    ctx.node.store.set(key, set);
  }
  const max = maxIntset(ctx);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!, max)) added++;
  if (added === 0) ctx.node.store.log.noChange();
  return r.integer(added);
};

export const srem: Handler = (ctx, argv) => {
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  if (set === undefined) return r.ZERO;
  let removed = 0;
  for (let i = 2; i < argv.length; i++) if (set.delete(argv[i]!)) removed++;
  dropIfEmpty(ctx, argv[1]!, set);
  if (removed === 0) ctx.node.store.log.noChange();
  return r.integer(removed);
};

export const smembers: Handler = (ctx, argv) => {
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  return membersReply(set?.members() ?? [], ctx.proto, true);
};

export const sismember: Handler = (ctx, argv) => {
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  return set?.has(argv[2]!) ? r.ONE : r.ZERO;
};

export const smismember: Handler = (ctx, argv) => {
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  let out = r.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out += set?.has(argv[i]!) ? r.ONE : r.ZERO;
  return out;
};

export const scard: Handler = (ctx, argv) => {
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  return r.integer(set?.size ?? 0);
};

/** SMOVE source destination member: both types are checked before anything moves (after a missing source's 0). */
export const smove: Handler = (ctx, argv) => {
  const [srcKey, dstKey, member] = [argv[1]!, argv[2]!, argv[3]!];
  const src = lookupSet(ctx, srcKey);
  const dst = lookupSet(ctx, dstKey);
  // A missing source answers 0 before either type is checked (smoveCommand).
  if (src === undefined) {
    ctx.node.store.log.noChange();
    return r.ZERO;
  }
  if (src === null || dst === null) return WRONGTYPE;
  if (src === dst) {
    ctx.node.store.log.noChange();
    return src.has(member) ? r.ONE : r.ZERO;
  }
  if (!src.delete(member)) {
    ctx.node.store.log.noChange();
    return r.ZERO;
  }
  dropIfEmpty(ctx, srcKey, src);
  let target = dst;
  if (target === undefined) {
    target = new SetValue();
    ctx.node.store.set(dstKey, target);
  }
  target.add(member, maxIntset(ctx));
  return r.ONE;
};

/** SPOP key [count]: logged as the SREM (or DEL) of what it took, as Redis propagates it. */
export const spop: Handler = (ctx, argv) => {
  if (argv.length > 3) return SYNTAX;
  const key = argv[1]!;
  const store = ctx.node.store;
  if (argv.length === 2) {
    const set = lookupSet(ctx, key);
    if (set === null) return WRONGTYPE;
    if (set === undefined) {
      store.log.noChange();
      return r.nil(ctx.proto);
    }
    const member = set.random();
    set.delete(member);
    dropIfEmpty(ctx, key, set);
    logEffect(store, ['SREM', key, member]);
    return r.bulk(member);
  }
  const count = parseLongLong(argv[2]!);
  if (count === null || count < 0n) return r.error('ERR value is out of range, must be positive');
  const set = lookupSet(ctx, key);
  if (set === null) return WRONGTYPE;
  if (set === undefined || count === 0n) {
    store.log.noChange();
    return EMPTY_SET(ctx.proto);
  }
  if (count >= BigInt(set.size)) {
    const all = set.members();
    store.del(key);
    logEffect(store, ['DEL', key]);
    return membersReply(all, ctx.proto, true);
  }
  const n = Number(count);
  const popped = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const m = set.random();
    set.delete(m);
    popped[i] = m;
  }
  logEffect(store, ['SREM', key, ...popped]);
  return membersReply(popped, ctx.proto, true);
};

/** The most elements one SRANDMEMBER reply may hold: Redis would try any count and run out of memory. */
const MAX_RANDOM_ELEMENTS = 1 << 24;

export const srandmember: Handler = (ctx, argv) => {
  if (argv.length > 3) return SYNTAX;
  if (argv.length === 2) {
    const set = lookupSet(ctx, argv[1]!);
    if (set === null) return WRONGTYPE;
    return set === undefined ? r.nil(ctx.proto) : r.bulk(set.random());
  }
  const count = parseLongLong(argv[2]!);
  if (count === null) return NOT_INTEGER;
  if (count < -LLONG_MAX) return r.error(`ERR value is out of range, value must between ${-LLONG_MAX} and ${LLONG_MAX}`);
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  if (set === undefined || count === 0n) return r.EMPTY_ARRAY;
  if (count < 0n) {
    // Negative: exactly |count| members, each drawn anew, so they may repeat.
    if (-count > BigInt(MAX_RANDOM_ELEMENTS)) return r.error(`ERR SRANDMEMBER reply too long: at most ${MAX_RANDOM_ELEMENTS} elements`);
    const n = Number(-count);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = set.random();
    return r.valuesArray(out, ctx.proto);
  }
  if (count >= BigInt(set.size)) return r.valuesArray(set.members(), ctx.proto);
  // Distinct members: a partial Fisher-Yates shuffle of a copy.
  const n = Number(count);
  const all = set.members();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return r.valuesArray(all.slice(0, n), ctx.proto);
};

/** The sets at `keys`, missing ones as undefined; null when one holds another type. */
function lookupSets(ctx: Ctx, keys: readonly string[]): (SetValue | undefined)[] | null {
  const out = new Array<SetValue | undefined>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const s = lookupSet(ctx, keys[i]!);
    if (s === null) return null;
    out[i] = s;
  }
  return out;
}

/** The members of every set, walking the smallest and keeping what all the others hold; stops at `limit` (0: none). */
function intersection(sets: readonly (SetValue | undefined)[], limit = 0): string[] {
  if (sets.some((s) => s === undefined)) return [];
  const sorted = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const [first, ...rest] = sorted;
  const out: string[] = [];
  for (const m of first!.members()) {
    if (rest.every((s) => s.has(m))) {
      out.push(m);
      if (out.length === limit) break;
    }
  }
  return out;
}

/** Stores `members` at `dst` as a new set (deleting it when there are none) and replies its size. */
function storeSet(ctx: Ctx, dst: string, members: Iterable<string>): r.Reply {
  const set = new SetValue();
  const max = maxIntset(ctx);
  for (const m of members) set.add(m, max);
  if (set.size === 0) ctx.node.store.del(dst);
  else ctx.node.store.set(dst, set);
  return r.integer(set.size);
}

export const sinter: Handler = (ctx, argv) => {
  const sets = lookupSets(ctx, argv.slice(1));
  if (sets === null) return WRONGTYPE;
  return membersReply(intersection(sets), ctx.proto, true);
};

export const sinterstore: Handler = (ctx, argv) => {
  const sets = lookupSets(ctx, argv.slice(2));
  if (sets === null) return WRONGTYPE;
  return storeSet(ctx, argv[1]!, intersection(sets));
};

/** SINTERCARD numkeys key [key …] [LIMIT limit]. */
export const sintercard: Handler = (ctx, argv) => {
  const numkeys = parseLongLong(argv[1]!);
  if (numkeys === null || numkeys < 1n) return r.error('ERR numkeys should be greater than 0');
  if (numkeys > BigInt(argv.length - 2)) return r.error("ERR Number of keys can't be greater than number of args");
  const n = Number(numkeys);
  let limit = 0;
  for (let i = 2 + n; i < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'limit' && i + 1 < argv.length) {
      const l = parseLongLong(argv[++i]!);
      if (l === null || l < 0n) return r.error("ERR LIMIT can't be negative");
      limit = l > 0x7fffffffn ? 0x7fffffff : Number(l);
    } else {
      return SYNTAX;
    }
  }
  const sets = lookupSets(ctx, argv.slice(2, 2 + n));
  if (sets === null) return WRONGTYPE;
  return r.integer(intersection(sets, limit).length);
};

/** SUNION and SDIFF's result, made as Redis makes it: a new set filled in order (so small integer sets come out sorted). */
function unionOrDiff(ctx: Ctx, sets: readonly (SetValue | undefined)[], diff: boolean): SetValue {
  const out = new SetValue();
  const max = maxIntset(ctx);
  if (!diff) {
    for (const s of sets) s?.forEach((m) => out.add(m, max));
    return out;
  }
  const [first, ...rest] = sets;
  first?.forEach((m) => {
    if (!rest.some((s) => s?.has(m))) out.add(m, max);
  });
  return out;
}

function unionDiff(diff: boolean, store: boolean): Handler {
  return (ctx, argv) => {
    const from = store ? 2 : 1;
    const sets = lookupSets(ctx, argv.slice(from));
    if (sets === null) return WRONGTYPE;
    const result = unionOrDiff(ctx, sets, diff);
    if (!store) return membersReply(result.members(), ctx.proto, true);
    if (result.size === 0) ctx.node.store.del(argv[1]!);
    else ctx.node.store.set(argv[1]!, result);
    return r.integer(result.size);
  };
}

export const sunion = unionDiff(false, false);
export const sunionstore = unionDiff(false, true);
export const sdiff = unionDiff(true, false);
export const sdiffstore = unionDiff(true, true);

/** What SSCAN answers for a key that does not exist (shared.emptyscan). */
const EMPTY_SCAN = r.arrayHeader(2) + r.bulk('0') + r.arrayHeader(0);

export const sscan: Handler = (ctx, argv) => {
  if (parseScanCursor(argv[2]!) === null) return INVALID_CURSOR;
  const set = lookupSet(ctx, argv[1]!);
  if (set === null) return WRONGTYPE;
  if (set === undefined) return EMPTY_SCAN;
  const args = parseScanArgs(argv, 2, false);
  if (typeof args === 'string') return args;
  const [next, members] = set.scan(args.cursor, args.count);
  const matched = args.match === null ? members : members.filter((m) => globMatch(args.match!, m));
  return r.prefixed(r.arrayHeader(2) + r.bulk(String(next)), r.valuesArray(matched, ctx.proto));
};
