// COMMAND, COMMAND COUNT/DOCS/INFO/LIST/GETKEYS/GETKEYSANDFLAGS and ROUTE: what
// the command table and the routing path say about themselves, in Redis 7's
// reply shapes (sets in RESP3, flat arrays in RESP2). Clients read these:
// redis-cli builds its help and hints from COMMAND DOCS (cliInitCommandHelpEntry
// asserts on the shape), cluster-aware clients read key positions from COMMAND
// INFO. The argument syntax and complexity shown by COMMAND DOCS live here, as
// documentation, so the table stays about behaviour and routing.

import * as r from '../protocol/resp.js';
import type { CommandFlag, CommandSpec, Ctx, Handler } from './types.js';
import { COMMANDS, lookupCommand } from './table.js';
import { SYNTAX } from './errors.js';
import { keyPositions } from './key-positions.js';
import { globMatch } from './glob.js';

/** A set: `~n` in RESP3, an array in RESP2. */
function set(items: readonly r.Reply[], proto: r.Proto): r.Reply {
  return (proto === 3 ? '~' : '*') + items.length + '\r\n' + items.join('');
}

const PUBLIC = (): CommandSpec[] => COMMANDS.filter((c) => !c.flags.includes('internal'));

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
// COMMAND INFO

/** Redis prints command flags in this order (addReplyFlagsForCommand); may_replicate and internal are never shown. */
const FLAG_ORDER: readonly (CommandFlag | 'no_async_loading')[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'fast', 'no_auth', 'no_async_loading', 'no_multi', 'allow_busy',
];

/**
 * Flags Redis declares that change nothing in kv, shown as Redis shows them:
 * no_async_loading (refused while a replica loads its dataset in the background,
 * which kv's replicas do not do).
 */
const SHOWN_FLAGS: Record<string, readonly string[]> = {
  psync: ['no_async_loading'],
  sync: ['no_async_loading'],
  replicaof: ['no_async_loading'],
  slaveof: ['no_async_loading'],
  bgsave: ['no_async_loading'],
  bgrewriteaof: ['no_async_loading'],
  save: ['no_async_loading'],
};

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
  transactions: 'transaction',
  generic: 'keyspace',
  connection: 'connection',
};

/** Categories Redis declares for particular commands beyond the group's. */
const EXTRA_CATEGORIES: Record<string, readonly string[]> = {
  dbsize: ['keyspace'],
  flushdb: ['keyspace', 'dangerous'],
  flushall: ['keyspace', 'dangerous'],
  keys: ['dangerous'],
  info: ['dangerous'],
  command: ['connection'],
  restore: ['dangerous'],
  // Not admin-flagged, yet declared @admin @dangerous in their JSON.
  role: ['admin', 'dangerous'],
  lastsave: ['admin', 'dangerous'],
  wait: ['connection'],
  readonly: ['connection'],
  readwrite: ['connection'],
};

/**
 * ACL categories: the group's, the command's own, and the ones Redis implies from
 * flags (setImplicitACLCategories): write, read, admin+dangerous, fast or slow.
 * A container (CONFIG, CLIENT) has no flags of its own and is only @slow.
 */
