import { describe, expect, test } from 'vitest';
import { COMMANDS, lookupCommand } from './table.js';
import { keyPositions, keyRange } from './key-positions.js';

describe('the command table', () => {
  test('names are lower case and unique; every entry can run', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) {
      expect(c.name).toBe(c.name.toLowerCase());
      expect(c.run !== undefined || c.subcommands !== undefined || c.routing === 'watch').toBe(true);
      expect(c.arity).not.toBe(0);
      for (const s of c.subcommands ?? []) {
        expect(s.name.startsWith(`${c.name}|`)).toBe(true);
        expect(s.run).toBeDefined();
      }
    }
  });

  test('keyed commands declare where their keys are; keyless ones do not route by key', () => {
    for (const c of COMMANDS) {
      const keyedRouting = ['keyed', 'split-concat', 'split-sum', 'split-ok', 'msetnx', 'rename', 'watch', 'blocking', 'list-move'].includes(c.routing);
      expect([c.name, keyedRouting]).toEqual([c.name, c.keys !== null]);
      // Counted keys (ZUNION numkeys key…) may have no fixed key: Redis's legacy triple is then 0 0 0.
      if (c.keys && c.keys.numkeys === undefined) {
        expect(c.keys.first).toBeGreaterThanOrEqual(1);
        expect(c.keys.step).toBeGreaterThanOrEqual(1);
      }
    }
  });

  test('the commands of both issues are all there', () => {
    const required =
      'ping echo quit select hello auth client info config command dbsize flushdb flushall time get set setnx setex psetex getset getdel mget mset msetnx incr incrby decr decrby incrbyfloat append strlen del unlink exists type expire pexpire expireat pexpireat ttl pttl persist keys scan rename randomkey hset hsetnx hmset hget hmget hdel hgetall hlen hexists hkeys hvals hincrby hincrbyfloat hstrlen hscan create put delete route multi exec discard watch unwatch';
    for (const name of required.split(' ')) expect([name, lookupCommand(name) !== undefined]).toEqual([name, true]);
  });

  test('lookup takes either case', () => {
    expect(lookupCommand('SET')).toBe(lookupCommand('set'));
    expect(lookupCommand('sEt')).toBe(lookupCommand('set'));
    expect(lookupCommand('nosuch')).toBeUndefined();
  });

  test('key positions come from first, last and step', () => {
    const at = (argv: string[]): string[] => keyPositions(lookupCommand(argv[0]!)!, argv).map((i) => argv[i]!);
    expect(at(['GET', 'k'])).toEqual(['k']);
    expect(at(['GET', 'bucket', 'field'])).toEqual(['bucket']);
    expect(at(['MSET', 'a', '1', 'b', '2'])).toEqual(['a', 'b']);
    expect(at(['MGET', 'a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(at(['RENAME', 'a', 'b'])).toEqual(['a', 'b']);
    expect(at(['HSET', 'h', 'f', 'v', 'g', 'w'])).toEqual(['h']);
    expect(at(['PING'])).toEqual([]);
  });

  test('counted keys come from their count, options after them are not keys', () => {
    const at = (argv: string[]): string[] => keyPositions(lookupCommand(argv[0]!)!, argv).map((i) => argv[i]!);
    const range = (argv: string[]): ReturnType<typeof keyRange> => keyRange(lookupCommand(argv[0]!)!, argv);
    expect(at(['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', '2'])).toEqual(['a', 'b']);
    expect(at(['ZUNIONSTORE', 'd', '2', 'a', 'b', 'AGGREGATE', 'MAX'])).toEqual(['d', 'a', 'b']);
    expect(at(['SINTERCARD', '1', 'a', 'LIMIT', '3'])).toEqual(['a']);
    expect(at(['ZMPOP', '3', 'a', 'b'])).toEqual(['a', 'b']);
    expect(at(['ZUNION', 'x', 'a'])).toEqual([]);
    expect(range(['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', '2'])).toEqual({ first: 2, last: 3, step: 1 });
    expect(range(['ZUNIONSTORE', 'd', '1', 'a'])).toEqual({ first: 1, last: 3, step: 2 });
    expect(range(['ZUNION', '0', 'a'])).toBeNull();
  });
});
