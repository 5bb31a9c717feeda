// INCRBYFLOAT / HINCRBYFLOAT long double emulation: fixed cases checked by hand
// against redis-server 7.0.15, then a seeded differential run against a real
// redis-server (and our own node, to cover the command handlers' error order).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addLongDoubles,
  formatFixed17,
  formatLongDoubleHuman,
  incrByFloat,
  parseLongDouble,
  type LongDouble,
} from './float-format.js';
import { startRedis, startSingleNode, type ExternalServer, type TestCluster } from '../../client-tests/support/servers.js';
import { RawClient } from '../../client-tests/support/raw.js';
import { describeWithRedis } from '../../client-tests/support/redis-rule.js';

function incr(current: string | undefined, increment: string): string {
  const r = incrByFloat(current, increment);
  return 'value' in r ? r.value : `error:${r.error}`;
}

function ld(s: string): LongDouble {
  const v = parseLongDouble(s);
  if (v === null) throw new Error(`not a long double: ${s}`);
  return v;
}

describe('parseLongDouble (string2ld)', () => {
  test('accepts strtold syntax', () => {
    for (const s of ['1', '+1', '-1', '.5', '5.', '+.5e1', '1.e3', '00012', '1e+05', '1.5E3', '0x10', '0x1.8p3', '0X1P-2', '0x.8', '0x8.p-1', '-0x1p-1', '-0', '0e99999999999', '1e00000000000000000000000000000000001']) {
      expect(parseLongDouble(s), s).not.toBeNull();
    }
    expect(ld('inf')).toEqual({ kind: 'inf', neg: false });
    expect(ld('-Infinity')).toEqual({ kind: 'inf', neg: true });
    expect(ld('+INF')).toEqual({ kind: 'inf', neg: false });
  });

  test('refuses what Redis refuses', () => {
    const bad = ['', ' 1', '1 ', '\t1', '1\n', 'nan', 'NaN', '-nan', 'nan(1)', 'infinit', 'infinityx', '0x', '0x.p1', '0x1p', '1e', '1e+', '.', '+', '-', '++1', '-+1', '1e+-1', '1_0', '1,5', '1.2.3', 'abc', '1\u00002', '\u0000', '1.5\u0000'];
    for (const s of bad) expect(parseLongDouble(s), JSON.stringify(s)).toBeNull();
  });

  test('overflow and underflow to zero are refused, subnormals kept', () => {
    for (const s of ['1e5000', '-1e5000', '1e-5000', '1e-4951', '1.8e-4951', '1.18973149535723176508e+4932', '0x1p16384', '0x1.ffffffffffffffffp16383', '0x1p-16446', '0x1p-16447', '1e-99999999999999999999', '0.0000000000000000000000001e99999999999999999', '00000000000000000001e-4952']) {
      expect(parseLongDouble(s), s).toBeNull();
    }
    expect(ld('0x1p-16445')).toEqual({ kind: 'finite', neg: false, m: 1n, q: -16445 });
    expect(ld('0x1.8p-16446')).toEqual({ kind: 'finite', neg: false, m: 1n, q: -16445 });
    expect(ld('1.9e-4951')).toEqual({ kind: 'finite', neg: false, m: 1n, q: -16445 });
    expect(ld('4e-4951').kind).toBe('finite');
    expect(ld('1.18973149535723176505e+4932')).toEqual({ kind: 'finite', neg: false, m: (1n << 64n) - 1n, q: 16320 });
  });

  test('length limit is MAX_LONG_DOUBLE_CHARS (5120)', () => {
    expect(parseLongDouble('1.' + '0'.repeat(5117))).not.toBeNull(); // 5119 bytes
    expect(parseLongDouble('1.' + '0'.repeat(5118))).toBeNull(); // 5120 bytes
  });

  test('rounds to nearest even with a 64-bit significand', () => {
    // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: even significand wins.
    expect(incr(undefined, '18446744073709551617')).toBe('18446744073709551616');
    expect(incr(undefined, '18446744073709551619')).toBe('18446744073709551620');
    expect(incr(undefined, '9223372036854775807')).toBe('9223372036854775807');
    expect(ld('0.1')).toEqual({ kind: 'finite', neg: false, m: 14757395258967641293n, q: -67 });
  });
});

