// COMMAND, COMMAND COUNT/DOCS/INFO/LIST/GETKEYS/GETKEYSANDFLAGS and ROUTE: what
// the commands this server has say about themselves, in Redis 7's reply shapes
// (sets in RESP3, flat arrays in RESP2). Clients read these: redis-cli builds its
// help and hints from COMMAND DOCS, cluster-aware clients read key positions from
// COMMAND INFO. A command Redis has is described by Redis's own metadata
// (redis-commands.ts, generated from redis-server 7.0.15); kv's own commands
// (the guide's CREATE/PUT/DELETE, ROUTE, Redis 7.2's CLIENT SETINFO) by the table.

import * as r from '../protocol/resp.js';
import type { CommandFlag, CommandSpec, Ctx, Handler } from './types.js';
import { COMMANDS, lookupCommand } from './table.js';
import { SYNTAX } from './errors.js';
import { keyPositions } from './key-positions.js';
import { globMatch } from './glob.js';
import { docsReply, infoReply, set, type DocValue, type RedisCommand } from './command-metadata.js';
import { REDIS_COMMANDS } from './redis-commands.js';
import { commandKeys, type KeyRef } from './key-specs.js';

const PUBLIC = (): CommandSpec[] => COMMANDS.filter((c) => !c.flags.includes('internal'));

/** Redis's description of each command and subcommand ("config|get"), by name. */
const REDIS = new Map<string, RedisCommand>(REDIS_COMMANDS.flatMap((c) => [[c.name, c] as const, ...(c.subcommands ?? []).map((s) => [s.name, s] as const)]));

/** Redis's description of a command of the table, if Redis has that command. */
function redisOf(c: CommandSpec): RedisCommand | undefined {
  return REDIS.get(c.name);
}

/**
 * Where kv's command does more than Redis's, its docs say so: GET bucket key
 * reads a field of a bucket (the guide's GET), so GET has kv's summary and an
 * optional field argument.
 */
function kvDocs(c: CommandSpec, docs: RedisCommand['docs']): RedisCommand['docs'] {
  if (c.name !== 'get') return docs;
  const args = (docs['arguments'] ?? []) as readonly DocValue[];
  return { ...docs, summary: c.summary, arguments: [...args, { name: 'field', type: 'string', flags: ['optional'] }] };
}

/** A subcommand belongs to its container's group (CLIENT LIST is "connection", as in Redis). */
function groupOf(c: CommandSpec): string {
  const bar = c.name.indexOf('|');
  return bar < 0 ? c.group : lookupCommand(c.name.slice(0, bar))?.group ?? c.group;
}

/** A command by name, "container|sub" included, as Redis's lookupCommandBySds finds it. */
function findCommand(name: string): CommandSpec | undefined {
  const [container, sub, extra] = name.toLowerCase().split('|');
  if (extra !== undefined || container === undefined) return undefined;
  const c = lookupCommand(container);
  if (!c || c.flags.includes('internal')) return undefined;
  if (sub === undefined) return c;
  return c.subcommands?.find((s) => s.name === `${container}|${sub}`);
}

// ---------------------------------------------------------------------------
// The table's own description, for commands Redis lacks

/** Redis prints command flags in this order (addReplyFlagsForCommand); may_replicate and internal are never shown. */
const FLAG_ORDER: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'fast', 'no_auth', 'no_multi', 'allow_busy',
];

/** ACL categories in Redis's bit order, which is the order COMMAND INFO lists them in. */
const ACL_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** The category a command's group brings, as Redis's command JSON files declare it. */
const GROUP_CATEGORY: Record<string, string> = {
  scripting: 'scripting',
  string: 'string',
  bitmap: 'bitmap',
  hash: 'hash',
  bucket: 'hash',
  list: 'list',
  set: 'set',
  sorted_set: 'sortedset',
  pubsub: 'pubsub',
  transactions: 'transaction',
  generic: 'keyspace',
  connection: 'connection',
};

