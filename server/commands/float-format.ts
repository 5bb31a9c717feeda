// INCRBYFLOAT / HINCRBYFLOAT arithmetic, exactly as Redis 7.0 does it on x86-64:
// both operands are parsed with strtold() into an 80-bit x87 long double
// (64-bit significand, round-to-nearest-even, subnormals), added in long
// double, and the sum printed with "%.17Lf" then trimmed (util.c string2ld,
// ld2string LD_STR_HUMAN; t_string.c incrbyfloatCommand; t_hash.c
// hincrbyfloatCommand). Everything is emulated with BigInt, so every result is
// the byte-for-byte string a real redis-server would store and reply.

/**
 * An x87 extended-precision value: |value| = m * 2^q with 0 <= m < 2^64, or an
 * infinity. (NaN never needs representing: string2ld refuses it and a NaN sum
 * is an error.)
 */
export type LongDouble =
  | { readonly kind: 'finite'; readonly neg: boolean; readonly m: bigint; readonly q: number }
  | { readonly kind: 'inf'; readonly neg: boolean };

/** Exponent of the smallest subnormal (2^-16445): the finest ulp there is. */
const MIN_Q = -16445;
/** Values of 2^16384 and beyond overflow to infinity. */
const OVERFLOW_LOG2 = 16384;
/** util.h MAX_LONG_DOUBLE_CHARS: string2ld refuses strings of this length and more. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;
const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;
const TEN_17 = 10n ** 17n;

export const LD_ZERO: LongDouble = { kind: 'finite', neg: false, m: 0n, q: 0 };

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/**
 * num/den (both > 0) rounded to the nearest long double, ties to even.
 * 'inf' on overflow, 'zero' when it rounds to zero (strtold's ERANGE cases).
 */
function roundRatio(neg: boolean, num: bigint, den: bigint): LongDouble | 'zero' {
  // e = floor(log2(num/den))
  let e = bitLength(num) - bitLength(den);
  if (e >= 0 ? num < den << BigInt(e) : num << BigInt(-e) < den) e--;
  if (e >= OVERFLOW_LOG2) return { kind: 'inf', neg };
  let q = Math.max(e - 63, MIN_Q);
  let n = num;
  let d = den;
  if (q >= 0) d <<= BigInt(q);
  else n <<= BigInt(-q);
  let m = n / d;
  const twice = (n - m * d) * 2n;
  if (twice > d || (twice === d && (m & 1n) === 1n)) m++;
  if (m === 0n) return 'zero';
  if (m === TWO_64) {
    m = TWO_63;
    q++;
  }
  if (bitLength(m) + q > OVERFLOW_LOG2) return { kind: 'inf', neg };
  return { kind: 'finite', neg, m, q };
}

/** |value| = n * 2^p, rounded. */
function roundBinary(neg: boolean, n: bigint, p: number): LongDouble | 'zero' {
  return p >= 0 ? roundRatio(neg, n << BigInt(p), 1n) : roundRatio(neg, n, 1n << BigInt(-p));
}

/** An exponent's digits as a number, clamped far beyond any meaningful range. */
function exponentValue(sign: string | undefined, digits: string): number {
  const trimmed = digits.replace(/^0+/, '');
  const v = trimmed.length > 9 ? 1e9 : Number(trimmed || '0');
  return sign === '-' ? -v : v;
}

