// The bucket store: every key of one node, held in node-cache's data object, in
// its entry format ({ t: expiry ms or 0, v: value }). This is the only module that
// touches node-cache. Reads and writes go to that object directly: node-cache's
// get() and set() add statistics, a type check, an event and up to three lookups
// of the key per call (bench/store-access.ts measures them), and its expiry
// check cannot keep the side index below. Each entry also holds its key's place
// in `order`, an array of every key, so RANDOMKEY and SCAN cost O(1) and O(COUNT)
// (see scan()). Keys are latin1 strings, so
// every byte of a binary key round-trips. A value is a string (latin1, one char
// per byte), a Hash, or a Collection (list, set, sorted set: one class each under
// store/); a Hash made by the guide's CREATE is a "bucket", which exists even when
// empty. Expiry is lazy (node-cache checks on every read) and
// active: a sampler walks the keys that carry a TTL a few at a time, as Redis's
// activeExpireCycle does, instead of node-cache's sweep over the whole keyspace.

import NodeCache from 'node-cache';
import { WatchVersions } from './watch-versions.js';
import { WriteLog } from './write-log.js';
import { BlockedKeys } from './blocked-keys.js';

export class Hash {
  readonly fields = new Map<string, string>();
  /** Made by CREATE: stays when its last field goes, unlike a Redis hash. */
  constructor(readonly bucket = false) {}

  /** A hash of its own with the same fields (COPY, a BGSAVE's copy of a key about to change). */
  clone(): Hash {
    const out = new Hash(this.bucket);
    for (const [f, v] of this.fields) out.fields.set(f, v);
    return out;
  }

  /** Sets a field; its name is shared with other hashes that use the same one. */
  set(field: string, value: string): void {
    this.fields.set(sharedName(field), value);
  }
}

/**
 * Field names already in use, one copy each. Hashes used as records repeat the
 * same few names, and each decoded request carries its own copy of them: sharing
 * one saves a string per field of every hash, most of a small hash's memory. The
 * table is bounded, so many distinct names just stop being shared.
 */
const FIELD_NAMES = new Map<string, string>();
const MAX_SHARED_NAMES = 65_536;
const MAX_SHARED_NAME_LENGTH = 64;

function sharedName(name: string): string {
  if (name.length > MAX_SHARED_NAME_LENGTH) return name;
  const known = FIELD_NAMES.get(name);
  if (known !== undefined) return known;
  if (FIELD_NAMES.size < MAX_SHARED_NAMES) FIELD_NAMES.set(name, name);
  return name;
}

/** Where a collection writes its RDB body (persistence/rdb.ts): Redis's length and string encodings, a binary double. */
export interface RdbWriter {
  /** rdbSaveLen. */
  len(n: number): void;
  /** rdbSaveRawString: integer-encoded, LZF or plain, as Redis picks. */
  string(s: string): void;
  /** rdbSaveBinaryDoubleValue: 8 bytes, little-endian. */
  double(d: number): void;
}

/**
 * A value of one of the types Redis holds as a collection (list, set, sorted
 * set). Each type is one class implementing this, so persistence (RDB, AOF
 * rewrite), propagation, COPY and OBJECT need no code of their own per type.
 * A command that empties a collection deletes its key, as in Redis.
 */
export interface Collection {
  readonly type: 'list' | 'set' | 'zset';
  /** Its elements (members, items). */
  readonly size: number;
  /** A collection of its own with the same elements (COPY, a BGSAVE's copy of a key about to change). */
  clone(): Collection;
  /** OBJECT ENCODING: the encoding Redis would hold it in. */
  encoding(): string;
  /** MEMORY USAGE: about the bytes Redis would take for it. */
  memoryUsage(): number;
  /** The RDB type Redis 7.0 loads its body as (RDB_TYPE_SET, RDB_TYPE_ZSET_2, …). */
  readonly rdbType: number;
  /** Its body in that type's form (rdbSaveObject). */
  writeRdb(out: RdbWriter): void;
  /** Commands that create it on a node without the key, each of bounded size (AOF rewrite, propagation by value). */
  rebuild(key: string): string[][];
}

