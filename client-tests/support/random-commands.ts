// Seeded random command sequences for the random differential
// (random-differential.test.ts), and the measure of what they exercised.
//
// The generator keeps a rough model of the keyspace (which keys it believes
// hold a string or a hash, which carry a TTL, which hash fields exist), so most
// commands act on an existing key of the right type: GET finds a value, HGET a
// field, HINCRBY an integer, TTL a timeout. Wrong types, missing keys and bad
// arguments still come, at a small, fixed rate. The model is only a guide: the
// replies compared are the servers', and `Mix` measures from Redis's replies
// what the sequence really did, so a test can hold the mix to its promise.
// A sequence is a pure function of its seed: the same seed replays it exactly.
// When a type lands (lists…), give it a key family and its commands here.

import { PTTL, SORTED, TTL, type Compare, type Step } from './differential.js';

/** A deterministic xorshift32 generator: the same seed gives the same commands on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const LLONG_MAX = '9223372036854775807';
export const LLONG_MIN = '-9223372036854775808';
/** 2100-01-01T00:00:00Z, far enough to never expire during a run. */
export const FUTURE_S = '4102444800';

/**
 * Keys by the type the generator gives them, spread over every table of the
 * conformance clusters (a-m / n-z on two nodes; a-h, i-m, n-z on three). A
 * RENAME stays within its family, so a family's keys keep their type.
 */
export const STRING_KEYS = ['a', 'ab', 'm', 'n', 'q', 'z'];
export const HASH_KEYS = ['h', 'hb', 'i', 'o', 'y'];
/**
 * Sets and sorted sets, in pairs whose two keys share an owner in every table
 * (a-h, n-z), so SINTERSTORE, SMOVE, ZRANGESTORE… over a pair run on one node.
 */
export const SET_PAIRS = [['c', 'd'], ['t', 'u']] as const;
export const ZSET_PAIRS = [['f', 'g'], ['w', 'x']] as const;
const SET_KEYS = SET_PAIRS.flat();
const ZSET_KEYS = ZSET_PAIRS.flat();
const MEMBERS = ['1', '2', '3', '10', '-5', 'x', 'y', 'zz'];
const SCORES = ['0', '1', '2', '2.5', '-3', '10', '1e3', '0.1', '-0.25', '7'];
const FIELDS = ['f', 'g', 'h', 'x'];
const INT_VALUES = ['0', '1', '-1', '7', '10', '42', '100', '-250'];
const TEXT_VALUES = ['', 'abc', '3.5', ' 1', '007', '\x00\xff\r\n', '1e3', 'hello world'];
const BAD_INTS = ['x', '1.5', '', '+1', LLONG_MAX, LLONG_MIN];

interface StringKey {
  int: boolean;
  ttl: boolean;
}
interface HashKey {
  /** Fields believed present, and whether each holds an integer. */
  fields: Map<string, boolean>;
  ttl: boolean;
}

/** A step and the name its reply is counted under ('wrong type' and 'bad argument' for the mistakes made on purpose). */
export interface RandomStep {
  step: Step;
  name: string;
}

/**
 * `count` random steps for `seed`. Expire times are far in the future (or, now
 * and then, in the past, which deletes at once) and never repeat, so no key
 * expires during a run and GT/LT never compare two times a few milliseconds apart.
 */