describe('formatting (%.17Lf, trimmed)', () => {
  test('exact ties round half to even at the 17th decimal', () => {
    expect(incr(undefined, '0.000003814697265625')).toBe('0.00000381469726562'); // 2^-18
    expect(formatFixed17(ld('0x3p-18'))).toBe('0.00001144409179688'); // 3 * 2^-18 = ...1144409179687|5
  });

  test('trailing zeros, point and negative zero', () => {
    expect(incr(undefined, '-0')).toBe('0');
    expect(incr(undefined, '-0.0')).toBe('0');
    expect(incr(undefined, '-1e-20')).toBe('0');
    expect(incr(undefined, '1e-20')).toBe('0');
    expect(incr('10.50', '0.1')).toBe('10.6');
    expect(incr('0.1', '0.2')).toBe('0.3');
    expect(incr('1.1', '0')).toBe('1.1');
    expect(incr('5.0e3', '2.0e2')).toBe('5200');
    expect(incr(undefined, '-0x1p-1')).toBe('-0.5');
    expect(formatLongDoubleHuman(ld('-0'))).toBe('0');
  });

  test('huge values print every integer digit', () => {
    const big = incr(undefined, '1e4932');
    expect(big).toMatch(/^100000000000000000000601894938796389132383777425453311477378504135253301948660872240753332777943314277366652556366627768/);
    expect(big).toHaveLength(4933);
    expect(incr(undefined, '-1e4932')).toBe('-' + big);
    expect(incr(undefined, '1.18973149535723176505e+4932')).toMatch(/^11897314953572317650212638530309702051690633222946242004403237338917370055229707226164102903365288828535456978074955773144274431536702884341981255738537436786735932007069732632019159182829615243655295/);
  });
});

describe('incrByFloat / addLongDoubles', () => {
  test('errors', () => {
    expect(incr('abc', '1')).toBe('error:not-float-current');
    expect(incr('abc', 'abc')).toBe('error:not-float-current');
    expect(incr('1', 'abc')).toBe('error:not-float-increment');
    expect(incr(undefined, 'inf')).toBe('error:nan');
    expect(incr('inf', '1')).toBe('error:nan');
    expect(incr('-inf', 'inf')).toBe('error:nan');
    expect(incr('1e4932', '1e4932')).toBe('error:nan');
    expect(incr('', '1')).toBe('error:not-float-current');
  });

  test('sums are exact then rounded', () => {
    // 1e20 needs 67 bits: its ulp is 8, so +1 is lost and +8 is not.
    expect(incr('1e20', '1')).toBe('100000000000000000000');
    expect(incr('1e20', '8')).toBe('100000000000000000008');
    expect(incr('1e20', '-1e20')).toBe('0');
    expect(incr('0x1p-16445', '0x1p-16445')).toBe('0');
    expect(addLongDoubles(ld('0x1p-16445'), ld('0x1p-16445'))).toEqual({ kind: 'finite', neg: false, m: 2n, q: -16445 });
    expect(addLongDoubles(ld('-0'), ld('-0'))).toMatchObject({ neg: true, m: 0n });
    expect(addLongDoubles(ld('-0'), ld('0'))).toMatchObject({ neg: false, m: 0n });
    expect(addLongDoubles(ld('inf'), ld('-inf'))).toBeNull();
    // 2^64 + 1 is not representable: the 1 is lost, ties to even.
    expect(incr('18446744073709551616', '1')).toBe('18446744073709551616');
    expect(incr('18446744073709551616', '3')).toBe('18446744073709551620');
  });
});

// ---------------------------------------------------------------------------
// Differential run against a real redis-server.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSIC = ['0', '-0', '1', '-1', '0.1', '0.2', '0.3', '-0.1', '10.5', '1.1', '2.5', '1e-5', '1e20', '-1e20', '5e300', '3.0e-4000', '1e-20', '5.0e3', '17179869184', '9223372036854775807', '-9223372036854775808', '18446744073709551615', '18446744073709551617', '3.14159265358979323846264338327950288', '1e4932', '-1e4932', '1.18973149535723176505e+4932', '4e-4951', '1.9e-4951', '0x1p-16445', '0.000003814697265625', 'inf', '-inf', 'Infinity', 'nan', '', ' 1', '1 ', 'abc', '1e', '0x', '1e5000', '1e-5000', '0.1e1', '.5', '5.'];