export type Value = string | Hash | Collection;
export type TypeName = 'string' | 'hash' | Collection['type'];

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v instanceof Hash ? 'hash' : v.type;
}

/** A value of its own with the same contents: a string is immutable, anything else is cloned. */
export function cloneValue(v: Value): Value {
  return typeof v === 'string' ? v : v.clone();
}

/** A key's entry: node-cache's { t, v } and the key's index in Store.order. */
interface Entry {
  /** Expiry time in ms since the epoch, 0 for none (node-cache's field). */
  t: number;
  v: Value;
  i: number;
}

/** How set() treats an existing TTL. */
export const KEEP_TTL = -1;

const EXPIRE_TICK_MS = 100;
const EXPIRE_KEYS_PER_TICK = 200;

export class Store {
  private readonly cache: NodeCache;
  /** node-cache's data object (replaced by flush()). */
  private data!: Record<string, Entry>;
  /**
   * Every key held, expired ones not yet collected included; a key's entry
   * holds its index. A deletion moves the last key into the hole.
   */
  private order: string[] = [];
  /**
   * The last key looked up and its entry (undefined: missing), so the lookups
   * of one command (keyspace_hits' count, then the read; a read, then its
   * write) find the key once. Reset when a key is added or removed.
   */
  private lastKey: string | null = null;
  private lastEntry: Entry | undefined = undefined;
  /** Keys set with a TTL; the active expiry sampler walks these. */
  private volatile = new Set<string>();
  private sampler: Iterator<string> | null = null;
  private readonly timer: NodeJS.Timeout;
  expiredKeys = 0;
  /** Versions of WATCHed keys; writes are reported by the routing stage, expiry and flush here. */
  readonly watch = new WatchVersions();
  /** Every change, as a command that redoes it; an expiry is logged here as its DEL. */
  readonly log = new WriteLog();
  /** Told of each key that expires (keyspace notifications' "expired", commands/notify.ts). */
  onExpired: ((key: string) => void) | null = null;
  /** Keys that blocked clients wait on (BLPOP…): storing a list at one signals it. */
  readonly blocked = new BlockedKeys();

  constructor() {
    this.cache = new NodeCache({ useClones: false, checkperiod: 0, stdTTL: 0 });
    this.resetData();
    this.timer = setInterval(() => this.expireSome(EXPIRE_KEYS_PER_TICK), EXPIRE_TICK_MS);
    this.timer.unref();
  }

  /**
   * node-cache keeps keys in a plain object, where "__proto__" would reach the
   * prototype and "constructor" or "toString" would look present. A
   * prototype-less object makes every key an ordinary own property.
   */
  private resetData(): void {
    this.cache.data = Object.create(null) as NodeCache.Data;
    this.data = this.cache.data as unknown as Record<string, Entry>;
    this.order = [];
    this.lastKey = null;
  }

  /** Stores a value with its expiry time (0: none), in place when the key exists. */
  private put(key: string, v: Value, t: number): void {
    const e = key === this.lastKey ? this.lastEntry : this.data[key];
    if (e !== undefined) {
      e.v = v;
      e.t = t;
    } else {
      this.data[key] = { t, v, i: this.order.length };
      this.order.push(key);
      this.lastKey = null;
    }
  }

  /** Drops a key and its place in `order`, the last key taking that place. */
  private remove(key: string, e: Entry): void {
    this.lastKey = null;
    delete this.data[key];
    const last = this.order.pop()!;
    if (e.i !== this.order.length) {
      this.order[e.i] = last;
      this.data[last]!.i = e.i;
    }
  }

