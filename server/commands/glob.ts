// Redis's glob-style pattern matching (util.c stringmatchlen), used by KEYS,
// SCAN/HSCAN MATCH, CONFIG GET and COMMAND LIST FILTERBY PATTERN. Like Redis
// since 7.0.9 (CVE-2022-36021), once the rest of a pattern after a '*' matches
// nowhere in the rest of the string, no earlier '*' is retried on a longer
// substring: the search stays polynomial instead of exponential in the stars.

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return matchAt(pattern, 0, s, 0, nocase, 0, { skipLongerMatches: false });
}

interface MatchState {
  /** Set when a '*' found no match for the rest of the pattern anywhere: earlier stars need not try further. */
  skipLongerMatches: boolean;
}

function eq(a: string, b: string, nocase: boolean): boolean {
  return nocase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number, st: MatchState): boolean {
  if (depth > 1000) return false; // Redis also bounds recursion
  while (pi < p.length && si < s.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k < s.length; k++) {
        if (matchAt(p, pi + 1, s, k, nocase, depth + 1, st)) return true;
        if (st.skipLongerMatches) return false;
      }
      st.skipLongerMatches = true;
      return false;
    } else if (c === '?') {
      si++;
    } else if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi < p.length && p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (pi >= p.length) {
          pi--; // a missing ']' is taken as the end of the pattern
          break;
        } else if (p[pi] === ']') {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === '-') {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          let ch = s.charCodeAt(si);
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            ch = lower(ch);
          }
          pi += 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (eq(p[pi]!, s[si]!, nocase)) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else if (c === '\\' && pi + 1 < p.length) {
      pi++;
      if (!eq(p[pi]!, s[si]!, nocase)) return false;
      si++;
    } else {
      if (!eq(c, s[si]!, nocase)) return false;
      si++;
    }
    pi++;
    if (si >= s.length) {
      while (pi < p.length && p[pi] === '*') pi++;
      break;
    }
  }
  return pi >= p.length && si >= s.length;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