function aclCategories(c: CommandSpec): string[] {
  const cats = new Set<string>();
  const container = c.subcommands !== undefined && c.run === undefined;
  const parent = c.name.split('|')[0]!;
  if (!container) {
    const g = GROUP_CATEGORY[groupOf(c)];
    if (g) cats.add(g);
    for (const x of EXTRA_CATEGORIES[c.name] ?? EXTRA_CATEGORIES[parent] ?? []) cats.add(x);
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

/**
 * Redis 7.0.15's command tips (how a cluster client should send a command and
 * merge its replies, and whether its output is deterministic), as its command
 * JSON files declare them, for the commands kv has.
 */
const TIPS: Record<string, readonly string[]> = {
  'mget': ['request_policy:multi_shard'],
  'mset': ['request_policy:multi_shard', 'response_policy:all_succeeded'],
  'msetnx': ['request_policy:multi_shard', 'response_policy:agg_min'],
  'hgetall': ['nondeterministic_output_order'],
  'hkeys': ['nondeterministic_output_order'],
  'hvals': ['nondeterministic_output_order'],
  'hscan': ['nondeterministic_output'],
  'hrandfield': ['nondeterministic_output'],
  'del': ['request_policy:multi_shard', 'response_policy:agg_sum'],
  'unlink': ['request_policy:multi_shard', 'response_policy:agg_sum'],
  'exists': ['request_policy:multi_shard', 'response_policy:agg_sum'],
  'touch': ['request_policy:multi_shard', 'response_policy:agg_sum'],
  'ttl': ['nondeterministic_output'],
  'pttl': ['nondeterministic_output'],
  'keys': ['request_policy:all_shards', 'nondeterministic_output_order'],
  'scan': ['nondeterministic_output', 'request_policy:special'],
  'object|idletime': ['nondeterministic_output'],
  'object|freq': ['nondeterministic_output'],
  'object|encoding': ['nondeterministic_output'],
  'object|refcount': ['nondeterministic_output'],
  'dump': ['nondeterministic_output'],
  'randomkey': ['request_policy:all_shards', 'nondeterministic_output'],
  'dbsize': ['request_policy:all_shards', 'response_policy:agg_sum'],
  'flushdb': ['request_policy:all_shards', 'response_policy:all_succeeded'],
  'flushall': ['request_policy:all_shards', 'response_policy:all_succeeded'],
  'info': ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  'wait': ['request_policy:all_shards', 'response_policy:agg_min'],
  'lastsave': ['nondeterministic_output'],
  'time': ['nondeterministic_output'],
  'config|set': ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  'command': ['nondeterministic_output_order'],
  'command|list': ['nondeterministic_output_order'],
  'command|info': ['nondeterministic_output_order'],
  'command|docs': ['nondeterministic_output_order'],
  'ping': ['request_policy:all_shards', 'response_policy:all_succeeded'],
  'client|list': ['nondeterministic_output'],
  'client|info': ['nondeterministic_output'],
  'function|list': ['nondeterministic_output_order'],
  'function|flush': ['request_policy:all_shards', 'response_policy:all_succeeded'],
  'function|kill': ['request_policy:all_shards', 'response_policy:one_succeeded'],
  'function|delete': ['request_policy:all_shards', 'response_policy:all_succeeded'],
  'function|stats': ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
};

/** Key-spec flags, from what the command does to its keys. */
function keySpecFlags(c: CommandSpec): string[] {
  if (c.name === 'del' || c.name === 'unlink') return ['RM', 'delete'];
  if (c.name === 'getdel') return ['RW', 'access', 'delete'];
  if (c.name === 'getex') return ['RW', 'access', 'update'];
  if (c.name === 'set' || c.name === 'mset' || c.name === 'msetnx' || c.name === 'setex' || c.name === 'psetex') return ['OW', 'update'];
  if (c.flags.includes('readonly')) return ['RO', 'access'];
  return ['RW', 'update'];
}

/** Redis 7 key specs: where the keys begin (an index) and how far they go (a range). */
function keySpecs(c: CommandSpec, proto: r.Proto): r.Reply {
  if (!c.keys) return set([], proto);
  const k = c.keys;
  const spec = r.map(
    [
      [r.bulk('flags'), set(keySpecFlags(c).map(r.simple), proto)],
      [r.bulk('begin_search'), r.map([[r.bulk('type'), r.bulk('index')], [r.bulk('spec'), r.map([[r.bulk('index'), r.integer(k.first)]], proto)]], proto)],
      [
        r.bulk('find_keys'),
        r.map(
          [
            [r.bulk('type'), r.bulk('range')],
            [
              r.bulk('spec'),
              r.map(
                [
                  // lastkey counts from the first key; a negative one from the end of argv.
                  [r.bulk('lastkey'), r.integer(k.last < 0 ? k.last : k.last - k.first)],
                  [r.bulk('keystep'), r.integer(k.step)],
                  [r.bulk('limit'), r.integer(0)],
                ],
                proto,
              ),
            ],
          ],
          proto,
        ),
      ],
    ],
    proto,
  );
  return set([spec], proto);
}

/** One command's COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips, key specs, subcommands. */
function info(c: CommandSpec, proto: r.Proto): r.Reply {
  const k = c.keys ?? { first: 0, last: 0, step: 0 };
  return r.array([
    r.bulk(c.name),
    r.integer(c.arity),
    set(FLAG_ORDER.filter((f) => (c.flags as readonly string[]).includes(f) || SHOWN_FLAGS[c.name]?.includes(f)).map(r.simple), proto),
    r.integer(k.first),
    r.integer(k.last),
    r.integer(k.step),
    set(aclCategories(c).map(r.simple), proto),
    set((TIPS[c.name] ?? []).map(r.bulk), proto),
    keySpecs(c, proto),
    // Redis: an array of the subcommands' entries, or an empty set when there are none.
    c.subcommands ? r.array(c.subcommands.map((s) => info(s, proto))) : set([], proto),
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

/** Complexity and argument syntax, by command name (subcommands as "container|sub"). */
const DOCS: Record<string, readonly [complexity: string, syntax: string]> = {
  get: ['O(1)', 'key [field]'],
  set: ['O(1)', 'key value [condition:[NX|XX]] [GET] [expiration:[EX=seconds:integer|PX=milliseconds:integer|EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time|KEEPTTL]]'],
  setnx: ['O(1)', 'key value'],
  setex: ['O(1)', 'key seconds:integer value'],
  psetex: ['O(1)', 'key milliseconds:integer value'],
  getset: ['O(1)', 'key value'],
  getdel: ['O(1)', 'key'],
  mget: ['O(N) where N is the number of keys to retrieve.', 'key...'],
  mset: ['O(N) where N is the number of keys to set.', 'data:(key value)...'],
  msetnx: ['O(N) where N is the number of keys to set.', 'data:(key value)...'],
  incr: ['O(1)', 'key'],
  decr: ['O(1)', 'key'],
  incrby: ['O(1)', 'key increment:integer'],
  decrby: ['O(1)', 'key decrement:integer'],
  incrbyfloat: ['O(1)', 'key increment:double'],
  append: ['O(1)', 'key value'],
  strlen: ['O(1)', 'key'],
  getrange: ['O(N) where N is the length of the returned string.', 'key start:integer end:integer'],
  substr: ['O(N) where N is the length of the returned string.', 'key start:integer end:integer'],
  setrange: ['O(1), not counting the time taken to copy the new string in place.', 'key offset:integer value'],
  getex: ['O(1)', 'key [expiration:[EX=seconds:integer|PX=milliseconds:integer|EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time|PERSIST]]'],
  hset: ['O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', 'key data:(field value)...'],
  hsetnx: ['O(1)', 'key field value'],
  hmset: ['O(N) where N is the number of fields being set.', 'key data:(field value)...'],
  hget: ['O(1)', 'key field'],
  hmget: ['O(N) where N is the number of fields being requested.', 'key field...'],
  hdel: ['O(N) where N is the number of fields to be removed.', 'key field...'],
  hgetall: ['O(N) where N is the size of the hash.', 'key'],
  hlen: ['O(1)', 'key'],
  hexists: ['O(1)', 'key field'],
  hkeys: ['O(N) where N is the size of the hash.', 'key'],
  hvals: ['O(N) where N is the size of the hash.', 'key'],
  hincrby: ['O(1)', 'key field increment:integer'],
  hincrbyfloat: ['O(1)', 'key field increment:double'],
  hstrlen: ['O(1)', 'key field'],
  hscan: ['O(1) for every call. O(N) for a complete iteration.', 'key cursor:integer [MATCH=pattern] [COUNT=count:integer]'],
  create: ['O(1)', 'bucket:key'],
  put: ['O(1)', 'bucket:key key:string value'],
  delete: ['O(1)', 'bucket:key key:string'],
  del: ['O(N) where N is the number of keys that will be removed.', 'key...'],
  unlink: ['O(1) for each key removed regardless of its size.', 'key...'],
  exists: ['O(N) where N is the number of keys to check.', 'key...'],
  touch: ['O(N) where N is the number of keys that will be touched.', 'key...'],
  type: ['O(1)', 'key'],
  expire: ['O(1)', 'key seconds:integer [condition:[NX|XX|GT|LT]]'],
  pexpire: ['O(1)', 'key milliseconds:integer [condition:[NX|XX|GT|LT]]'],
  expireat: ['O(1)', 'key unix-time-seconds:unix-time [condition:[NX|XX|GT|LT]]'],
  pexpireat: ['O(1)', 'key unix-time-milliseconds:unix-time [condition:[NX|XX|GT|LT]]'],
  ttl: ['O(1)', 'key'],
  pttl: ['O(1)', 'key'],
  expiretime: ['O(1)', 'key'],
  pexpiretime: ['O(1)', 'key'],
  persist: ['O(1)', 'key'],
  keys: ['O(N) with N being the number of keys in the database.', 'pattern'],
  scan: ['O(1) for every call. O(N) for a complete iteration.', 'cursor:integer [MATCH=pattern] [COUNT=count:integer] [TYPE=type]'],
  rename: ['O(1)', 'key newkey:key'],
  renamenx: ['O(1)', 'key newkey:key'],
  randomkey: ['O(1)', ''],
  dbsize: ['O(1)', ''],
  flushdb: ['O(N) where N is the number of keys in the selected database', '[flush-type:[ASYNC|SYNC]]'],
  flushall: ['O(N) where N is the total number of keys in all databases', '[flush-type:[ASYNC|SYNC]]'],
  info: ['O(1)', '[section...]'],
  time: ['O(1)', ''],
  config: ['Depends on subcommand.', ''],
  'config|get': ['O(N) when N is the number of configuration parameters provided', 'parameter...'],
  'config|set': ['O(N) when N is the number of configuration parameters provided', 'parameter_value:(parameter value)...'],
  'config|resetstat': ['O(1)', ''],
  'config|rewrite': ['O(1)', ''],
  'config|help': ['O(1)', ''],
  command: ['O(N) where N is the total number of Redis commands', ''],
  'command|count': ['O(1)', ''],
  'command|docs': ['O(N) where N is the number of commands to look up', '[command-name...]'],
  'command|info': ['O(N) where N is the number of commands to look up', '[command-name...]'],
  'command|list': ['O(N) where N is the total number of Redis commands', '[FILTERBY=filterby:(MODULE=module-name|ACLCAT=category|PATTERN=pattern)]'],
  'command|getkeys': ['O(N) where N is the number of arguments to the command', 'command [arg...]'],
  'command|getkeysandflags': ['O(N) where N is the number of arguments to the command', 'command [arg...]'],
  'command|help': ['O(1)', ''],
  ping: ['O(1)', '[message]'],
  echo: ['O(1)', 'message'],
  quit: ['O(1)', ''],
  select: ['O(1)', 'index:integer'],
  auth: ['O(N) where N is the number of passwords defined for the user', '[username] password'],
  hello: ['O(1)', '[arguments:(protover:integer [AUTH=username_password:(username password)] [SETNAME=clientname])]'],
  client: ['Depends on subcommand.', ''],
  'client|id': ['O(1)', ''],
  'client|getname': ['O(1)', ''],
  'client|setname': ['O(1)', 'connection-name'],
  'client|setinfo': ['O(1)', 'attr:(LIB-NAME=libname|LIB-VER=libver)'],
  'client|info': ['O(1)', ''],
  'client|list': ['O(N) where N is the number of client connections', '[TYPE=client-type:(NORMAL|MASTER|REPLICA|PUBSUB)] [ID=client-id:integer...]'],
  'client|no-evict': ['O(1)', 'enabled:(ON|OFF)'],
  'client|no-touch': ['O(1)', 'enabled:(ON|OFF)'],
  'client|help': ['O(1)', ''],
  save: ['O(N) where N is the total number of keys in all databases', ''],
  shutdown: ['O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)', '[save-selector:[NOSAVE|SAVE]] [NOW] [FORCE] [ABORT]'],
  object: ['Depends on subcommand.', ''],
  'object|encoding': ['O(1)', 'key'],
  'object|freq': ['O(1)', 'key'],
  'object|idletime': ['O(1)', 'key'],
  'object|refcount': ['O(1)', 'key'],
  'object|help': ['O(1)', ''],
  memory: ['Depends on subcommand.', ''],
  'memory|usage': ['O(N) where N is the number of samples.', 'key [SAMPLES=count:integer]'],
  'memory|help': ['O(1)', ''],
  function: ['Depends on subcommand.', ''],
  'function|flush': ['O(N) where N is the number of functions deleted', '[flush-type:[ASYNC|SYNC]]'],
  'function|list': ['O(N) where N is the number of functions', '[LIBRARYNAME=library-name-pattern] [WITHCODE]'],
  'function|stats': ['O(1)', ''],
  'function|delete': ['O(1)', 'library-name'],
  'function|kill': ['O(1)', ''],
  'function|help': ['O(1)', ''],
  route: ['O(1) on each node on the path', 'bucket:key'],
};

/** The parsed DOCS table, checked once at start-up so a typo fails loudly rather than in a client. */
const PARSED_ARGS = new Map<string, ArgDoc[]>(Object.entries(DOCS).map(([name, [, syntax]]) => [name, parseSyntax(syntax)]));

function argReply(a: ArgDoc, proto: r.Proto): r.Reply {
  const pairs: [r.Reply, r.Reply][] = [
    [r.bulk('name'), r.bulk(a.name)],
    [r.bulk('type'), r.bulk(a.type)],
  ];
  // We declare one key spec per command, so every key argument points at it.
  if (a.type === 'key') pairs.push([r.bulk('key_spec_index'), r.integer(0)]);
  if (a.token !== undefined) pairs.push([r.bulk('token'), r.bulk(a.token)]);
  const flags = [a.optional ? 'optional' : null, a.multiple ? 'multiple' : null].filter((f): f is string => f !== null);
  if (flags.length > 0) pairs.push([r.bulk('flags'), set(flags.map(r.simple), proto)]);
  if (a.args) pairs.push([r.bulk('arguments'), r.array(a.args.map((x) => argReply(x, proto)))]);
  return r.map(pairs, proto);
}

/** One command's docs: summary, since, group, complexity, arguments, subcommands (Redis's key order). */
function docs(c: CommandSpec, proto: r.Proto): r.Reply {
  const pairs: [r.Reply, r.Reply][] = [
    [r.bulk('summary'), r.bulk(c.summary)],
    [r.bulk('since'), r.bulk(c.since)],
    [r.bulk('group'), r.bulk(groupOf(c))],
  ];
  const doc = DOCS[c.name];
  if (doc) pairs.push([r.bulk('complexity'), r.bulk(doc[0])]);
  const args = PARSED_ARGS.get(c.name) ?? [];
  if (args.length > 0) pairs.push([r.bulk('arguments'), r.array(args.map((a) => argReply(a, proto)))]);
  if (c.subcommands) {
    pairs.push([r.bulk('subcommands'), r.map(c.subcommands.map((s) => [r.bulk(s.name), docs(s, proto)] as const), proto)]);
  }
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

/** The command (or subcommand) COMMAND GETKEYS is asked about, or Redis's error for it. */
function getkeysTarget(args: readonly string[]): CommandSpec | r.Reply {
  let c = lookupCommand(args[0]!);
  if (!c || c.flags.includes('internal')) return r.error('ERR Invalid command specified');
  if (c.subcommands && args.length >= 2) {
    const sub = c.subcommands.find((s) => s.name === `${c!.name}|${args[1]!.toLowerCase()}`);
    if (!sub) return r.error('ERR Invalid command specified');
    c = sub;
  }
  if (!c.keys) return r.error('ERR The command has no key arguments');
  if ((c.arity > 0 && args.length !== c.arity) || args.length < -c.arity) {
    return r.error('ERR Invalid number of arguments specified for command');
  }
  return c;
}

/** COMMAND GETKEYS command arg...: the keys of a full command, checked as Redis checks them. */
export const commandGetkeys: Handler = (ctx, argv) => {
  const args = argv.slice(2);
  const c = getkeysTarget(args);
  if (typeof c === 'string') return c;
  return r.bulkArray(keyPositions(c, args).map((i) => args[i]!), ctx.proto);
};

/** COMMAND GETKEYSANDFLAGS command arg...: each key with its key-spec flags. */
export const commandGetkeysandflags: Handler = (ctx, argv) => {
  const args = argv.slice(2);
  const c = getkeysTarget(args);
  if (typeof c === 'string') return c;
  const flags = set(keySpecFlags(c).map(r.simple), ctx.proto);
  return r.array(keyPositions(c, args).map((i) => r.array([r.bulk(args[i]!), flags])));
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
