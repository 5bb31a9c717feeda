// Doubles as Redis 7.0 reads and writes them for sorted-set scores: glibc's
// strtod() (decimal, hexadecimal, inf, nan), getDoubleFromObject's checks on
// top of it, and "%.17g" for replies (addReplyDouble), with glibc's exact
// round-half-even where JavaScript's toPrecision would round half up.

import type { Proto, Reply } from '../protocol/resp.js';

const SPACE = /[ \t\n\v\f\r]/;

/**
 * glibc strtod(): the value and where the parse stopped (0 when nothing was
 * read); `range` when the value overflowed to infinity or underflowed to zero
 * (errno ERANGE with HUGE_VAL or 0).
 */
export function strtod(s: string): { value: number; end: number; range: boolean } {
  let i = 0;
  while (i < s.length && SPACE.test(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const sign = (v: number): number => (neg ? -v : v);
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('infinity')) return { value: sign(Infinity), end: i + 8, range: false };
  if (rest.startsWith('inf')) return { value: sign(Infinity), end: i + 3, range: false };
  if (rest.startsWith('nan')) {
    let end = i + 3;
    const m = /^\([0-9A-Za-z_]*\)/.exec(s.slice(end));
    if (m) end += m[0].length;
    return { value: NaN, end, range: false };
  }
  if (rest.startsWith('0x')) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?/.exec(s.slice(i));
    const int = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (int.length + frac.length > 0) {
      let end = i + m![0].length;
      let exp = 0;
      const e = /^[pP]([+-]?\d+)/.exec(s.slice(end));
      if (e) {
        exp = Math.max(-1e6, Math.min(1e6, Number(e[1])));
        end += e[0].length;
      }
      const mant = BigInt('0x' + (int + frac || '0'));
      const value = mant === 0n ? 0 : Number(mant) * 2 ** (exp - 4 * frac.length);
      const finite = Number.isFinite(Number(mant)) ? value : Infinity;
      return { value: sign(finite), end, range: mant !== 0n && (finite === 0 || !Number.isFinite(finite)) };
    }
    // "0x" with no hex digit: the 0 alone is the number.
    return { value: sign(0), end: i + 1, range: false };
  }
  const m = /^(\d*)(?:\.(\d*))?/.exec(s.slice(i))!;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  if (digits.length === 0) return { value: 0, end: 0, range: false };
  let end = i + m[0].length;
  const e = /^[eE][+-]?\d+/.exec(s.slice(end));
  if (e) end += e[0].length;
  const text = s.slice(i, end);
  const value = Number(text.startsWith('.') ? '0' + text : text.replace(/\.(?=[eE]|$)/, ''));
  const nonzero = /[1-9]/.test(digits);
  return { value: sign(value), end, range: nonzero && (value === 0 || !Number.isFinite(value)) };
}

/**
 * getDoubleFromObject: the whole argument must be a number (no leading
 * space, nothing after it), not NaN, not out of range. Null where Redis
 * replies "value is not a valid float".
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || SPACE.test(s[0]!)) return null;
  const { value, end, range } = strtod(s);
  if (end !== s.length || Number.isNaN(value) || (range && (value === 0 || !Number.isFinite(value)))) return null;
  return value;
}

/**
 * zslParseRange's reading of a bound: strtod over the rest, which must end
 * the argument (or reach a NUL byte, where C stops reading); NaN is refused.
 * Leading space and an empty bound (0) pass, as they do in Redis.
 */
export function parseRangeDouble(s: string): number | null {
  const { value, end } = strtod(s);
  if ((end !== s.length && s.charCodeAt(end) !== 0) || Number.isNaN(value)) return null;
  return value;
}

/** printf("%.17g", d) as glibc prints it (exact value, round half to even). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) <= Number.MAX_SAFE_INTEGER) return String(d);
  const neg = d < 0;
  const a = Math.abs(d);
  let [mant, expText] = a.toExponential(16).split('e') as [string, string];
  let exp = Number(expText);
  // toExponential rounds a tie away from zero; glibc rounds the exact binary value half to even.
  const longer = a.toExponential(17);
  if (longer[18] === '5') {
    const exact = a.toExponential(99).split('e')[0]!.replace('.', '');
    if (/^0*$/.test(exact.slice(18))) {
      const last = Number(exact[16]);
      if (last % 2 === 0) {
        mant = exact[0] + '.' + exact.slice(1, 17);
        exp = Number(a.toExponential(99).split('e')[1]);
      }
    }
  }
  const digits = mant.replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 17) {
    const frac = digits.slice(1).replace(/0+$/, '');
    out = digits[0] + (frac ? '.' + frac : '') + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  } else if (exp >= 0) {
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    out = digits.slice(0, exp + 1) + (frac ? '.' + frac : '');
  } else {
    out = ('0.' + '0'.repeat(-exp - 1) + digits).replace(/0+$/, '');
  }
  return neg ? '-' + out : out;
}

/** addReplyDouble: a bulk string in RESP2, a double (",") in RESP3. */
export function doubleReply(d: number, proto: Proto): Reply {
  const s = formatDouble(d);
  return proto === 3 ? ',' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n';
}
