// cluster.conf: the nodes, the routing table, per-node sections and settings.
// Parsing is strict: any mistake is an error naming the file and line, and the
// node does not start. The format is documented in the README.
//
// One encoding rule for text from the file and bytes from clients: both are
// latin1 strings, one char per byte. The file is read as bytes, so a
// `requirepass` or a range is the exact byte sequence a client would send.
// The secret file and $KV_CLUSTER_SECRET follow the same rule (secret.ts).

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
  /** Settings (requirepass, maxclients, …), as checkSetting stores them; per-node sections override shared ones. */
  readonly settings: ReadonlyMap<string, string>;
  readonly sectionSettings: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** A `coordinator etcd://…` line: the configuration lives in etcd (cluster/coordinator.ts). */
  readonly coordinator: { readonly url: string; readonly line: number } | null;
}

/** Everything one node needs from the file. */
export interface NodeConfig {
  readonly self: NodeAddress;
  readonly nodes: readonly NodeAddress[];
  readonly table: readonly RouteEntry[];
  readonly settings: ReadonlyMap<string, string>;
  readonly file: string;
  /** Nodes whose section says `replicaof <node>`, with the node they follow. */
  readonly replicaOf: ReadonlyMap<string, string>;
}

export class ConfigError extends Error {}

/** Settings a file may give, with their defaults (Redis's where Redis has one). */
export const DEFAULT_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['requirepass', ''],
  ['maxclients', '10000'],
  ['proto-max-bulk-len', String(512 * 1024 * 1024)],
  ['client-query-buffer-limit', String(1024 * 1024 * 1024)],
  // Bytes a client that does not read its replies may have queued before it is
  // disconnected; 0 is none, Redis's default for normal clients ("normal 0 0 0").
  ['client-output-buffer-limit', '0'],
  // How long a forwarded request may wait for its owner, in milliseconds.
  ['forward-timeout', '1000'],
  ['max-hops', '8'],
  ['timeout', '0'],
  ['secret', ''],
  ['secret-file', ''],
  // Durability, with Redis's names and defaults. `dir` empty means ./data/<node name>,
  // so two nodes of one machine never share files.
  ['appendonly', 'no'],
  ['appendfsync', 'everysec'],
  ['dir', ''],
  ['appenddirname', 'appendonlydir'],
  ['appendfilename', 'appendonly.aof'],
  ['auto-aof-rewrite-percentage', '100'],
  ['auto-aof-rewrite-min-size', String(64 * 1024 * 1024)],
  ['aof-load-truncated', 'yes'],
  ['dbfilename', 'dump.rdb'],
  ['save', '3600 1 300 100 60 10000'],
  // Replication, with Redis's names: `replicaof <node>` (a node of this file) or `replicaof <host> <port>`.
  ['replicaof', ''],
  ['masterauth', ''],
  ['repl-backlog-size', String(1024 * 1024)],
  ['replica-read-only', 'yes'],
  // Bucket migration: keys moved per second (0: as fast as the nodes go), and keys per batch.
  ['migrate-keys-per-second', '0'],
  ['migrate-batch-keys', '256'],
  // etcd mode: seconds a primary's lease lives without renewal, the bound on a failover's time.
  ['lease-ttl', '5'],
]);

const INT_MAX = 2n ** 31n - 1n;
const UINT_MAX = 2n ** 32n - 1n;
const LONG_MAX = 2n ** 63n - 1n;
const MB = 1024n * 1024n;

/** The shortest cluster secret accepted: shorter ones can be guessed. */
export const MIN_SECRET_BYTES = 16;

type SettingRule =
  | { readonly kind: 'text' }
  | { readonly kind: 'secret' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'save' }
  | { readonly kind: 'integer' | 'memory'; readonly min: bigint; readonly max: bigint; readonly unit?: string };