export function randomCommands(seed: number, count: number): RandomStep[] {
  const rng = new Rng(seed);
  const strings = new Map<string, StringKey>();
  const hashes = new Map<string, HashKey>();
  const sets = new Map<string, { members: Set<string>; ttl: boolean }>();
  const zsets = new Map<string, { members: Set<string>; ttl: boolean }>();
  const usedTimes = new Set<number>();

  const seconds = (): string => {
    let s: number;
    do s = 1000 + rng.int(1_000_000);
    while (usedTimes.has(s * 1000));
    usedTimes.add(s * 1000);
    return String(s);
  };
  const millis = (): string => {
    let ms: number;
    do ms = 1_000_000 + rng.int(1_000_000_000);
    while (usedTimes.has(ms));
    usedTimes.add(ms);
    return String(ms);
  };
  const intValue = (): string => rng.pick(INT_VALUES);
  const value = (): { v: string; int: boolean } => (rng.chance(0.8) ? { v: intValue(), int: true } : { v: rng.pick(TEXT_VALUES), int: false });
  /** A key of the family, most often one believed to exist. */
  const existing = <T>(family: readonly string[], model: Map<string, T>, p = 0.9): string => {
    const have = family.filter((k) => model.has(k));
    return have.length > 0 && rng.chance(p) ? rng.pick(have) : rng.pick(family);
  };
  const stringKey = (p?: number): string => existing(STRING_KEYS, strings, p);
  const hashKey = (p = 0.95): string => existing(HASH_KEYS, hashes, p);
  const anyKey = (): string => {
    const r = rng.next();
    return r < 0.4 ? stringKey() : r < 0.7 ? hashKey() : r < 0.85 ? existing(SET_KEYS, sets, 0.9) : existing(ZSET_KEYS, zsets, 0.9);
  };
  const intStringKey = (): string => {
    const ints = STRING_KEYS.filter((k) => strings.get(k)?.int === true);
    return ints.length > 0 && rng.chance(0.9) ? rng.pick(ints) : stringKey();
  };
  const withTtl = (): string => {
    const timed = [
      ...STRING_KEYS.filter((k) => strings.get(k)?.ttl),
      ...HASH_KEYS.filter((k) => hashes.get(k)?.ttl),
      ...SET_KEYS.filter((k) => sets.get(k)?.ttl),
      ...ZSET_KEYS.filter((k) => zsets.get(k)?.ttl),
    ];
    return timed.length > 0 && rng.chance(0.75) ? rng.pick(timed) : anyKey();
  };
  const field = (k: string, p = 0.85): string => {
    const have = [...(hashes.get(k)?.fields.keys() ?? [])];
    return have.length > 0 && rng.chance(p) ? rng.pick(have) : rng.pick(FIELDS);
  };
  const intField = (k: string): string => {
    const ints = [...(hashes.get(k)?.fields ?? [])].filter(([, isInt]) => isInt).map(([f]) => f);
    return ints.length > 0 && rng.chance(0.95) ? rng.pick(ints) : field(k);
  };

  // Model updates: rough on purpose (NX/XX, GT/LT are approximated).
  const setString = (k: string, int: boolean, ttl: boolean): void => {
    hashes.delete(k);
    strings.set(k, { int, ttl });
  };
  const remove = (k: string): void => {
    strings.delete(k);
    hashes.delete(k);
    sets.delete(k);
    zsets.delete(k);
  };
  const entry = (k: string): { ttl: boolean } | undefined => strings.get(k) ?? hashes.get(k) ?? sets.get(k) ?? zsets.get(k);
  const setTtl = (k: string, ttl: boolean): void => {
    const s = entry(k);
    if (s) s.ttl = ttl;
  };
  const hset = (k: string, pairs: [string, { v: string; int: boolean }][]): void => {
    let h = hashes.get(k);
    if (!h) hashes.set(k, (h = { fields: new Map(), ttl: false }));
    for (const [f, { int }] of pairs) h.fields.set(f, int);
  };
  const fieldPairs = (k: string): [string, { v: string; int: boolean }][] =>
    Array.from({ length: 1 + rng.int(3) }, () => [rng.chance(0.5) ? field(k, 0.6) : rng.pick(FIELDS), value()]);
  const flat = (pairs: [string, { v: string }][]): string[] => pairs.flatMap(([f, { v }]) => [f, v]);
  const expireOpt = (k: string): string[] => {
    if (!rng.chance(0.25)) return [];
    const has = entry(k)?.ttl ?? false;
    // Mostly an option that applies, so the TTL changes more often than not.
    return [rng.chance(0.7) ? (has ? rng.pick(['XX', 'GT', 'LT']) : 'NX') : rng.pick(['NX', 'XX', 'GT', 'LT'])];
  };
  const expired = (k: string, opts: string[]): void => {
    if (entry(k) === undefined) return;
    const has = entry(k)!.ttl;
    const o = opts[0];
    if (o === undefined || (o === 'NX' && !has) || (o !== 'NX' && has)) setTtl(k, true);
  };

  type Gen = [weight: number, make: () => RandomStep];
  const member = (): string => rng.pick(MEMBERS);
  const members = (n: number): string[] => Array.from({ length: 1 + rng.int(n) }, member);
  const setKey = (): string => existing(SET_KEYS, sets, 0.9);
  const zsetKey = (): string => existing(ZSET_KEYS, zsets, 0.9);
  const memberOf = (m: Map<string, { members: Set<string> }>, k: string): string => {
    const have = [...(m.get(k)?.members ?? [])];
    return have.length > 0 && rng.chance(0.8) ? rng.pick(have) : member();
  };
  const setGens = (): Gen[] => [
    [5, () => {
      const k = setKey();
      const ms = members(3);
      let e = sets.get(k);
      if (!e) sets.set(k, (e = { members: new Set(), ttl: false }));
      for (const m of ms) e.members.add(m);
      return plain('SADD', ['SADD', k, ...ms]);
    }],
    [2, () => {
      const k = setKey();
      const ms = [memberOf(sets, k), member()];
      const e = sets.get(k);
      if (e) {
        for (const m of ms) e.members.delete(m);
        if (e.members.size === 0) sets.delete(k);
      }
      return plain('SREM', ['SREM', k, ...ms]);
    }],
    [2, () => compared('SMEMBERS', SORTED, ['SMEMBERS', setKey()])],
    [3, () => {
      const k = setKey();
      return plain('SISMEMBER', ['SISMEMBER', k, memberOf(sets, k)]);
    }],
    [1, () => {
      const k = setKey();
      return plain('SMISMEMBER', ['SMISMEMBER', k, memberOf(sets, k), member()]);
    }],
    [2, () => plain('SCARD', ['SCARD', setKey()])],
    [2, () => {
      const [a, b] = rng.pick(SET_PAIRS);
      const name = rng.pick(['SINTER', 'SUNION', 'SDIFF']);
      return compared(name, SORTED, [name, ...(rng.chance(0.5) ? [a, b] : [b, a])]);
    }],
    [1, () => {
      const [a, b] = rng.pick(SET_PAIRS);
      const name = rng.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']);
      const [dst, src] = rng.chance(0.5) ? [a, b] : [b, a];
      const x = sets.get(dst)?.members ?? new Set<string>();
      const y = sets.get(src)?.members ?? new Set<string>();
      const out = name === 'SINTERSTORE' ? [...x].filter((m) => y.has(m)) : name === 'SUNIONSTORE' ? [...new Set([...x, ...y])] : [...x].filter((m) => !y.has(m));
      remove(dst);
      if (out.length > 0) sets.set(dst, { members: new Set(out), ttl: false });
      return plain(name, [name, dst, dst, src]);
    }],
    [1, () => {
      const [a, b] = rng.pick(SET_PAIRS);
      const m = memberOf(sets, a);
      const src = sets.get(a);
      if (src?.members.has(m)) {
        src.members.delete(m);
        if (src.members.size === 0) sets.delete(a);
        let d = sets.get(b);
        if (!d) sets.set(b, (d = { members: new Set(), ttl: false }));
        d.members.add(m);
      }
      return plain('SMOVE', ['SMOVE', a, b, m]);
    }],
    [1, () => {
      const [a, b] = rng.pick(SET_PAIRS);
      return plain('SINTERCARD', ['SINTERCARD', '2', a, b, ...(rng.chance(0.3) ? ['LIMIT', String(rng.int(3))] : [])]);
    }],
  ];
  const score = (): string => rng.pick(SCORES);
  const range = (): string[] => rng.pick([['0', '-1'], ['0', '1'], ['1', '-2'], ['-2', '-1'], ['5', '10']]);
  const scoreRange = (): string[] => rng.pick([['-inf', '+inf'], ['0', '5'], ['(1', '10'], ['2.5', '(1000'], ['-3', '-3']]);
  const zsetGens = (): Gen[] => [
    [5, () => {
      const k = zsetKey();
      const pairs = Array.from({ length: 1 + rng.int(3) }, () => [score(), rng.chance(0.5) ? memberOf(zsets, k) : member()]);
      const opt = rng.chance(0.25) ? [rng.pick(['NX', 'XX', 'GT', 'LT', 'CH'])] : [];
      let e = zsets.get(k);
      if (!e && opt[0] !== 'XX') zsets.set(k, (e = { members: new Set(), ttl: false }));
      if (e && opt[0] !== 'XX') for (const [, m] of pairs) e.members.add(m!);
      return plain('ZADD', ['ZADD', k, ...opt, ...pairs.flat()]);
    }],
    [2, () => {
      const k = zsetKey();
      const m = memberOf(zsets, k);
      let e = zsets.get(k);
      if (!e) zsets.set(k, (e = { members: new Set(), ttl: false }));
      e.members.add(m);
      return plain('ZINCRBY', ['ZINCRBY', k, score(), m]);
    }],
    [1, () => {
      const k = zsetKey();
      const m = memberOf(zsets, k);
      const e = zsets.get(k);
      if (e) {
        e.members.delete(m);
        if (e.members.size === 0) zsets.delete(k);
      }
      return plain('ZREM', ['ZREM', k, m]);
    }],
    [1, () => plain('ZCARD', ['ZCARD', zsetKey()])],
    [3, () => {
      const k = zsetKey();
      return plain('ZSCORE', ['ZSCORE', k, memberOf(zsets, k)]);
    }],
    [1, () => {
      const k = zsetKey();
      return plain('ZMSCORE', ['ZMSCORE', k, memberOf(zsets, k), member()]);
    }],
    [2, () => {
      const k = zsetKey();
      const name = rng.pick(['ZRANK', 'ZREVRANK']);
      return plain(name, [name, k, memberOf(zsets, k)]);
    }],
    [1, () => plain('ZCOUNT', ['ZCOUNT', zsetKey(), ...scoreRange()])],
    [3, () => {
      const name = rng.pick(['ZRANGE', 'ZREVRANGE']);
      return plain(name, [name, zsetKey(), ...range(), ...(rng.chance(0.5) ? ['WITHSCORES'] : [])]);
    }],
    [1, () => {
      const k = zsetKey();
      const [min, max] = scoreRange();
      const rev = rng.chance(0.3);
      return plain(rev ? 'ZREVRANGEBYSCORE' : 'ZRANGEBYSCORE', [rev ? 'ZREVRANGEBYSCORE' : 'ZRANGEBYSCORE', k, ...(rev ? [max!, min!] : [min!, max!]), ...(rng.chance(0.4) ? ['WITHSCORES'] : []), ...(rng.chance(0.3) ? ['LIMIT', '1', '2'] : [])]);
    }],
    [1, () => {
      const [a, b] = rng.pick(ZSET_PAIRS);
      const [dst, src] = rng.chance(0.5) ? [a, b] : [b, a];
      const s = zsets.get(src);
      remove(dst);
      if (s && s.members.size > 0) zsets.set(dst, { members: new Set(s.members), ttl: false });
      return plain('ZRANGESTORE', ['ZRANGESTORE', dst, src, '0', '-1']);
    }],
  ];
  const plain = (name: string, argv: string[]): RandomStep => ({ step: argv, name });
  const compared = (name: string, how: Compare, argv: string[]): RandomStep => ({ step: { argv, how }, name });

  const gens: Gen[] = [
    // strings
    [5, () => plain('GET', ['GET', stringKey()])],
    [5, () => {
      const k = stringKey(0.7);
      const { v, int } = value();
      const opts: string[] = [];
      let ttl = false;
      const r = rng.int(10);
      if (r === 0) opts.push('NX');
      else if (r === 1) opts.push('XX');
      else if (r === 2) opts.push('GET');
      if (rng.chance(0.35)) {
        const t = rng.int(5);
        if (t === 0) opts.push('EX', seconds());
        else if (t === 1) opts.push('PX', millis());
        else if (t === 2) opts.push('EXAT', String(4102444800 + rng.int(100000)));
        else if (t === 3) opts.push('PXAT', String(4102444800000 + rng.int(100000000)));
        else opts.push('KEEPTTL');
        ttl = t < 4 || (strings.get(k)?.ttl ?? false);
      }
      const skip = (opts.includes('NX') && strings.has(k)) || (opts.includes('XX') && !strings.has(k));
      if (!skip) setString(k, int, ttl);
      return plain('SET', ['SET', k, v, ...opts]);
    }],
    [1, () => {
      const k = stringKey(0.5);
      const { v, int } = value();
      if (!strings.has(k) && !hashes.has(k)) setString(k, int, false);
      return plain('SETNX', ['SETNX', k, v]);
    }],
    [2, () => {
      const k = stringKey(0.7);
      const { v, int } = value();
      setString(k, int, true);
      return rng.chance(0.5) ? plain('SETEX', ['SETEX', k, seconds(), v]) : plain('PSETEX', ['PSETEX', k, millis(), v]);
    }],
    [1, () => {
      const k = stringKey();
      const { v, int } = value();
      setString(k, int, false);
      return plain('GETSET', ['GETSET', k, v]);
    }],
    [1, () => {
      const k = stringKey();
      remove(k);
      return plain('GETDEL', ['GETDEL', k]);
    }],
    [2, () => plain('MGET', ['MGET', ...Array.from({ length: 1 + rng.int(4) }, () => stringKey())])],
    [2, () => {
      const pairs = Array.from({ length: 1 + rng.int(3) }, () => [stringKey(0.6), value()] as const);
      for (const [k, { int }] of pairs) setString(k, int, false);
      return plain('MSET', ['MSET', ...pairs.flatMap(([k, { v }]) => [k, v])]);
    }],
    [1, () => {
      const pairs = Array.from({ length: 1 + rng.int(2) }, () => [rng.pick(STRING_KEYS), value()] as const);
      if (pairs.every(([k]) => !strings.has(k))) for (const [k, { int }] of pairs) setString(k, int, false);
      return plain('MSETNX', ['MSETNX', ...pairs.flatMap(([k, { v }]) => [k, v])]);
    }],
    [6, () => {
      const k = intStringKey();
      const name = rng.pick(['INCR', 'DECR', 'INCRBY', 'DECRBY']);
      if (!strings.has(k)) setString(k, true, false);
      return plain(name, name.endsWith('BY') ? [name, k, String(rng.int(200) - 100)] : [name, k]);
    }],
    [2, () => {
      const k = stringKey();
      const digits = rng.chance(0.6);
      const v = digits ? String(rng.int(10)) : rng.pick(TEXT_VALUES);
      const was = strings.get(k);
      if (!hashes.has(k)) setString(k, digits && (was?.int ?? true), was?.ttl ?? false);
      return plain('APPEND', ['APPEND', k, v]);
    }],
    [1, () => plain('STRLEN', ['STRLEN', stringKey()])],
    [1, () => plain('GETRANGE', ['GETRANGE', stringKey(), rng.pick(['0', '-1', '1', '-3', '100']), rng.pick(['0', '-1', '2', '-10', '50'])])],
    [1, () => {
      const k = stringKey();
      const s = strings.get(k);
      if (!hashes.has(k)) setString(k, false, s?.ttl ?? false);
      return plain('SETRANGE', ['SETRANGE', k, rng.pick(['0', '1', '3', '10']), rng.pick(['x', '12', 'abc'])]);
    }],
    [2, () => {
      const k = stringKey();
      const opt = rng.pick([[], ['PERSIST'], ['EX', seconds()], ['PX', millis()], ['EXAT', String(4102444800 + rng.int(100000))]]);
      if (opt.length > 0) setTtl(k, opt[0] !== 'PERSIST');
      return plain('GETEX', ['GETEX', k, ...opt]);
    }],
    // keys
    [2, () => {
      const ks = Array.from({ length: 1 + rng.int(2) }, () => anyKey());
      for (const k of ks) remove(k);
      const name = rng.pick(['DEL', 'UNLINK']);
      return plain(name, [name, ...ks]);
    }],
    [2, () => {
      const name = rng.pick(['EXISTS', 'TOUCH']);
      return plain(name, [name, ...Array.from({ length: 1 + rng.int(4) }, () => anyKey())]);
    }],
    [1, () => plain('TYPE', ['TYPE', anyKey()])],
    [5, () => {
      const k = anyKey();
      const opts = expireOpt(k);
      expired(k, opts);
      const t = rng.int(4);
      if (t === 0) return plain('EXPIRE', ['EXPIRE', k, seconds(), ...opts]);
      if (t === 1) return plain('PEXPIRE', ['PEXPIRE', k, millis(), ...opts]);
      if (t === 2) return plain('EXPIREAT', ['EXPIREAT', k, String(4102444800 + rng.int(1_000_000)), ...opts]);
      return plain('PEXPIREAT', ['PEXPIREAT', k, String(4102444800000 + rng.int(1_000_000_000)), ...opts]);
    }],
    [1, () => {
      // A time in the past deletes the key at once.
      const k = anyKey();
      remove(k);
      return plain('EXPIRE', rng.chance(0.5) ? ['EXPIRE', k, rng.pick(['0', '-1'])] : ['PEXPIREAT', k, '1']);
    }],
    [5, () => {
      const name = rng.pick(['TTL', 'TTL', 'PTTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']);
      return compared(name, name.startsWith('P') ? PTTL : TTL, [name, withTtl()]);
    }],
    [1, () => {
      const k = withTtl();
      setTtl(k, false);
      return plain('PERSIST', ['PERSIST', k]);
    }],
    [1, () => {
      const family = rng.chance(0.5) ? STRING_KEYS : HASH_KEYS;
      const from = family === STRING_KEYS ? stringKey() : hashKey();
      const to = rng.pick(family);
      const nx = rng.chance(0.3);
      const src = strings.get(from) ?? hashes.get(from);
      if (src && from !== to && (!nx || (!strings.has(to) && !hashes.has(to)))) {
        remove(to);
        if (strings.has(from)) strings.set(to, strings.get(from)!);
        else hashes.set(to, hashes.get(from)!);
        remove(from);
      }
      return plain(nx ? 'RENAMENX' : 'RENAME', [nx ? 'RENAMENX' : 'RENAME', from, to]);
    }],
    [1, () => compared('KEYS', SORTED, ['KEYS', rng.pick(['*', 'a*', '?', '[hn]*', '*b', 'h*'])])],
    [1, () => plain('DBSIZE', ['DBSIZE'])],
    // hashes
    [6, () => {
      const k = hashKey(0.8);
      const pairs = fieldPairs(k);
      hset(k, pairs);
      return plain(rng.chance(0.8) ? 'HSET' : 'HMSET', [rng.chance(0.8) ? 'HSET' : 'HMSET', k, ...flat(pairs)]);
    }],
    [1, () => {
      const k = hashKey();
      const f = field(k, 0.5);
      const v = value();
      if (!hashes.get(k)?.fields.has(f)) hset(k, [[f, v]]);
      return plain('HSETNX', ['HSETNX', k, f, v.v]);
    }],
    [6, () => {
      const k = hashKey();
      return plain('HGET', ['HGET', k, field(k, 0.95)]);
    }],
    [2, () => {
      const k = hashKey();
      return plain('HMGET', ['HMGET', k, field(k), field(k)]);
    }],
    [1, () => {
      const k = hashKey();
      const fs = [field(k), field(k)];
      const h = hashes.get(k);
      if (h) {
        for (const f of fs) h.fields.delete(f);
        if (h.fields.size === 0) hashes.delete(k);
      }
      return plain('HDEL', ['HDEL', k, ...fs]);
    }],
    [2, () => plain('HGETALL', ['HGETALL', hashKey()])],
    [2, () => {
      const name = rng.pick(['HLEN', 'HKEYS', 'HVALS']);
      return plain(name, [name, hashKey()]);
    }],
    [2, () => {
      const k = hashKey();
      return plain('HEXISTS', ['HEXISTS', k, field(k)]);
    }],
    [6, () => {
      const k = hashKey();
      const f = intField(k);
      if (!hashes.get(k)?.fields.has(f) && !strings.has(k)) hset(k, [[f, { v: '0', int: true }]]);
      return plain('HINCRBY', ['HINCRBY', k, f, String(rng.int(200) - 100)]);
    }],
    [1, () => {
      const k = hashKey();
      return plain('HSTRLEN', ['HSTRLEN', k, field(k)]);
    }],
    [1, () => plain('HSCAN', ['HSCAN', hashKey(), '0', ...(rng.chance(0.3) ? ['MATCH', rng.pick(['f*', '?', '*'])] : [])])],
    [1, () => plain('PING', rng.chance(0.5) ? ['PING'] : ['ECHO', value().v])],
    // sets (Redis 7.0 keeps a small set of integers sorted, others in a hash
    // table: whole-set replies are compared as multisets)
    ...setGens(),
    // sorted sets
    ...zsetGens(),
  ];

  // Mistakes, at a small fixed rate: a command of one type on a key of the
  // other, a bad integer, one argument too few or too many.
  // Only on keys believed to exist: INCR, APPEND, HSET or HINCRBY on a missing
  // key would create one of the other type and leave the model wrong.
  const wrongType = (): RandomStep => {
    const s = existing(STRING_KEYS, strings, 1);
    const h = existing(HASH_KEYS, hashes, 1);
    const plain = (_: string, argv: string[]): RandomStep => ({ step: argv, name: 'wrong type' });
    if (!strings.has(s) || !hashes.has(h)) return plain('GET', ['GET', h]);
    return rng.pick<() => RandomStep>([
      () => plain('GET', ['GET', h]),
      () => plain('INCR', ['INCR', h]),
      () => plain('APPEND', ['APPEND', h, 'x']),
      () => plain('HGET', ['HGET', s, 'f']),
      () => plain('HSET', ['HSET', s, 'f', '1']),
      () => plain('HINCRBY', ['HINCRBY', s, 'f', '1']),
    ])();
  };
  const badArgument = (): RandomStep => {
    const s = stringKey();
    const h = hashKey();
    const plain = (_: string, argv: string[]): RandomStep => ({ step: argv, name: 'bad argument' });
    return rng.pick<() => RandomStep>([
      () => plain('INCRBY', ['INCRBY', s, rng.pick(BAD_INTS)]),
      () => plain('HINCRBY', ['HINCRBY', h, field(h), rng.pick(BAD_INTS)]),
      () => plain('EXPIRE', ['EXPIRE', s, rng.pick(['x', '', LLONG_MAX]), ...rng.pick([[], ['FOO'], ['NX', 'XX']])]),
      () => plain('SET', ['SET', s, 'v', rng.pick(['BAD', 'EX', 'NX', 'PX'].slice(rng.int(4))), rng.pick(['XX', '0', 'x'])]),
      () => plain('GETEX', ['GETEX', s, 'FOO']),
      () => plain('INCR', ['INCR', s, 'extra']),
      () => plain('HGET', ['HGET', h]),
      () => plain('HSET', ['HSET', h, 'f']),
      () => plain('GETRANGE', ['GETRANGE', s, 'x', '1']),
    ])();
  };

  const total = gens.reduce((n, [w]) => n + w, 0);
  const out: RandomStep[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.04) out.push(wrongType());
    else if (r < 0.07) out.push(badArgument());
    else {
      let w = rng.int(total);
      let g = 0;
      while (w >= gens[g]![0]) w -= gens[g++]![0];
      out.push(gens[g]![1]());
    }
  }
  return out;
}

