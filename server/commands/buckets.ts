// The guide's bucket commands (KVServer.Command): CREATE, PUT, GET bucket key,
// DELETE. A bucket is a hash that exists even when empty; a bucket that does not
// exist is a "NOT FOUND" error, the guide's reply text.

import * as r from '../protocol/resp.js';
import { Hash } from '../store/store.js';
import type { Ctx, Handler } from './types.js';
import { WRONGTYPE } from './errors.js';
import { lookupHash } from './hashes.js';

const NOT_FOUND = r.error('NOT FOUND');

/** CREATE bucket: idempotent, like KV.Registry.create/2. */
export const create: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) ctx.node.store.set(argv[1]!, new Hash(true));
  return r.OK;
};

export const put: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) return NOT_FOUND;
  h.set(argv[2]!, argv[3]!);
  return r.OK;
};

/** GET bucket key: reached through GET with two arguments. */
export function bucketGet(ctx: Ctx, argv: string[]): string {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) return NOT_FOUND;
  return r.bulkOrNil(h.fields.get(argv[2]!), ctx.proto);
}

export const del: Handler = (ctx, argv) => {
  const h = lookupHash(ctx, argv[1]!);
  if (h === null) return WRONGTYPE;
  if (h === undefined) return NOT_FOUND;
  h.fields.delete(argv[2]!);
  // A plain hash emptied this way goes, as HDEL drops it: only a bucket stays empty.
  if (h.fields.size === 0 && !h.bucket) ctx.node.store.del(argv[1]!);
  return r.OK;
};
