// The manifest of Redis 7's multi-part append-only file: which base, incremental
// and history files make up the AOF, in what order. Parsing, errors and the text
// written are copied from aof.c (aofLoadManifestFromFile, getAofManifestAsString),
// so a directory written here loads in redis-server and redis-check-aof and back.
// Names are byte strings (latin1, one char per byte), as everywhere in kv.

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  readonly name: string;
  readonly seq: number;
  readonly type: AofFileType;
}

export interface AofManifest {
  readonly base: AofFileInfo | null;
  readonly history: readonly AofFileInfo[];
  readonly incr: readonly AofFileInfo[];
  /** The highest base and incr sequence numbers used: the next file takes one more. */
  readonly baseSeq: number;
  readonly incrSeq: number;
}

export const EMPTY_MANIFEST: AofManifest = { base: null, history: [], incr: [], baseSeq: 0, incrSeq: 0 };

export const DEFAULT_APPEND_FILENAME = 'appendonly.aof';
export const DEFAULT_APPEND_DIRNAME = 'appendonlydir';

export function manifestFileName(appendFilename: string): string {
  return `${appendFilename}.manifest`;
}

/** Where the manifest is written before the rename that makes it current. */
export function tempManifestFileName(appendFilename: string): string {
  return `temp-${appendFilename}.manifest`;
}

/** A base written without an RDB preamble (aof-use-rdb-preamble no), as kv writes them. */
export function baseFileName(appendFilename: string, seq: number): string {
  return `${appendFilename}.${seq}.base.aof`;
}

export function incrFileName(appendFilename: string, seq: number): string {
  return `${appendFilename}.${seq}.incr.aof`;
}

/** Redis's words for a bad manifest, with the line it was reading (as its log shows). */
export class AofManifestError extends Error {
  constructor(
    readonly reason: string,
    readonly lineNumber: number | null,
    readonly line: string | null,
  ) {
    super(lineNumber === null ? reason : `${reason} (reading the manifest file, at line ${lineNumber}: '${line}')`);
    this.name = 'AofManifestError';
  }
}

/** Redis reads lines with fgets into a 1024-byte buffer (MANIFEST_MAX_LINE). */
const MANIFEST_MAX_LINE = 1024;

/** Parses the text of a manifest (latin1), with aofLoadManifestFromFile's checks and errors. */
export function parseManifest(text: string): AofManifest {
  let base: AofFileInfo | null = null;
  const history: AofFileInfo[] = [];
  const incr: AofFileInfo[] = [];
  let baseSeq = 0;
  let incrSeq = 0;
  let maxSeq = 0;
  let lineNumber = 0;
  let pos = 0;
  if (text.length === 0) throw new AofManifestError('Found an empty AOF manifest', null, null);
  while (pos < text.length) {
    // fgets: up to a newline or MANIFEST_MAX_LINE bytes, whichever comes first.
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 || nl - pos + 1 > MANIFEST_MAX_LINE ? Math.min(text.length, pos + MANIFEST_MAX_LINE) : nl + 1;
    const buf = text.slice(pos, end);
    pos = end;
    lineNumber++;
    if (buf.startsWith('#')) continue;
    // A last line without a newline fails here too, as it does in Redis.
    if (!buf.includes('\n')) throw new AofManifestError('The AOF manifest file contains too long line', null, null);
    const line = buf.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const fail = (reason: string): never => {
      throw new AofManifestError(reason, lineNumber, line);
    };
    if (line.length === 0) fail('Invalid AOF manifest file format');
    const argv = splitArgs(line);
    // 'argc < 6' leaves room for keys a later version may add.
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) return fail('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv.length; i += 2) {
      const key = (argv[i] as string).toLowerCase();
      const value = argv[i + 1] as string;
      if (key === 'file') {
        name = value;
        if (name.includes('/') || name.includes('\\')) fail("File can't be a path, just a filename");
      } else if (key === 'seq') {
        seq = atoll(value);
      } else if (key === 'type') {
        type = value.charAt(0);
      }
    }
    if (name === null || !seq || !type) return fail('Invalid AOF manifest file format');
    if (type === 'b') {
      if (base !== null) fail('Found duplicate base file information');
      base = { name, seq, type };
      baseSeq = seq;
    } else if (type === 'h') {
      history.push({ name, seq, type });
    } else if (type === 'i') {
      if (seq <= maxSeq) fail('Found a non-monotonic sequence number');
      incr.push({ name, seq, type });
      incrSeq = seq;
      maxSeq = seq;
    } else {
      fail('Unknown AOF file type');
    }
  }
  return { base, history, incr, baseSeq, incrSeq };
}

/** The manifest's text: base first, then history, then incr (getAofManifestAsString). */
export function serializeManifest(m: AofManifest): string {
  let out = '';
  const all = [...(m.base ? [m.base] : []), ...m.history, ...m.incr];
  for (const f of all) out += `file ${needsRepr(f.name) ? repr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`;
  return out;
}

/** C's atoll: leading blanks, a sign, digits; 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isPrint = (code: number): boolean => code >= 0x20 && code <= 0x7e;
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * sdsneedsrepr: names with blanks, quotes or unprintable bytes are written quoted.
 * A single quote too, unlike Redis: sdssplitargs would read it as opening a quoted
 * token, so Redis cannot read back such a name; quoted, both can.
 */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '\\' || c === '"' || c === "'" || !isPrint(s.charCodeAt(i)) || isSpace(c)) return true;
  }
  return false;
}

/** sdscatrepr: a quoted string that splitArgs reads back byte for byte. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    const code = s.charCodeAt(i);
    if (c === '\\' || c === '"') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (isPrint(code)) out += c;
    else out += '\\x' + code.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** sdssplitargs: blank-separated tokens, "double" (with escapes) or 'single' quoted; null if unbalanced. */
function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let p = 0;
  for (;;) {
    while (p < line.length && isSpace(line.charAt(p))) p++;
    if (p >= line.length) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (let done = false; !done; ) {
      const c = line.charAt(p); // '' past the end, C's '\0'
      if (inq) {
        if (c === '\\' && line.charAt(p + 1) === 'x' && isHex(line[p + 2]) && isHex(line[p + 3])) {
          cur += String.fromCharCode(parseInt(line.slice(p + 2, p + 4), 16));
          p += 3;
        } else if (c === '\\' && p + 1 < line.length) {
          p++;
          const e = line.charAt(p);
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (p + 1 < line.length && !isSpace(line.charAt(p + 1))) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === '\\' && line.charAt(p + 1) === "'") {
          p++;
          cur += "'";
        } else if (c === "'") {
          if (p + 1 < line.length && !isSpace(line.charAt(p + 1))) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '') {
        done = true;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        cur += c;
      }
      if (p < line.length) p++;
    }
    out.push(cur);
  }
}
