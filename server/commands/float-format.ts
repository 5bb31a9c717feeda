// INCRBYFLOAT / HINCRBYFLOAT arithmetic. Redis adds in C long double and prints
// with "%.17Lf", trailing zeros removed (util.c ld2string, LD_STR_HUMAN).

import { parseFloatStrict } from '../protocol/numbers.js';

/** Redis's ld2string(LD_STR_HUMAN) for a finite value. */
export function formatHumanFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return Object.is(v, -0) ? '0' : BigInt(v).toString();
  const shortest = String(v);
  if (!/e/i.test(shortest)) return shortest;
  let fixed = v.toFixed(17);
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/** current + increment, as Redis stores it; 'nan' when the sum is NaN or infinite. */
export function addFloats(current: number, increment: number): string | 'nan' {
  const sum = current + increment;
  if (!Number.isFinite(sum)) return 'nan';
  return formatHumanFloat(sum);
}

export { parseFloatStrict };