const DECIMAL = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?)(\d+))?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?)(\d+))?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/**
 * util.c string2ld(): strtold() on the whole string, refused when it is empty,
 * 5120 bytes or longer, starts with a space, has anything strtold does not
 * consume (including an embedded NUL), is NaN, or overflows / underflows to
 * zero (ERANGE). Accepts what glibc strtold does: decimal with optional
 * fraction and exponent, hexadecimal floats ("0x1.8p3"), "inf"/"infinity".
 * Returns null where Redis replies "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  let m = INFINITY.exec(s);
  if (m) return { kind: 'inf', neg: m[1] === '-' };
  let neg: boolean;
  let r: LongDouble | 'zero';
  if ((m = DECIMAL.exec(s))) {
    neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const all = (intDigits + fracDigits).replace(/^0+/, '');
    if (all === '') return { kind: 'finite', neg, m: 0n, q: 0 };
    // value = all * 10^exp10, with 10^(nd-1) <= all < 10^nd
    const exp10 = exponentValue(m[5], m[6] ?? '0') - fracDigits.length;
    const nd = all.length;
    if (nd - 1 + exp10 >= 4933) return null; // >= 1e4933: beyond LDBL_MAX (1.19e4932)
    if (nd + exp10 <= -4952) return null; // < 1e-4952: below half the smallest subnormal
    const digits = BigInt(all);
    r = exp10 >= 0 ? roundRatio(neg, digits * 10n ** BigInt(exp10), 1n) : roundRatio(neg, digits, 10n ** BigInt(-exp10));
  } else if ((m = HEX.exec(s))) {
    neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const all = (intDigits + fracDigits).replace(/^0+/, '');
    if (all === '') return { kind: 'finite', neg, m: 0n, q: 0 };
    const n = BigInt('0x' + all);
    const exp2 = exponentValue(m[5], m[6] ?? '0') - 4 * fracDigits.length;
    const bits = bitLength(n);
    if (bits - 1 + exp2 >= OVERFLOW_LOG2) return null;
    if (bits + exp2 < MIN_Q - 1) return null; // < 2^-16446: rounds to zero
    r = roundBinary(neg, n, exp2);
  } else {
    return null;
  }
  if (r === 'zero' || r.kind === 'inf') return null; // ERANGE with HUGE_VAL or 0
  return r;
}

/** a + b in long double; null when the sum is NaN (inf + -inf). */
export function addLongDoubles(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.kind === 'inf' || b.kind === 'inf') {
    if (a.kind === 'inf' && b.kind === 'inf' && a.neg !== b.neg) return null;
    return a.kind === 'inf' ? a : b;
  }
  const q = Math.min(a.q, b.q);
  const sa = a.m << BigInt(a.q - q);
  const sb = b.m << BigInt(b.q - q);
  const sum = (a.neg ? -sa : sa) + (b.neg ? -sb : sb);
  // Round-to-nearest: an exact zero is +0 unless both operands are -0.
  if (sum === 0n) return { kind: 'finite', neg: a.neg && b.neg && a.m === 0n && b.m === 0n, m: 0n, q: 0 };
  const r = roundBinary(sum < 0n, sum < 0n ? -sum : sum, q);
  // A sum of multiples of 2^-16445 is one too, so it never rounds to zero.
  return r === 'zero' ? LD_ZERO : r;
}

/** glibc printf("%.17Lf"): the exact binary value, rounded half-even at the 17th decimal. */
export function formatFixed17(x: LongDouble): string {
  if (x.kind === 'inf') return x.neg ? '-inf' : 'inf';
  let scaled: bigint; // round(|x| * 10^17)
  if (x.q >= 0) {
    scaled = (x.m << BigInt(x.q)) * TEN_17;
  } else {
    const shift = BigInt(-x.q);
    const n = x.m * TEN_17;
    scaled = n >> shift;
    const rem = n - (scaled << shift);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (scaled & 1n) === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(18, '0');
  return (x.neg ? '-' : '') + digits.slice(0, -17) + '.' + digits.slice(-17);
}

/** util.c ld2string(LD_STR_HUMAN) for a finite value: "%.17Lf", trailing zeros and '.' removed, "-0" -> "0". */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.kind === 'inf') return x.neg ? '-inf' : 'inf';
  let out = formatFixed17(x).replace(/0+$/, '').replace(/\.$/, '');
  if (out === '-0') out = '0';
  return out;
}

export type IncrByFloatResult =
  | { value: string }
  | { error: 'not-float-current' | 'not-float-increment' | 'nan' };

/**
 * current + increment as Redis stores it. `current` undefined is a missing
 * key or field (0). Errors: 'not-float-current' / 'not-float-increment' when
 * string2ld refuses the operand (checked in that order, as incrbyfloatCommand
 * does), 'nan' when the sum is NaN or infinite.
 */
export function incrByFloat(current: string | undefined, increment: string | LongDouble): IncrByFloatResult {
  const value = current === undefined ? LD_ZERO : parseLongDouble(current);
  if (value === null) return { error: 'not-float-current' };
  const by = typeof increment === 'string' ? parseLongDouble(increment) : increment;
  if (by === null) return { error: 'not-float-increment' };
  const sum = addLongDoubles(value, by);
  if (sum === null || sum.kind === 'inf') return { error: 'nan' };
  return { value: formatLongDoubleHuman(sum) };
}