/** What a sequence did, counted from one server's replies. */
export class Mix {
  total = 0;
  errors = 0;
  readonly byName = new Map<string, { count: number; errors: number; hits: number }>();

  /** Counts `reply` to a step named `name`. */
  add(name: string, reply: string): void {
    this.total++;
    const isError = reply[0] === '-' || reply[0] === '!';
    if (isError) this.errors++;
    let c = this.byName.get(name);
    if (!c) this.byName.set(name, (c = { count: 0, errors: 0, hits: 0 }));
    c.count++;
    if (isError) c.errors++;
    else if (isHit(name, reply)) c.hits++;
  }

  /** Steps named any of `names`, and how many of them hit (see isHit). */
  of(...names: string[]): { count: number; errors: number; hits: number } {
    const sum = { count: 0, errors: 0, hits: 0 };
    for (const n of names) {
      const c = this.byName.get(n);
      if (c) {
        sum.count += c.count;
        sum.errors += c.errors;
        sum.hits += c.hits;
      }
    }
    return sum;
  }

  /** Steps whose command name starts with `prefix` (S: sets, Z: sorted sets, H: hashes), but for the string commands SET*, STRLEN. */
  share(prefix: string): number {
    let n = 0;
    for (const [name, c] of this.byName) if (name.startsWith(prefix) && !/^(SET|STRLEN)/.test(name)) n += c.count;
    return n;
  }

