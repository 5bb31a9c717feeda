// The arguments SCAN and HSCAN share: cursor, MATCH, COUNT (and TYPE for SCAN),
// parsed as db.c's scanGenericCommand does.

import { parseInteger } from '../protocol/numbers.js';
import { error } from '../protocol/resp.js';
import { NOT_INTEGER, SYNTAX } from './errors.js';

export interface ScanArgs {
  cursor: number;
  match: string | null;
  count: number;
  type: string | null;
}

/** Parses `argv[cursorAt]` and the options after it; returns an error reply on bad input. */
export function parseScanArgs(argv: readonly string[], cursorAt: number, allowType: boolean): ScanArgs | string {
  const c = argv[cursorAt]!;
  // strtoull() with the whole string consumed; Redis rejects anything else.
  if (!/^\d+$/.test(c) || BigInt(c) > 18446744073709551615n) return error('ERR invalid cursor');
  const args: ScanArgs = { cursor: Number(c), match: null, count: 10, type: null };
  for (let i = cursorAt + 1; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const more = argv.length - i;
    if (opt === 'count' && more >= 2) {
      const n = parseInteger(argv[i + 1]!);
      if (n === null) return NOT_INTEGER;
      if (n < 1) return SYNTAX;
      args.count = n;
    } else if (opt === 'match' && more >= 2) {
      // MATCH * filters nothing.
      args.match = argv[i + 1] === '*' ? null : argv[i + 1]!;
    } else if (opt === 'type' && allowType && more >= 2) {
      args.type = argv[i + 1]!.toLowerCase();
    } else {
      return SYNTAX;
    }
  }
  return args;
}
