// Redis's strict number parsing (util.c string2ll / string2ld), shared by the
// protocol decoder and the commands, so "+1", " 1", "01" and "1.0" are refused
// exactly where Redis refuses them.

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/** string2ll(): a 64-bit signed integer, no sign other than '-', no leading zeros, no spaces. */
export function parseLongLong(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n === 1 && s === '0') return 0n;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
}

/**
 * The same rules as parseLongLong, as a JS number when it fits in 53 bits;
 * null when it is not an integer. Values beyond 2^53 are returned clamped to
 * ±Number.MAX_SAFE_INTEGER+1, which is enough for counts, lengths and indexes.
 */
export function parseInteger(s: string): number | null {
  const n = s.length;
  if (n > 0 && n < 16) {
    // Fast path: short strings cannot overflow.
    let i = 0;
    let neg = false;
    if (s.charCodeAt(0) === 45) {
      if (n === 1) return null;
      neg = true;
      i = 1;
    }
    const first = s.charCodeAt(i);
    if (first === 48) return n === 1 ? 0 : null;
    if (first < 49 || first > 57) return null;
    let v = first - 48;
    for (let j = i + 1; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) return null;
      v = v * 10 + (c - 48);
    }
    return neg ? -v : v;
  }
  const big = parseLongLong(s);
  if (big === null) return null;
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER + 1;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER - 1;
  return Number(big);
}

/**
 * string2ld()-like: a finite or infinite float in the syntax strtold accepts
 * (decimal, exponent, "inf"), no leading space, no trailing garbage, never NaN.
 */
export function parseFloatStrict(s: string): number | null {
  // string2ld copies into a buffer of MAX_LONG_DOUBLE_CHARS (5 KiB) and refuses what does not fit.
  if (s.length === 0 || s.length >= 5 * 1024) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    if (/^[+-]?0[xX]/.test(s)) return hexFloat(s);
    return null;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

function hexFloat(s: string): number | null {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const digits = (m[2] ?? '') + (m[3] ?? '');
  let v = 0;
  for (const d of digits) v = v * 16 + parseInt(d, 16);
  v = v / Math.pow(16, (m[3] ?? '').length) * Math.pow(2, Number(m[4] ?? '0'));
  return m[1] === '-' ? -v : v;
}
