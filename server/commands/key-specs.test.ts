import { describe, expect, test } from 'vitest';
import { commandKeys } from './key-specs.js';
import { REDIS_COMMANDS } from './redis-commands.js';
import type { RedisCommand } from './command-metadata.js';
import { COMMANDS } from './table.js';
import { keyPositions } from './key-positions.js';

const REDIS = new Map<string, RedisCommand>(REDIS_COMMANDS.flatMap((c) => [[c.name, c] as const, ...(c.subcommands ?? []).map((s) => [s.name, s] as const)]));

/** The command argv names, as Redis's lookupCommand finds it (a container's subcommand by argv[1]). */
function redisCommand(argv: readonly string[]): RedisCommand {
  const c = REDIS.get(argv[0]!.toLowerCase())!;
  return c.subcommands ? REDIS.get(`${c.name}|${argv[1]!.toLowerCase()}`)! : c;
}

/** COMMAND GETKEYSANDFLAGS <argv> as redis-server 7.0.15 answers it: each key and its flags, or the error. */
const REDIS_ANSWERS: [string[], [string, string[]][] | string][] = [
  [['SET', 'k', 'v', 'get'], [['k', ['RW', 'access', 'update']]]],
  [['SET', 'k', 'v', 'EX', '10'], [['k', ['OW', 'update']]]],
  [['SET', 'k', 'v', 'GETX'], [['k', ['OW', 'update']]]],
  [['BITFIELD', 'k', 'GET', 'u8', '0'], [['k', ['RO', 'access']]]],
  [['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'], [['k', ['RW', 'access', 'update']]]],
  [['BITFIELD', 'k', 'OVERFLOW', 'WRAP'], [['k', ['RO', 'access']]]],
  [['BITFIELD', 'k', 'BOGUS'], [['k', ['RW', 'access', 'update']]]],
  [['BITFIELD', 'k', 'GET', 'u8'], [['k', ['RW', 'access', 'update']]]],
  [['SORT', 'k', 'BY', 'w', 'GET', 'x', 'STORE', 'd'], [['k', ['RO', 'access']], ['d', ['OW', 'update']]]],
  [['SORT', 'k', 'STORE', 'd', 'LIMIT', '0', '1', 'STORE', 'e'], [['k', ['RO', 'access']], ['e', ['OW', 'update']]]],
  [['SORT', 'k', 'LIMIT', 'store', 'x'], [['k', ['RO', 'access']]]],
  [['SORT', 'k'], [['k', ['RO', 'access']]]],
  [['SORT_RO', 'k', 'BY', 'x'], [['k', ['RO', 'access']]]],
  [['MIGRATE', 'h', '1', 'k', '0', '10'], [['k', ['RW', 'access', 'delete']]]],
  [['MIGRATE', 'h', '1', '', '0', '10', 'AUTH', 'p', 'KEYS', 'a', 'b'], [['a', ['RW', 'access', 'delete']], ['b', ['RW', 'access', 'delete']]]],
  [['MIGRATE', 'h', '1', 'k', '0', '10', 'KEYS', 'a', 'b'], 'ERR Invalid arguments specified for command'],
  [['MIGRATE', 'h', '1', '', '0', '10', 'AUTH2', 'u', 'p', 'KEYS', 'a'], [['a', ['RW', 'access', 'delete']]]],
  [['GEORADIUS', 'k', '0', '0', '1', 'm', 'STORE', 'd'], [['k', ['RO', 'access']], ['d', ['OW', 'update']]]],
  [['GEORADIUS', 'k', '0', '0', '1', 'm', 'STORE', 'd', 'STOREDIST', 'e'], [['k', ['RO', 'access']], ['d', ['OW', 'update']], ['e', ['OW', 'update']]]],
  [['GEORADIUSBYMEMBER', 'k', 'm', '1', 'km', 'STOREDIST', 'd'], [['k', ['RO', 'access']], ['d', ['OW', 'update']]]],
  [['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'], [['a', ['RO', 'access']], ['b', ['RO', 'access']]]],
  [['XREAD', 'STREAMS', 'a', 'b', '0'], [['a', ['RO', 'access']]]],
  [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'], [['a', ['RO', 'access']]]],
  [['XREAD', 'BLOCK', '0', 'STREAMS', 'streams', '0'], [['streams', ['RO', 'access']]]],
  [['EVAL', 's', '2', 'a', 'b', 'c'], [['a', ['RW', 'access', 'update']], ['b', ['RW', 'access', 'update']]]],
  [['EVAL', 's', '0'], []],
  [['EVAL', 's', 'x', 'a'], []],
  [['EVAL', 's', '3', 'a'], []],
  [['FCALL', 'f', '1', 'a'], [['a', ['RW', 'access', 'update']]]],
  [['FCALL_RO', 'f', '-1', 'a'], []],
  [['ZUNIONSTORE', 'd', '2', 'a', 'b'], [['d', ['OW', 'update']], ['a', ['RO', 'access']], ['b', ['RO', 'access']]]],
  [['ZUNIONSTORE', 'd', 'x', 'a', 'b'], 'ERR Invalid arguments specified for command'],
  [['ZUNIONSTORE', 'd', '3', 'a', 'b'], 'ERR Invalid arguments specified for command'],
  // "01" is not a count to the key specs, so zunionInterDiffStoreGetKeys (atoi) finds the keys, without flags.
  [['ZUNIONSTORE', 'd', '01', 'a'], [['a', []], ['d', []]]],
  [['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', '2'], [['a', ['RO', 'access']], ['b', ['RO', 'access']]]],
  [['ZUNION', '0', 'a'], 'ERR Invalid arguments specified for command'],
  [['LMPOP', '2', 'a', 'b', 'LEFT'], [['a', ['RW', 'access', 'delete']], ['b', ['RW', 'access', 'delete']]]],
  [['LMPOP', '5', 'a', 'b', 'LEFT'], 'ERR Invalid arguments specified for command'],
  [['BLMPOP', '0', '2', 'a', 'b', 'LEFT'], [['a', ['RW', 'access', 'delete']], ['b', ['RW', 'access', 'delete']]]],
  [['BZMPOP', '0', '1', 'a', 'MIN'], [['a', ['RW', 'access', 'delete']]]],
  [['ZMPOP', '1', 'a', 'MIN'], [['a', ['RW', 'access', 'delete']]]],
  [['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], [['a', ['RO', 'access']], ['b', ['RO', 'access']]]],
  [['SINTERCARD', '01', 'a'], [['a', []]]],
  [['SINTERCARD', ' 1', 'a'], [['a', []]]],
  [['LCS', 'a', 'b'], [['a', ['RO', 'access']], ['b', ['RO', 'access']]]],
  [['BLPOP', 'a', 'b', '0'], [['a', ['RW', 'access', 'delete']], ['b', ['RW', 'access', 'delete']]]],
  [['RENAME', 'a', 'b'], [['a', ['RW', 'access', 'delete']], ['b', ['OW', 'update']]]],
  [['OBJECT', 'ENCODING', 'k'], [['k', ['RO']]]],
  [['MSET', 'a', '1', 'b'], [['a', ['OW', 'update']], ['b', ['OW', 'update']]]],
  [['GETEX', 'k'], [['k', ['RW', 'access', 'update']]]],
  [['WATCH', 'a', 'b'], [['a', ['RO']], ['b', ['RO']]]],
  [['COPY', 'a', 'b', 'DB', '1'], [['a', ['RO', 'access']], ['b', ['OW', 'update']]]],
  [['BITOP', 'NOT', 'd', 's'], [['d', ['OW', 'update']], ['s', ['RO', 'access']]]],
  [['SPUBLISH', 'c', 'm'], 'ERR The command has no key arguments'],
  [['PUBLISH', 'c', 'm'], 'ERR The command has no key arguments'],
  [['SUBSCRIBE', 'a'], 'ERR The command has no key arguments'],
  [['CONFIG', 'GET', 'x'], 'ERR The command has no key arguments'],
  [['MEMORY', 'USAGE', 'k', 'SAMPLES', '0'], [['k', ['RO']]]],
];

describe("Redis's key specs and getkeys functions", () => {
  test.each(REDIS_ANSWERS)('COMMAND GETKEYSANDFLAGS %j', (argv, expected) => {
    const keys = commandKeys(redisCommand(argv), argv);
    expect(typeof keys === 'string' ? keys : keys.map((k) => [argv[k.pos], k.flags])).toEqual(expected);
  });

  // Routing reads the table's key positions; COMMAND GETKEYS reads Redis's key
  // specs. On a well-formed call (here: every argument "1", "2" or "3", so that
  // counted keys count right) both must find the same keys. Malformed calls may
  // differ (Redis finds no key where a count exceeds the arguments; the table
  // still routes by what is there, and the command then says what is wrong).
  test("the table's key positions are Redis's, for every command both have", () => {
    const diffs: string[] = [];
    for (const c of COMMANDS.flatMap((x) => [x, ...(x.subcommands ?? [])])) {
      const redis = REDIS.get(c.name);
      if (!redis || c.flags.includes('internal')) continue;
      const words = c.name.split('|');
      for (const fill of ['1', '2', '3']) {
        for (let n = Math.abs(c.arity); n <= (c.arity > 0 ? c.arity : -c.arity + 5); n++) {
          const argv = [...words, ...Array<string>(Math.max(0, n - words.length)).fill(fill)];
          const theirs = commandKeys(redis, argv, c.arity);
          if (typeof theirs === 'string') continue;
          const ours = keyPositions(c, argv).sort((a, b) => a - b);
          const want = theirs.map((k) => k.pos).sort((a, b) => a - b);
          if (ours.join() !== want.join()) diffs.push(`${argv.join(' ')}: table [${ours.join()}], Redis [${want.join()}]`);
        }
      }
    }
    expect(diffs).toEqual([]);
  });
});
