// The RDB format of rdb.ts: DUMP payloads byte for byte as redis-server 7.0
// makes them, payloads and files Redis made (listpack, ziplist and zipmap
// hashes, LZF strings) read back, round trips of any kv value and snapshot,
// and every kind of bad input refused with an error that says where. The
// fixtures are hex and base64 of what redis-server 7.0.15 sent or saved, and
// of files from Redis's own tests/assets.

import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hash, Store, type Value } from '../store/store.js';
import { SetValue } from '../store/set.js';
import { ZSetValue } from '../store/zset.js';
import { QuickList } from '../store/quicklist.js';
import { crc64, Crc64 } from './crc64.js';
import {
  BAD_DATA,
  BAD_PAYLOAD,
  dumpPayload,
  parseDumpPayload,
  RdbError,
  readSnapshot,
  snapshotChunks,
  storeEntries,
  writeSnapshot,
  type ReadOptions,
  type SnapshotEntry,
} from './rdb.js';

const dir = mkdtempSync(join(tmpdir(), 'kv-rdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tempFile = (): string => join(dir, `f${fileNo++}.rdb`);

function hashOf(...flat: string[]): Hash {
  const h = new Hash();
  for (let i = 0; i < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!);
  return h;
}

function bucketOf(...flat: string[]): Hash {
  const h = new Hash(true);
  for (let i = 0; i < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!);
  return h;
}

/** A value as plain data, for comparing: the string, or the hash's fields and bucket flag. */
function plain(v: Value): unknown {
  if (typeof v === 'string') return v;
  if (!(v instanceof Hash)) return { type: v.type, rebuild: v.rebuild('k') };
  return { bucket: v.bucket, fields: [...v.fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

function restored(payload: Uint8Array): Value {
  const r = parseDumpPayload(payload);
  if ('error' in r) throw new Error(r.error);
  return r.value;
}

async function readAll(path: string, opts?: ReadOptions): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  for await (const e of readSnapshot(path, opts)) out.push(e);
  return out;
}

async function readError(path: string, opts?: ReadOptions): Promise<RdbError> {
  try {
    await readAll(path, opts);
  } catch (err) {
    if (err instanceof RdbError) return err;
    throw err;
  }
  throw new Error('read without error');
}

/** A file of `body` between a version 10 header and EOF, with a correct CRC (or the one given). */
function rdbFile(body: number[] | Buffer, opts: { version?: string; crc?: bigint } = {}): string {
  const content = Buffer.concat([Buffer.from(`REDIS${opts.version ?? '0010'}`), Buffer.from(body), Buffer.from([0xff])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(opts.crc ?? crc64(content));
  const path = tempFile();
  writeFileSync(path, Buffer.concat([content, crc]));
  return path;
}

/** An RDB string: its length (6 or 14 bits) and latin1 bytes. */
function str(s: string): number[] {
  const len = s.length < 64 ? [s.length] : [0x40 | (s.length >> 8), s.length & 0xff];
  return [...len, ...Buffer.from(s, 'latin1')];
}

/** DUMP k after SET k <string>, on redis-server 7.0.15. */
const REDIS_STRING_DUMPS: Record<string, string> = {
  '': '00000a005d9b5c400f7fa2da',
  x: '0001780a002280865fbde848d0',
  '0': '00c0000a009840a778f8500308',
  '-1': '00c0ff0a000c937e2485089dc5',
  '127': '00c07f0a000db5eb315254c514',
  '128': '00c180000a00eb7ab3b510cf4b65',
  '-128': '00c0800a009966326d2f0c5bd9',
  '-129': '00c17fff0a001760822854808480',
  '32767': '00c1ff7f0a00495a37da17f4d52b',
  '32768': '00c2008000000a0045d82eedd5bda910',
  '-32768': '00c100800a00b540064753bb1ace',
  '-32769': '00c2ff7fffff0a00aee34c4d06c68536',
  '2147483647': '00c2ffffff7f0a002c74e59ee02eada1',
  '2147483648': '000a323134373438333634380a00e7b129a34c1d76ee',
  '-2147483648': '00c2000000800a00c74f873e33558187',
  '-2147483649': '000b2d323134373438333634390a00c261377908f2028c',
  '007': '00033030370a007258e27b4c69bad9',
  '+1': '00022b310a00c286f0d7439aee6f',
  '-0': '00022d300a00d5411fd9d6d050cc',
  ' 1': '000220310a003fe5791ae5defb1b',
  '12345678901': '000b31323334353637383930310a00304e52d727176510',
  '\x00\xff\r\n': '000400ff0d0a0a008d10d19e4216ec65',
  ['a'.repeat(49)]: '00c30931016161e024000161610a00bc14780c5892149a',
  'hello world hello world hello world hello world!!': '00c314310c68656c6c6f20776f726c642068e0190b0121210a00f73e4d44d0e26a2d',
};

describe('DUMP payloads', () => {
  test('strings: the bytes redis-server 7.0 gives, every integer encoding and its bounds, LZF, binary', () => {
    for (const [value, hex] of Object.entries(REDIS_STRING_DUMPS)) {
      expect([value, dumpPayload(value).toString('hex')]).toEqual([value, hex]);
      expect(restored(Buffer.from(hex, 'hex'))).toBe(value);
    }
  });

  test('without compression, long strings are written as they are and still read back', () => {
    const s = 'a'.repeat(49);
    const p = dumpPayload(s, { compress: false });
    expect(p.subarray(0, 2).toString('hex')).toBe('0031');
    expect(restored(p)).toBe(s);
  });

  test("hashes Redis 7.0 writes as listpacks: every integer and string encoding of an entry", () => {
    // HSET h f v n 5 → a listpack of 4 entries.
    expect(plain(restored(Buffer.from('1012120000000400816602817602816e020501ff0a008490939f57b4f3c2', 'hex')))).toEqual(plain(hashOf('f', 'v', 'n', '5')));
    // With hash-max-listpack-value 5000: 7-bit, 13-bit, 16/24/32/64-bit integers, 6/12/32-bit string lengths.
    const big = Buffer.from(
      'EMNBSmFyH3IhAAAoAIJ1MAMAAYR1MTI3BX8BhHAxMjgFwIACgm0xCwPf/wKFcDQwOTUGzyAJAG0gCQM2BtAAgBMTNgbxABADhnAzMjc2Nwfx/38Dhm1ACwQ4B/EAgKAXFzgH8gCAAASIcDgzODg2MDcJ8v//fwSIbYAOBTgJ8gAAgOAAHQI4CfMgDhAABYtwMjE0NzQ4MzY0OAz0AEATIAAHCYNtYXgE9P+AAAB/IA4CaW4EQB1AAAiACYNzNjMEv2HgNQAAQCBFBDQE4EBi4DYAAkKFcyEqBDUG7/9j4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4P8A4H0AASCBcAkHNgbwABAAAGTg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDg/wDgfgACIIX/CgC55+Co17eixg==',
      'base64',
    );
    expect(plain(restored(big))).toEqual(
      plain(
        hashOf(
          'u0', '0', 'u127', '127', 'p128', '128', 'm1', '-1', 'p4095', '4095', 'm4096', '-4096', 'p4096', '4096',
          'p32767', '32767', 'm32768', '-32768', 'p32768', '32768', 'p8388607', '8388607', 'm8388608', '-8388608',
          'p8388608', '8388608', 'p2147483648', '2147483648', 'max', '9223372036854775807', 'min', '-9223372036854775808',
          's63', 'a'.repeat(63), 's64', 'b'.repeat(64), 's4095', 'c'.repeat(4095), 's4096', 'd'.repeat(4096),
        ),
      ),
    );
  });

  test('any string or hash round-trips, compressed or not', () => {
    const bytes = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    const text = fc.oneof(bytes, fc.integer().map(String), fc.constantFrom('', '0', '-0', '00', 'a'.repeat(100), '2147483648'), fc.string({ maxLength: 80 }).map((s) => s.repeat(3)));
    const value = fc.oneof(
      text,
      fc.uniqueArray(fc.tuple(text, text), { selector: ([f]) => f, minLength: 1, maxLength: 30 }).map((pairs) => hashOf(...pairs.flat())),
    );
    fc.assert(
      fc.property(value, fc.boolean(), (v, compress) => {
        expect(plain(restored(dumpPayload(v, { compress })))).toEqual(plain(v));
      }),
      { numRuns: 400 },
    );
  });

  test('values over 64 KB, and hashes of 1 and 1000 fields', () => {
    const noise = Array.from({ length: 70_000 }, (_, i) => String.fromCharCode((i * 2654435761) >>> 24)).join('');
    for (const v of [noise, 'z'.repeat(70_000), 'q'.repeat(2 << 20)]) expect(restored(dumpPayload(v))).toBe(v);
    const one = hashOf('f', 'v');
    expect(plain(restored(dumpPayload(one)))).toEqual(plain(one));
    const many = hashOf(...Array.from({ length: 1000 }, (_, i) => [`field:${i}`, i % 3 ? String(i) : `v${i}`.repeat(10)]).flat());
    expect(plain(restored(dumpPayload(many)))).toEqual(plain(many));
  });

  test('an empty bucket is a hash of 0 fields, and comes back as an empty bucket', () => {
    const p = dumpPayload(new Hash(true));
    expect(p.subarray(0, 2).toString('hex')).toBe('0400');
    expect(plain(restored(p))).toEqual({ bucket: true, fields: [] });
  });

  test('a newer version, a bad checksum or a payload too short: "DUMP payload version or checksum are wrong"', () => {
    const good = dumpPayload('hello');
    const newer = Buffer.from(good);
    newer[newer.length - 10] = 11;
    newer.writeBigUInt64LE(crc64(newer.subarray(0, newer.length - 8)), newer.length - 8);
    expect(parseDumpPayload(newer)).toEqual({ error: BAD_PAYLOAD });
    const flipped = Buffer.from(good);
    flipped[2]! ^= 1;
    expect(parseDumpPayload(flipped)).toEqual({ error: BAD_PAYLOAD });
    expect(parseDumpPayload(good.subarray(0, 9))).toEqual({ error: BAD_PAYLOAD });
    expect(BAD_PAYLOAD).toBe('ERR DUMP payload version or checksum are wrong');
    // An older version is read, as Redis reads it.
    const older = Buffer.from(good);
    older[older.length - 10] = 9;
    older.writeBigUInt64LE(crc64(older.subarray(0, older.length - 8)), older.length - 8);
    expect(restored(older)).toBe('hello');
  });

  /** A payload of `body` with a correct footer. */
  function payload(...body: number[]): Buffer {
    const b = Buffer.from([...body, 10, 0]);
    const crc = Buffer.alloc(8);
    crc.writeBigUInt64LE(crc64(b));
    return Buffer.concat([b, crc]);
  }

  test('well-sealed payloads that cannot be read: "Bad data format"', () => {
    expect(parseDumpPayload(payload(0, 5, 0x61))).toEqual({ error: BAD_DATA }); // string cut short
    expect(parseDumpPayload(payload(200, 0))).toEqual({ error: BAD_DATA }); // no such type
    expect(parseDumpPayload(payload(0, 0xc4))).toEqual({ error: BAD_DATA }); // no such string encoding
    expect(parseDumpPayload(payload(0, 0xc3, 2, 5, 0x20, 0))).toEqual({ error: BAD_DATA }); // bad LZF
    expect(parseDumpPayload(payload(4, 2, ...str('f'), ...str('1'), ...str('f'), ...str('2')))).toEqual({ error: BAD_DATA }); // duplicate field
    expect(parseDumpPayload(payload(16, 3, 0, 1, 2))).toEqual({ error: BAD_DATA }); // listpack of the wrong size
    expect(BAD_DATA).toBe('ERR Bad data format');
  });

  test('streams are refused by name', () => {
    const stream =
      '130110000000000000000100000000000000011d1d0000000a0001010001010181610200010201000100018162020401ff0101010101000001000a006f4334ecd7fa5aec';
    const r = parseDumpPayload(Buffer.from(stream, 'hex'));
    expect('error' in r && r.error).toBe('ERR Bad data format: a stream (RDB type 19): kv does not hold this type (at byte 0)');
  });

  test('lists as Redis 7.0 dumps them (quicklist 2 of listpacks, LZF nodes), and as kv writes them (RDB_TYPE_LIST)', () => {
    const list = (p: Buffer): string[] => {
      const r = parseDumpPayload(p);
      if ('error' in r) throw new Error(r.error);
      return [...(r.value as QuickList)];
    };
    // RPUSH l1 a 12 -5 hello 100000 "": one listpack node, integers packed.
    expect(list(Buffer.from('1201021d1d00000006008161020c01dffb028568656c6c6f06f2a08601048001ff0a00e894293a016569c3', 'hex'))).toEqual(['a', '12', '-5', 'hello', '100000', '']);
    // RPUSH l2 element:0 … element:999: two LZF-compressed listpack nodes.
    const l2 = Buffer.from(L2_DUMP, 'base64');
    expect(list(l2)).toEqual(Array.from({ length: 1000 }, (_, i) => `element:${i}`));
    const mine = QuickList.from(['a', '12', 'x'.repeat(20_000), '', ...Array.from({ length: 300 }, (_, i) => String(i))]);
    const written = dumpPayload(mine);
    expect(written[0]).toBe(1);
    expect(list(written)).toEqual([...mine]);
    expect('error' in parseDumpPayload(payload(18, 1, 3, 0))).toBe(true); // a node of no known container
  });

  test("sets and sorted sets as Redis 7.0 dumps them: intset, hashtable, listpack, skiplist (ZSET_2)", () => {
    const value = (hex: string): Value => {
      const r = parseDumpPayload(Buffer.from(hex, 'hex'));
      if ('error' in r) throw new Error(r.error);
      return r.value;
    };
    const intset = value('0b28080000000400000090eefeffffffffff0100000000000000030000000000000000f2052a010000000a00daa15bb7f99433ca') as SetValue;
    expect([intset.type, intset.encoding(), intset.members()]).toEqual(['set', 'intset', ['-70000', '1', '3', '5000000000']]);
    const hashtable = value('0203c001016101620a00cfda4c60572a4c33') as SetValue;
    expect([hashtable.encoding(), hashtable.members().sort()]).toEqual(['hashtable', ['1', 'a', 'b']]);
    const scores = (z: ZSetValue): [string, number][] => {
      const out: [string, number][] = [];
      for (let n = z.list.first(); n !== null; n = n.next) out.push([n.member, n.score]);
      return out;
    };
    const listpack = value('111d1d0000000600816202842d696e660581610283312e35048163020301ff0a002970c58fcde6fc31') as ZSetValue;
    expect([listpack.type, listpack.encoding(), scores(listpack)]).toEqual(['zset', 'listpack', [['b', -Infinity], ['a', 1.5], ['c', 3]]]);
    const skiplist = value('0503016300000000000008400161000000000000f83f0162000000000000f0ff0a009aa25325610ceafb') as ZSetValue;
    // Three members fit a listpack: loaded as one, as Redis 7.0 converts it on load.
    expect([skiplist.encoding(), scores(skiplist)]).toEqual(['listpack', [['b', -Infinity], ['a', 1.5], ['c', 3]]]);
    // Written back as RDB_TYPE_SET and RDB_TYPE_ZSET_2, which read back the same.
    for (const v of [intset, hashtable, listpack]) {
      const again = value(dumpPayload(v).toString('hex'));
      expect(plain(again)).toEqual(plain(v));
    }
    expect(dumpPayload(skiplist).toString('hex')).toBe('0503016300000000000008400161000000000000f83f0162000000000000f0ff0a009aa25325610ceafb');
  });

  test('damaged sets and sorted sets: duplicates, NaN scores, a bad intset', () => {
    expect(parseDumpPayload(payload(2, 2, ...str('a'), ...str('a')))).toEqual({ error: BAD_DATA });
    expect(parseDumpPayload(payload(5, 1, ...str('a'), 0, 0, 0, 0, 0, 0, 0xf8, 0x7f))).toEqual({ error: BAD_DATA });
    expect(parseDumpPayload(payload(11, 9, 3, 0, 0, 0, 1, 0, 0, 0, 1))).toEqual({ error: BAD_DATA });
  });
});

const STREAM_DUMP =
  '130110000000000000000100000000000000011d1d0000000a0001010001010181610200010201000100018162020401ff0101010101000001000a006f4334ecd7fa5aec';

describe('snapshots', () => {
  const now = Date.now();
  const sample: SnapshotEntry[] = [
    ['plain', 'hello', 0],
    ['number', '12345', now + 60_000],
    ['', 'the empty key', 0],
    ['bin\x00\xff\r\n', '\x00\x01\x02\xff', now + 1],
    ['123', 'an integer-encoded key', 0],
    ['long', 'abc'.repeat(1000), now + 3_600_000],
    ['h', hashOf('f', 'v', 'n', '17', 'long', 'x'.repeat(500)), now + 5000],
    ['empty bucket', new Hash(true), 0],
    ['empty bucket with a TTL', new Hash(true), now + 9000],
    ['bucket', bucketOf('milk', '1'), now + 10],
    ['kv-bucket', hashOf('a hash', 'named like the aux field'), 0],
  ];

  test('what is written reads back: keys, values, expiry times, in order', async () => {
    const path = tempFile();
    const { bytes } = await writeSnapshot(path, sample, { keys: sample.length, expires: 6 });
    expect(readFileSync(path).length).toBe(bytes);
    expect(readFileSync(path).subarray(0, 9).toString()).toBe('REDIS0010');
    const back = await readAll(path);
    expect(back.map(([k, v, at]) => [k, plain(v), at])).toEqual(sample.map(([k, v, at]) => [k, plain(v), at]));
  });

  test('aux fields are those Redis 7.0 writes, in its order', async () => {
    const path = tempFile();
    await writeSnapshot(path, [], { keys: 0, expires: 0 }, { ctime: 1700000000, usedMem: 123456, redisVersion: '7.0.15' });
    const aux: [string, string][] = [];
    expect(await readAll(path, { onAux: (n, v) => aux.push([n, v]) })).toEqual([]);
    expect(aux).toEqual([
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
      ['ctime', '1700000000'],
      ['used-mem', '123456'],
      ['aof-base', '0'],
    ]);
    // No keys: no SELECTDB or RESIZEDB, as Redis skips an empty database.
    expect(readFileSync(path).includes(Buffer.from([0xfe, 0x00, 0xfb]))).toBe(false);
  });

  test('any set of entries round-trips through a file, compressed or not', async () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 60 }));
    const pairs = (min: number) => fc.uniqueArray(fc.tuple(text, text), { selector: ([f]) => f, minLength: min, maxLength: 8 });
    const value = fc.oneof(text, pairs(1).map((p) => hashOf(...p.flat())), pairs(0).map((p) => bucketOf(...p.flat())));
    const entries = fc.uniqueArray(fc.tuple(text, value, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 45 }))), { selector: ([k]) => k, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(entries, fc.boolean(), async (list, compress) => {
        const path = tempFile();
        await writeSnapshot(path, list, { keys: list.length, expires: list.filter(([, , at]) => at > 0).length }, { compress });
        const back = await readAll(path);
        expect(back.map(([k, v, at]) => [k, plain(v), at])).toEqual(list.map(([k, v, at]) => [k, plain(v), at]));
        rmSync(path);
      }),
      { numRuns: 60 },
    );
  });

  test('values larger than the read window and the write slices: streamed both ways', async () => {
    const random = Array.from({ length: 3 * (1 << 20) + 17 }, (_, i) => String.fromCharCode((i * 2654435761) >>> 24)).join('');
    const entries: SnapshotEntry[] = [
      ['random', random, 0],
      ['a', 'a'.repeat(1 << 20), 0], // compressible, right at the compression limit
      ['after', 'still read', now + 1000],
    ];
    const path = tempFile();
    await writeSnapshot(path, entries, { keys: 3, expires: 1 });
    const back = await readAll(path);
    expect(back.map(([k, v, at]) => [k, v === random, at])).toEqual([
      ['random', true, 0],
      ['a', false, 0],
      ['after', false, now + 1000],
    ]);
    expect(back[1]![1]).toBe('a'.repeat(1 << 20));
    expect(back[2]![1]).toBe('still read');
  });

  test('chunks: about 256 KB each, and their CRC is the file trailer', () => {
    const many: SnapshotEntry[] = Array.from({ length: 50_000 }, (_, i) => [`key:${i}`, `value:${i}`, 0]);
    const chunks = [...snapshotChunks(many, { keys: many.length, expires: 0 })];
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks.slice(0, -2)) expect(c.length).toBeLessThanOrEqual(256 * 1024 + 64);
    const all = Buffer.concat(chunks);
    expect(crc64(all.subarray(0, all.length - 8))).toBe(all.readBigUInt64LE(all.length - 8));
  });

  test('storeEntries: every live key of a store with its expiry time, and the RESIZEDB hint', async () => {
    const store = new Store();
    try {
      store.set('a', '1');
      store.setUntil('b', hashOf('f', 'v'), now + 10_000);
      store.set('c', 'gone', 1);
      await new Promise((r) => setTimeout(r, 5));
      const { entries, keys, expires } = storeEntries(store);
      // The store's count of keys with a TTL may still hold "c": the hint need not be exact.
      expect(keys).toBe(2);
      expect(expires).toBeGreaterThanOrEqual(1);
      expect(expires).toBeLessThanOrEqual(2);
      // Without that count, the keys are counted one by one.
      const exact = storeEntries({ keys: () => store.keys(), get: (k) => store.get(k), expireTime: (k) => store.expireTime(k) });
      expect([exact.keys, exact.expires]).toEqual([2, 1]);
      expect([...entries].map(([k, v, at]) => [k, plain(v), at]).sort()).toEqual([
        ['a', '1', 0],
        ['b', plain(hashOf('f', 'v')), now + 10_000],
      ]);
    } finally {
      store.close();
    }
  });

  test("Redis's own test files: a ziplist hash (v9), a zipmap hash (v3), a lua aux field", async () => {
    const ziplist = tempFile();
    writeFileSync(
      ziplist,
      Buffer.from(
        'UkVESVMwMDA5+glyZWRpcy12ZXILMjU1LjI1NS4yNTX6CnJlZGlzLWJpdHPAQPoFY3RpbWXCyFyWYPoIdXNlZC1tZW3CkK0MAPoMYW9mLXByZWFtYmxlwAD+APsBAA0EaGFzaBsbAAAAFgAAAAQAAAJmMQQCdjEEAmYyBAJ2Mv//T5zR/RZpmIM=',
        'base64',
      ),
    );
    const zipmap = tempFile();
    writeFileSync(zipmap, Buffer.from('UkVESVMwMDAz/gAJBGhhc2gQAgJmMQIAdjECZjICAHYy//8=', 'base64'));
    for (const path of [ziplist, zipmap]) {
      expect((await readAll(path)).map(([k, v, at]) => [k, plain(v), at])).toEqual([['hash', plain(hashOf('f1', 'v1', 'f2', 'v2')), 0]]);
    }
    const script = tempFile();
    writeFileSync(
      script,
      Buffer.from(
        'UkVESVMwMDEw+glyZWRpcy12ZXILMjU1LjI1NS4yNTX6CnJlZGlzLWJpdHPAQPoFY3RpbWXCDfm2YfoIdXNlZC1tZW3CkNwNAPoOcmVwbC1zdHJlYW0tZGLAAPoHcmVwbC1pZCgzNDllZWFmZWMxZjk4ZjNmNTYyNzdlOTVmYzg2YmM0OGIzMDY1MWEy+gtyZXBsLW9mZnNldMAA+gxhb2YtcHJlYW1ibGXAAPoDbHVhJnJldHVybiByZWRpcy5jYWxsKCdzZXQnLCAnZm9vJywgJ2Jhcicp//VhqYGWt2FK',
        'base64',
      ),
    );
    const aux = new Map<string, string>();
    expect(await readAll(script, { onAux: (n, v) => aux.set(n, v) })).toEqual([]);
    expect(aux.get('lua')).toBe("return redis.call('set', 'foo', 'bar')");
    expect(aux.get('redis-bits')).toBe('64');
  });

  test('opcodes Redis writes around keys: expiry in seconds, LRU idle time, LFU frequency, SELECTDB 0, RESIZEDB', async () => {
    const path = rdbFile([
      0xfe, 0, 0xfb, 3, 1,
      0xfd, ...[0x00, 0xf1, 0x53, 0x65], 0, ...str('secs'), ...str('v'), // 1700000000 s
      0xf8, 0x05, 0, ...str('idle'), ...str('v'),
      0xf9, 0x07, 0, ...str('freq'), ...str('v'),
    ]);
    expect(await readAll(path)).toEqual([
      ['secs', 'v', 1_700_000_000_000],
      ['idle', 'v', 0],
      ['freq', 'v', 0],
    ]);
  });

  test('a CRC of 0 means written without checksums: read without checking', async () => {
    const path = rdbFile([0, ...str('k'), ...str('v')], { crc: 0n });
    expect(await readAll(path)).toEqual([['k', 'v', 0]]);
  });

  test('a bad checksum is an error', async () => {
    const path = rdbFile([0, ...str('k'), ...str('v')], { crc: 12345n });
    expect((await readError(path)).message).toMatch(/checksum mismatch/);
  });

  test('a key of another type: an error naming the type and the offset of its type byte', async () => {
    const stream = Buffer.from(STREAM_DUMP, 'hex'); // DUMP of a stream: type 19, then the value
    const path = rdbFile([0, ...str('k'), ...str('v'), 19, ...str('s'), ...stream.subarray(1, stream.length - 10)]);
    const err = await readError(path);
    expect(err.message).toBe('a stream (RDB type 19): kv does not hold this type (at byte 14)');
    expect(err.offset).toBe(14);
    expect(err.unsupported).toBe(true);
  });

  test('other databases, modules, functions: clear errors; functions can be skipped', async () => {
    expect((await readError(rdbFile([0xfe, 1, 0, ...str('k'), ...str('v')]))).message).toBe('keys of database 1: kv has database 0 only (at byte 9)');
    expect((await readError(rdbFile([0xf7, 1, 2, 3]))).message).toMatch(/^module data/);
    const withFunction = rdbFile([0xf5, ...str('#!lua name=lib\nredis.register_function("f", function() return 1 end)'), 0, ...str('k'), ...str('v')]);
    expect((await readError(withFunction)).message).toMatch(/^a function library: kv has no functions/);
    expect(await readAll(withFunction, { skipFunctions: true })).toEqual([['k', 'v', 0]]);
  });

  test('not an RDB file, or a newer version: refused', async () => {
    expect((await readError(rdbFile([], { version: '0011' }))).message).toMatch(/RDB format version 11/);
    const junk = tempFile();
    writeFileSync(junk, 'hello world, not a snapshot');
    expect((await readError(junk)).message).toMatch(/no REDIS signature/);
  });

  test('a file cut anywhere: an error with the offset, never a wrong result', async () => {
    const path = tempFile();
    await writeSnapshot(path, sample, { keys: sample.length, expires: 6 });
    const whole = readFileSync(path);
    const cut = tempFile();
    for (let n = 0; n < whole.length; n += n < 200 ? 1 : 97) {
      writeFileSync(cut, whole.subarray(0, n));
      const err = await readError(cut);
      expect(err.message).toMatch(/truncated/);
      expect(err.offset).toBeLessThanOrEqual(n);
    }
  });

  test('a damaged byte: an error, not a wrong value', async () => {
    const path = tempFile();
    await writeSnapshot(path, sample, { keys: sample.length, expires: 6 });
    const whole = readFileSync(path);
    const bad = tempFile();
    for (let i = 9; i < whole.length - 8; i += 7) {
      const copy = Buffer.from(whole);
      copy[i]! ^= 0x5a;
      writeFileSync(bad, copy);
      await expect(readAll(bad)).rejects.toBeInstanceOf(RdbError);
    }
  });

  test('a checksum over chunks equals the one over the whole file', () => {
    const chunks = [...snapshotChunks(sample, { keys: sample.length, expires: 6 })];
    const c = new Crc64();
    for (const b of chunks.slice(0, -1)) c.update(b);
    expect(chunks.at(-1)).toEqual(c.bytes());
  });
});

