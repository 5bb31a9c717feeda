// cluster.conf: the nodes, the routing table, per-node sections and settings.
// Parsing is strict: any mistake is an error naming the file and line, and the
// node does not start. The format is documented in the README.

import { readFileSync } from 'node:fs';

export interface NodeAddress {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** One routing entry: first bytes `from`..`to` (inclusive) belong to `node`. */
export interface RouteEntry {
  readonly from: number;
  readonly to: number;
  readonly node: string;
  /** The range as written, for error messages and INFO. */
  readonly text: string;
  readonly line: number;
}

export interface ClusterConfig {
  readonly file: string;
  readonly nodes: readonly NodeAddress[];
  /** The shared table. */
  readonly table: readonly RouteEntry[];
  /** Tables of [name] sections, which replace the shared one on that node. */
  readonly sectionTables: ReadonlyMap<string, readonly RouteEntry[]>;
  /** Settings (requirepass, maxclients, …); per-node sections override shared ones. */
  readonly settings: ReadonlyMap<string, string>;
  readonly sectionSettings: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** Everything one node needs from the file. */
export interface NodeConfig {
  readonly self: NodeAddress;
  readonly nodes: readonly NodeAddress[];
  readonly table: readonly RouteEntry[];
  readonly settings: ReadonlyMap<string, string>;
  readonly file: string;
}

export class ConfigError extends Error {}

/** Settings a file may give, with their defaults (Redis's where Redis has one). */
export const DEFAULT_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['requirepass', ''],
  ['maxclients', '10000'],
  ['proto-max-bulk-len', String(512 * 1024 * 1024)],
  ['client-query-buffer-limit', String(1024 * 1024 * 1024)],
  // Bytes a client that does not read its replies may have queued before it is disconnected.
  ['client-output-buffer-limit', String(256 * 1024 * 1024)],
  // How long a forwarded request may wait for its owner, in milliseconds.
  ['forward-timeout', '1000'],
  // Requests one link may have in flight before new ones are refused.
  ['forward-max-pending', '100000'],
  ['max-hops', '8'],
  ['timeout', '0'],
  ['secret', ''],
  ['secret-file', ''],
]);

function parseByte(s: string): number | null {
  if (/^0x[0-9a-fA-F]{1,2}$/.test(s)) return parseInt(s.slice(2), 16);
  if (s.length === 1) {
    const c = s.charCodeAt(0);
    return c < 256 ? c : null;
  }
  return null;
}

/** a-m, q, 0x00-0x1f, or * for every byte. */
export function parseRange(text: string): { from: number; to: number } | null {
  if (text === '*') return { from: 0, to: 255 };
  const single = parseByte(text);
  if (single !== null) return { from: single, to: single };
  // The dash that separates the two ends: the one after a single char or a 0xNN.
  const m = /^(0x[0-9a-fA-F]{1,2}|.)-(0x[0-9a-fA-F]{1,2}|.)$/s.exec(text);
  if (!m) return null;
  const from = parseByte(m[1]!);
  const to = parseByte(m[2]!);
  if (from === null || to === null || from > to) return null;
  return { from, to };
}

export function parseConfig(text: string, file = 'cluster.conf'): ClusterConfig {
  const nodes: NodeAddress[] = [];
  const table: RouteEntry[] = [];
  const sectionTables = new Map<string, RouteEntry[]>();
  const settings = new Map<string, string>();
  const sectionSettings = new Map<string, Map<string, string>>();
  const pendingRoutes: RouteEntry[] = [];
  const sectionLines = new Map<string, number>();
  let section: string | null = null;

  const fail = (line: number, msg: string): never => {
    throw new ConfigError(`${file}:${line}: ${msg}`);
  };

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    const sec = /^\[([^\]\s]+)\]$/.exec(content);
    if (sec) {
      section = sec[1]!;
      if (sectionLines.has(section)) fail(line, `duplicate section [${section}]`);
      sectionLines.set(section, line);
      return;
    }
    const words = content.split(/\s+/);
    const [directive, ...args] = words;
    if (directive === 'node') {
      if (section !== null) fail(line, `node lines belong before any [section]`);
      if (args.length !== 2) fail(line, `expected "node <name> <host>:<port>"`);
      const [name, addr] = args as [string, string];
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail(line, `bad node name "${name}"`);
      const m = /^(.+):(\d+)$/.exec(addr);
      if (!m) fail(line, `bad address "${addr}" for node ${name}: expected <host>:<port>`);
      const port = Number(m![2]);
      if (port < 1 || port > 65535) fail(line, `bad port ${m![2]} for node ${name}`);
      if (nodes.some((n) => n.name === name)) fail(line, `duplicate node name "${name}"`);
      const host = m![1]!.replace(/^\[(.*)\]$/, '$1');
      if (nodes.some((n) => n.host === host && n.port === port)) fail(line, `duplicate address ${addr} (node ${name})`);
      nodes.push({ name, host, port });
    } else if (directive === 'route') {
      if (args.length !== 2) fail(line, `expected "route <first bytes> <node>"`);
      const range = parseRange(args[0]!);
      if (!range) fail(line, `bad range "${args[0]}": use a-m, q, 0x00-0x1f or *`);
      const entry: RouteEntry = { ...range!, node: args[1]!, text: args[0]!, line };
      pendingRoutes.push(entry);
      const target = section === null ? table : sectionTables.get(section) ?? [];
      if (section !== null) sectionTables.set(section, target);
      const clash = target.find((e) => e.from <= entry.to && entry.from <= e.to);
      if (clash) fail(line, `range ${entry.text} overlaps ${clash.text} (line ${clash.line})`);
      target.push(entry);
    } else if (directive !== undefined && DEFAULT_SETTINGS.has(directive)) {
      if (args.length !== 1) fail(line, `expected "${directive} <value>"`);
      if (directive !== 'requirepass' && directive !== 'secret' && directive !== 'secret-file' && !/^\d+$/.test(args[0]!)) {
        fail(line, `${directive} must be a non-negative integer`);
      }
      const target = section === null ? settings : sectionSettings.get(section) ?? new Map<string, string>();
      if (section !== null) sectionSettings.set(section, target);
      target.set(directive, args[0]!);
    } else {
      fail(line, `unknown directive "${directive}"`);
    }
  });

  const names = new Set(nodes.map((n) => n.name));
  for (const e of pendingRoutes) if (!names.has(e.node)) fail(e.line, `unknown node "${e.node}" in route ${e.text}`);
  for (const [s, l] of sectionLines) if (!names.has(s)) fail(l, `section [${s}] names an unknown node`);
  if (nodes.length === 0) throw new ConfigError(`${file}: no nodes: add a line "node <name> <host>:<port>"`);
  return { file, nodes, table, sectionTables, settings, sectionSettings };
}

export function loadConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** The view of the file one node has: its address, its table, its settings. */
export function configFor(cfg: ClusterConfig, name: string): NodeConfig {
  const self = cfg.nodes.find((n) => n.name === name);
  if (!self) throw new ConfigError(`${cfg.file}: no node named "${name}" (nodes: ${cfg.nodes.map((n) => n.name).join(', ')})`);
  const settings = new Map(DEFAULT_SETTINGS);
  for (const [k, v] of cfg.settings) settings.set(k, v);
  for (const [k, v] of cfg.sectionSettings.get(name) ?? []) settings.set(k, v);
  return { self, nodes: cfg.nodes, table: cfg.sectionTables.get(name) ?? cfg.table, settings, file: cfg.file };
}
