// Sorted-set commands (Redis's t_zset.c). The value is store/zset.ts's ZSetValue
// (a member map and a skip list with spans), so every range is found in
// O(log n) and walked from there. Ranges by rank, score and lex share one
// engine (ranksOf, then nodesIn); replies keep Redis 7.0's shapes (RESP3
// [member, score] pairs, doubles as "%.17g") and its order of checks.

import * as r from '../protocol/resp.js';
import { LLONG_MAX, parseLongLong } from '../protocol/numbers.js';
import { ZSetValue, type ZSetLimits } from '../store/zset.js';
import type { ZNode } from '../store/skiplist.js';
import { SetValue } from '../store/set.js';
import type { Ctx, Handler } from './types.js';
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from './errors.js';
import { doubleReply, formatDouble, parseDouble, parseRangeDouble } from './doubles.js';
import { globMatch } from './glob.js';
import { INVALID_CURSOR, parseScanArgs, parseScanCursor } from './scan-args.js';
import { tunable } from './config.js';
import { logEffect } from './propagate.js';
import { parseTimeout } from './lists.js';
import { arrayElements, stringValue } from '../protocol/reply-framer.js';
import type { AnyReply } from '../protocol/resp.js';
import type { Store } from '../store/store.js';
import { clampRange } from './ranges.js';

const NOT_FLOAT = r.error('ERR value is not a valid float');
const MIN_MAX_NOT_FLOAT = r.error('ERR min or max is not a float');
const MIN_MAX_NOT_STRING = r.error('ERR min or max not valid string range item');
const NAN_SCORE = r.error('ERR resulting score is not a number (NaN)');
const MUST_BE_POSITIVE = r.error('ERR value is out of range, must be positive');

export function zsetLimits(ctx: Ctx): ZSetLimits {
  return {
    entries: Number(tunable(ctx.node, 'zset-max-listpack-entries')),
    value: Number(tunable(ctx.node, 'zset-max-listpack-value')),
  };
}

/** The sorted set at `key`: undefined when missing, null when the key holds another type. */
export function lookupZset(ctx: Ctx, key: string): ZSetValue | undefined | null {
  const v = ctx.node.store.get(key);
  if (v === undefined) return undefined;
  return v instanceof ZSetValue ? v : null;
}

/** Deletes a sorted set's key once its last member is gone, as Redis does. */
function dropIfEmpty(ctx: Ctx, key: string, z: ZSetValue): void {
  if (z.size === 0) ctx.node.store.del(key);
}

/** getLongFromObjectOrReply's range: a long, else "value is not an integer or out of range". */
function parseLong(s: string): number | null {
  const n = parseLongLong(s);
  return n === null ? null : Number(n);
}

// ---------------------------------------------------------------------------
// Replies

/** Members, with their scores when asked: flat in RESP2, [member, score] pairs in RESP3. */
function nodesReply(nodes: readonly ZNode[], withScores: boolean, proto: r.Proto): r.AnyReply {
  if (!withScores) return r.valuesArray(nodes.map((n) => n.member), proto);
  if (proto === 2) {
    const flat = new Array<string>(nodes.length * 2);
    nodes.forEach((n, i) => {
      flat[2 * i] = n.member;
      flat[2 * i + 1] = formatDouble(n.score);
    });
    return r.valuesArray(flat, proto);
  }
  return r.arrayOf(nodes.map((n) => '*2\r\n' + r.bulk(n.member) + doubleReply(n.score, 3)));
}

// ---------------------------------------------------------------------------
// Ranges

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** zslParseRange: "(" makes a bound exclusive; null when either is not a float. */
function parseScoreRange(minArg: string, maxArg: string): ScoreRange | null {
  const bound = (s: string): [number, boolean] | null => {
    const ex = s.startsWith('(');
    const v = parseRangeDouble(ex ? s.slice(1) : s);
    return v === null ? null : [v, ex];
  };
  const lo = bound(minArg);
  const hi = bound(maxArg);
  if (lo === null || hi === null) return null;
  return { min: lo[0], minex: lo[1], max: hi[0], maxex: hi[1] };
}

const gteMin = (v: number, r: ScoreRange): boolean => (r.minex ? v > r.min : v >= r.min);
const lteMax = (v: number, r: ScoreRange): boolean => (r.maxex ? v < r.max : v <= r.max);

/** The ranks [start, end) of the members whose score is in the range. */
function scoreRanks(z: ZSetValue, range: ScoreRange): [number, number] {
  if (range.min > range.max || (range.min === range.max && (range.minex || range.maxex))) return [0, 0];
  const start = z.list.countWhile((n) => !gteMin(n.score, range));
  const end = z.list.countWhile((n) => lteMax(n.score, range));
  return [start, Math.max(start, end)];
}

/** A lex bound: "-" and "+" are below and above every member. */
type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'str'; s: string; ex: boolean };