/**
 * What each setting accepts. Redis's own settings keep Redis's bounds and error
 * texts (config.c), so CONFIG SET answers as Redis does; kv's own are bounded so
 * that no value is accepted and then breaks the node (a timer past 2^31 ms fires
 * at once, so no link would ever connect).
 */
const SETTING_RULES: ReadonlyMap<string, SettingRule> = new Map<string, SettingRule>([
  ['requirepass', { kind: 'text' }],
  ['maxclients', { kind: 'integer', min: 1n, max: UINT_MAX }],
  ['proto-max-bulk-len', { kind: 'memory', min: MB, max: LONG_MAX }],
  ['client-query-buffer-limit', { kind: 'memory', min: MB, max: LONG_MAX }],
  // kv's is one hard limit in bytes, 0 for none (Redis's normal-class default).
  ['client-output-buffer-limit', { kind: 'memory', min: 0n, max: LONG_MAX }],
  ['forward-timeout', { kind: 'integer', min: 1n, max: 3_600_000n, unit: 'milliseconds' }],
  ['max-hops', { kind: 'integer', min: 1n, max: 64n }],
  // Seconds; Redis allows INT_MAX, but the socket timer holds at most 2^31-1 ms.
  ['timeout', { kind: 'integer', min: 0n, max: INT_MAX / 1000n }],
  ['secret', { kind: 'secret' }],
  ['secret-file', { kind: 'text' }],
  ['appendonly', { kind: 'enum', values: ['yes', 'no'] }],
  ['appendfsync', { kind: 'enum', values: ['always', 'everysec', 'no'] }],
  ['dir', { kind: 'text' }],
  ['appenddirname', { kind: 'text' }],
  ['appendfilename', { kind: 'text' }],
  ['auto-aof-rewrite-percentage', { kind: 'integer', min: 0n, max: INT_MAX }],
  ['auto-aof-rewrite-min-size', { kind: 'memory', min: 0n, max: LONG_MAX }],
  ['aof-load-truncated', { kind: 'enum', values: ['yes', 'no'] }],
  ['dbfilename', { kind: 'text' }],
  ['save', { kind: 'save' }],
  ['replicaof', { kind: 'text' }],
  ['masterauth', { kind: 'text' }],
  ['repl-backlog-size', { kind: 'memory', min: 16n * 1024n, max: LONG_MAX }],
  ['replica-read-only', { kind: 'enum', values: ['yes', 'no'] }],
  ['migrate-keys-per-second', { kind: 'integer', min: 0n, max: 100_000_000n }],
  ['migrate-batch-keys', { kind: 'integer', min: 1n, max: 100_000n }],
  // etcd grants leases in whole seconds, at least 2 (its minimum TTL is about one election timeout).
  ['lease-ttl', { kind: 'integer', min: 2n, max: 3600n, unit: 'seconds' }],
]);

// Redis's memtoull: k/m/g are powers of 1000, kb/mb/gb powers of 1024.
const MEMORY_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['', 1n],
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1024n],
  ['m', 1000n ** 2n],
  ['mb', 1024n ** 2n],
  ['g', 1000n ** 3n],
  ['gb', 1024n ** 3n],
]);

function parseNumber(rule: { kind: 'integer' | 'memory' }, value: string): bigint | null {
  if (rule.kind === 'integer') return /^-?(0|[1-9][0-9]*)$/.test(value) ? BigInt(value) : null;
  const m = /^([0-9]+)([a-z]*)$/i.exec(value);
  const mul = m ? MEMORY_UNITS.get(m[2]!.toLowerCase()) : undefined;
  return mul === undefined ? null : BigInt(m![1]!) * mul;
}

/**
 * The one rule for a setting's value, shared by cluster.conf and CONFIG SET:
 * the value to store (numbers normalized to plain integers, "1mb" to
 * "1048576"), or Redis's words for what is wrong ("argument must be between 1
 * and 64 inclusive"), to follow "CONFIG SET failed (...) - " or a file:line.
 */
