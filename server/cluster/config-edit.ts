// Edits of cluster.conf's text for kv-admin: move a range of first bytes to a
// node, add a node, remove one. Each works on the text (latin1, as the file is
// read) and changes only the lines it must, so comments, settings and the
// order of everything else survive. Each result is parsed again (the same
// checks as at start, loops included) before anyone writes it.

import { ConfigError, parseConfig, parseRange, shown, type ClusterConfig, type RouteEntry } from './config.js';

/** A byte as a range end: the character when it reads back as itself, else 0xNN. */
function byteText(b: number): string {
  const c = String.fromCharCode(b);
  // '#' would start a comment after a blank, '*' alone means every byte.
  return b > 0x20 && b < 0x7f && c !== '#' && c !== '*' ? c : `0x${b.toString(16).padStart(2, '0')}`;
}

/** from..to as a route's range text: q, a-m, 0x00-0x1f, or * for every byte. */
export function rangeText(from: number, to: number): string {
  if (from === 0 && to === 255) return '*';
  return from === to ? byteText(from) : `${byteText(from)}-${byteText(to)}`;
}

/** The lines of a table: the shared one (before any [section]) or a node's section. */
function tableOf(cfg: ClusterConfig, section: string | null): readonly RouteEntry[] {
  return section === null ? cfg.table : (cfg.sectionTables.get(section) ?? []);
}

/** Line numbers (1-based) where each [section] starts, and the last line of the shared part. */
function sectionStarts(lines: readonly string[]): Map<string, number> {
  const starts = new Map<string, number>();
  lines.forEach((l, i) => {
    const m = /^[ \t]*\[([^\]\s]+)\][ \t]*(#.*)?$/.exec(l);
    if (m) starts.set(m[1]!, i + 1);
  });
  return starts;
}

/** Splits text into lines, remembering whether it ended with a newline. */
function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return { lines, eol };
}

function joinLines(lines: readonly string[], eol: string): string {
  return lines.join(eol) + eol;
}