interface LexRange {
  min: LexBound;
  max: LexBound;
}

function parseLexBound(s: string): LexBound | null {
  const c = s[0];
  // C compares c[1] to NUL: "+" followed by a NUL byte is still "+".
  if (c === '+' || c === '-') return s.length === 1 || s.charCodeAt(1) === 0 ? { kind: c === '+' ? 'max' : 'min' } : null;
  if (c === '(' || c === '[') return { kind: 'str', s: s.slice(1), ex: c === '(' };
  return null;
}

function parseLexRange(minArg: string, maxArg: string): LexRange | null {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  return min === null || max === null ? null : { min, max };
}

/** sdscmplex: a member or a bound against a bound. */
function cmpLex(a: LexBound, b: LexBound): number {
  if (a.kind === b.kind && a.kind !== 'str') return 0;
  if (a.kind === 'min' || b.kind === 'max') return -1;
  if (a.kind === 'max' || b.kind === 'min') return 1;
  const x = (a as { s: string }).s;
  const y = (b as { s: string }).s;
  return x < y ? -1 : x > y ? 1 : 0;
}

function cmpMember(m: string, b: LexBound): number {
  if (b.kind === 'min') return 1;
  if (b.kind === 'max') return -1;
  return m < b.s ? -1 : m > b.s ? 1 : 0;
}

const lexGteMin = (m: string, r: LexRange): boolean => {
  const c = cmpMember(m, r.min);
  return r.min.kind === 'str' && r.min.ex ? c > 0 : c >= 0;
};
const lexLteMax = (m: string, r: LexRange): boolean => {
  const c = cmpMember(m, r.max);
  return r.max.kind === 'str' && r.max.ex ? c < 0 : c <= 0;
};

/** zslIsInLexRange's first check: a range that cannot hold anything. */
function emptyLexRange(range: LexRange): boolean {
  const c = cmpLex(range.min, range.max);
  const exclusive = range.min.kind !== 'str' || range.min.ex || range.max.kind !== 'str' || range.max.ex;
  return c > 0 || (c === 0 && exclusive);
}

/** The ranks [start, end) of the members in a lex range, by the skip list (members of one score, as Redis assumes). */
function lexRanks(z: ZSetValue, range: LexRange): [number, number] {
  if (emptyLexRange(range)) return [0, 0];
  const start = z.list.countWhile((n) => !lexGteMin(n.member, range));
  const end = z.list.countWhile((n) => lexLteMax(n.member, range));
  return [start, Math.max(start, end)];
}

/**
 * A lex range of a listpack-encoded set walked as Redis walks the listpack
 * (zzlFirstInLexRange / zzlLastInLexRange, then LIMIT's offset, then members
 * while they stay under the far bound), which also fixes what Redis answers
 * when the members' scores differ and the lex order is not the set's order.
 */
function packedLexWalk(z: ZSetValue, range: LexRange, reverse: boolean, offset: number, limit: number): ZNode[] {
  const first = z.list.first();
  const last = z.list.last();
  if (emptyLexRange(range) || first === null || last === null) return [];
  if (!lexGteMin(last.member, range) || !lexLteMax(first.member, range)) return [];
  let n: ZNode | null = reverse ? last : first;
  while (n !== null && !(reverse ? lexLteMax(n.member, range) : lexGteMin(n.member, range))) n = reverse ? n.prev : n.next;
  if (n === null || !(reverse ? lexGteMin(n.member, range) : lexLteMax(n.member, range))) return [];
  // C's `while (ln && offset--)`: a negative offset skips to the end.
  for (let skip = offset; n !== null && skip !== 0; skip--) n = reverse ? n.prev : n.next;
  const out: ZNode[] = [];
  for (let left = limit; n !== null && left !== 0; left--) {
    if (!(reverse ? lexGteMin(n.member, range) : lexLteMax(n.member, range))) break;
    out.push(n);
    n = reverse ? n.prev : n.next;
  }
  return out;
}


/**
 * The nodes of ranks [start, end), in order or reversed, after skipping
 * `offset` and taking at most `limit` (negative: no limit), as LIMIT does.
 */
function nodesIn(z: ZSetValue, start: number, end: number, reverse: boolean, offset = 0, limit = -1): ZNode[] {
  if (offset < 0) return [];
  let count = end - start - offset;
  if (count <= 0) return [];
  if (limit >= 0) count = Math.min(count, limit);
  const out = new Array<ZNode>(count);
  let n = z.list.at(reverse ? end - 1 - offset : start + offset);
  for (let i = 0; i < count; i++) {
    out[i] = n!;
    n = reverse ? n!.prev : n!.next;
  }
  return out;
}

type RangeKind = 'rank' | 'score' | 'lex';

interface RangeRequest {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
  /** The bounds as given, min first (already swapped for REV with BYSCORE/BYLEX). */
  min: string;
  max: string;
}

