// Where a command's keys are, read from its table entry (first, last, step), as
// Redis's getKeysFromCommand does for the common case.

import type { CommandSpec } from './types.js';

/** The keys of a command as argv indexes first, first + step, … up to last (inclusive); null when it has none. */
export function keyRange(spec: CommandSpec, argv: readonly string[]): { first: number; last: number; step: number } | null {
  const k = spec.keys;
  if (k === null) return null;
  return { first: k.first, last: Math.min(k.last < 0 ? argv.length + k.last : k.last, argv.length - 1), step: k.step };
}

/** Indexes into argv of the keys a write command changes: all its keys unless the table names fewer. */
export function writtenKeyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  return spec.writes === undefined ? keyPositions(spec, argv) : keyPositions({ ...spec, keys: spec.writes }, argv);
}

/** Indexes into argv of the keys of a command. */
export function keyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  const k = keyRange(spec, argv);
  const out: number[] = [];
  if (k !== null) for (let i = k.first; i <= k.last; i += k.step) out.push(i);
  return out;
}