/** Parses the result of an edit; a refusal says what the edit would have made wrong. */
function checked(text: string, file: string, what: string): string {
  try {
    parseConfig(text, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${what} refused, nothing changed: the result would not load: ${e.message}`);
    throw e;
  }
  return text;
}

/**
 * Routes `range` (a-m, q, 0x00-0x1f, *) to `node` in the shared table, or in
 * the table of [section]: entries it overlaps are trimmed or split, and the new
 * entry takes the place of the first of them (or follows the table's last line).
 */
export function moveRange(text: string, range: string, node: string, file: string, section: string | null = null): string {
  const what = `move ${range} ${node}`;
  const target = parseRange(range);
  if (target === null) throw new ConfigError(`${what}: bad range "${shown(range)}": use a-m, q, 0x00-0x1f or *`);
  const cfg = parseConfig(text, file);
  if (!cfg.nodes.some((n) => n.name === node)) throw new ConfigError(`${what}: no node named "${shown(node)}" (nodes: ${cfg.nodes.map((n) => n.name).join(', ')})`);
  if (section !== null && !cfg.nodes.some((n) => n.name === section)) throw new ConfigError(`${what}: no node named "${shown(section)}" for --section`);
  const { lines, eol } = splitLines(text);
  const starts = sectionStarts(lines);
  if (section !== null && !starts.has(section)) {
    // A node without a section uses the shared table: its own starts as a copy of it.
    lines.push(`[${section}]`, ...cfg.table.map((e) => `route ${e.text} ${e.node}`));
    return moveRange(joinLines(lines, eol), range, node, file, section);
  }
  const replaced = new Map<number, string[]>();
  const entries = tableOf(cfg, section);
  let placed = false;
  for (const e of entries) {
    if (e.to < target.from || e.from > target.to) continue;
    const raw = lines[e.line - 1]!;
    const indent = /^[ \t]*/.exec(raw)![0];
    const comment = /([ \t]+#.*)$/.exec(raw)?.[1] ?? '';
    const pieces: string[] = [];
    if (e.from < target.from) pieces.push(`${indent}route ${rangeText(e.from, target.from - 1)} ${e.node}`);
    if (!placed) pieces.push(`${indent}route ${range} ${node}`);
    placed = true;
    if (e.to > target.to) pieces.push(`${indent}route ${rangeText(target.to + 1, e.to)} ${e.node}`);
    if (pieces.length > 0) pieces[0] += comment;
    replaced.set(e.line, pieces);
  }
  const out: string[] = [];
  lines.forEach((l, i) => out.push(...(replaced.get(i + 1) ?? [l])));
  if (!placed) {
    // After the table's last entry, else at the top of its part of the file.
    const last = entries.length > 0 ? Math.max(...entries.map((e) => e.line)) : section !== null ? starts.get(section)! : lastNodeLine(lines);
    const shift = [...replaced.entries()].filter(([ln]) => ln <= last).reduce((n, [, p]) => n + p.length - 1, 0);
    out.splice(last + shift, 0, `route ${range} ${node}`);
  }
  return checked(mergeNeighbours(checked(joinLines(out, eol), file, what), file, section, target, node), file, what);
}

/**
 * Joins the moved range with the entries of the same node right before and
 * after it (a-f foo and g-m foo become a-m foo), unless a comment is on them,
 * so that moves back and forth do not leave the table in pieces.
 */
function mergeNeighbours(text: string, file: string, section: string | null, target: { from: number; to: number }, node: string): string {
  const entries = tableOf(parseConfig(text, file), section);
  const moved = entries.find((e) => e.from === target.from && e.to === target.to && e.node === node)!;
  const { lines, eol } = splitLines(text);
  const plain = (e: RouteEntry): boolean => !/#/.test(lines[e.line - 1]!.replace(/^[ \t]*route[ \t]+\S+/, ''));
  const before = entries.find((e) => e.node === node && e.to + 1 === moved.from && plain(e));
  const after = entries.find((e) => e.node === node && e.from === moved.to + 1 && plain(e));
  if (before === undefined && after === undefined) return text;
  const from = before?.from ?? moved.from;
  const to = after?.to ?? moved.to;
  const keep = before ?? moved;
  lines[keep.line - 1] = lines[keep.line - 1]!.replace(/^([ \t]*route[ \t]+)\S+/, `$1${rangeText(from, to)}`);
  const drop = new Set([moved, after].filter((e): e is RouteEntry => e !== undefined && e !== keep).map((e) => e.line));
  return joinLines(lines.filter((_, i) => !drop.has(i + 1)), eol);
}

/** The number of the last `node` line (0 when there is none). */
function lastNodeLine(lines: readonly string[]): number {
  let last = 0;
  lines.forEach((l, i) => {
    if (/^[ \t]*node[ \t]/.test(l)) last = i + 1;
  });
  return last;
}

/** Adds `node <name> <host>:<port>` after the last node line. */
export function addNode(text: string, name: string, address: string, file: string): string {
  const { lines, eol } = splitLines(text);
  lines.splice(lastNodeLine(lines), 0, `node ${name} ${address}`);
  return checked(joinLines(lines, eol), file, `add-node ${name} ${address}`);
}

/** Removes a node's line and its [section]; refused while an entry routes to it or a node follows it. */
export function removeNode(text: string, name: string, file: string): string {
  const what = `remove-node ${name}`;
  const cfg = parseConfig(text, file);
  const node = cfg.nodes.find((n) => n.name === name);
  if (node === undefined) throw new ConfigError(`${what}: no node named "${shown(name)}" (nodes: ${cfg.nodes.map((n) => n.name).join(', ')})`);
  const users = [...cfg.table, ...[...cfg.sectionTables.entries()].filter(([s]) => s !== name).flatMap(([, t]) => t)].filter((e) => e.node === name);
  if (users.length > 0) {
    const where = users.map((e) => `route ${shown(e.text)} ${name} (line ${e.line})`).join(', ');
    throw new ConfigError(`${what} refused, nothing changed: ${where} still names it; move those ranges to another node first`);
  }
  const followers = [...cfg.sectionSettings.entries()].filter(([s, set]) => s !== name && set.get('replicaof') === name).map(([s]) => s);
  if (followers.length > 0) throw new ConfigError(`${what} refused, nothing changed: ${followers.join(', ')} replicaof ${name}`);
  const { lines, eol } = splitLines(text);
  const starts = sectionStarts(lines);
  const from = starts.get(name);
  const out = lines.filter((l, i) => {
    const ln = i + 1;
    if (new RegExp(`^[ \\t]*node[ \\t]+${name.replace(/\./g, '\\.')}[ \\t]`).test(l)) return false;
    if (from === undefined || ln < from) return true;
    // The section runs to the next [section] or the end of the file.
    const next = Math.min(...[...starts.values()].filter((s) => s > from), lines.length + 1);
    return ln >= next;
  });
  return checked(joinLines(out, eol), file, what);
}

/**
 * A failover, as the configuration says it: every entry that names `primary`
 * names `replica` instead, the replica follows no one, and the old primary's
 * section says `replicaof <replica>`, so it rejoins as a replica when it is back.
 */
export function failoverEdit(text: string, primary: string, replica: string, file: string): string {
  const cfg = parseConfig(text, file);
  const renamed = new Set([...cfg.table, ...[...cfg.sectionTables.values()].flat()].filter((e) => e.node === primary).map((e) => e.line));
  const { lines, eol } = splitLines(text);
  const out: string[] = [];
  let section: string | null = null;
  let hasSection = false;
  lines.forEach((l, i) => {
    const header = /^[ \t]*\[([^\]\s]+)\]/.exec(l);
    if (header) section = header[1]!;
    if (renamed.has(i + 1)) out.push(l.replace(/^([ \t]*route[ \t]+\S+[ \t]+)\S+/, `$1${replica}`));
    else if (!(/^[ \t]*replicaof[ \t]/.test(l) && (section === replica || section === primary))) out.push(l);
    if (header && section === primary) {
      hasSection = true;
      out.push(`replicaof ${replica}`);
    }
  });
  if (!hasSection) out.push(`[${primary}]`, `replicaof ${replica}`);
  return checked(joinLines(out, eol), file, `failover from ${primary} to ${replica}`);
}
