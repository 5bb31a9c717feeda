// Inline commands (telnet, `nc`, redis-benchmark's PING_INLINE): one line split into
// arguments exactly as Redis's sdssplitargs() does, quotes and escapes included.

function isSpace(c: number): boolean {
  // C isspace(): space, \t, \n, \v, \f, \r
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Splits one inline request line (without its line ending) into arguments.
 * Returns null on unbalanced quotes, as sdssplitargs() does. A NUL byte ends the
 * line, because Redis parses the line as a C string.
 */
export function splitInlineArgs(line: string): string[] | null {
  const nul = line.indexOf('\0');
  const s = nul === -1 ? line : line.slice(0, nul);
  const n = s.length;
  const args: string[] = [];
  let p = 0;
  for (;;) {
    while (p < n && isSpace(s.charCodeAt(p))) p++;
    if (p >= n) return args;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    let current = '';
    while (!done) {
      const c = p < n ? s.charCodeAt(p) : 0;
      const next = p + 1 < n ? s.charCodeAt(p + 1) : 0;
      if (inDouble) {
        if (c === 92 /* \ */ && next === 120 /* x */ && p + 3 < n && hexValue(s.charCodeAt(p + 2)) >= 0 && hexValue(s.charCodeAt(p + 3)) >= 0) {
          current += String.fromCharCode(hexValue(s.charCodeAt(p + 2)) * 16 + hexValue(s.charCodeAt(p + 3)));
          p += 3;
        } else if (c === 92 && next !== 0) {
          p++;
          const e = s[p];
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === 34 /* " */) {
          // A closing quote must be followed by a space or the end of the line.
          if (next !== 0 && !isSpace(next)) return null;
          done = true;
        } else if (p >= n) {
          return null; // unterminated quotes
        } else {
          current += s[p];
        }
      } else if (inSingle) {
        if (c === 92 && next === 39 /* ' */) {
          p++;
          current += "'";
        } else if (c === 39) {
          if (next !== 0 && !isSpace(next)) return null;
          done = true;
        } else if (p >= n) {
          return null;
        } else {
          current += s[p];
        }
      } else if (p >= n || c === 32 || c === 10 || c === 13 || c === 9) {
        done = true;
      } else if (c === 34) {
        inDouble = true;
      } else if (c === 39) {
        inSingle = true;
      } else {
        current += s[p];
      }
      if (p < n) p++;
    }
    args.push(current);
  }
}