/**
 * ACL categories: Redis's for its commands; for the others the group's and the
 * ones Redis implies from flags (setImplicitACLCategories): write, read,
 * admin+dangerous, fast or slow. A container is only @slow.
 */
function aclCategories(c: CommandSpec): string[] {
  const redis = redisOf(c);
  if (redis) return [...redis.acl];
  const cats = new Set<string>();
  if (!(c.subcommands !== undefined && c.run === undefined)) {
    const g = GROUP_CATEGORY[groupOf(c)];
    if (g) cats.add(g);
  }
  if (c.flags.includes('write')) cats.add('write');
  if (c.flags.includes('readonly')) cats.add('read');
  if (c.flags.includes('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (c.flags.includes('pubsub')) cats.add('pubsub');
  if (c.flags.includes('blocking')) cats.add('blocking');
  cats.add(c.flags.includes('fast') ? 'fast' : 'slow');
  return ACL_ORDER.filter((x) => cats.has(x)).map((x) => `@${x}`);
}

/** Key-spec flags of a command Redis lacks: the table says only whether it writes. */
function tableKeyFlags(c: CommandSpec): string[] {
  return c.flags.includes('readonly') ? ['RO', 'access'] : ['RW', 'update'];
}

/** A Redis 7 key spec from the table: where the keys begin (an index) and how far they go (a range). */
function tableKeySpecs(c: CommandSpec, proto: r.Proto): r.Reply {
  if (!c.keys) return set([], proto);
  const k = c.keys;
  const range: [r.Reply, r.Reply][] = [
    // lastkey counts from the first key; a negative one from the end of argv.
    [r.bulk('lastkey'), r.integer(k.last < 0 ? k.last : k.last - k.first)],
    [r.bulk('keystep'), r.integer(k.step)],
    [r.bulk('limit'), r.integer(0)],
  ];
  const spec = r.map(
    [
      [r.bulk('flags'), set(tableKeyFlags(c).map(r.simple), proto)],
      [r.bulk('begin_search'), r.map([[r.bulk('type'), r.bulk('index')], [r.bulk('spec'), r.map([[r.bulk('index'), r.integer(k.first)]], proto)]], proto)],
      [r.bulk('find_keys'), r.map([[r.bulk('type'), r.bulk('range')], [r.bulk('spec'), r.map(range, proto)]], proto)],
    ],
    proto,
  );
  return set([spec], proto);
}

// ---------------------------------------------------------------------------
// COMMAND INFO

/** One command's COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips, key specs, subcommands. */
function info(c: CommandSpec, proto: r.Proto): r.Reply {
  const subs = c.subcommands?.map((s) => info(s, proto));
  const redis = redisOf(c);
  // The arity is the one this server checks (kv's GET takes an optional field).
  if (redis) return infoReply(redis, proto, c.arity, subs);
  const k = c.keys ?? { first: 0, last: 0, step: 0 };
  return r.array([
    r.bulk(c.name),
    r.integer(c.arity),
    set(FLAG_ORDER.filter((f) => c.flags.includes(f)).map(r.simple), proto),
    r.integer(k.first),
    r.integer(k.last),
    r.integer(k.step),
    set(aclCategories(c).map(r.simple), proto),
    set([], proto),
    tableKeySpecs(c, proto),
    subs !== undefined && subs.length > 0 ? r.array(subs) : set([], proto),
  ]);
}

export const command: Handler = (ctx) => r.array(PUBLIC().map((c) => info(c, ctx.proto)));
export const commandCount: Handler = () => r.integer(PUBLIC().length);

/** COMMAND INFO [name ...]: an entry per name, null for an unknown one; no names → every command. */
export const commandInfo: Handler = (ctx, argv) => {
  const names = argv.slice(2);
  if (names.length === 0) return command(ctx, argv);
  return r.array(
    names.map((n) => {
      const c = findCommand(n);
      return c ? info(c, ctx.proto) : r.nil(ctx.proto);
    }),
  );
};

// ---------------------------------------------------------------------------
// COMMAND DOCS

/** One argument as COMMAND DOCS describes it (Redis's redisCommandArg). */
interface ArgDoc {
  name: string;
  type: string;
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  args?: ArgDoc[];
}

/**
 * Parses a compact syntax into argument docs:
 *   `key` `name:type`          an argument (name "key" is a key, "pattern" a pattern, else a string)
 *   `NX`                       a pure token
 *   `EX=seconds:integer`       an argument introduced by a token
 *   `[…]` / `(…)`              optional / required; several items make a block,
 *                              `|` between alternatives makes a oneof
 *   `name:[…]`, `TOKEN=name:(…)`  the block or oneof's name and token
 *   `…...`                     the item may repeat
 */
function parseSyntax(src: string): ArgDoc[] {
  const toks = src.match(/\.\.\.|[[\]()|]|[^\s[\]()|.]+/g) ?? [];
  let i = 0;

  const autoName = (args: ArgDoc[]): string => args.map((a) => a.name).join('_');
  const asOne = (items: ArgDoc[]): ArgDoc => (items.length === 1 ? items[0]! : { name: autoName(items), type: 'block', args: items });

  function sequence(): ArgDoc[] {
    const items: ArgDoc[] = [];
    while (i < toks.length && ![']', ')', '|'].includes(toks[i]!)) items.push(item());
    return items;
  }

  /** After an opening bracket: alternatives up to the closing one, as one argument. */
  function group(close: string, name: string | null): ArgDoc {
    const alts = [sequence()];
    while (toks[i] === '|') {
      i++;
      alts.push(sequence());
    }
    if (toks[i++] !== close) throw new Error(`syntax: expected ${close} in ${src}`);
    const arg: ArgDoc = alts.length > 1 ? { name: '', type: 'oneof', args: alts.map(asOne) } : asOne(alts[0]!);
    if (alts.length > 1) arg.name = autoName(arg.args!);
    if (name !== null) arg.name = name;
    return arg;
  }

  function item(): ArgDoc {
    const t = toks[i++]!;
    let arg: ArgDoc;
    if (t === '[' || t === '(') {
      arg = group(t === '[' ? ']' : ')', null);
      if (t === '[') arg = { ...arg, optional: true };
    } else {
      const eq = t.indexOf('=');
      const token = eq > 0 ? t.slice(0, eq) : undefined;
      const rest = eq > 0 ? t.slice(eq + 1) : t;
      if (rest.endsWith(':')) {
        // A named block or oneof follows.
        const open = toks[i++];
        if (open !== '[' && open !== '(') throw new Error(`syntax: expected a bracket after ${t} in ${src}`);
        arg = group(open === '[' ? ']' : ')', rest.slice(0, -1));
        if (open === '[') arg.optional = true;
      } else if (token === undefined && /^[A-Z][A-Z0-9_-]*$/.test(rest)) {
        arg = { name: rest.toLowerCase(), type: 'pure-token', token: rest };
      } else {
        const [name, type] = rest.split(':') as [string, string | undefined];
        arg = { name, type: type ?? (name === 'key' || name === 'pattern' ? name : 'string') };
      }
      if (token !== undefined) arg.token = token;
    }
    if (toks[i] === '...') {
      i++;
      arg.multiple = true;
    }
    return arg;
  }

  const out = sequence();
  if (i !== toks.length) throw new Error(`syntax: unexpected ${toks[i]} in ${src}`);
  return out;
}

/** Complexity and argument syntax of the commands Redis lacks, by name (subcommands as "container|sub"). */
const DOCS: Record<string, readonly [complexity: string, syntax: string]> = {
  create: ['O(1)', 'bucket:key'],
  put: ['O(1)', 'bucket:key key:string value'],
  delete: ['O(1)', 'bucket:key key:string'],
  route: ['O(1) on each node on the path', 'bucket:key'],
  // Redis 7.2's, which clients send.
  'client|setinfo': ['O(1)', 'attr:(LIB-NAME=libname|LIB-VER=libver)'],
  'client|no-touch': ['O(1)', 'enabled:(ON|OFF)'],
};

/** The parsed DOCS table, checked once at start-up so a typo fails loudly rather than in a client. */
const PARSED_ARGS = new Map<string, ArgDoc[]>(Object.entries(DOCS).map(([name, [, syntax]]) => [name, parseSyntax(syntax)]));

function argReply(a: ArgDoc, proto: r.Proto): r.Reply {
  const pairs: [r.Reply, r.Reply][] = [
    [r.bulk('name'), r.bulk(a.name)],
    [r.bulk('type'), r.bulk(a.type)],
  ];
  // The table declares one key spec per command, so every key argument points at it.
  if (a.type === 'key') pairs.push([r.bulk('key_spec_index'), r.integer(0)]);
  if (a.token !== undefined) pairs.push([r.bulk('token'), r.bulk(a.token)]);
  const flags = [a.optional ? 'optional' : null, a.multiple ? 'multiple' : null].filter((f): f is string => f !== null);
  if (flags.length > 0) pairs.push([r.bulk('flags'), set(flags.map(r.simple), proto)]);
  if (a.args) pairs.push([r.bulk('arguments'), r.array(a.args.map((x) => argReply(x, proto)))]);
  return r.map(pairs, proto);
}

/** One command's docs: Redis's for its commands, else summary, since, group, complexity, arguments from the table (Redis's key order). */
function docs(c: CommandSpec, proto: r.Proto): r.Reply {
  const subs = c.subcommands?.map((s) => [s.name, docs(s, proto)] as const);
  const redis = redisOf(c);
  if (redis) return docsReply(kvDocs(c, redis.docs), proto, subs);
  const pairs: [r.Reply, r.Reply][] = [
    [r.bulk('summary'), r.bulk(c.summary)],
    [r.bulk('since'), r.bulk(c.since)],
    [r.bulk('group'), r.bulk(groupOf(c))],
  ];
  const doc = DOCS[c.name];
  if (doc) pairs.push([r.bulk('complexity'), r.bulk(doc[0])]);
  const args = PARSED_ARGS.get(c.name) ?? [];
  if (args.length > 0) pairs.push([r.bulk('arguments'), r.array(args.map((a) => argReply(a, proto)))]);
  if (subs !== undefined && subs.length > 0) pairs.push([r.bulk('subcommands'), r.map(subs.map(([n, d]) => [r.bulk(n), d] as const), proto)]);
  return r.map(pairs, proto);
}

/** COMMAND DOCS [name ...]: a map of name → docs; unknown names are left out; no names → every command. */
export const commandDocs: Handler = (ctx, argv) => {
  const names = argv.slice(2);
  const chosen = names.length === 0 ? PUBLIC() : names.map(findCommand).filter((c): c is CommandSpec => c !== undefined);
  return r.map(chosen.map((c) => [r.bulk(c.name), docs(c, ctx.proto)] as const), ctx.proto);
};

// ---------------------------------------------------------------------------
// COMMAND LIST, GETKEYS, GETKEYSANDFLAGS, HELP

/** Every command and subcommand name, as Redis 7's COMMAND LIST lists them. */
function allNames(): CommandSpec[] {
  return PUBLIC().flatMap((c) => [c, ...(c.subcommands ?? [])]);
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]. */
export const commandList: Handler = (ctx, argv) => {
  let chosen = allNames();
  if (argv.length > 2) {
    if (argv.length !== 5 || argv[2]!.toLowerCase() !== 'filterby') return SYNTAX;
    const kind = argv[3]!.toLowerCase();
    const arg = argv[4]!;
    if (kind === 'module') chosen = []; // no modules here
    else if (kind === 'aclcat') chosen = chosen.filter((c) => aclCategories(c).includes(`@${arg.toLowerCase()}`));
    else if (kind === 'pattern') chosen = chosen.filter((c) => globMatch(arg, c.name, true));
    else return SYNTAX;
  }
  return r.bulkArray(chosen.map((c) => c.name), ctx.proto);
};

/**
 * The keys of a full command and their flags, checked as Redis's
 * getKeysSubcommandImpl checks them, or Redis's error. Redis's key specs find
 * the keys of its commands; the table's positions those of kv's own.
 */
function keysOfCommand(args: readonly string[]): KeyRef[] | r.Reply {
  let c = lookupCommand(args[0]!);
  if (!c || c.flags.includes('internal')) return r.error('ERR Invalid command specified');
  if (c.subcommands && args.length >= 2) {
    const sub = c.subcommands.find((s) => s.name === `${c!.name}|${args[1]!.toLowerCase()}`);
    if (!sub) return r.error('ERR Invalid command specified');
    c = sub;
  }
  const redis = redisOf(c);
  if (redis) {
    const keys = commandKeys(redis, args, c.arity);
    return typeof keys === 'string' ? r.error(keys) : keys;
  }
  if (!c.keys) return r.error('ERR The command has no key arguments');
  if ((c.arity > 0 && args.length !== c.arity) || args.length < -c.arity) {
    return r.error('ERR Invalid number of arguments specified for command');
  }
  const keys = keyPositions(c, args).map((pos) => ({ pos, flags: tableKeyFlags(c!) }));
  return keys.length > 0 ? keys : r.error('ERR Invalid arguments specified for command');
}

/** COMMAND GETKEYS command arg...: the keys of a full command. */
export const commandGetkeys: Handler = (ctx, argv) => {
  const args = argv.slice(2);
  const keys = keysOfCommand(args);
  if (typeof keys === 'string') return keys;
  return r.bulkArray(keys.map((k) => args[k.pos]!), ctx.proto);
};

/** COMMAND GETKEYSANDFLAGS command arg...: each key with its key-spec flags. */
export const commandGetkeysandflags: Handler = (ctx, argv) => {
  const args = argv.slice(2);
  const keys = keysOfCommand(args);
  if (typeof keys === 'string') return keys;
  return r.array(keys.map((k) => r.array([r.bulk(args[k.pos]!), set(k.flags.map(r.simple), ctx.proto)])));
};

/** Redis 7's HELP texts for the containers that have one; others list their subcommands. */
const HELP_LINES: Record<string, readonly string[]> = {
  config: [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ],
  object: [
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the key.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
  ],
  // Redis's texts for the subcommands this server has.
  memory: [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ],
  function: [
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
  ],
  command: [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ],
};

/** CONTAINER HELP, as Redis's addReplyHelp() frames it: a header, the lines, then HELP itself. */
export function help(container: string): Handler {
  return () => {
    const body =
      HELP_LINES[container] ??
      (lookupCommand(container)?.subcommands ?? [])
        .filter((s) => !s.name.endsWith('|help'))
        .flatMap((s) => [s.name.split('|')[1]!.toUpperCase(), `    ${s.summary}.`]);
    return r.array(
      [`${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...body, 'HELP', '    Prints this help.'].map(r.simple),
    );
  };
}

/** ROUTE bucket: runs on the owner; tells who owns the bucket and the path the request took. */
export const route: Handler = (ctx: Ctx, argv) => {
  const path = [...ctx.path, ctx.node.name].join(' -> ');
  return r.map(
    [
      [r.bulk('bucket'), r.bulk(argv[1]!)],
      [r.bulk('owner'), r.bulk(ctx.node.name)],
      [r.bulk('path'), r.bulk(path)],
      [r.bulk('hops'), r.integer(ctx.path.length)],
    ],
    ctx.proto,
  );
};