function makeGen(rand: () => number): () => string {
  const ri = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const digits = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(ri(0, 9));
    return s;
  };
  const sign = (): string => (rand() < 0.3 ? '-' : rand() < 0.05 ? '+' : '');
  const gens: (() => string)[] = [
    () => CLASSIC[ri(0, CLASSIC.length - 1)]!,
    () => `${sign()}${ri(0, 999)}.${digits(ri(1, 6))}`,
    () => `${sign()}${ri(0, 99)}.${digits(ri(1, 2))}`,
    () => `${sign()}${String(ri(1, 9))}${digits(ri(0, 20))}`,
    () => `${sign()}${ri(1, 9)}${rand() < 0.5 ? '.' + digits(ri(1, 19)) : ''}e${ri(-30, 30)}`,
    () => `${sign()}${ri(1, 9)}.${digits(ri(0, 19))}e${ri(-400, 400)}`,
    () => `${sign()}${ri(1, 9)}.${digits(ri(0, 25))}e${rand() < 0.5 ? ri(4900, 4933) : ri(-4955, -4900)}`,
    () => `${sign()}${digits(ri(1, 30))}.${digits(ri(1, 30))}`,
    () => {
      // k / 2^n written out exactly: ties and near-ties at the 17th decimal.
      const n = ri(15, 24);
      const k = BigInt(ri(0, 1 << 20) * 2 + 1) + (rand() < 0.3 ? BigInt(ri(1, 1000)) << BigInt(n) : 0n);
      const s = (k * 5n ** BigInt(n)).toString().padStart(n + 1, '0');
      return `${sign()}${s.slice(0, -n)}.${s.slice(-n)}`;
    },
    () => `${sign()}0x${ri(1, 0xffff).toString(16)}${rand() < 0.5 ? '.' + ri(0, 0xffffff).toString(16) : ''}p${ri(-70, 70)}`,
    () => `${sign()}0.${'0'.repeat(ri(0, 20))}${ri(1, 9)}${digits(ri(0, 8))}`,
  ];
  return () => gens[ri(0, gens.length - 1)]!();
}

interface Case {
  hash: boolean;
  current: string | undefined;
  increment: string;
}

function makeCases(seed: number, n: number): Case[] {
  const rand = mulberry32(seed);
  const gen = makeGen(rand);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const current = rand() < 0.1 ? undefined : gen();
    let increment = gen();
    if (current !== undefined && rand() < 0.1) {
      // Near cancellation: -current, nudged a little.
      const neg = current.startsWith('-') ? current.slice(1) : current.startsWith('+') ? '-' + current.slice(1) : '-' + current;
      increment = rand() < 0.5 ? neg : `${neg}${/[eEpxX]/.test(neg) ? '' : (neg.includes('.') ? '' : '.') + '0000000000000001'}`;
    }
    cases.push({ hash: rand() < 0.25, current, increment });
  }
  return cases;
}

function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
}

function resp(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map(bulk).join('');
}

const err = (msg: string): string => `-ERR ${msg}\r\n`;

/** The reply our emulation predicts for a case. */
function predict(c: Case): string {
  if (c.hash) {
    const by = parseLongDouble(c.increment);
    if (by === null) return err('value is not a valid float');
    if (by.kind === 'inf') return err('value is NaN or Infinity');
    const r = incrByFloat(c.current, by);
    if ('value' in r) return bulk(r.value);
    return err(r.error === 'nan' ? 'increment would produce NaN or Infinity' : 'hash value is not a float');
  }
  const r = incrByFloat(c.current, c.increment);
  if ('value' in r) return bulk(r.value);
  return err(r.error === 'nan' ? 'increment would produce NaN or Infinity' : 'value is not a valid float');
}

/** Sets up and runs every case on one connection; the INCRBYFLOAT/HINCRBYFLOAT replies, in order. */
async function run(client: RawClient, cases: Case[], prefix: string): Promise<string[]> {
  const out: string[] = [];
  const batch = 250;
  for (let start = 0; start < cases.length; start += batch) {
    let wire = '';
    let expect = 0;
    const slice = cases.slice(start, start + batch);
    slice.forEach((c, j) => {
      const key = `${prefix}:${start + j}`;
      if (c.current !== undefined) {
        wire += resp(c.hash ? ['HSET', key, 'f', c.current] : ['SET', key, c.current]);
        expect++;
      }
      wire += resp(c.hash ? ['HINCRBYFLOAT', key, 'f', c.increment] : ['INCRBYFLOAT', key, c.increment]);
      expect++;
    });
    client.send(wire);
    const replies = await client.replies(expect, 10_000);
    let k = 0;
    for (const c of slice) {
      if (c.current !== undefined) k++;
      out.push(replies[k++]!);
    }
  }
  return out;
}


