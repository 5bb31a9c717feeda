// Index ranges as Redis's list and sorted-set commands take them.

/**
 * Redis's start/stop sanitising for indexes and ranks (negative from the end),
 * as LRANGE, LTRIM and ZRANGE do it: [start, end] inclusive, or null when empty.
 */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}
