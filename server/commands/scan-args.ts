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

const ULONG_MAX = 18446744073709551615n;

export const INVALID_CURSOR = error('ERR invalid cursor');

/**
 * A cursor as parseScanCursorOrReply reads it: strtoul() over the whole
 * argument, no leading space, no overflow. strtoul takes a sign, and wraps a
 * negative number around (-1 is ULONG_MAX); an empty argument is cursor 0.
 */
export function parseScanCursor(c: string): bigint | null {
  const m = /^([+-]?)(\d*)$/.exec(c);
  if (m === null || (m[1] !== '' && m[2] === '')) return null;
  const digits = m[2] === '' ? 0n : BigInt(m[2]!);
  if (digits > ULONG_MAX) return null;
  return m[1] === '-' && digits !== 0n ? ULONG_MAX + 1n - digits : digits;
}

/** Parses `argv[cursorAt]` and the options after it; returns an error reply on bad input. */
export function parseScanArgs(argv: readonly string[], cursorAt: number, allowType: boolean): ScanArgs | string {
  const c = parseScanCursor(argv[cursorAt]!);
  if (c === null) return INVALID_CURSOR;
  // Past 2^53 a cursor is beyond any keyspace this node can hold, so the precision lost does not matter.
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
