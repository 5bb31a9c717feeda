// The command table: one declarative entry per command, as Redis's
// src/commands/*.json: name, arity, flags, where the keys are, and how the routing
// stage treats it. The router reads key positions from here; no command codes its
// own routing. Behaviour lives in one module per data type.

import type { CommandSpec, KeySpec } from './types.js';
import * as strings from './strings.js';
import * as hashes from './hashes.js';
import * as keys from './keys.js';
import * as buckets from './buckets.js';
import * as server from './server.js';
import * as introspection from './introspection.js';
import * as transactions from './transactions.js';
import * as functions from './functions.js';
import * as object from './object.js';
import * as replication from './replication.js';
import * as dump from './dump.js';
import * as bitmaps from './bitmaps.js';
import * as lists from './lists.js';
import * as sets from './sets.js';
import * as zsets from './zsets.js';
import * as pubsub from './pubsub.js';
import * as slowlog from './slowlog.js';
import * as latency from './latency-monitor.js';
import * as monitor from './monitor.js';
import * as clients from './clients.js';
import * as memory from './memory.js';
import * as sort from './sort.js';

const ONE_KEY: KeySpec = { first: 1, last: 1, step: 1 };
const TWO_KEYS: KeySpec = { first: 1, last: 2, step: 1 };
const ALL_KEYS: KeySpec = { first: 1, last: -1, step: 1 };
const PAIRS: KeySpec = { first: 1, last: -1, step: 2 };
/** The first key writes, the rest are read (SINTERSTORE, ZRANGESTORE, ZUNIONSTORE…). */
const FIRST_WRITES: KeySpec = { first: 1, last: 1, step: 1 };
/** Keys counted by argv[1] (ZUNION numkeys key…, SINTERCARD, ZMPOP). */
const COUNTED_KEYS: KeySpec = { first: 0, last: 0, step: 0, numkeys: 1 };
/** A destination, then keys counted by argv[2] (ZUNIONSTORE dest numkeys key…). */
const DEST_COUNTED_KEYS: KeySpec = { first: 1, last: 1, step: 1, numkeys: 2 };
/** A container's subcommand whose key follows the subcommand name (OBJECT ENCODING key). */
const SUB_KEY: KeySpec = { first: 2, last: 2, step: 1 };

type Entry = Omit<CommandSpec, 'group' | 'since' | 'summary' | 'routing' | 'keys' | 'flags'> &
  Partial<Pick<CommandSpec, 'routing' | 'keys' | 'flags' | 'since'>> & { summary?: string };

function group(name: string, entries: Entry[]): CommandSpec[] {
  return entries.map((e) => ({
    flags: [],
    keys: null,
    since: '1.0.0',
    summary: '',
    ...e,
    routing: e.routing ?? (e.keys ? 'keyed' : 'local'),
    group: name,
  }));
}

function sub(parent: string, entries: Entry[]): CommandSpec[] {
  return group(parent, entries).map((s) => ({ ...s, name: `${parent}|${s.name}` }));
}

