// Redis's own description of a command (what its src/commands/*.json say, as
// COMMAND INFO and COMMAND DOCS of redis-server 7.0.15 report it), and the
// encoding back into those replies, RESP2 or RESP3, byte for byte. The data is
// generated (redis-commands.ts, by scripts/command-docs.ts); introspection.ts
// answers COMMAND from it for every command kv shares with Redis.

import * as r from '../protocol/resp.js';

/** Where a key spec's keys begin (index or keyword) and how far they go (range or keynum). */
export interface RedisKeySpec {
  readonly notes?: string;
  readonly flags: readonly string[];
  readonly begin_search: { readonly type: string; readonly spec: Readonly<Record<string, string | number>> };
  readonly find_keys: { readonly type: string; readonly spec: Readonly<Record<string, string | number>> };
}

/**
 * A COMMAND DOCS value: bulk strings, integers, arrays and maps; the "flags" and
 * "doc_flags" arrays are sets of simple strings, and "history" a set of arrays.
 */
export type DocValue = string | number | readonly DocValue[] | { readonly [field: string]: DocValue };

/** One command or subcommand: its COMMAND INFO fields and its COMMAND DOCS map (without subcommands). */
export interface RedisCommand {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly first: number;
  readonly last: number;
  readonly step: number;
  readonly acl: readonly string[];
  readonly tips: readonly string[];
  readonly key_specs: readonly RedisKeySpec[];
  readonly docs: { readonly [field: string]: DocValue };
  readonly subcommands?: readonly RedisCommand[];
}

/** A set: `~n` in RESP3, an array in RESP2. */
export function set(items: readonly r.Reply[], proto: r.Proto): r.Reply {
  return (proto === 3 ? '~' : '*') + items.length + '\r\n' + items.join('');
}

/** Sets of simple strings in COMMAND DOCS: an argument's flags and a command's doc_flags. */
const FLAG_SETS = new Set(['flags', 'doc_flags']);

function docValue(v: DocValue, field: string, proto: r.Proto): r.Reply {
  if (typeof v === 'string') return r.bulk(v);
  if (typeof v === 'number') return r.integer(v);
  if (Array.isArray(v)) {
    const items = v as readonly DocValue[];
    if (FLAG_SETS.has(field)) return set(items.map((x) => r.simple(String(x))), proto);
    if (field === 'history') return set(items.map((x) => docValue(x, '', proto)), proto);
    return r.array(items.map((x) => docValue(x, '', proto)));
  }
  return r.map(Object.entries(v).map(([k, x]) => [r.bulk(k), docValue(x, k, proto)] as const), proto);
}

function specPart(part: RedisKeySpec['begin_search'], proto: r.Proto): r.Reply {
  const spec = Object.entries(part.spec).map(([k, x]) => [r.bulk(k), typeof x === 'number' ? r.integer(x) : r.bulk(x)] as const);
  return r.map([[r.bulk('type'), r.bulk(part.type)], [r.bulk('spec'), r.map(spec, proto)]], proto);
}

/** A key spec as COMMAND INFO shows it (Redis's addReplyCommandKeySpecs). */
function keySpecReply(k: RedisKeySpec, proto: r.Proto): r.Reply {
  const pairs: [r.Reply, r.Reply][] = [];
  if (k.notes !== undefined) pairs.push([r.bulk('notes'), r.bulk(k.notes)]);
  pairs.push([r.bulk('flags'), set(k.flags.map(r.simple), proto)]);
  pairs.push([r.bulk('begin_search'), specPart(k.begin_search, proto)]);
  pairs.push([r.bulk('find_keys'), specPart(k.find_keys, proto)]);
  return r.map(pairs, proto);
}

/**
 * A COMMAND INFO entry. `arity` is the one the server enforces; `subcommands`
 * the entries to nest (the container's subcommands the server has), already
 * encoded, or none.
 */
export function infoReply(c: RedisCommand, proto: r.Proto, arity = c.arity, subcommands?: readonly r.Reply[]): r.Reply {
  return r.array([
    r.bulk(c.name),
    r.integer(arity),
    set(c.flags.map(r.simple), proto),
    r.integer(c.first),
    r.integer(c.last),
    r.integer(c.step),
    set(c.acl.map(r.simple), proto),
    set(c.tips.map(r.bulk), proto),
    set(c.key_specs.map((k) => keySpecReply(k, proto)), proto),
    // Redis: an array of the subcommands' entries, or an empty set when there are none.
    subcommands !== undefined && subcommands.length > 0 ? r.array(subcommands) : set([], proto),
  ]);
}

/** A COMMAND DOCS map for one command; `docs` may replace fields, `subcommands` are [name, docs] pairs already encoded. */
export function docsReply(docs: { readonly [field: string]: DocValue }, proto: r.Proto, subcommands?: readonly (readonly [string, r.Reply])[]): r.Reply {
  const pairs = Object.entries(docs).map(([k, v]) => [r.bulk(k), docValue(v, k, proto)] as const);
  if (subcommands !== undefined && subcommands.length > 0) {
    pairs.push([r.bulk('subcommands'), r.map(subcommands.map(([n, d]) => [r.bulk(n), d] as const), proto)]);
  }
  return r.map(pairs, proto);
}