  get nonErrorShare(): number {
    return this.total === 0 ? 0 : (this.total - this.errors) / this.total;
  }

  summary(): string {
    const pct = (a: number, b: number): string => `${b === 0 ? 0 : Math.round((100 * a) / b)}%`;
    const hget = this.of('HGET');
    const hincr = this.of('HINCRBY');
    const ttl = this.of('TTL', 'PTTL');
    const get = this.of('GET');
    const hashCmds = this.share('H');
    return (
      `${this.total} commands, ${pct(this.total - this.errors, this.total)} non-error replies; ` +
      `GET found a value ${get.hits}/${get.count}, HGET ${hget.hits}/${hget.count}, HINCRBY succeeded ${hincr.count - hincr.errors}/${hincr.count}, ` +
      `TTL/PTTL positive ${ttl.hits}/${ttl.count}, SISMEMBER true ${this.of('SISMEMBER').hits}/${this.of('SISMEMBER').count}, ZSCORE found ${this.of('ZSCORE').hits}/${this.of('ZSCORE').count}; ` +
      `hash commands ${pct(hashCmds, this.total)} of all, set ${pct(this.share('S'), this.total)}, sorted set ${pct(this.share('Z'), this.total)}`
    );
  }
}

/** A reply that shows the command met real data: a value found, a positive TTL. */
function isHit(name: string, reply: string): boolean {
  switch (name) {
    case 'GET':
    case 'HGET':
      return reply[0] === '$' && reply[1] !== '-';
    case 'TTL':
    case 'PTTL':
      return /^:[1-9]/.test(reply);
    case 'HGETALL':
    case 'SMEMBERS':
      return /^[*%~][1-9]/.test(reply);
    case 'SISMEMBER':
      return reply === ':1\r\n';
    case 'ZSCORE':
      return reply[0] === '$' ? reply[1] !== '-' : reply[0] === ',';
    default:
      return reply[0] !== '-' && reply[0] !== '!';
  }
}