export const COMMANDS: readonly CommandSpec[] = [
  ...group('string', [
    { name: 'get', arity: -2, maxArgs: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: strings.get, summary: 'Get the value of a key (GET bucket key: a field of a bucket)' },
    { name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: ONE_KEY, propagate: 'value', run: strings.set, summary: 'Set the string value of a key' },
    { name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.setnx, summary: 'Set the value of a key, only if the key does not exist' },
    { name: 'setex', arity: 4, flags: ['write', 'denyoom'], keys: ONE_KEY, propagate: 'value', run: strings.setex, summary: 'Set the value and expiration of a key' },
    { name: 'psetex', arity: 4, flags: ['write', 'denyoom'], keys: ONE_KEY, propagate: 'value', run: strings.psetex, summary: 'Set the value and expiration in milliseconds of a key' },
    { name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, readLookup: true, run: strings.getset, summary: 'Set the string value of a key and return its old value' },
    { name: 'getdel', arity: 2, flags: ['write', 'fast'], keys: ONE_KEY, readLookup: true, run: strings.getdel, summary: 'Get the value of a key and delete the key', since: '6.2.0' },
    { name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, routing: 'split-concat', run: strings.mget, summary: 'Get the values of all the given keys' },
    { name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: PAIRS, routing: 'split-ok', run: strings.mset, summary: 'Set multiple keys to multiple values' },
    { name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], keys: PAIRS, routing: 'msetnx', run: strings.msetnx, summary: 'Set multiple keys to multiple values, only if none of the keys exist' },
    { name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.incr, summary: 'Increment the integer value of a key by one' },
    { name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.decr, summary: 'Decrement the integer value of a key by one' },
    { name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.incrby, summary: 'Increment the integer value of a key by the given amount' },
    { name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.decrby, summary: 'Decrement the integer value of a key by the given number' },
    { name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, propagate: 'value', run: strings.incrbyfloat, summary: 'Increment the float value of a key by the given amount' },
    { name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: strings.append, summary: 'Append a value to a key' },
    { name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: strings.strlen, summary: 'Get the length of the value stored in a key' },
    { name: 'getrange', arity: 4, flags: ['readonly'], keys: ONE_KEY, run: strings.getrange, summary: 'Get a substring of the string stored at a key', since: '2.4.0' },
    { name: 'substr', arity: 4, flags: ['readonly'], keys: ONE_KEY, run: strings.getrange, summary: 'Get a substring of the string stored at a key' },
    { name: 'setrange', arity: 4, flags: ['write', 'denyoom'], keys: ONE_KEY, run: strings.setrange, summary: 'Overwrite part of a string at key starting at the specified offset', since: '2.2.0' },
    { name: 'getex', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, readLookup: true, propagate: 'expiry', run: strings.getex, summary: 'Get the value of a key and optionally set its expiration', since: '6.2.0' },
    { name: 'lcs', arity: -3, flags: ['readonly'], keys: TWO_KEYS, run: strings.lcs, summary: 'Find longest common substring', since: '7.0.0' },
  ]),
  ...group('bitmap', [
    { name: 'setbit', arity: 4, flags: ['write', 'denyoom'], keys: ONE_KEY, run: bitmaps.setbit, summary: 'Sets or clears the bit at offset in the string value stored at key', since: '2.2.0' },
    { name: 'getbit', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: bitmaps.getbit, summary: 'Returns the bit value at offset in the string value stored at key', since: '2.2.0' },
    { name: 'bitcount', arity: -2, flags: ['readonly'], keys: ONE_KEY, run: bitmaps.bitcount, summary: 'Count set bits in a string', since: '2.6.0' },
    { name: 'bitpos', arity: -3, flags: ['readonly'], keys: ONE_KEY, run: bitmaps.bitpos, summary: 'Find first bit set or clear in a string', since: '2.8.7' },
    { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: { first: 2, last: -1, step: 1 }, writes: { first: 2, last: 2, step: 1 }, run: bitmaps.bitop, summary: 'Perform bitwise operations between strings', since: '2.6.0' },
    { name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], keys: ONE_KEY, run: bitmaps.bitfield, summary: 'Perform arbitrary bitfield integer operations on strings', since: '3.2.0' },
    { name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: bitmaps.bitfieldRo, summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD', since: '6.0.0' },
  ]),
  ...group('list', [
    { name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: lists.lpush, summary: 'Prepend one or multiple elements to a list' },
    { name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: lists.rpush, summary: 'Append one or multiple elements to a list' },
    { name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: lists.lpushx, summary: 'Prepend an element to a list, only if the list exists', since: '2.2.0' },
    { name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: lists.rpushx, summary: 'Append an element to a list, only if the list exists', since: '2.2.0' },
    { name: 'linsert', arity: 5, flags: ['write', 'denyoom'], keys: ONE_KEY, run: lists.linsert, summary: 'Insert an element before or after another element in a list', since: '2.2.0' },
    { name: 'llen', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: lists.llen, summary: 'Get the length of a list' },
    { name: 'lindex', arity: 3, flags: ['readonly'], keys: ONE_KEY, run: lists.lindex, summary: 'Get an element from a list by its index' },
    { name: 'lrange', arity: 4, flags: ['readonly'], keys: ONE_KEY, run: lists.lrange, summary: 'Get a range of elements from a list' },
    { name: 'lpos', arity: -3, flags: ['readonly'], keys: ONE_KEY, run: lists.lpos, summary: 'Return the index of matching elements on a list', since: '6.0.6' },
    { name: 'lset', arity: 4, flags: ['write', 'denyoom'], keys: ONE_KEY, run: lists.lset, summary: 'Set the value of an element in a list by its index' },
    { name: 'ltrim', arity: 4, flags: ['write'], keys: ONE_KEY, run: lists.ltrim, summary: 'Trim a list to the specified range' },
    { name: 'lrem', arity: 4, flags: ['write'], keys: ONE_KEY, run: lists.lrem, summary: 'Remove elements from a list' },
    { name: 'lpop', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, run: lists.lpop, summary: 'Remove and get the first elements in a list' },
    { name: 'rpop', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, run: lists.rpop, summary: 'Remove and get the last elements in a list' },
    { name: 'lmove', arity: 5, flags: ['write', 'denyoom'], keys: TWO_KEYS, routing: 'list-move', run: lists.lmove, summary: 'Pop an element from a list, push it to another list and return it', since: '6.2.0' },
    { name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], keys: TWO_KEYS, routing: 'list-move', run: lists.rpoplpush, summary: 'Remove the last element in a list, prepend it to another list and return it', since: '1.2.0' },
    { name: 'lmpop', arity: -4, flags: ['write'], keys: COUNTED_KEYS, run: lists.lmpop, summary: 'Pop elements from a list', since: '7.0.0' },
    // Blocking: they wait on their keys' owner (cluster/blocking.ts), which runs these when it can pop.
    { name: 'blpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: { first: 1, last: -2, step: 1 }, routing: 'blocking', run: lists.blpop, summary: 'Remove and get the first element in a list, or block until one is available' },
    { name: 'brpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: { first: 1, last: -2, step: 1 }, routing: 'blocking', run: lists.brpop, summary: 'Remove and get the last element in a list, or block until one is available' },
    { name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: TWO_KEYS, routing: 'blocking', run: lists.brpoplpush, summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', since: '2.2.0' },
    { name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: TWO_KEYS, routing: 'blocking', run: lists.blmove, summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', since: '6.2.0' },
    { name: 'blmpop', arity: -5, flags: ['write', 'blocking'], keys: { first: 0, last: 0, step: 0, numkeys: 2 }, routing: 'blocking', run: lists.blmpop, summary: 'Pop elements from a list, or block until one is available', since: '7.0.0' },
  ]),
  ...group('hash', [
    { name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: hashes.hset, summary: 'Set the string value of a hash field' },
    { name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: hashes.hsetnx, summary: 'Set the value of a hash field, only if the field does not exist' },
    { name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: hashes.hmset, summary: 'Set multiple hash fields to multiple values' },
    { name: 'hget', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: hashes.hget, summary: 'Get the value of a hash field' },
    { name: 'hmget', arity: -3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: hashes.hmget, summary: 'Get the values of all the given hash fields' },
    { name: 'hdel', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, run: hashes.hdel, summary: 'Delete one or more hash fields' },
    { name: 'hgetall', arity: 2, flags: ['readonly'], keys: ONE_KEY, run: hashes.hgetall, summary: 'Get all the fields and values in a hash' },
    { name: 'hlen', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: hashes.hlen, summary: 'Get the number of fields in a hash' },
    { name: 'hexists', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: hashes.hexists, summary: 'Determine if a hash field exists' },
    { name: 'hkeys', arity: 2, flags: ['readonly'], keys: ONE_KEY, run: hashes.hkeys, summary: 'Get all the fields in a hash' },
    { name: 'hvals', arity: 2, flags: ['readonly'], keys: ONE_KEY, run: hashes.hvals, summary: 'Get all the values in a hash' },
    { name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: hashes.hincrby, summary: 'Increment the integer value of a hash field by the given number' },
    { name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, propagate: 'field', run: hashes.hincrbyfloat, summary: 'Increment the float value of a hash field by the given amount' },
    { name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: hashes.hstrlen, summary: 'Get the length of the value of a hash field' },
    { name: 'hscan', arity: -3, flags: ['readonly'], keys: ONE_KEY, run: hashes.hscan, summary: 'Incrementally iterate hash fields and associated values' },
    { name: 'hrandfield', arity: -2, flags: ['readonly'], keys: ONE_KEY, run: hashes.hrandfield, summary: 'Get one or multiple random fields from a hash', since: '6.2.0' },
  ]),
  ...group('set', [
    { name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: sets.sadd, summary: 'Add one or more members to a set' },
    { name: 'srem', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, run: sets.srem, summary: 'Remove one or more members from a set' },
    { name: 'smembers', arity: 2, flags: ['readonly'], keys: ONE_KEY, run: sets.smembers, summary: 'Get all the members in a set' },
    { name: 'sismember', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: sets.sismember, summary: 'Determine if a given value is a member of a set' },
    { name: 'smismember', arity: -3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: sets.smismember, summary: 'Returns the membership associated with the given elements for a set', since: '6.2.0' },
    { name: 'scard', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: sets.scard, summary: 'Get the number of members in a set' },
    { name: 'spop', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, run: sets.spop, summary: 'Remove and return one or multiple random members from a set' },
    { name: 'srandmember', arity: -2, flags: ['readonly'], keys: ONE_KEY, run: sets.srandmember, summary: 'Get one or multiple random members from a set' },
    { name: 'smove', arity: 4, flags: ['write', 'fast'], keys: TWO_KEYS, run: sets.smove, summary: 'Move a member from one set to another' },
    { name: 'sinter', arity: -2, flags: ['readonly'], keys: ALL_KEYS, run: sets.sinter, summary: 'Intersect multiple sets' },
    { name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], keys: ALL_KEYS, writes: FIRST_WRITES, run: sets.sinterstore, summary: 'Intersect multiple sets and store the resulting set in a key' },
    { name: 'sintercard', arity: -3, flags: ['readonly'], keys: COUNTED_KEYS, run: sets.sintercard, summary: 'Intersect multiple sets and return the cardinality of the result', since: '7.0.0' },
    { name: 'sunion', arity: -2, flags: ['readonly'], keys: ALL_KEYS, run: sets.sunion, summary: 'Add multiple sets' },
    { name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], keys: ALL_KEYS, writes: FIRST_WRITES, run: sets.sunionstore, summary: 'Add multiple sets and store the resulting set in a key' },
    { name: 'sdiff', arity: -2, flags: ['readonly'], keys: ALL_KEYS, run: sets.sdiff, summary: 'Subtract multiple sets' },
    { name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], keys: ALL_KEYS, writes: FIRST_WRITES, run: sets.sdiffstore, summary: 'Subtract multiple sets and store the resulting set in a key' },
    { name: 'sscan', arity: -3, flags: ['readonly'], keys: ONE_KEY, run: sets.sscan, summary: 'Incrementally iterate Set elements', since: '2.8.0' },
  ]),
  ...group('sorted_set', [
    { name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: zsets.zadd, summary: 'Add one or more members to a sorted set, or update its score if it already exists', since: '1.2.0' },
    { name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, run: zsets.zincrby, summary: 'Increment the score of a member in a sorted set', since: '1.2.0' },
    { name: 'zrem', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, run: zsets.zrem, summary: 'Remove one or more members from a sorted set', since: '1.2.0' },
    { name: 'zcard', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zcard, summary: 'Get the number of members in a sorted set', since: '1.2.0' },
    { name: 'zscore', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zscore, summary: 'Get the score associated with the given member in a sorted set', since: '1.2.0' },
    { name: 'zmscore', arity: -3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zmscore, summary: 'Get the score associated with the given members in a sorted set', since: '6.2.0' },
    { name: 'zrank', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zrank, summary: 'Determine the index of a member in a sorted set', since: '2.0.0' },
    { name: 'zrevrank', arity: 3, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zrevrank, summary: 'Determine the index of a member in a sorted set, with scores ordered from high to low', since: '2.0.0' },
    { name: 'zcount', arity: 4, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zcount, summary: 'Count the members in a sorted set with scores within the given values', since: '2.0.0' },
    { name: 'zlexcount', arity: 4, flags: ['readonly', 'fast'], keys: ONE_KEY, run: zsets.zlexcount, summary: 'Count the number of members in a sorted set between a given lexicographical range', since: '2.8.9' },
    { name: 'zrange', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrange, summary: 'Return a range of members in a sorted set', since: '1.2.0' },
    { name: 'zrangestore', arity: -5, flags: ['write', 'denyoom'], keys: TWO_KEYS, writes: FIRST_WRITES, run: zsets.zrangestore, summary: 'Store a range of members from sorted set into another key', since: '6.2.0' },
    { name: 'zrevrange', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrevrange, summary: 'Return a range of members in a sorted set, by index, with scores ordered from high to low', since: '1.2.0' },
    { name: 'zrangebyscore', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrangebyscore, summary: 'Return a range of members in a sorted set, by score', since: '1.0.5' },
    { name: 'zrevrangebyscore', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrevrangebyscore, summary: 'Return a range of members in a sorted set, by score, with scores ordered from high to low', since: '2.2.0' },
    { name: 'zrangebylex', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrangebylex, summary: 'Return a range of members in a sorted set, by lexicographical range', since: '2.8.9' },
    { name: 'zrevrangebylex', arity: -4, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrevrangebylex, summary: 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', since: '2.8.9' },
    { name: 'zremrangebyrank', arity: 4, flags: ['write'], keys: ONE_KEY, run: zsets.zremrangebyrank, summary: 'Remove all members in a sorted set within the given indexes', since: '2.0.0' },
    { name: 'zremrangebyscore', arity: 4, flags: ['write'], keys: ONE_KEY, run: zsets.zremrangebyscore, summary: 'Remove all members in a sorted set within the given scores', since: '1.2.0' },
    { name: 'zremrangebylex', arity: 4, flags: ['write'], keys: ONE_KEY, run: zsets.zremrangebylex, summary: 'Remove all members in a sorted set between the given lexicographical range', since: '2.8.9' },
    { name: 'zpopmin', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, run: zsets.zpopmin, summary: 'Remove and return members with the lowest scores in a sorted set', since: '5.0.0' },
    { name: 'zpopmax', arity: -2, flags: ['write', 'fast'], keys: ONE_KEY, run: zsets.zpopmax, summary: 'Remove and return members with the highest scores in a sorted set', since: '5.0.0' },
    // Blocking: they wait on their keys' owner (cluster/blocking.ts), which runs these when it can pop.
    { name: 'bzpopmin', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: { first: 1, last: -2, step: 1 }, routing: 'blocking', run: zsets.bzpopmin, summary: 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', since: '5.0.0' },
    { name: 'bzpopmax', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: { first: 1, last: -2, step: 1 }, routing: 'blocking', run: zsets.bzpopmax, summary: 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available', since: '5.0.0' },
    { name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], keys: { first: 0, last: 0, step: 0, numkeys: 2 }, routing: 'blocking', run: zsets.bzmpop, summary: 'Remove and return members with scores in a sorted set or block until one is available', since: '7.0.0' },
    { name: 'zmpop', arity: -4, flags: ['write'], keys: COUNTED_KEYS, run: zsets.zmpop, summary: 'Remove and return members with scores in a sorted set', since: '7.0.0' },
    { name: 'zrandmember', arity: -2, flags: ['readonly'], keys: ONE_KEY, run: zsets.zrandmember, summary: 'Get one or multiple random elements from a sorted set', since: '6.2.0' },
    { name: 'zunion', arity: -3, flags: ['readonly'], keys: COUNTED_KEYS, run: zsets.zunion, summary: 'Add multiple sorted sets', since: '6.2.0' },
    { name: 'zinter', arity: -3, flags: ['readonly'], keys: COUNTED_KEYS, run: zsets.zinter, summary: 'Intersect multiple sorted sets', since: '6.2.0' },
    { name: 'zdiff', arity: -3, flags: ['readonly'], keys: COUNTED_KEYS, run: zsets.zdiff, summary: 'Subtract multiple sorted sets', since: '6.2.0' },
    { name: 'zintercard', arity: -3, flags: ['readonly'], keys: COUNTED_KEYS, run: zsets.zintercard, summary: 'Intersect multiple sorted sets and return the cardinality of the result', since: '7.0.0' },
    { name: 'zunionstore', arity: -4, flags: ['write', 'denyoom'], keys: DEST_COUNTED_KEYS, writes: FIRST_WRITES, run: zsets.zunionstore, summary: 'Add multiple sorted sets and store the resulting sorted set in a new key', since: '2.0.0' },
    { name: 'zinterstore', arity: -4, flags: ['write', 'denyoom'], keys: DEST_COUNTED_KEYS, writes: FIRST_WRITES, run: zsets.zinterstore, summary: 'Intersect multiple sorted sets and store the resulting sorted set in a new key', since: '2.0.0' },
    { name: 'zdiffstore', arity: -4, flags: ['write', 'denyoom'], keys: DEST_COUNTED_KEYS, writes: FIRST_WRITES, run: zsets.zdiffstore, summary: 'Subtract multiple sorted sets and store the resulting sorted set in a new key', since: '6.2.0' },
    { name: 'zscan', arity: -3, flags: ['readonly'], keys: ONE_KEY, run: zsets.zscan, summary: 'Incrementally iterate sorted sets elements and associated scores', since: '2.8.0' },
  ]),
  ...group('bucket', [
    { name: 'create', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, propagate: 'none', run: buckets.create, summary: 'Create a bucket (an empty hash that stays when emptied)' },
    { name: 'put', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: ONE_KEY, propagate: 'field', run: buckets.put, summary: 'Put a key and value into an existing bucket' },
    { name: 'delete', arity: 3, flags: ['write', 'fast'], keys: ONE_KEY, propagate: 'field', run: buckets.del, summary: 'Delete a key from an existing bucket' },
  ]),
  ...group('generic', [
    { name: 'del', arity: -2, flags: ['write'], keys: ALL_KEYS, routing: 'split-sum', run: keys.del, summary: 'Delete a key' },
    { name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: ALL_KEYS, routing: 'split-sum', run: keys.del, summary: 'Delete a key asynchronously', since: '4.0.0' },
    { name: 'exists', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, routing: 'split-sum', run: keys.exists, summary: 'Determine if a key exists' },
    { name: 'touch', arity: -2, flags: ['readonly', 'fast'], keys: ALL_KEYS, routing: 'split-sum', run: keys.touch, summary: 'Count the keys that exist', since: '3.2.1' },
    { name: 'type', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: keys.type, summary: 'Determine the type stored at key' },
    { name: 'expire', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, propagate: 'expiry', run: keys.expire, summary: "Set a key's time to live in seconds" },
    { name: 'pexpire', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, propagate: 'expiry', run: keys.pexpire, summary: "Set a key's time to live in milliseconds" },
    { name: 'expireat', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, run: keys.expireat, summary: 'Set the expiration for a key as a UNIX timestamp' },
    { name: 'pexpireat', arity: -3, flags: ['write', 'fast'], keys: ONE_KEY, run: keys.pexpireat, summary: 'Set the expiration for a key as a UNIX timestamp specified in milliseconds' },
    { name: 'ttl', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: keys.ttl, summary: 'Get the time to live for a key in seconds' },
    { name: 'pttl', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: keys.pttl, summary: 'Get the time to live for a key in milliseconds' },
    { name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: keys.expiretime, summary: 'Get the expiration Unix timestamp for a key', since: '7.0.0' },
    { name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: keys.pexpiretime, summary: 'Get the expiration Unix timestamp for a key in milliseconds', since: '7.0.0' },
    { name: 'persist', arity: 2, flags: ['write', 'fast'], keys: ONE_KEY, run: keys.persist, summary: 'Remove the expiration from a key' },
    { name: 'keys', arity: 2, flags: ['readonly'], routing: 'all-concat', run: keys.keys, summary: 'Find all keys matching the given pattern' },
    { name: 'scan', arity: -2, flags: ['readonly'], routing: 'all-scan', run: keys.scan, summary: 'Incrementally iterate the keys space', since: '2.8.0' },
    { name: 'rename', arity: 3, flags: ['write'], keys: TWO_KEYS, routing: 'rename', run: keys.rename, summary: 'Rename a key' },
    { name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: TWO_KEYS, routing: 'rename', run: keys.renamenx, summary: 'Rename a key, only if the new key does not exist' },
    // COPY is RENAME that keeps its source: the same strategy carries it across nodes (cluster/move-key.ts).
    { name: 'copy', arity: -3, flags: ['write', 'denyoom'], keys: TWO_KEYS, writes: { first: 2, last: 2, step: 1 }, routing: 'rename', run: keys.copy, summary: 'Copy a key', since: '6.2.0' },
    // SORT's STORE destination is a key (routed with the sorted one); BY/GET patterns read the sorted key's node only.
    { name: 'sort', arity: -2, flags: ['write', 'denyoom'], keys: { first: 1, last: 1, step: 1, store: true }, writes: { first: 0, last: 0, step: 0, store: true }, run: sort.sort, summary: 'Sort the elements in a list, set or sorted set, optionally storing the result' },
    { name: 'sort_ro', arity: -2, flags: ['readonly'], keys: ONE_KEY, run: sort.sortRo, summary: 'Sort the elements in a list, set or sorted set. Read-only variant of SORT.', since: '7.0.0' },
    {
      name: 'object',
      arity: -2,
      summary: 'A container for object introspection commands',
      since: '2.2.3',
      subcommands: sub('object', [
        { name: 'encoding', arity: 3, flags: ['readonly'], keys: SUB_KEY, run: object.objectEncoding, summary: 'Inspect the internal encoding of a Redis object', since: '2.2.3' },
        { name: 'freq', arity: 3, flags: ['readonly'], keys: SUB_KEY, run: object.objectFreq, summary: 'Get the logarithmic access frequency counter of a Redis object', since: '4.0.0' },
        { name: 'idletime', arity: 3, flags: ['readonly'], keys: SUB_KEY, run: object.objectIdletime, summary: 'Get the time since a Redis object was last accessed', since: '2.2.3' },
        { name: 'refcount', arity: 3, flags: ['readonly'], keys: SUB_KEY, run: object.objectRefcount, summary: 'Get the number of references to the value of the key', since: '2.2.3' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: introspection.help('object'), summary: 'Show helpful text about the different subcommands', since: '6.2.0' },
      ]),
    },
    { name: 'dump', arity: 2, flags: ['readonly'], keys: ONE_KEY, run: dump.dump, summary: 'Return a serialized version of the value stored at the specified key.', since: '2.6.0' },
    { name: 'restore', arity: -4, flags: ['write', 'denyoom'], keys: ONE_KEY, run: dump.restore, summary: 'Create a key using the provided serialized value, previously obtained using DUMP.', since: '2.6.0' },
    { name: 'randomkey', arity: 1, flags: ['readonly'], routing: 'all-randomkey', run: keys.randomkey, summary: 'Return a random key from the keyspace' },
  ]),
  ...group('server', [
    { name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], routing: 'all-sum', run: keys.dbsize, summary: 'Return the number of keys in the selected database' },
    { name: 'flushdb', arity: -1, flags: ['write'], routing: 'all-ok', run: keys.flushdb, summary: 'Remove all keys from the current database' },
    { name: 'flushall', arity: -1, flags: ['write'], routing: 'all-ok', run: keys.flushdb, summary: 'Remove all keys from all databases' },
    { name: 'info', arity: -1, flags: ['loading', 'stale'], run: server.info, summary: 'Get information and statistics about the server' },
    { name: 'psync', arity: -3, flags: ['admin', 'noscript', 'no_multi'], run: replication.psync, summary: 'An internal command used in replication', since: '2.8.0' },
    { name: 'sync', arity: 1, flags: ['admin', 'noscript', 'no_multi'], run: replication.sync, summary: 'An internal command used in replication' },
    { name: 'replconf', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], run: replication.replconf, summary: 'An internal command for configuring the replication stream', since: '3.0.0' },
    { name: 'role', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'], run: replication.role, summary: 'Return the role of the instance in the context of replication', since: '2.8.12' },
    { name: 'wait', arity: 3, flags: ['noscript'], routing: 'wait', run: replication.wait, summary: 'Wait for the synchronous replication of all the write commands sent in the context of the current connection', since: '3.0.0' },
    { name: 'replicaof', arity: 3, flags: ['admin', 'noscript', 'stale'], run: replication.replicaof, summary: 'Make the server a replica of another instance, or promote it as master', since: '5.0.0' },
    { name: 'slaveof', arity: 3, flags: ['admin', 'noscript', 'stale'], run: replication.replicaof, summary: 'Make the server a replica of another instance, or promote it as master' },
    { name: 'failover', arity: -1, flags: ['admin', 'noscript', 'stale'], run: replication.failover, summary: 'Start a coordinated failover between this server and one of its replicas', since: '6.2.0' },
    { name: 'readonly', arity: 1, flags: ['loading', 'stale', 'fast'], run: replication.readonly, summary: 'Enables read queries for a connection to a cluster replica node', since: '3.0.0' },
    { name: 'readwrite', arity: 1, flags: ['loading', 'stale', 'fast'], run: replication.readwrite, summary: 'Disables read queries for a connection to a cluster replica node', since: '3.0.0' },
    { name: 'bgsave', arity: -1, flags: ['admin', 'noscript'], run: server.bgsave, summary: 'Asynchronously save the dataset to disk' },
    { name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], run: server.lastsave, summary: 'Get the UNIX time stamp of the last successful save to disk' },
    { name: 'bgrewriteaof', arity: 1, flags: ['admin', 'noscript'], run: server.bgrewriteaof, summary: 'Asynchronously rewrite the append-only file' },
    { name: 'save', arity: 1, flags: ['admin', 'noscript', 'no_multi'], run: server.save, summary: 'Synchronously save the dataset to disk' },
    { name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], run: server.shutdown, summary: 'Synchronously save the dataset to disk and then shut down the server' },
    {
      name: 'memory',
      arity: -2,
      summary: 'A container for memory diagnostics commands',
      since: '4.0.0',
      subcommands: sub('memory', [
        { name: 'usage', arity: -3, flags: ['readonly'], keys: SUB_KEY, run: object.memoryUsage, summary: 'Estimate the memory usage of a key', since: '4.0.0' },
        { name: 'doctor', arity: 2, run: memory.memoryDoctor, summary: 'Outputs memory problems report', since: '4.0.0' },
        { name: 'stats', arity: 2, run: memory.memoryStats, summary: 'Show memory usage details', since: '4.0.0' },
        { name: 'malloc-stats', arity: 2, run: memory.memoryMallocStats, summary: 'Show allocator internal stats', since: '4.0.0' },
        { name: 'purge', arity: 2, run: memory.memoryPurge, summary: 'Ask the allocator to release memory', since: '4.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: introspection.help('memory'), summary: 'Show helpful text about the different subcommands', since: '4.0.0' },
      ]),
    },
    {
      name: 'slowlog',
      arity: -2,
      summary: 'A container for slow log commands',
      since: '2.2.12',
      subcommands: sub('slowlog', [
        { name: 'get', arity: -2, flags: ['admin', 'loading', 'stale'], run: slowlog.slowlogGet, summary: "Get the slow log's entries", since: '2.2.12' },
        { name: 'len', arity: 2, flags: ['admin', 'loading', 'stale'], run: slowlog.slowlogLen, summary: "Get the slow log's length", since: '2.2.12' },
        { name: 'reset', arity: 2, flags: ['admin', 'loading', 'stale'], run: slowlog.slowlogReset, summary: 'Clear all entries from the slow log', since: '2.2.12' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: slowlog.slowlogHelp, summary: 'Show helpful text about the different subcommands', since: '6.2.0' },
      ]),
    },
    {
      name: 'latency',
      arity: -2,
      summary: 'A container for latency diagnostics commands',
      since: '2.8.13',
      subcommands: sub('latency', [
        { name: 'latest', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyLatest, summary: 'Return the latest latency samples for all events.', since: '2.8.13' },
        { name: 'history', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyHistory, summary: 'Return timestamp-latency samples for the event.', since: '2.8.13' },
        { name: 'reset', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyReset, summary: 'Reset latency data for one or more events.', since: '2.8.13' },
        { name: 'graph', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyGraph, summary: 'Return a latency graph for the event.', since: '2.8.13' },
        { name: 'doctor', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyDoctor, summary: 'Return a human readable latency analysis report.', since: '2.8.13' },
        { name: 'histogram', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], run: latency.latencyHistogram, summary: 'Return the cumulative distribution of latencies of a subset of commands or all.', since: '7.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: latency.latencyHelp, summary: 'Show helpful text about the different subcommands.', since: '2.8.13' },
      ]),
    },
    { name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], run: monitor.monitor, summary: 'Listen for all requests received by the server in real time' },
    { name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], run: server.time, summary: 'Return the current server time', since: '2.6.0' },
    {
      name: 'config',
      arity: -2,
      summary: 'A container for server configuration commands',
      subcommands: sub('config', [
        { name: 'get', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.configGet, summary: 'Get the values of configuration parameters' },
        { name: 'set', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.configSet, summary: 'Set configuration parameters' },
        { name: 'resetstat', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.configResetstat, summary: 'Reset the stats returned by INFO' },
        { name: 'rewrite', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.configRewrite, summary: 'Rewrite the configuration file' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: introspection.help('config'), summary: 'Show helpful text about the different subcommands' },
      ]),
    },
    {
      name: 'command',
      arity: -1,
      flags: ['loading', 'stale'],
      run: introspection.command,
      summary: 'Get array of Redis command details',
      subcommands: sub('command', [
        { name: 'count', arity: 2, flags: ['loading', 'stale'], run: introspection.commandCount, summary: 'Get total number of Redis commands' },
        { name: 'docs', arity: -2, flags: ['loading', 'stale'], run: introspection.commandDocs, summary: 'Get array of specific Redis command documentation' },
        { name: 'info', arity: -2, flags: ['loading', 'stale'], run: introspection.commandInfo, summary: 'Get array of specific Redis command details' },
        { name: 'list', arity: -2, flags: ['loading', 'stale'], run: introspection.commandList, summary: 'Get an array of Redis command names' },
        { name: 'getkeys', arity: -4, flags: ['loading', 'stale'], run: introspection.commandGetkeys, summary: 'Extract keys given a full Redis command' },
        { name: 'getkeysandflags', arity: -4, flags: ['loading', 'stale'], run: introspection.commandGetkeysandflags, summary: 'Extract keys and access flags given a full Redis command', since: '7.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: introspection.help('command'), summary: 'Show helpful text about the different subcommands' },
      ]),
    },
  ]),
  ...group('connection', [
    { name: 'ping', arity: -1, flags: ['fast'], run: server.ping, summary: 'Ping the server' },
    { name: 'echo', arity: 2, flags: ['loading', 'stale', 'fast'], run: server.echo, summary: 'Echo the given string' },
    { name: 'quit', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], run: server.quit, summary: 'Close the connection' },
    { name: 'reset', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], run: server.reset, summary: 'Reset the connection', since: '6.2.0' },
    { name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], run: server.select, summary: 'Change the selected database for the current connection' },
    { name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], run: server.auth, summary: 'Authenticate to the server' },
    { name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], run: server.hello, summary: 'Handshake with Redis', since: '6.0.0' },
    {
      name: 'client',
      arity: -2,
      summary: 'A container for client connection commands',
      subcommands: sub('client', [
        { name: 'id', arity: 2, flags: ['noscript', 'loading', 'stale'], run: server.clientId, summary: 'Returns the client ID for the current connection' },
        { name: 'getname', arity: 2, flags: ['noscript', 'loading', 'stale'], run: server.clientGetname, summary: 'Get the current connection name' },
        { name: 'setname', arity: 3, flags: ['noscript', 'loading', 'stale'], run: server.clientSetname, summary: 'Set the current connection name' },
        { name: 'setinfo', arity: 4, flags: ['noscript', 'loading', 'stale'], run: server.clientSetinfo, summary: 'Set client or connection specific info', since: '7.2.0' },
        { name: 'info', arity: 2, flags: ['noscript', 'loading', 'stale'], run: server.clientInfo, summary: 'Returns information about the current client connection.' },
        { name: 'list', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.clientList, summary: 'Get the list of client connections' },
        { name: 'kill', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], run: clients.clientKill, summary: 'Kill the connection of a client', since: '2.4.0' },
        { name: 'pause', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], run: clients.clientPause, summary: 'Stop processing commands from clients for some time', since: '2.9.50' },
        { name: 'unpause', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], run: clients.clientUnpause, summary: 'Resume processing of clients that were paused', since: '6.2.0' },
        { name: 'reply', arity: 3, flags: ['noscript', 'loading', 'stale'], run: clients.clientReply, summary: 'Instruct the server whether to reply to commands', since: '3.2.0' },
        { name: 'no-evict', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], run: server.clientOnOff, summary: 'Set client eviction mode for the current connection' },
        { name: 'no-touch', arity: 3, flags: ['noscript', 'loading', 'stale'], run: server.clientOnOff, summary: 'Controls whether commands sent by the client will alter the LRU/LFU of the keys they access' },
        { name: 'unblock', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], run: lists.clientUnblock, summary: 'Unblock a client blocked in a blocking command from a different connection', since: '5.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: server.clientHelp, summary: 'Show helpful text about the different subcommands' },
      ]),
    },
  ]),
  ...group('transactions', [
    { name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], run: transactions.multi, summary: 'Mark the start of a transaction block' },
    { name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], routing: 'transaction', run: transactions.exec, summary: 'Execute all commands issued after MULTI' },
    { name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], run: transactions.discard, summary: 'Discard all commands issued after MULTI' },
    { name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], keys: ALL_KEYS, routing: 'watch', summary: 'Watch the given keys to determine execution of the MULTI/EXEC block', since: '2.2.0' },
    { name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], run: transactions.unwatch, summary: 'Forget about all watched keys', since: '2.2.0' },
  ]),
  ...group('scripting', [
    {
      name: 'function',
      arity: -2,
      summary: 'A container for function commands',
      since: '7.0.0',
      subcommands: sub('function', [
        { name: 'flush', arity: -2, flags: ['write', 'noscript'], propagate: 'none', run: functions.flush, summary: 'Deleting all functions', since: '7.0.0' },
        { name: 'list', arity: -2, flags: ['noscript'], run: functions.list, summary: 'List information about all the functions', since: '7.0.0' },
        { name: 'stats', arity: 2, flags: ['noscript', 'allow_busy'], run: functions.stats, summary: 'Return information about the function currently running (name, description, duration)', since: '7.0.0' },
        { name: 'delete', arity: 3, flags: ['write', 'noscript'], propagate: 'none', run: functions.del, summary: 'Delete a function by name', since: '7.0.0' },
        { name: 'kill', arity: 2, flags: ['noscript', 'allow_busy'], run: functions.kill, summary: 'Kill the function currently in execution.', since: '7.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: introspection.help('function'), summary: 'Show helpful text about the different subcommands', since: '7.0.0' },
      ]),
    },
  ]),
  ...group('pubsub', [
    { name: 'subscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.subscribe, summary: 'Listen for messages published to the given channels', since: '2.0.0' },
    { name: 'psubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.psubscribe, summary: 'Listen for messages published to channels matching the given patterns', since: '2.0.0' },
    { name: 'ssubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.ssubscribe, summary: 'Listen for messages published to the given shard channels', since: '7.0.0' },
    { name: 'unsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.unsubscribe, summary: 'Stop listening for messages posted to the given channels', since: '2.0.0' },
    { name: 'punsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.punsubscribe, summary: 'Stop listening for messages posted to channels matching the given patterns', since: '2.0.0' },
    { name: 'sunsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], run: pubsub.sunsubscribe, summary: 'Stop listening for messages posted to the given shard channels', since: '7.0.0' },
    // Delivered here and on every other node: the routing stage sends it to each peer (cluster/pubsub-fanout.ts).
    { name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], routing: 'pubsub', run: pubsub.publish, summary: 'Post a message to a channel', since: '2.0.0' },
    { name: 'spublish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast'], routing: 'pubsub', run: pubsub.spublish, summary: 'Post a message to a shard channel', since: '7.0.0' },
    {
      name: 'pubsub',
      arity: -2,
      summary: 'A container for Pub/Sub commands',
      since: '2.8.0',
      subcommands: sub('pubsub', [
        { name: 'channels', arity: -2, flags: ['pubsub', 'loading', 'stale'], routing: 'pubsub', run: pubsub.pubsubChannels, summary: 'List active channels', since: '2.8.0' },
        { name: 'numpat', arity: 2, flags: ['pubsub', 'loading', 'stale'], routing: 'pubsub', run: pubsub.pubsubNumpat, summary: 'Get the count of unique patterns pattern subscriptions', since: '2.8.0' },
        { name: 'numsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], routing: 'pubsub', run: pubsub.pubsubNumsub, summary: 'Get the count of subscribers for channels', since: '2.8.0' },
        { name: 'shardchannels', arity: -2, flags: ['pubsub', 'loading', 'stale'], routing: 'pubsub', run: pubsub.pubsubShardchannels, summary: 'List active shard channels', since: '7.0.0' },
        { name: 'shardnumsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], routing: 'pubsub', run: pubsub.pubsubShardnumsub, summary: 'Get the count of subscribers for shard channels', since: '7.0.0' },
        { name: 'help', arity: 2, flags: ['loading', 'stale'], run: pubsub.pubsubHelp, summary: 'Show helpful text about the different subcommands', since: '6.2.0' },
      ]),
    },
  ]),
  ...group('internal', [
    // Reached only inside a KV.FWD envelope from an authenticated peer (RENAME across nodes).
    { name: 'kv.dump', arity: 2, flags: ['internal'], keys: ONE_KEY, run: keys.dump, summary: 'Serialize a key for another node' },
    { name: 'kv.restore', arity: -5, flags: ['internal', 'write'], keys: ONE_KEY, propagate: 'value', run: keys.restore, summary: 'Create a key from KV.DUMP output' },
    { name: 'kv.version', arity: 2, flags: ['internal'], keys: ONE_KEY, run: transactions.version, summary: 'The WATCH version of a key' },
  ]),
  ...group('cluster', [
    { name: 'route', arity: 2, flags: ['readonly', 'fast'], keys: ONE_KEY, run: introspection.route, summary: 'Return the node that owns a bucket and the path a request for it takes', since: '0.1.0' },
  ]),
];

// Clients send names in either case (redis-benchmark: "SET", redis-cli: "set"):
// both are looked up without lower-casing on the hot path.
const BY_NAME = new Map<string, CommandSpec>(COMMANDS.flatMap((c) => [[c.name, c], [c.name.toUpperCase(), c]]));

/** The table entry for a command name, any case. */
export function lookupCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(name.toLowerCase());
}