  /** A key found past its time: deleted, and told to every reader of the write log. */
  private expire(key: string, e: Entry): void {
    this.remove(key, e);
    this.expiredKeys++;
    // However it expired (a read, the sampler): INFO's expires= counts live keys only.
    this.volatile.delete(key);
    this.watch.touch(key);
    if (this.log.active) this.log.append(['DEL', key]);
    else this.log.changes++;
    this.onExpired?.(key);
  }

  close(): void {
    clearInterval(this.timer);
    this.cache.close();
  }

  /**
   * On a replica, keys expire only by the primary's DEL, as in Redis: one
   * past its time reads as missing but stays, and nothing is deleted here.
   */
  private replicaMode = false;

  setReplicaMode(on: boolean): void {
    this.replicaMode = on;
  }

  /**
   * A key's entry if it is live. One past its time (now > t, node-cache's rule)
   * is deleted here; on a replica, it is left in place.
   */
  private live(key: string): Entry | undefined {
    let e: Entry | undefined;
    if (key === this.lastKey) e = this.lastEntry;
    else {
      e = this.data[key];
      this.lastKey = key;
      this.lastEntry = e;
    }
    if (e === undefined || e.t === 0) return e;
    if (this.replicaMode) return e.t > Date.now() ? e : undefined;
    if (e.t >= Date.now()) return e;
    this.expire(key, e);
    return undefined;
  }

  get(key: string): Value | undefined {
    const e = this.live(key);
    return e === undefined ? undefined : e.v;
  }

  /**
   * The key's expiry time in ms since the epoch, 0 when it has none, undefined
   * when it is missing (an expired key is deleted here). Not node-cache's
   * getTtl(), which takes the empty key for "no key": "" is a valid Redis key.
   */
  private expiryOf(key: string): number | undefined {
    return this.live(key)?.t;
  }

  /**
   * Sets the expiry time of a live key (0: none) as it is. node-cache takes a
   * relative TTL and adds its own reading of the clock, which may be a
   * millisecond later than ours; and its ttl() takes "" for "no key".
   */
  private setExpiry(key: string, atMs: number): void {
    this.data[key]!.t = atMs;
  }

  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /**
   * Stores a value. `ttlMs`: undefined or 0 clears any TTL; KEEP_TTL keeps the
   * current one; a positive number expires the key that many ms from now.
   */
  set(key: string, value: Value, ttlMs?: number): void {
    if (this.blocked.any && typeof value !== 'string') this.blocked.signal(key);
    if (ttlMs === KEEP_TTL) {
      this.put(key, value, this.expiryOf(key) ?? 0);
      return;
    }
    if (ttlMs !== undefined && ttlMs > 0) {
      this.setUntil(key, value, Date.now() + ttlMs);
    } else {
      this.put(key, value, 0);
      if (this.volatile.size !== 0) this.volatile.delete(key);
    }
  }

  /** Stores a value that expires at `atMs` (ms since the epoch), that exact time. */
  setUntil(key: string, value: Value, atMs: number): void {
    if (this.blocked.any && typeof value !== 'string') this.blocked.signal(key);
    this.put(key, value, atMs);
    this.volatile.add(key);
  }

  /** False for a key that has expired, even if not yet collected: DEL counts only live keys. */
  del(key: string): boolean {
    const e = this.live(key);
    if (e !== undefined) {
      this.remove(key, e);
      if (this.volatile.size !== 0) this.volatile.delete(key);
      return true;
    }
    const expired = this.replicaMode ? this.data[key] : undefined;
    if (expired !== undefined) {
      // The primary's DEL of a key that expired: gone now, as Redis's replica deletes it.
      this.remove(key, expired);
      this.volatile.delete(key);
    }
    return false;
  }

  /** Milliseconds left: -2 when the key does not exist, -1 when it has no TTL. */
  pttl(key: string): number {
    const at = this.expiryOf(key);
    if (at === undefined) return -2;
    if (at === 0) return -1;
    return Math.max(0, Math.round(at - Date.now()));
  }

