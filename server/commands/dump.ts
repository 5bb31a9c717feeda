// DUMP and RESTORE (Redis's cluster.c dumpCommand, restoreCommand): a key's value
// in Redis's serialized form, so keys move between kv and Redis (redis-cli
// --pipe, MIGRATE-like tools, RIOT). The format itself is persistence/rdb.ts;
// this module is the commands' argument handling and their effect on the store.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import { dumpPayload, parseDumpPayload } from '../persistence/rdb.js';
import type { Handler } from './types.js';
import { NOT_INTEGER, SYNTAX } from './errors.js';

const BUSYKEY = r.error('BUSYKEY Target key name already exists.');

/** DUMP key: the payload as a bulk string, nil when the key does not exist. */
export const dump: Handler = (ctx, argv) => {
  const v = ctx.node.store.get(argv[1]!);
  if (v === undefined) return r.nil(ctx.proto);
  const payload = dumpPayload(v);
  // Values near Redis's 512 MB limit would not fit one JS string with the reply's framing.
  if (payload.length < r.LONG_REPLY) return r.bulk(payload.toString('latin1'));
  return new r.LongReply([`$${payload.length}\r\n`, payload.toString('latin1'), '\r\n']);
};

/**
 * RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency],
 * checked in Redis's order: options, then an existing key, then the TTL, then
 * the payload. kv keeps no LRU or LFU data, so IDLETIME and FREQ are checked and
 * then have no effect. A TTL already past deletes the key (with REPLACE) and
 * still replies OK, as Redis does.
 */
export const restore: Handler = (ctx, argv) => {
  let replace = false;
  let absttl = false;
  let idle = false;
  let freq = false;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const more = argv.length - j - 1;
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && more >= 1 && !freq) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return NOT_INTEGER;
      if (n < 0n) return r.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = true;
    } else if (opt === 'freq' && more >= 1 && !idle) {
      const n = parseLongLong(argv[++j]!);
      if (n === null) return NOT_INTEGER;
      if (n < 0n || n > 255n) return r.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = true;
    } else {
      return SYNTAX;
    }
  }
  const store = ctx.node.store;
  const key = argv[1]!;
  if (!replace && store.has(key)) return BUSYKEY;
  const ttl = parseLongLong(argv[2]!);
  if (ttl === null) return NOT_INTEGER;
  if (ttl < 0n) return r.error('ERR Invalid TTL value, must be >= 0');
  const parsed = parseDumpPayload(Buffer.from(argv[3]!, 'latin1'));
  if ('error' in parsed) return r.error(parsed.error);
  const at = ttl === 0n ? 0 : absttl ? Number(ttl) : Date.now() + Number(ttl);
  if (at !== 0 && at <= Date.now()) {
    if (replace) store.del(key);
    return r.OK;
  }
  if (at !== 0) store.setUntil(key, parsed.value, at);
  else store.set(key, parsed.value);
  return r.OK;
};