/**
 * zrangeGenericCommand's option parsing: `at` is the index of the source key;
 * `kind`/`reverse` are fixed for the older commands (ZRANGEBYSCORE…), which
 * then refuse BYSCORE, BYLEX and REV. An error reply when the options clash.
 */
function parseRangeRequest(argv: readonly string[], at: number, store: boolean, fixedKind: RangeKind | null, fixedReverse: boolean | null): RangeRequest | r.Reply {
  let kind: RangeKind | null = fixedKind;
  let reverse: boolean | null = fixedReverse;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let limited = false;
  for (let j = at + 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const left = argv.length - j - 1;
    if (!store && opt === 'withscores') withScores = true;
    else if (opt === 'limit' && left >= 2) {
      const o = parseLong(argv[j + 1]!);
      if (o === null) return NOT_INTEGER;
      const l = parseLong(argv[j + 2]!);
      if (l === null) return NOT_INTEGER;
      offset = o;
      limit = l;
      limited = true;
      j += 2;
    } else if (reverse === null && opt === 'rev') reverse = true;
    else if (kind === null && opt === 'bylex') kind = 'lex';
    else if (kind === null && opt === 'byscore') kind = 'score';
    else return SYNTAX;
  }
  kind ??= 'rank';
  reverse ??= false;
  if (limited && kind === 'rank') return r.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && kind === 'lex') return r.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  let min = argv[at + 1]!;
  let max = argv[at + 2]!;
  if (reverse && kind !== 'rank') [min, max] = [max, min];
  return { kind, reverse, withScores, offset, limit: limited ? limit : -1, min, max };
}

/** The nodes a range request selects, or the error its bounds earn (checked before the key is read). */
type Selector = (z: ZSetValue) => ZNode[];

function selectorOf(req: RangeRequest): Selector | r.Reply {
  if (req.kind === 'rank') {
    const start = parseLong(req.min);
    const end = parseLong(req.max);
    if (start === null || end === null) return NOT_INTEGER;
    return (z) => {
      const span = clampRange(start, end, z.size);
      if (span === null) return [];
      const [from, to] = span;
      return req.reverse ? nodesIn(z, z.size - 1 - to, z.size - from, true) : nodesIn(z, from, to + 1, false);
    };
  }
  if (req.kind === 'score') {
    const range = parseScoreRange(req.min, req.max);
    if (range === null) return MIN_MAX_NOT_FLOAT;
    return (z) => {
      if (req.offset > 0 && req.offset >= z.size) return [];
      const [start, end] = scoreRanks(z, range);
      return nodesIn(z, start, end, req.reverse, req.offset, req.limit);
    };
  }
  const range = parseLexRange(req.min, req.max);
  if (range === null) return MIN_MAX_NOT_STRING;
  return (z) => {
    if (req.offset > 0 && req.offset >= z.size) return [];
    if (z.isPacked) return packedLexWalk(z, range, req.reverse, req.offset, req.limit);
    const [start, end] = lexRanks(z, range);
    return nodesIn(z, start, end, req.reverse, req.offset, req.limit);
  };
}

function rangeCommand(fixedKind: RangeKind | null, fixedReverse: boolean | null): Handler {
  return (ctx, argv) => {
    const req = parseRangeRequest(argv, 1, false, fixedKind, fixedReverse);
    if (typeof req === 'string') return req;
    const select = selectorOf(req);
    if (typeof select === 'string') return select;
    const z = lookupZset(ctx, argv[1]!);
    if (z === null) return WRONGTYPE;
    if (z === undefined) return r.EMPTY_ARRAY;
    return nodesReply(select(z), req.withScores, ctx.proto);
  };
}

export const zrange = rangeCommand(null, null);
export const zrevrange = rangeCommand('rank', true);
export const zrangebyscore = rangeCommand('score', false);
export const zrevrangebyscore = rangeCommand('score', true);
export const zrangebylex = rangeCommand('lex', false);
export const zrevrangebylex = rangeCommand('lex', true);

/** A new sorted set holding `pairs`, in the encoding a stored result ends in. */
function storeZset(ctx: Ctx, dst: string, pairs: Iterable<readonly [string, number]>): r.Reply {
  const out = new ZSetValue(false);
  const limits = zsetLimits(ctx);
  for (const [m, s] of pairs) out.set(m, s, limits);
  out.refit(limits);
  if (out.size === 0) ctx.node.store.del(dst);
  else ctx.node.store.set(dst, out);
  return r.integer(out.size);
}

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]. */
export const zrangestore: Handler = (ctx, argv) => {
  const req = parseRangeRequest(argv, 2, true, null, null);
  if (typeof req === 'string') return req;
  const select = selectorOf(req);
  if (typeof select === 'string') return select;
  const z = lookupZset(ctx, argv[2]!);
  if (z === null) return WRONGTYPE;
  const nodes = z === undefined ? [] : select(z);
  return storeZset(
    ctx,
    argv[1]!,
    nodes.map((n) => [n.member, n.score] as const),
  );
};

