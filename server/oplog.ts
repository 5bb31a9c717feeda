// The node's operator log: one line per event, "[node] message", on stderr.
// Messages carry bytes from clients and peers (addresses, claimed node names,
// protocol errors), so each line is escaped as Redis's sdscatrepr escapes (no
// forged lines, no terminal escapes), cut at a fixed length, and rate-limited
// per source, so that a flood of bad connections cannot fill the disk.

export interface OpLog {
  /**
   * Writes one line, unless `source` (a client address, a link's name) has had
   * its share this second. Lines without a source count only against the
   * global cap. Dropped lines are counted and summed up when the second ends.
   */
  log(msg: string, source?: string): void;
  /** Writes the summaries of what was dropped now (at shutdown). */
  flush(): void;
}

export interface OpLogLimits {
  /** Lines per source per window. */
  readonly perSource: number;
  /** Lines per window from all sources together. */
  readonly global: number;
  readonly windowMs: number;
  /** Longest message, in escaped characters, before it is cut. */
  readonly maxLength: number;
}

export const DEFAULT_LIMITS: OpLogLimits = { perSource: 10, global: 200, windowMs: 1000, maxLength: 512 };

/** Sources named one by one in a window's summary; the rest are summed in one line. */
const NAMED_SUMMARIES = 10;

const NAMED_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x5c, '\\\\'],
  [0x22, '\\"'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x07, '\\a'],
  [0x08, '\\b'],
]);

function escapeCode(c: number): string {
  const named = NAMED_ESCAPES.get(c);
  if (named !== undefined) return named;
  if (c >= 0x20 && c < 0x7f) return String.fromCharCode(c);
  if (c <= 0xff) return `\\x${c.toString(16).padStart(2, '0')}`;
  // Not a byte (a message built from JS text): its UTF-8 bytes.
  return [...Buffer.from(String.fromCharCode(c), 'utf8')].map(escapeCode).join('');
}

/**
 * `msg` with every byte outside printable ASCII, and `\` and `"`, escaped as
 * sdscatrepr does (\n, \r, \t, \a, \b, \\, \", \xNN), cut after `maxLength`
 * escaped characters with a "…(N more bytes)" marker.
 */
export function escapeLine(msg: string, maxLength = Infinity): string {
  let out = '';
  for (let i = 0; i < msg.length; i++) {
    const piece = escapeCode(msg.charCodeAt(i));
    if (out.length + piece.length > maxLength) {
      const rest = Buffer.byteLength(msg.slice(i), 'latin1');
      return `${out}…(${rest} more bytes)`;
    }
    out += piece;
  }
  return out;
}

export function createLog(
  nodeName: string,
  write: (line: string) => void = (s) => process.stderr.write(s),
  limits: OpLogLimits = DEFAULT_LIMITS,
): OpLog {
  const prefix = `[${escapeLine(nodeName)}] `;
  let windowStart = -Infinity;
  let total = 0;
  const counts = new Map<string, number>();
  const dropped = new Map<string, number>();
  let summaryTimer: NodeJS.Timeout | null = null;

  const emit = (text: string): void => write(`${prefix}${text}\n`);
  const from = (source: string): string => (source === '' ? '' : ` from ${escapeLine(source, limits.maxLength)}`);

  const flush = (): void => {
    if (summaryTimer !== null) clearTimeout(summaryTimer);
    summaryTimer = null;
    const bySize = [...dropped].sort((a, b) => b[1] - a[1]);
    for (const [source, n] of bySize.slice(0, NAMED_SUMMARIES)) emit(`suppressed ${n} log lines${from(source)}`);
    const rest = bySize.slice(NAMED_SUMMARIES);
    if (rest.length > 0) emit(`suppressed ${rest.reduce((sum, [, n]) => sum + n, 0)} log lines from ${rest.length} other sources`);
    dropped.clear();
  };

  const log = (msg: string, source = ''): void => {
    const now = Date.now();
    if (now - windowStart >= limits.windowMs) {
      flush();
      windowStart = now;
      total = 0;
      counts.clear();
    }
    const n = counts.get(source) ?? 0;
    if (total >= limits.global || (source !== '' && n >= limits.perSource)) {
      dropped.set(source, (dropped.get(source) ?? 0) + 1);
      // The summary is due when the window ends, even if nothing is logged after it.
      if (summaryTimer === null) {
        summaryTimer = setTimeout(flush, windowStart + limits.windowMs - now);
        summaryTimer.unref();
      }
      return;
    }
    counts.set(source, n + 1);
    total++;
    emit(escapeLine(msg, limits.maxLength));
  };

  return { log, flush };
}

/** The host part of "host:port", what a client's log lines are rate-limited by: one client opening many connections is one source. */
export function hostOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}