export function checkSetting(name: string, value: string): { value: string } | { error: string } {
  const rule = SETTING_RULES.get(name);
  if (rule === undefined) return { error: `unknown setting "${name}"` };
  if (rule.kind === 'text') return { value };
  if (rule.kind === 'enum') {
    const v = value.toLowerCase();
    if (rule.values.includes(v)) return { value: v };
    return { error: rule.values.join() === 'yes,no' ? "argument must be 'yes' or 'no'" : `argument(s) must be one of the following: ${rule.values.join(', ')}` };
  }
  if (rule.kind === 'save') {
    // "" (no snapshots), or pairs of <seconds> <changes>, as Redis's save.
    const words = value.split(' ').filter((w) => w !== '');
    if (words.length % 2 !== 0 || !words.every((w) => /^(0|[1-9][0-9]{0,9})$/.test(w))) return { error: 'Invalid save parameters' };
    return { value: words.join(' ') };
  }
  if (rule.kind === 'secret') {
    return value.length >= MIN_SECRET_BYTES
      ? { value }
      : { error: `a cluster secret needs at least ${MIN_SECRET_BYTES} bytes, this one has ${value.length}` };
  }
  const n = parseNumber(rule, value);
  if (n === null) return { error: rule.kind === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer" };
  if (n < rule.min || n > rule.max) {
    const unit = rule.unit === undefined ? '' : ` (${rule.unit})`;
    return { error: `argument must be between ${rule.min} and ${rule.max} inclusive${unit}` };
  }
  return { value: n.toString() };
}

/**
 * File text as a person reads it, for error messages: the bytes decoded as
 * UTF-8 when they are UTF-8 (an "é" typed in the file shows as "é"), control
 * and other unprintable bytes as \xNN, so a message is always one clean line.
 */
export function shown(text: string): string {
  if (/[^\x00-\xff]/.test(text)) return text; // not a byte string: shown as given
  const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  let decoded: string | null = null;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(text, 'latin1'));
  } catch {
    /* not UTF-8: shown byte by byte */
  }
  if (decoded !== null && !/[\x80-\x9f]/.test(decoded)) return decoded.replace(/[\x00-\x1f\x7f]/g, hex);
  return text.replace(/[\x00-\x1f\x7f-\xff]/g, hex);
}

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