// ---------------------------------------------------------------------------
// Writes

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_CH = 16;
const ZADD_INCR = 32;

/** zaddGenericCommand: flags, then scores, then the key; ZINCRBY is ZADD INCR. */
function zaddGeneric(ctx: Ctx, argv: string[], flags: number, from: number): r.AnyReply {
  let at = from;
  for (; at < argv.length; at++) {
    const opt = argv[at]!.toLowerCase();
    if (opt === 'nx') flags |= ZADD_NX;
    else if (opt === 'xx') flags |= ZADD_XX;
    else if (opt === 'ch') flags |= ZADD_CH;
    else if (opt === 'incr') flags |= ZADD_INCR;
    else if (opt === 'gt') flags |= ZADD_GT;
    else if (opt === 'lt') flags |= ZADD_LT;
    else break;
  }
  const pairs = argv.length - at;
  if (pairs % 2 !== 0 || pairs === 0) return SYNTAX;
  const n = pairs / 2;
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const incr = (flags & ZADD_INCR) !== 0;
  if (nx && xx) return r.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) return r.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && n > 1) return r.error('ERR INCR option supports a single increment-element pair');
  const scores = new Array<number>(n);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const s = parseDouble(argv[at + 2 * i]!);
    if (s === null) return NOT_FLOAT;
    scores[i] = s;
    maxLen = Math.max(maxLen, argv[at + 2 * i + 1]!.length);
  }
  const key = argv[1]!;
  let z = lookupZset(ctx, key);
  if (z === null) return WRONGTYPE;
  const limits = zsetLimits(ctx);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let last = 0;
  if (z === undefined && !xx) {
    z = new ZSetValue(n <= limits.entries && maxLen <= limits.value);
    ctx.node.store.set(key, z);
  }
  if (z !== undefined) {
    for (let i = 0; i < n; i++) {
      const member = argv[at + 2 * i + 1]!;
      let score = scores[i]!;
      const current = z.score(member);
      if (current !== undefined) {
        if (nx) continue;
        if (incr) {
          score += current;
          if (Number.isNaN(score)) return NAN_SCORE;
        }
        if ((lt && score >= current) || (gt && score <= current)) continue;
        last = score;
        processed++;
        if (score !== current) {
          z.set(member, score, limits);
          updated++;
        }
      } else {
        if (xx) continue;
        z.set(member, score, limits);
        last = score;
        added++;
        processed++;
      }
    }
  }
  if (added === 0 && updated === 0) ctx.node.store.log.noChange();
  if (incr) return processed > 0 ? doubleReply(last, ctx.proto) : r.nil(ctx.proto);
  return r.integer((flags & ZADD_CH) !== 0 ? added + updated : added);
}

export const zadd: Handler = (ctx, argv) => zaddGeneric(ctx, argv, 0, 2);

export const zincrby: Handler = (ctx, argv) => zaddGeneric(ctx, argv, ZADD_INCR, 2);

export const zrem: Handler = (ctx, argv) => {
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  if (z === undefined) return r.ZERO;
  let removed = 0;
  for (let i = 2; i < argv.length; i++) if (z.delete(argv[i]!)) removed++;
  dropIfEmpty(ctx, argv[1]!, z);
  if (removed === 0) ctx.node.store.log.noChange();
  return r.integer(removed);
};

function removeRange(kind: RangeKind): Handler {
  return (ctx, argv) => {
    const req: RangeRequest = { kind, reverse: false, withScores: false, offset: 0, limit: -1, min: argv[2]!, max: argv[3]! };
    const select = selectorOf(req);
    if (typeof select === 'string') return select;
    const z = lookupZset(ctx, argv[1]!);
    if (z === null) return WRONGTYPE;
    if (z === undefined) return r.ZERO;
    const nodes = select(z);
    for (const n of nodes) z.delete(n.member);
    dropIfEmpty(ctx, argv[1]!, z);
    if (nodes.length === 0) ctx.node.store.log.noChange();
    return r.integer(nodes.length);
  };
}

export const zremrangebyrank = removeRange('rank');
export const zremrangebyscore = removeRange('score');
export const zremrangebylex = removeRange('lex');

// ---------------------------------------------------------------------------
// Reads

export const zcard: Handler = (ctx, argv) => {
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  return r.integer(z?.size ?? 0);
};

export const zscore: Handler = (ctx, argv) => {
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  const s = z?.score(argv[2]!);
  return s === undefined ? r.nil(ctx.proto) : doubleReply(s, ctx.proto);
};

export const zmscore: Handler = (ctx, argv) => {
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  let out = r.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]!);
    out += s === undefined ? r.nil(ctx.proto) : doubleReply(s, ctx.proto);
  }
  return out;
};