/** DUMP l2 on redis-server 7.0.15 after RPUSH l2 element:0 … element:999 (100 per RPUSH). */
const L2_DUMP =
  'EgICw0yJX/IQ8h8AAH0CiWVsZW1lbnQ6MArgAAoAMeABCgAy4AEKADPgAQoANOABCgA14AEKADbgAQoAN+ABCgA44AEKAjkKisBtAjEwC+ABCwAx4AILADLgAgsAM+ACCwA04AILADXgAgsANuACCwA34AILADjgAgsAOeABCwAy4AJ3ADLgAncAMuACdwAy4AJ3ADLgAncAMuACdwAy4AJ3ADLgAncAMuACdwAy4AJ3ADPgAncAM+ACdwAz4AJ3ADPgAncAM+ACdwAz4AJ3ADPgAncAM+ACdwAz4AJ3ADPgAncANOACdwA04AJ3ADTgAncANOACdwA04AJ3ADTgAncANOACdwA04AJ3ADTgAncANOACdwA14AJ3ADXgAncANeACdwA14AJ3ADXgAncANeACdwA14AJ3ADXgAncANeACdwA14AJ3ADbgAncANuACdwA24AJ3ADbgAncANuACdwA24AJ3ADbgAncANuACdwA24AJ3ADbgAncAN+ACdwA34AJ3ADfgAncAN+ACdwA34AJ3ADfgAncAN+ACdwA34AJ3ADfgAncAN+ACdwA44AJ3ADjgAncAOOACdwA44AJ3ADjgAncAOOACdwA44AJ3ADjgAncAOOACdwA44AJ3ADngAncAOeACdwA54AJ3ADngAncAOeACdwA54AJ3ADngAncAOeACdwA54AJ3Azk5C4vkATcBMAzgAgwAMeADDAAy4AMMADPgAwwANOADDAA14AMMADbgAwwAN+ADDAA44AMMADngAgwAMeADgQAx4AOBADHgA4EAMeADgQAx4AOBADHgA4EAMeADgQAx4AOBADHgA4EAMeADgQAy4AOBADLgA4EAMuADgQAy4AOBADLgA4EAMuADgQAy4AOBADLgA4EAMuADgQAy4AOBADPgA4EAM+ADgQAz4AOBADPgA4EAM+ADgQAz4AOBADPgA4EAM+ADgQAz4AOBADPgA4EANOADgQA04AOBADTgA4EANOADgQA04AOBADTgA4EANOADgQA04AOBADTgA4EANOADgQA14AOBADXgA4EANeADgQA14AOBADXgA4EANeADgQA14AOBADXgA4EANeADgQA14AOBADbgA4EANuADgQA24AOBADbgA4EANuADgQA24AOBADbgA4EANuADgQA24AOBADbgA4EAN+ADgQA34AOBADfgA4EAN+ADgQA34AOBADfgA4EAN+ADgQA34AOBADfgA4EAN+ADgQA44AOBADjgA4EAOOADgQA44AOBADjgA4EAOOADgQA44AOBADjgA4EAOOADgQA44AOBADngA4EAOeADgQA54AOBADngA4EAOeADgQA54AOBADngA4EAOeADgQA54AOBADngAoEAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAy5QMTADLlAxMAMuUDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADPlAxMAM+UDEwAz5QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANOUDEwA05QMTADTlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA15QMTADXlAxMANeUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA25QMTADblAxMANuUDEwA2JRMA/wLDRzFSdhJ2EgAAawGLZWxlbWVudDo2MzcM4AIMADjgAwwAOeACDAE0MOADDAAx4AMMADLgAwwAM+ADDAA04AMMADXgAwwANuADDOADgQA04AOBADTgA4EANeADgQA14AOBADXgA4EANeADgQA14AOBADXgA4EANeADgQA14AOBADXgA4EANeADgQA24AOBADbgA4EANuADgQA24AOBADbgA4EANuADgQA24AOBADbgA4EANuADgQA24AOBADfgA4EAN+ADgQA34AOBADfgA4EAN+ADgQA34AOBADfgA4EAN+ADgQA34AOBADfgA4EAOOADgQA44AOBADjgA4EAOOADgQA44AOBADjgA4EAOOADgQA44AOBADjgA4EAOOADgQA54AOBADngA4EAOeADgQA54AOBADngA4EAOeADgQA54AOBADngA4EAOeADgQA54AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AKBATcw4AOBADHgA4EAMeADgQAx4AOBADHgA4EAMeADgQAx4AOBADHgA4EAMeADgQAx4AOBADHgA4EAMuADgQAy4AOBADLgA4EAMuADgQAy4AOBADLgA4EAMuADgQAy4AOBADLgA4EAMuADgQAz4AOBADPgA4EAM+ADgQAz4AOBADPgA4EAM+ADgQAz4AOB5QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA35QMTADflAxMAN+UDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADjlAxMAOOUDEwA45QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADnlAxMAOeUDEwA55QMTADklEwD/CgCCI3XRkHMYJQ==';
