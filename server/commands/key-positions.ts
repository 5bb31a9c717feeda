// Where a command's keys are, read from its table entry (first, last, step), as
// Redis's getKeysFromCommand does for the common case.

import type { CommandSpec } from './types.js';

/** The keys of a command as argv indexes first, first + step, … up to last (inclusive); null when it has none. */
export function keyRange(spec: CommandSpec, argv: readonly string[]): { first: number; last: number; step: number } | null {
  const k = spec.keys;
  if (k === null) return null;
  if (k.numkeys !== undefined) return countedRange(k.first, k.numkeys, argv);
  if (k.store === true) {
    // The sorted key and the destination as one step (SORT key … STORE dest).
    const dest = sortStoreKey(argv);
    if (dest === null) return k.first > 0 ? { first: k.first, last: k.first, step: 1 } : null;
    return k.first > 0 ? { first: k.first, last: dest, step: dest - k.first } : { first: dest, last: dest, step: 1 };
  }
  return { first: k.first, last: Math.min(k.last < 0 ? argv.length + k.last : k.last, argv.length - 1), step: k.step };
}

/** SORT's STORE destination, as db.c's sortGetKeys finds it: options that take arguments are skipped, the last STORE wins. */
function sortStoreKey(argv: readonly string[]): number | null {
  let dest: number | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < argv.length) dest = i + 1;
  }
  return dest;
}

/** Indexes into argv of the keys a write command changes: all its keys unless the table names fewer. */
export function writtenKeyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  return spec.writes === undefined ? keyPositions(spec, argv) : keyPositions({ ...spec, keys: spec.writes }, argv);
}

/** How many keys argv[at] counts, as far as argv has them; 0 when it is not a count. */
function keyCount(at: number, argv: readonly string[]): number {
  const s = argv[at];
  if (s === undefined || !/^[1-9][0-9]{0,9}$/.test(s)) return 0;
  return Math.min(Number(s), argv.length - 1 - at);
}

/**
 * The keys of a command whose keys are counted, as one range: the counted
 * keys, and a fixed key before them (`fixed`, 0 for none) when the two make
 * one step (dest and a single source). With more sources the destination is
 * left out of the range (keyPositions() has it), so the routing stage checks
 * the sources' owner only. Null when there is no key: the command's own
 * argument check answers.
 */
function countedRange(fixed: number, at: number, argv: readonly string[]): { first: number; last: number; step: number } | null {
  const n = keyCount(at, argv);
  if (n === 0) return fixed > 0 ? { first: fixed, last: fixed, step: 1 } : null;
  if (fixed > 0 && n === 1) return { first: fixed, last: at + 1, step: at + 1 - fixed };
  return { first: at + 1, last: at + n, step: 1 };
}

/** Indexes into argv of the keys of a command. */
export function keyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  const k0 = spec.keys;
  if (k0 !== null && k0.numkeys !== undefined) {
    const out: number[] = k0.first > 0 ? [k0.first] : [];
    for (let i = 1, n = keyCount(k0.numkeys, argv); i <= n; i++) out.push(k0.numkeys + i);
    return out;
  }
  const k = keyRange(spec, argv);
  const out: number[] = [];
  if (k !== null) for (let i = k.first; i <= k.last; i += k.step) out.push(i);
  return out;
}