function rankCommand(reverse: boolean): Handler {
  return (ctx, argv) => {
    const z = lookupZset(ctx, argv[1]!);
    if (z === null) return WRONGTYPE;
    const node = z?.dict.get(argv[2]!);
    if (z === undefined || node === undefined) return r.nil(ctx.proto);
    const rank = z.list.rankOf(node);
    return r.integer(reverse ? z.size - 1 - rank : rank);
  };
}

export const zrank = rankCommand(false);
export const zrevrank = rankCommand(true);

export const zcount: Handler = (ctx, argv) => {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  if (range === null) return MIN_MAX_NOT_FLOAT;
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  if (z === undefined) return r.ZERO;
  const [start, end] = scoreRanks(z, range);
  return r.integer(end - start);
};

export const zlexcount: Handler = (ctx, argv) => {
  const range = parseLexRange(argv[2]!, argv[3]!);
  if (range === null) return MIN_MAX_NOT_STRING;
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  if (z === undefined) return r.ZERO;
  if (z.isPacked) return r.integer(packedLexWalk(z, range, false, 0, -1).length);
  const [start, end] = lexRanks(z, range);
  return r.integer(end - start);
};

// ---------------------------------------------------------------------------
// Pops

/** Takes up to `count` members from the low (min) or high end; the key goes when emptied. */
export function popNodes(ctx: Ctx, key: string, z: ZSetValue, count: number, max: boolean): ZNode[] {
  const n = Math.min(count, z.size);
  const out = new Array<ZNode>(n);
  for (let i = 0; i < n; i++) {
    const node = max ? z.list.last()! : z.list.first()!;
    z.delete(node.member);
    out[i] = node;
  }
  dropIfEmpty(ctx, key, z);
  return out;
}

/** ZPOPMIN/ZPOPMAX key [count]: without a count, RESP3 gives one flat pair rather than a list of pairs. */
function popCommand(max: boolean): Handler {
  return (ctx, argv) => {
    if (argv.length > 3) return SYNTAX;
    let count = 1;
    if (argv.length === 3) {
      const c = parseLongLong(argv[2]!);
      if (c === null || c < 0n) return MUST_BE_POSITIVE;
      count = c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
    }
    const z = lookupZset(ctx, argv[1]!);
    if (z === null) return WRONGTYPE;
    if (z === undefined || count === 0) {
      ctx.node.store.log.noChange();
      return r.EMPTY_ARRAY;
    }
    const nodes = popNodes(ctx, argv[1]!, z, count, max);
    if (argv.length === 2 && ctx.proto === 3) return '*2\r\n' + r.bulk(nodes[0]!.member) + doubleReply(nodes[0]!.score, 3);
    return nodesReply(nodes, true, ctx.proto);
  };
}

export const zpopmin = popCommand(false);
export const zpopmax = popCommand(true);

/** ZMPOP's and BZMPOP's arguments after numkeys: keys, MIN|MAX, [COUNT n]. */
export function parseMpop(argv: readonly string[], numkeysAt: number): { keys: string[]; max: boolean; count: number } | r.Reply {
  const numkeys = parseLongLong(argv[numkeysAt]!);
  if (numkeys === null || numkeys < 1n) return r.error('ERR numkeys should be greater than 0');
  const n = Number(numkeys);
  const whereAt = numkeysAt + 1 + n;
  if (numkeys > BigInt(argv.length - numkeysAt - 1) || whereAt >= argv.length) return SYNTAX;
  const where = argv[whereAt]!.toLowerCase();
  if (where !== 'min' && where !== 'max') return SYNTAX;
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'count' && count === -1 && j + 1 < argv.length) {
      const c = parseLongLong(argv[++j]!);
      if (c === null || c <= 0n) return r.error('ERR count should be greater than 0');
      count = c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
    } else {
      return SYNTAX;
    }
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), max: where === 'max', count: count === -1 ? 1 : count };
}

/** [key, [[member, score] …]] as ZMPOP replies, in both protocols. */
export function mpopReply(key: string, nodes: readonly ZNode[], proto: r.Proto): r.AnyReply {
  return r.prefixed('*2\r\n' + r.bulk(key), r.arrayOf(nodes.map((n) => '*2\r\n' + r.bulk(n.member) + doubleReply(n.score, proto))));
}

export const zmpop: Handler = (ctx, argv) => {
  const args = parseMpop(argv, 1);
  if (typeof args === 'string') return args;
  for (const key of args.keys) {
    const z = lookupZset(ctx, key);
    if (z === null) return WRONGTYPE;
    if (z === undefined) continue;
    return mpopReply(key, popNodes(ctx, key, z, args.count, args.max), ctx.proto);
  }
  ctx.node.store.log.noChange();
  return r.nilArray(ctx.proto);
};

// ---------------------------------------------------------------------------
// ZRANDMEMBER