  /** Absolute expiry in ms since the epoch; -2 missing, -1 persistent. */
  expireTime(key: string): number {
    const at = this.expiryOf(key);
    if (at === undefined) return -2;
    if (at === 0) return -1;
    return Math.round(at);
  }

  /** Sets an absolute expiry time (ms since the epoch); a time in the past deletes the key. */
  expireAt(key: string, atMs: number): boolean {
    const e = this.live(key);
    if (e === undefined) return false;
    const left = atMs - Date.now();
    if (left <= 0) {
      this.remove(key, e);
      this.volatile.delete(key);
      return true;
    }
    this.setExpiry(key, atMs);
    this.volatile.add(key);
    return true;
  }

  persist(key: string): boolean {
    const at = this.expiryOf(key);
    if (at === undefined || at === 0) return false;
    this.setExpiry(key, 0);
    this.volatile.delete(key);
    return true;
  }

  /** Keys in the store, expired ones excluded. */
  keys(): string[] {
    // A copy first: live() may delete an expired key, which reorders `order`.
    return this.order.slice().filter((k) => this.live(k) !== undefined);
  }

  /** Like Redis's DBSIZE, this may count keys that expired but were not yet collected. */
  size(): number {
    return this.order.length;
  }

  volatileCount(): number {
    return this.volatile.size;
  }

  /** keyspace_hits and keyspace_misses: the lookups of reads (countLookup), not node-cache's count of every get. */
  readonly lookups = { hits: 0, misses: 0 };

  /** One read of `key`, as Redis's lookupKeyRead counts it. */
  countLookup(key: string): void {
    if (this.has(key)) this.lookups.hits++;
    else this.lookups.misses++;
  }

  stats(): { hits: number; misses: number; keys: number } {
    return { ...this.lookups, keys: this.order.length };
  }

  flush(): void {
    if (this.watch.active) this.watch.touchExisting((key) => this.has(key));
    this.cache.flushAll();
    this.resetData();
    this.volatile = new Set();
    this.sampler = null;
  }

  randomKey(): string | undefined {
    // As Redis's dictGetFairRandomKey then expireIfNeeded: up to 100 picks, an expired one deleted.
    for (let tries = 0; tries < 100; tries++) {
      const n = this.order.length;
      if (n === 0) return undefined;
      const k = this.order[Math.floor(Math.random() * n)]!;
      if (this.live(k) !== undefined) return k;
    }
    return undefined;
  }

  /**
   * One SCAN step: `count` places of `order`, walked from its end down to 0.
   * The cursor is the place to go on below (cursor 0 starts at the end). A new
   * key is appended above every cursor, so a walk need not return it; a
   * deletion moves the last key, one already walked (or not yet reached, when
   * no key is above the cursor), into the hole: a key present for the whole
   * walk is returned at least once, a moved one maybe twice, as Redis allows.
   * No state is kept between calls.
   */
  scan(cursor: number, count: number, accept: (key: string, value: Value) => boolean): [number, string[]] {
    let pos = cursor === 0 ? this.order.length : Math.min(cursor, this.order.length);
    const end = Math.max(0, pos - count);
    const out: string[] = [];
    while (pos > end) {
      pos--;
      // get() may expire this key: the last key, already walked, then takes its place.
      const k = this.order[pos]!;
      const v = this.get(k);
      if (v !== undefined && accept(k, v)) out.push(k);
    }
    return [pos, out];
  }

  /** Active expiry: checks up to `budget` keys with a TTL; node-cache deletes expired ones on check. */
  expireSome(budget: number): void {
    if (this.volatile.size === 0 || this.replicaMode) return;
    if (this.sampler === null) this.sampler = this.volatile.values();
    for (let i = 0; i < budget; i++) {
      const next = this.sampler.next();
      if (next.done) {
        this.sampler = null;
        return;
      }
      const key = next.value;
      // expiryOf() deletes the key when it has expired; 0 means it became persistent.
      const at = this.expiryOf(key);
      if (at === undefined || at === 0) this.volatile.delete(key);
    }
  }
}
