// FUNCTION (Redis 7's functions.c), without a script engine: no library can be
// loaded, so there is never one to list, delete or kill. The subcommands that
// make sense with no libraries answer as a Redis with none does, because tools
// and Redis's own test suite send FUNCTION FLUSH / FUNCTION LIST as housekeeping.

import * as r from '../protocol/resp.js';
import type { Handler } from './types.js';

/** FUNCTION FLUSH [ASYNC|SYNC]: nothing to delete. */
export const flush: Handler = (_ctx, argv) => {
  if (argv.length > 3) return r.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!}'. Try FUNCTION HELP.`);
  if (argv.length === 3 && !/^(a?sync)$/i.test(argv[2]!)) {
    return r.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  return r.OK;
};

/** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: checked as Redis checks it, then no library. */
export const list: Handler = (_ctx, argv) => {
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'withcode') continue;
    if (opt === 'libraryname') {
      if (i + 1 >= argv.length) return r.error('ERR library name argument was not given');
      i++;
      continue;
    }
    return r.error(`ERR Unknown argument ${argv[i]!}`);
  }
  return r.EMPTY_ARRAY;
};

/** FUNCTION STATS: no script running, and the Lua engine Redis reports with no library. */
export const stats: Handler = (ctx) => {
  const lua = r.map(
    [
      [r.bulk('libraries_count'), r.integer(0)],
      [r.bulk('functions_count'), r.integer(0)],
    ],
    ctx.proto,
  );
  return r.map(
    [
      [r.bulk('running_script'), r.nil(ctx.proto)],
      [r.bulk('engines'), r.map([[r.bulk('LUA'), lua]], ctx.proto)],
    ],
    ctx.proto,
  );
};

export const del: Handler = () => r.error('ERR Library not found');

export const kill: Handler = () => r.error('NOTBUSY No scripts in execution right now.');