const HALF_LONG_MAX = LLONG_MAX / 2n;
/** The most elements one ZRANDMEMBER reply may hold: Redis would try any count and run out of memory. */
const MAX_RANDOM_ELEMENTS = 1 << 24;

export const zrandmember: Handler = (ctx, argv) => {
  if (argv.length === 2) {
    const z = lookupZset(ctx, argv[1]!);
    if (z === null) return WRONGTYPE;
    return z === undefined ? r.nil(ctx.proto) : r.bulk(z.random().member);
  }
  const count = parseLongLong(argv[2]!);
  if (count === null) return NOT_INTEGER;
  if (count < -LLONG_MAX) return r.error(`ERR value is out of range, value must between ${-LLONG_MAX} and ${LLONG_MAX}`);
  if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withscores')) return SYNTAX;
  const withScores = argv.length === 4;
  if (withScores && (count < -HALF_LONG_MAX || count > HALF_LONG_MAX)) return r.error('ERR value is out of range');
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  if (z === undefined || count === 0n) return r.EMPTY_ARRAY;
  let picked: ZNode[];
  if (count < 0n) {
    if (-count > BigInt(MAX_RANDOM_ELEMENTS)) return r.error(`ERR ZRANDMEMBER reply too long: at most ${MAX_RANDOM_ELEMENTS} elements`);
    const n = Number(-count);
    picked = new Array<ZNode>(n);
    for (let i = 0; i < n; i++) picked[i] = z.random();
  } else if (count >= BigInt(z.size)) {
    // The whole set, from the highest score down, as Redis's zset iterator walks it.
    picked = nodesIn(z, 0, z.size, true);
  } else {
    const all = nodesIn(z, 0, z.size, false);
    const n = Number(count);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    picked = all.slice(0, n);
  }
  return nodesReply(picked, withScores, ctx.proto);
};

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD

type Aggregate = 'sum' | 'min' | 'max';

/** One source: a sorted set, or a plain set whose members all score 1. */
interface Source {
  readonly value: ZSetValue | SetValue | undefined;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.value?.size ?? 0;
}

function sourceScore(s: Source, member: string): number | undefined {
  const v = s.value;
  if (v === undefined) return undefined;
  if (v instanceof SetValue) return v.has(member) ? 1 : undefined;
  return v.score(member);
}

function forEachIn(s: Source, fn: (member: string, score: number) => void): void {
  const v = s.value;
  if (v === undefined) return;
  if (v instanceof SetValue) v.forEach((m) => fn(m, 1));
  else for (let n = v.list.first(); n !== null; n = n.next) fn(n.member, n.score);
}

/**
 * zunionInterAggregate: a NaN sum (inf + -inf, or a NaN weighted score)
 * counts as 0; MIN and MAX keep the running value unless the new one is
 * strictly past it (so a NaN, or -0 against 0, changes nothing), as C's ?: does.
 */
function aggregate(target: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const s = target + val;
    return Number.isNaN(s) ? 0 : s;
  }
  if (how === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

function weighted(score: number, weight: number): number {
  const v = score * weight;
  return Number.isNaN(v) ? 0 : v;
}

type SetOp = 'union' | 'inter' | 'diff';

interface SetOpRequest {
  sources: Source[];
  how: Aggregate;
  withScores: boolean;
  limit: number;
}

/**
 * zunionInterDiffGenericCommand's checks, in its order: numkeys, the
 * sources' types, then WEIGHTS / AGGREGATE / WITHSCORES / LIMIT.
 */
function parseSetOp(ctx: Ctx, argv: readonly string[], numkeysAt: number, op: SetOp, store: boolean, cardinality: boolean): SetOpRequest | r.Reply {
  const setnum = parseLongLong(argv[numkeysAt]!);
  if (setnum === null) return NOT_INTEGER;
  if (setnum < 1n) return r.error(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
  if (setnum > BigInt(argv.length - numkeysAt - 1)) return SYNTAX;
  const n = Number(setnum);
  const sources: Source[] = [];
  for (let i = 0; i < n; i++) {
    const v = ctx.node.store.get(argv[numkeysAt + 1 + i]!);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) return WRONGTYPE;
    sources.push({ value: v, weight: 1 });
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  let j = numkeysAt + 1 + n;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j]!.toLowerCase();
    if (op !== 'diff' && !cardinality && remaining >= n + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < n; i++, j++) {
        const w = parseDouble(argv[j]!);
        if (w === null) return r.error('ERR weight value is not a float');
        sources[i]!.weight = w;
      }
    } else if (op !== 'diff' && !cardinality && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1]!.toLowerCase();
      if (a !== 'sum' && a !== 'min' && a !== 'max') return SYNTAX;
      how = a;
      j += 2;
    } else if (!store && !cardinality && opt === 'withscores') {
      withScores = true;
      j++;
    } else if (cardinality && remaining >= 2 && opt === 'limit') {
      const l = parseLongLong(argv[j + 1]!);
      if (l === null || l < 0n) return r.error("ERR LIMIT can't be negative");
      limit = l > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(l);
      j += 2;
    } else {
      return SYNTAX;
    }
  }
  return { sources, how, withScores, limit };
}