describeWithRedis('differential against redis-server', () => {
  let redis: ExternalServer;
  let node: TestCluster;
  let redisClient: RawClient;
  let nodeClient: RawClient;

  beforeAll(async () => {
    redis = await startRedis();
    node = await startSingleNode();
    redisClient = await RawClient.connect(redis.port);
    nodeClient = await RawClient.connect(node.ports['solo']!);
  });

  afterAll(async () => {
    redisClient?.close();
    nodeClient?.close();
    await redis?.stop();
    await node?.stop();
  });

  test('seeded INCRBYFLOAT / HINCRBYFLOAT pairs give identical replies', async () => {
    // FLOAT_DIFF_SEED / FLOAT_DIFF_CASES widen the sweep by hand; the defaults run in well under a second.
    const seed = Number(process.env['FLOAT_DIFF_SEED'] ?? 0x5eed1234);
    const count = Number(process.env['FLOAT_DIFF_CASES'] ?? 4000);
    const cases = makeCases(seed, count);
    const fromRedis = await run(redisClient, cases, 'd');
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const mine = predict(c);
      if (mine !== fromRedis[i]) mismatches.push(`${JSON.stringify(c)}: redis ${JSON.stringify(fromRedis[i])} ours ${JSON.stringify(mine)}`);
    });
    expect(mismatches.slice(0, 10), `${mismatches.length} of ${cases.length} differ`).toEqual([]);
    const values = fromRedis.filter((r) => r.startsWith('$')).length;
    const fractional = fromRedis.filter((r) => r.startsWith('$') && r.includes('.')).length;
    console.log(
      `float-format differential (seed ${seed}): ${cases.length - mismatches.length}/${cases.length} cases matched redis-server ` +
        `(${values} values, ${fractional} with a fraction, ${cases.length - values} errors)`,
    );
    // The generator must keep producing mostly real sums, not just errors.
    expect(values).toBeGreaterThan(cases.length * 0.6);
  });

  test('the command handlers reply as Redis does, byte for byte', async () => {
    const cases = makeCases(0xfeed, 600);
    const fromRedis = await run(redisClient, cases, 'n');
    const fromNode = await run(nodeClient, cases, 'n');
    const mismatches = cases.flatMap((c, i) => (fromRedis[i] === fromNode[i] ? [] : [`${JSON.stringify(c)}: redis ${JSON.stringify(fromRedis[i])} node ${JSON.stringify(fromNode[i])}`]));
    expect(mismatches.slice(0, 10), `${mismatches.length} of ${cases.length} differ`).toEqual([]);
  });

  test('error order: type checks versus increment checks', async () => {
    const script: string[][] = [
      ['SET', 'eo:s', 'x'],
      ['HINCRBYFLOAT', 'eo:s', 'f', 'inf'],
      ['HINCRBYFLOAT', 'eo:s', 'f', 'abc'],
      ['HINCRBYFLOAT', 'eo:s', 'f', '1'],
      ['HSET', 'eo:h', 'f', 'abc'],
      ['INCRBYFLOAT', 'eo:h', 'abc'],
      ['HINCRBYFLOAT', 'eo:h', 'f', '1'],
      ['HINCRBYFLOAT', 'eo:h', 'f', 'nan'],
      ['HINCRBYFLOAT', 'eo:h', 'g', '1e4932'],
      ['HINCRBYFLOAT', 'eo:h', 'g', '1e4932'],
      ['HGET', 'eo:h', 'g'],
      ['SET', 'eo:k', 'inf'],
      ['INCRBYFLOAT', 'eo:k', '1'],
      ['SET', 'eo:k', '0x10'],
      ['INCRBYFLOAT', 'eo:k', '0.5'],
      ['GET', 'eo:k'],
      ['INCRBYFLOAT', 'eo:k', '-inf'],
      ['GET', 'eo:k'],
    ];
    const a: string[] = [];
    const b: string[] = [];
    for (const argv of script) {
      a.push(await redisClient.command(...argv));
      b.push(await nodeClient.command(...argv));
    }
    expect(b).toEqual(a);
  });
});
