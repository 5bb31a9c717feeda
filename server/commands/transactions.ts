// MULTI / EXEC / DISCARD (Redis's multi.c). Commands after MULTI are checked and
// queued by the pipeline; EXEC runs them in one go where their keys live, which
// the routing stage decides: every key of a transaction must have one owner, as
// every key of a Redis Cluster transaction must hash to one slot. WATCH records
// each key's version at its owner; EXEC runs only if none changed.

import * as r from '../protocol/resp.js';
import type { Handler } from './types.js';

export const EXEC_WITHOUT_MULTI = r.error('ERR EXEC without MULTI');
export const EXECABORT = r.error('EXECABORT Transaction discarded because of previous errors.');
/** The refusal of a command flagged no_multi (SAVE, SHUTDOWN) while queueing: it dooms the transaction. */
export const NOT_IN_MULTI = r.error('ERR Command not allowed inside a transaction');

export const multi: Handler = (ctx) => {
  if (ctx.client.multi !== null) return r.error('ERR MULTI calls can not be nested');
  ctx.client.multi = [];
  ctx.client.multiFailed = false;
  return r.OK;
};

export const discard: Handler = (ctx) => {
  if (ctx.client.multi === null) return r.error('ERR DISCARD without MULTI');
  ctx.client.multi = null;
  ctx.client.multiFailed = false;
  ctx.client.watched = [];
  return r.OK;
};

export const unwatch: Handler = (ctx) => {
  ctx.client.watched = [];
  return r.OK;
};

/** KV.VERSION key: a key's WATCH version, asked by the node a client WATCHes through. */
export const version: Handler = (ctx, argv) => r.integer(ctx.node.store.watch.versionOf(argv[1]!));

/** Reached only when the routing stage has nothing to run: EXEC without MULTI. */
export const exec: Handler = () => EXEC_WITHOUT_MULTI;

/** Commands that run at once inside MULTI instead of being queued. */
export function runsImmediatelyInMulti(name: string): boolean {
  return name === 'exec' || name === 'discard' || name === 'multi' || name === 'quit' || name === 'reset';
}
