// Where a command's keys are, read from its table entry (first, last, step), as
// Redis's getKeysFromCommand does for the common case.

import type { CommandSpec } from './types.js';

/** Indexes into argv of the keys of a command. */
export function keyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  const k = spec.keys;
  if (k === null) return [];
  const last = k.last < 0 ? argv.length + k.last : k.last;
  const out: number[] = [];
  for (let i = k.first; i <= last && i < argv.length; i += k.step) out.push(i);
  return out;
}