/** Why a range is bad; for bytes past ASCII, which bytes they are and how to write them. */
function badRange(text: string): string {
  const high = [...text].map((c) => c.charCodeAt(0)).filter((c) => c >= 0x80 && c <= 0xff);
  if (high.length === 0) return `bad range "${shown(text)}": use a-m, q, 0x00-0x1f or *`;
  const bytes = [...text].map((c) => `0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(' ');
  return (
    `bad range "${shown(text)}": a range names single bytes, and this is ${text.length} bytes in the file (${bytes}); ` +
    `write bytes past ASCII as 0xNN, e.g. 0x${high[0]!.toString(16)} for keys whose first byte is 0x${high[0]!.toString(16)}`
  );
}

// Only ASCII blanks separate words: 0xa0 is a byte of many UTF-8 characters, not a space.
const BLANKS = /[ \t\v\f\r]+/;

/** Parses the text of a cluster.conf, given as latin1 (one char per byte, as loadConfig reads it). */
export function parseConfig(text: string, file = 'cluster.conf'): ClusterConfig {
  const nodes: NodeAddress[] = [];
  const table: RouteEntry[] = [];
  const sectionTables = new Map<string, RouteEntry[]>();
  const settings = new Map<string, string>();
  const sectionSettings = new Map<string, Map<string, string>>();
  const pendingRoutes: RouteEntry[] = [];
  const sectionLines = new Map<string, number>();
  let section: string | null = null;
  let coordinator: { url: string; line: number } | null = null;

  const fail = (line: number, msg: string): never => {
    throw new ConfigError(`${file}:${line}: ${msg}`);
  };

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(^|[ \t\v\f\r])#.*$/, '').replace(/^[ \t\v\f\r]+|[ \t\v\f\r]+$/g, '');
    if (content === '') return;
    const sec = /^\[([^\]\s]+)\]$/.exec(content);
    if (sec) {
      section = sec[1]!;
      if (sectionLines.has(section)) fail(line, `duplicate section [${shown(section)}]`);
      sectionLines.set(section, line);
      return;
    }
    const words = content.split(BLANKS);
    const [directive, ...args] = words;
    if (directive === 'node') {
      if (section !== null) fail(line, `node lines belong before any [section]`);
      if (args.length !== 2) fail(line, `expected "node <name> <host>:<port>"`);
      const [name, addr] = args as [string, string];
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail(line, `bad node name "${shown(name)}"`);
      const m = /^(.+):(\d+)$/.exec(addr);
      if (!m) fail(line, `bad address "${shown(addr)}" for node ${name}: expected <host>:<port>`);
      const port = Number(m![2]);
      if (port < 1 || port > 65535) fail(line, `bad port ${m![2]} for node ${name}`);
      if (nodes.some((n) => n.name === name)) fail(line, `duplicate node name "${name}"`);
      const host = m![1]!.replace(/^\[(.*)\]$/, '$1');
      if (nodes.some((n) => n.host === host && n.port === port)) fail(line, `duplicate address ${shown(addr)} (node ${name})`);
      nodes.push({ name, host, port });
    } else if (directive === 'route') {
      if (args.length !== 2) fail(line, `expected "route <first bytes> <node>"`);
      const range = parseRange(args[0]!);
      if (!range) fail(line, badRange(args[0]!));
      const entry: RouteEntry = { ...range!, node: args[1]!, text: args[0]!, line };
      pendingRoutes.push(entry);
      const target = section === null ? table : sectionTables.get(section) ?? [];
      if (section !== null) sectionTables.set(section, target);
      const clash = target.find((e) => e.from <= entry.to && entry.from <= e.to);
      if (clash) fail(line, `range ${shown(entry.text)} overlaps ${shown(clash.text)} (line ${clash.line})`);
      target.push(entry);
    } else if (directive === 'coordinator') {
      if (section !== null) fail(line, `the coordinator line belongs before any [section]`);
      if (args.length !== 1 || parseCoordinatorUrl(args[0]!) === null) fail(line, `expected "coordinator etcd://<host>:<port>[,<host>:<port>...]/<prefix>"`);
      if (coordinator !== null) fail(line, `a second coordinator line (the first is line ${coordinator.line})`);
      coordinator = { url: args[0]!, line };
    } else if (directive !== undefined && DEFAULT_SETTINGS.has(directive)) {
      // save takes pairs, and "save ''" (written as save "") turns snapshots off.
      if (directive === 'save' || directive === 'replicaof') args.splice(0, args.length, args.join(' ').replace(/^(""|'')$/, ''));
      if (args.length !== 1) fail(line, `expected "${directive} <value>"`);
      const checked = checkSetting(directive, args[0]!);
      // A secret's value stays out of the message; a number's helps.
      if ('error' in checked) fail(line, `${directive}${directive === 'secret' ? '' : ` ${shown(args[0]!)}`}: ${checked.error}`);
      const target = section === null ? settings : sectionSettings.get(section) ?? new Map<string, string>();
      if (section !== null) sectionSettings.set(section, target);
      target.set(directive, (checked as { value: string }).value);
    } else {
      fail(line, `unknown directive "${shown(directive ?? '')}"`);
    }
  });

  const names = new Set(nodes.map((n) => n.name));
  for (const e of pendingRoutes) if (!names.has(e.node)) fail(e.line, `unknown node "${shown(e.node)}" in route ${shown(e.text)}`);
  for (const [s, l] of sectionLines) if (!names.has(s)) fail(l, `section [${shown(s)}] names an unknown node`);
  // A file that only points at etcd needs no nodes: they are in etcd.
  if (nodes.length === 0 && coordinator === null) throw new ConfigError(`${file}: no nodes: add a line "node <name> <host>:<port>"`);
  const cfg = { file, nodes, table, sectionTables, settings, sectionSettings, coordinator };
  checkChains(cfg);
  return cfg;
}

/**
 * Refuses a file in which some first byte, followed from some node through
 * each node's own table, comes back to a node it passed (or takes more than
 * that node's max-hops): every request for it would fail at run time.
 */
function checkChains(cfg: ClusterConfig): void {
  const tableOf = (node: string): readonly RouteEntry[] => cfg.sectionTables.get(node) ?? cfg.table;
  const maxHops = (node: string): number => Number(cfg.sectionSettings.get(node)?.get('max-hops') ?? cfg.settings.get('max-hops') ?? DEFAULT_SETTINGS.get('max-hops'));
  const entryFor = (node: string, byte: number): RouteEntry | undefined => tableOf(node).find((e) => e.from <= byte && byte <= e.to);
  for (const start of cfg.nodes) {
    for (let byte = 0; byte < 256; byte++) {
      const first = entryFor(start.name, byte);
      const path = [start.name];
      for (let entry = first; entry !== undefined && entry.node !== path[path.length - 1]; entry = entryFor(entry.node, byte)) {
        const chain = (): string => [...path, entry!.node].join(' -> ');
        const hops = maxHops(path[path.length - 1]!);
        if (path.includes(entry.node)) throw new ConfigError(`${cfg.file}:${first!.line}: route ${shown(first!.text)} loops: ${chain()}`);
        if (path.length > hops) throw new ConfigError(`${cfg.file}:${first!.line}: route ${shown(first!.text)} takes more than max-hops (${hops}): ${chain()}`);
        path.push(entry.node);
      }
    }
  }
}

/** etcd://host:port[,host:port…]/prefix: the endpoints (as http:// URLs) and the key prefix (no trailing slash). */
export function parseCoordinatorUrl(url: string): { hosts: string[]; prefix: string } | null {
  const m = /^etcd:\/\/([^/]+)(\/.*)$/.exec(url);
  if (!m || /\/$/.test(m[2]!) || /\s/.test(m[2]!)) return null;
  const hosts = m[1]!.split(',');
  if (!hosts.every((h) => /^[A-Za-z0-9_.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(h))) return null;
  return { hosts: hosts.map((h) => `http://${h}`), prefix: m[2]! };
}

/** Reads and parses a cluster.conf, as bytes: see the rule at the top. */
export function loadConfig(path: string): ClusterConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  // Editors that save "UTF-8 with BOM" put three bytes before the first directive.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return parseConfig(bytes.subarray(bom).toString('latin1'), path);
}

/** The view of the file one node has: its address, its table, its settings. */
export function configFor(cfg: ClusterConfig, name: string): NodeConfig {
  const self = cfg.nodes.find((n) => n.name === name);
  if (!self) throw new ConfigError(`${cfg.file}: no node named "${shown(name)}" (nodes: ${cfg.nodes.map((n) => n.name).join(', ')})`);
  const settings = new Map(DEFAULT_SETTINGS);
  for (const [k, v] of cfg.settings) settings.set(k, v);
  for (const [k, v] of cfg.sectionSettings.get(name) ?? []) settings.set(k, v);
  // Each node's files in a directory of its own unless the file names one.
  if (settings.get('dir') === '') settings.set('dir', `./data/${name}`);
  const replicaOf = new Map<string, string>();
  for (const n of cfg.nodes) {
    const follows = cfg.sectionSettings.get(n.name)?.get('replicaof') ?? cfg.settings.get('replicaof') ?? '';
    if (follows !== '' && !follows.includes(' ') && follows !== n.name) replicaOf.set(n.name, follows);
  }
  return { self, nodes: cfg.nodes, table: cfg.sectionTables.get(name) ?? cfg.table, settings, file: cfg.file, replicaOf };
}
