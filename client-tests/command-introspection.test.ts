// COMMAND's content against redis-server 7.0.15, for the commands kv has:
// COUNT and LIST (with its filters), INFO field by field (arity, flags, key
// positions, ACL categories, tips, key specs, subcommands), DOCS field by
// field, and GETKEYS/GETKEYSANDFLAGS on sample invocations. Clients read these:
// redis-cli builds its hints from DOCS, cluster-aware clients take key
// positions from INFO. conformance.test.ts compares COMMAND's replies for a few
// calls; this compares every entry.
//
// Differences by design, left out: kv's own commands (the guide's CREATE, PUT,
// DELETE, and ROUTE), CLIENT SETINFO and CLIENT NO-TOUCH (Redis 7.2's, which
// clients send), and GET's arity, summary and arguments (kv's GET also reads a
// field of a bucket: GET bucket key).

import { afterAll, beforeAll, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { bulkText, splitAggregate } from './support/differential.js';
import { describeWithRedis } from './support/redis-rule.js';
import { startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';

const INFO_FIELDS = ['name', 'arity', 'flags', 'first key', 'last key', 'step', 'ACL categories', 'tips', 'key specs', 'subcommands'] as const;

/** COMMAND INFO's entries by name, subcommands included ("config|get"). */
function infoEntries(reply: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of splitAggregate(reply)?.items ?? []) {
    const fields = splitAggregate(e)?.items;
    if (!fields) continue;
    out.set(bulkText(fields[0]!)!, fields);
    for (const s of splitAggregate(fields[9]!)?.items ?? []) {
      const sub = splitAggregate(s)!.items;
      out.set(bulkText(sub[0]!)!, sub);
    }
  }
  return out;
}

/** COMMAND DOCS's entries by name, subcommands included, each a map of field to its encoded value. */
function docEntries(reply: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const items = splitAggregate(reply)?.items ?? [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const fields = splitAggregate(items[i + 1]!)!.items;
    const doc = new Map<string, string>();
    for (let j = 0; j + 1 < fields.length; j += 2) doc.set(bulkText(fields[j]!)!, fields[j + 1]!);
    out.set(bulkText(items[i]!)!, doc);
    const subs = doc.get('subcommands');
    if (subs !== undefined) for (const [k, v] of docEntries(subs)) out.set(k, v);
  }
  return out;
}

const names = (reply: string): string[] => (splitAggregate(reply)?.items ?? []).map((i) => bulkText(i)!);
const show = (s: string | undefined): string => (s === undefined ? 'absent' : JSON.stringify(s).slice(0, 160));

/** Commands Redis 7.0 does not have (see the header). */
const KV_ONLY = new Set(['create', 'put', 'delete', 'route', 'client|setinfo', 'client|no-touch']);
/** Differences by design (see the header). */
const BY_DESIGN = new Set(['get arity', 'get summary', 'get arguments']);

describeWithRedis('COMMAND against redis-server, for the commands kv has', () => {
  let redis: ExternalServer;
  let node: TestCluster;
  let theirs: RawClient;
  let ours: RawClient;
  let list: string[];

  beforeAll(async () => {
    [redis, node] = await Promise.all([startRedis(), startSingleNode()]);
    theirs = await RawClient.connect(redis.port);
    ours = await RawClient.connect(node.ports['solo']!);
    const all = names(await ours.command('COMMAND', 'LIST'));
    expect(all.filter((n) => KV_ONLY.has(n)).sort()).toEqual([...KV_ONLY].sort());
    list = all.filter((n) => !KV_ONLY.has(n));
  });
  afterAll(async () => {
    theirs?.close();
    ours?.close();
    await Promise.all([redis?.stop(), node?.stop()]);
  });

  test('COMMAND LIST names only commands Redis has, and COMMAND COUNT counts its top-level ones', async () => {
    const redisList = new Set(names(await theirs.command('COMMAND', 'LIST')));
    expect(list.length).toBeGreaterThan(50);
    expect(list.filter((n) => !redisList.has(n))).toEqual([]);
    expect(await ours.command('COMMAND', 'COUNT')).toBe(`:${list.filter((n) => !n.includes('|')).length + [...KV_ONLY].filter((n) => !n.includes('|')).length}\r\n`);
    expect(new Set(list).size).toBe(list.length);
  });

  test('COMMAND LIST FILTERBY gives what Redis gives, among the commands kv has', async () => {
    const have = new Set(list);
    for (const filter of [['ACLCAT', 'hash'], ['ACLCAT', 'read'], ['ACLCAT', 'dangerous'], ['PATTERN', 'h*'], ['PATTERN', 'config|*'], ['MODULE', 'x']]) {
      const expected = names(await theirs.command('COMMAND', 'LIST', 'FILTERBY', ...filter)).filter((n) => have.has(n));
      const got = names(await ours.command('COMMAND', 'LIST', 'FILTERBY', ...filter)).filter((n) => !KV_ONLY.has(n));
      expect(got.sort(), filter.join(' ')).toEqual(expected.sort());
    }
  });

  /** Our COMMAND INFO entries against Redis's, for the fields `fields` (indexes into INFO_FIELDS). */
  async function infoDiffs(fields: number[]): Promise<string[]> {
    const top = list.filter((n) => !n.includes('|'));
    const t = infoEntries(await theirs.command('COMMAND', 'INFO', ...top));
    const o = infoEntries(await ours.command('COMMAND', 'INFO', ...top));
    const diffs: string[] = [];
    for (const [name, mine] of o) {
      if (KV_ONLY.has(name)) continue;
      const redisEntry = t.get(name);
      if (!redisEntry) {
        diffs.push(`${name}: not in Redis`);
        continue;
      }
      for (const f of fields) {
        if (mine[f] !== redisEntry[f] && !BY_DESIGN.has(`${name} ${INFO_FIELDS[f]}`)) diffs.push(`${name} ${INFO_FIELDS[f]}: Redis ${show(redisEntry[f])}, kv ${show(mine[f])}`);
      }
    }
    return diffs;
  }

  test('COMMAND INFO: name, arity, flags and key positions of every command and subcommand', async () => {
    expect(await infoDiffs([1, 2, 3, 4, 5])).toEqual([]);
  });

  test('COMMAND INFO: ACL categories', async () => {
    expect(await infoDiffs([6])).toEqual([]);
  });

  test('COMMAND INFO: tips', async () => {
    expect(await infoDiffs([7])).toEqual([]);
  });

  test('COMMAND INFO: key specs', async () => {
    expect(await infoDiffs([8])).toEqual([]);
  });

  /** Our COMMAND DOCS entries against Redis's, for the fields `keep` says. */
  async function docDiffs(keep: (field: string) => boolean): Promise<string[]> {
    const top = list.filter((n) => !n.includes('|'));
    const t = docEntries(await theirs.command('COMMAND', 'DOCS', ...top));
    const o = docEntries(await ours.command('COMMAND', 'DOCS', ...top));
    const diffs: string[] = [];
    for (const [name, mine] of o) {
      if (KV_ONLY.has(name)) continue;
      const redisDoc = t.get(name);
      if (!redisDoc) {
        diffs.push(`${name}: not in Redis`);
        continue;
      }
      for (const field of new Set([...redisDoc.keys(), ...mine.keys()])) {
        if (field === 'subcommands' || !keep(field) || BY_DESIGN.has(`${name} ${field}`)) continue;
        if (mine.get(field) !== redisDoc.get(field)) diffs.push(`${name} ${field}: Redis ${show(redisDoc.get(field))}, kv ${show(mine.get(field))}`);
      }
    }
    return diffs;
  }

  test('COMMAND DOCS: summary, since, group, complexity, and deprecation', async () => {
    expect(await docDiffs((f) => f !== 'arguments' && f !== 'history')).toEqual([]);
  });

  test('COMMAND DOCS: arguments and history', async () => {
    expect(await docDiffs((f) => f === 'arguments' || f === 'history')).toEqual([]);
  });

  test('COMMAND GETKEYS and GETKEYSANDFLAGS: the same keys and flags as Redis', async () => {
    const calls: string[][] = [
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['SET', 'k', 'v', 'GET'],
      ['MSET', 'a', '1', 'b', '2'],
      ['MGET', 'a', 'b', 'c'],
      ['DEL', 'a', 'b'],
      ['GETDEL', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['INCR', 'k'],
      ['APPEND', 'k', 'v'],
      ['RENAME', 'a', 'b'],
      ['COPY', 'a', 'b'],
      ['LCS', 'a', 'b'],
      ['BITOP', 'AND', 'd', 's1', 's2'],
      ['HSET', 'h', 'f', 'v'],
      ['HGETALL', 'h'],
      ['EXPIRE', 'k', '10'],
      ['OBJECT', 'ENCODING', 'k'],
      ['MEMORY', 'USAGE', 'k'],
      ['PING'],
      ['GET'],
      ['NOSUCH', 'k'],
    ];
    const diffs: string[] = [];
    for (const argv of calls) {
      for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
        const [t, o] = [await theirs.command('COMMAND', sub, ...argv), await ours.command('COMMAND', sub, ...argv)];
        if (t !== o) diffs.push(`COMMAND ${sub} ${argv.join(' ')}: Redis ${show(t)}, kv ${show(o)}`);
      }
    }
    expect(diffs).toEqual([]);
  });
});