/** The result of a set operation as member → score, before it is ordered. */
function setOpResult(req: SetOpRequest, op: SetOp): Map<string, number> {
  const out = new Map<string, number>();
  const { sources, how } = req;
  if (op === 'diff') {
    const [first, ...rest] = sources;
    forEachIn(first!, (m, s) => {
      if (!rest.some((o) => sourceScore(o, m) !== undefined)) out.set(m, s);
    });
    return out;
  }
  // Smallest first, as Redis sorts them (stable here; qsort's order of equal sizes is its own).
  const sorted = sources.slice().sort((a, b) => sourceSize(a) - sourceSize(b));
  if (op === 'inter') {
    if (sorted.some((s) => s.value === undefined)) return out;
    const [first, ...rest] = sorted;
    forEachIn(first!, (m, s) => {
      let score = weighted(s, first!.weight);
      for (const o of rest) {
        const os = sourceScore(o, m);
        if (os === undefined) return;
        // Only the first source's product has its NaN (inf * 0) made 0; the others' go to the aggregate as they are.
        score = aggregate(score, os * o.weight, how);
      }
      out.set(m, score);
    });
    return out;
  }
  for (const src of sorted) {
    forEachIn(src, (m, s) => {
      const score = weighted(s, src.weight);
      const existing = out.get(m);
      out.set(m, existing === undefined ? score : aggregate(existing, score, how));
    });
  }
  return out;
}

/** A result map as a scratch sorted set, for ordered replies. */
function ordered(result: Map<string, number>): ZSetValue {
  const z = new ZSetValue(false);
  const unbounded = { entries: Infinity, value: Infinity };
  for (const [m, s] of result) z.set(m, s, unbounded);
  return z;
}

function setOpCommand(op: SetOp, store: boolean): Handler {
  return (ctx, argv) => {
    const req = parseSetOp(ctx, argv, store ? 2 : 1, op, store, false);
    if (typeof req === 'string') return req;
    const result = setOpResult(req, op);
    if (store) return storeZset(ctx, argv[1]!, result);
    const z = ordered(result);
    return nodesReply(nodesIn(z, 0, z.size, false), req.withScores, ctx.proto);
  };
}

export const zunion = setOpCommand('union', false);
export const zinter = setOpCommand('inter', false);
export const zdiff = setOpCommand('diff', false);
export const zunionstore = setOpCommand('union', true);
export const zinterstore = setOpCommand('inter', true);
export const zdiffstore = setOpCommand('diff', true);

export const zintercard: Handler = (ctx, argv) => {
  const req = parseSetOp(ctx, argv, 1, 'inter', false, true);
  if (typeof req === 'string') return req;
  const sorted = req.sources.slice().sort((a, b) => sourceSize(a) - sourceSize(b));
  if (sorted.some((s) => s.value === undefined)) return r.ZERO;
  const [first, ...rest] = sorted;
  let count = 0;
  const limit = req.limit;
  const members: string[] = [];
  forEachIn(first!, (m) => members.push(m));
  for (const m of members) {
    if (rest.every((o) => sourceScore(o, m) !== undefined)) {
      count++;
      if (count === limit) break;
    }
  }
  return r.integer(count);
};

// ---------------------------------------------------------------------------
// ZSCAN

const EMPTY_SCAN = r.arrayHeader(2) + r.bulk('0') + r.arrayHeader(0);

/** ZSCAN key cursor [MATCH pattern] [COUNT count]: scores as d2string text, bulk strings in both protocols. */
export const zscan: Handler = (ctx, argv) => {
  if (parseScanCursor(argv[2]!) === null) return INVALID_CURSOR;
  const z = lookupZset(ctx, argv[1]!);
  if (z === null) return WRONGTYPE;
  if (z === undefined) return EMPTY_SCAN;
  const args = parseScanArgs(argv, 2, false);
  if (typeof args === 'string') return args;
  const [next, nodes] = z.scan(args.cursor, args.count);
  const flat: string[] = [];
  for (const n of nodes) if (args.match === null || globMatch(args.match, n.member)) flat.push(n.member, formatDouble(n.score));
  return r.prefixed(r.arrayHeader(2) + r.bulk(String(next)), r.valuesArray(flat, ctx.proto));
};

// ---------------------------------------------------------------------------
// BZPOPMIN, BZPOPMAX, BZMPOP: cluster/blocking.ts makes them wait on their
// keys' owner; these run them when they can pop (or, in MULTI, at once), and
// log what they took as the ZPOPMIN/ZPOPMAX it was, as Redis propagates them.

