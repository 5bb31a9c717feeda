import { describe, expect, test } from 'vitest';
import { COMMANDS, lookupCommand } from './table.js';
import { keyPositions } from './key-positions.js';

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
      const keyedRouting = ['keyed', 'split-concat', 'split-sum', 'split-ok', 'msetnx', 'rename', 'watch'].includes(c.routing);
      expect([c.name, keyedRouting]).toEqual([c.name, c.keys !== null]);
      if (c.keys) {
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
});