/** What a blocking sorted-set pop waits for, as parseBlocking gives it for lists; or Redis's error reply. */
export function parseZBlocking(argv: readonly string[]): { keys: string[]; allKeys: string[]; timeoutMs: number } | string {
  if (argv[0]!.toLowerCase() === 'bzmpop') {
    // bzmpop timeout numkeys key… MIN|MAX [COUNT n]: the timeout is read last (zmpopGenericCommand).
    const args = parseMpop(argv, 2);
    if (typeof args === 'string') return args;
    const t = parseTimeout(argv[1]!);
    if (typeof t === 'string') return t;
    return { keys: args.keys, allKeys: args.keys, timeoutMs: t };
  }
  const t = parseTimeout(argv[argv.length - 1]!);
  if (typeof t === 'string') return t;
  const keys = argv.slice(1, -1);
  return { keys, allKeys: keys, timeoutMs: t };
}

/** True when a blocking sorted-set pop finds nothing to pop and no wrong type: it waits. */
export function zWouldBlock(store: Store, keys: readonly string[]): boolean {
  for (const key of keys) {
    const v = store.get(key);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue) || v.size > 0) return false;
  }
  return true;
}

/** The command that serves a waiter from `key`, the key found ready: its own argv narrowed to it. */
export function zServingArgv(argv: readonly string[], key: string): string[] {
  if (argv[0]!.toLowerCase() !== 'bzmpop') return [argv[0]!, key, '0'];
  const args = parseMpop(argv, 2) as { max: boolean; count: number };
  return [argv[0]!, '0', '1', key, args.max ? 'MAX' : 'MIN', 'COUNT', String(args.count)];
}

/** What undoes a served pop whose client could not be told (its reply as sent): ZADDs of what it took. */
export function zPutBack(argv: readonly string[], reply: string): string[] | null {
  const parts = arrayElements(reply);
  if (parts === null) return null;
  const text = (p: AnyReply): string | null => {
    const s = stringValue(p);
    if (typeof s === 'string') return s;
    const d = typeof p === 'string' && p.startsWith(',') ? p.slice(1, -2) : null;
    return d;
  };
  const key = parts[0] === undefined ? null : text(parts[0]);
  if (key === null) return null;
  const out = ['ZADD', key];
  if (argv[0]!.toLowerCase() === 'bzmpop') {
    for (const pair of arrayElements(parts[1] ?? '') ?? []) {
      const [m, s] = arrayElements(pair) ?? [];
      const member = m === undefined ? null : text(m);
      const score = s === undefined ? null : text(s);
      if (member === null || score === null) return null;
      out.push(score, member);
    }
  } else {
    const member = parts[1] === undefined ? null : text(parts[1]);
    const score = parts[2] === undefined ? null : text(parts[2]);
    if (member === null || score === null) return null;
    out.push(score, member);
  }
  return out.length > 2 ? out : null;
}

/** BZPOPMIN/BZPOPMAX run now: [key, member, score] from the first non-empty sorted set, logged as ZPOPMIN/ZPOPMAX; nil when there is none. */
function bzpop(max: boolean): Handler {
  return (ctx, argv) => {
    const t = parseTimeout(argv[argv.length - 1]!);
    if (typeof t === 'string') return t;
    for (let i = 1; i < argv.length - 1; i++) {
      const key = argv[i]!;
      const z = lookupZset(ctx, key);
      if (z === undefined) continue;
      if (z === null) return WRONGTYPE;
      if (z.size === 0) continue;
      logEffect(ctx.node.store, [max ? 'ZPOPMAX' : 'ZPOPMIN', key]);
      const [n] = popNodes(ctx, key, z, 1, max);
      return r.arrayHeader(3) + r.bulk(key) + r.bulk(n!.member) + doubleReply(n!.score, ctx.proto);
    }
    ctx.node.store.log.noChange();
    return r.nilArray(ctx.proto);
  };
}

export const bzpopmin = bzpop(false);
export const bzpopmax = bzpop(true);

/** BZMPOP run now: ZMPOP's reply, logged as ZPOPMIN/ZPOPMAX key count; nil when every set is empty. */
export const bzmpop: Handler = (ctx, argv) => {
  const args = parseMpop(argv, 2);
  if (typeof args === 'string') return args;
  const t = parseTimeout(argv[1]!);
  if (typeof t === 'string') return t;
  for (const key of args.keys) {
    const z = lookupZset(ctx, key);
    if (z === null) return WRONGTYPE;
    if (z === undefined) continue;
    const nodes = popNodes(ctx, key, z, args.count, args.max);
    logEffect(ctx.node.store, [args.max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(nodes.length)]);
    return mpopReply(key, nodes, ctx.proto);
  }
  ctx.node.store.log.noChange();
  return r.nilArray(ctx.proto);
};
