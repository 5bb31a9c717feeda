// INFO against redis-server 7.0.15: the same sections in the same order for
// every argument form, every field Redis prints printed by us with a value of
// the same kind, and, after the same commands on fresh servers, the same value
// wherever the value does not depend on the process (pids, clocks, memory,
// CPU). kv's own fields start with kv_. conformance.test.ts only checks that
// INFO replies are INFO-shaped; this is where their content is compared.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { RawClient } from './support/raw.js';
import { bulkText } from './support/differential.js';
import { describeWithRedis } from './support/redis-rule.js';
import { startCluster, startRedis, startSingleNode, type ExternalServer, type TestCluster } from './support/servers.js';

type Info = Map<string, Map<string, string>>;

/** INFO's text as sections of fields, in order. */
function parseInfo(reply: string): Info {
  const text = reply[0] === '=' ? reply.slice(reply.indexOf('\r\n') + 2 + 4, -2) : bulkText(reply);
  if (text === null) throw new Error(`not an INFO reply: ${JSON.stringify(reply.slice(0, 80))}`);
  const info: Info = new Map();
  let section: Map<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    if (line.startsWith('# ')) info.set(line.slice(2), (section = new Map()));
    else {
      const colon = line.indexOf(':');
      if (section === null || colon < 0) throw new Error(`bad INFO line ${JSON.stringify(line)}`);
      section.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return info;
}

/** The kind of a value: what a tool parsing INFO relies on. */
function kindOf(v: string): string {
  if (/^-?\d+$/.test(v)) return 'integer';
  if (/^-?\d+\.\d+$/.test(v)) return 'decimal';
  if (/^\d+\.\d{2}%$/.test(v)) return 'percent';
  if (/^\d+(\.\d+)?[BKMGTP]$/.test(v)) return 'size';
  if (/^[0-9a-f]{40}$/.test(v)) return 'id';
  // A build id: hex digits, which may happen to be all decimal ones.
  if (/^[0-9a-f]*[a-f][0-9a-f]*$/.test(v)) return 'hex';
  // key=value lists: db0, cmdstat_*, errorstat_*, latency percentiles.
  if (/^[a-z_0-9.]+=[^,]*(,[a-z_0-9.]+=[^,]*)*$/.test(v)) return `list(${v.split(',').map((p) => p.slice(0, p.indexOf('='))).join(',')})`;
  return 'text';
}

/**
 * Fields whose value, after the same commands on fresh servers started the
 * same way, depends on nothing but those commands and the machine.
 */
const DETERMINISTIC: Record<string, string[]> = {
  Server: ['redis_version', 'redis_git_sha1', 'redis_git_dirty', 'redis_mode', 'os', 'arch_bits', 'monotonic_clock', 'multiplexing_api', 'atomicvar_api', 'process_supervised', 'uptime_in_days', 'hz', 'configured_hz', 'config_file', 'io_threads_active'],
  Clients: ['connected_clients', 'cluster_connections', 'maxclients', 'blocked_clients', 'tracking_clients', 'clients_in_timeout_table'],
  Memory: ['total_system_memory', 'total_system_memory_human', 'maxmemory', 'maxmemory_human', 'maxmemory_policy', 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_total_replication_buffers', 'mem_clients_slaves', 'mem_cluster_links', 'mem_aof_buffer', 'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects', 'number_of_cached_scripts', 'number_of_functions', 'number_of_libraries'],
  Persistence: ['loading', 'async_loading', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'rdb_saves', 'aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_rewrites', 'aof_last_write_status'],
  // The counters (commands, bytes, hits…) are compared as they move: see COUNTERS.
  Stats: ['rejected_connections', 'sync_full', 'sync_partial_ok', 'sync_partial_err', 'evicted_keys', 'pubsub_channels', 'pubsub_patterns', 'total_forks', 'dump_payload_sanitizations'],
  Replication: ['role', 'connected_slaves', 'master_failover_state', 'master_replid2', 'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen'],
  Cluster: ['cluster_enabled'],
};

/** Stats counters whose change over the same commands on one connection must be the same. */
const COUNTERS = ['total_connections_received', 'total_commands_processed', 'total_net_input_bytes', 'expired_keys', 'keyspace_hits', 'keyspace_misses', 'unexpected_error_replies', 'total_error_replies'];

/** The same commands for both servers before INFO: writes, hits, misses, errors, an expire. */
const HISTORY: string[][] = [
  ['SET', 'apple', '1'],
  ['GET', 'apple'],
  ['GET', 'nokey'],
  ['HSET', 'hash', 'f', 'v', 'g', 'w'],
  ['HGET', 'hash', 'f'],
  ['EXPIRE', 'apple', '1000'],
  ['INCR', 'hash'],
  ['NOSUCH', 'x'],
  ['GET'],
  ['SET', 'gone', 'x', 'PX', '1'],
  ['DEL', 'nokey'],
  ['MSET', 'a', '1', 'b', '2'],
];

describeWithRedis('INFO against redis-server', () => {
  let redis: ExternalServer;
  let single: TestCluster;
  let two: TestCluster;

  beforeAll(async () => {
    [redis, single, two] = await Promise.all([startRedis(), startSingleNode(), startCluster({ nodes: ['foo', 'bar'], routes: ['a-m foo', 'n-z bar'] })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), single?.stop(), two?.stop()]);
  });

  /** INFO `args` from both, after `history` on the same connection. */
  async function both(port: number, args: string[], history: string[][] = []): Promise<[Info, Info]> {
    const [a, b] = [await RawClient.connect(redis.port), await RawClient.connect(port)];
    try {
      for (const argv of history) {
        await a.command(...argv);
        await b.command(...argv);
      }
      await new Promise((r) => setTimeout(r, 20)); // 'gone' expires
      for (const c of [a, b]) await c.command('GET', 'gone'); // a miss that expires it, on both
      return [parseInfo(await a.command('INFO', ...args)), parseInfo(await b.command('INFO', ...args))];
    } finally {
      a.close();
      b.close();
    }
  }

  test('the same sections in the same order, whatever the arguments', async () => {
    for (const args of [[], ['default'], ['all'], ['everything'], ['server'], ['SERVER'], ['server', 'clients'], ['keyspace', 'server'], ['commandstats'], ['errorstats'], ['nosuch'], ['cpu', 'nosuch', 'memory']]) {
      const [theirs, ours] = await both(single.ports['solo']!, args);
      expect([...ours.keys()], `INFO ${args.join(' ')}`).toEqual([...theirs.keys()]);
    }
  });

  test('every field Redis prints, we print, in the same section, with a value of the same kind', async () => {
    for (const port of [single.ports['solo']!, two.ports['foo']!, two.ports['bar']!]) {
      const [theirs, ours] = await both(port, ['everything'], HISTORY);
      const problems: string[] = [];
      for (const [section, fields] of theirs) {
        const mine = ours.get(section) ?? new Map<string, string>();
        for (const [name, value] of fields) {
          // Per-command and per-error lines depend on the commands each server ran, and
          // a node's keyspace line on the keys it owns: compared on a single node below.
          if (/^(cmdstat_|errorstat_|latency_percentiles_usec_|db\d+$)/.test(name)) continue;
          if (!mine.has(name)) problems.push(`${section}.${name}: missing (Redis: ${value})`);
          else if (kindOf(mine.get(name)!) !== kindOf(value) && !(kindOf(value) === 'hex' && /^[0-9a-f]+$/.test(mine.get(name)!))) problems.push(`${section}.${name}: ${JSON.stringify(mine.get(name))} is not like Redis's ${JSON.stringify(value)}`);
        }
        for (const name of mine.keys()) {
          if (!fields.has(name) && !name.startsWith('kv_') && !/^(cmdstat_|errorstat_|latency_percentiles_usec_|db\d+)/.test(name)) problems.push(`${section}.${name}: ours only, and not named kv_*`);
        }
      }
      expect(problems, `port ${port}`).toEqual([]);
    }
  });

  /** INFO everything from a fresh redis-server and a fresh node, before and after HISTORY on one connection each. */
  async function freshPair(): Promise<{ before: [Info, Info]; after: [Info, Info] }> {
    const fresh = await startSingleNode();
    const freshRedis = await startRedis();
    const [a, b] = [await RawClient.connect(freshRedis.port), await RawClient.connect(fresh.ports['solo']!)];
    try {
      const before: [Info, Info] = [parseInfo(await a.command('INFO', 'everything')), parseInfo(await b.command('INFO', 'everything'))];
      for (const argv of HISTORY) expect(await b.command(...argv), JSON.stringify(argv)).toBe(await a.command(...argv));
      await new Promise((r) => setTimeout(r, 20));
      for (const c of [a, b]) expect(await c.command('GET', 'gone')).toBe('$-1\r\n');
      const after: [Info, Info] = [parseInfo(await a.command('INFO', 'everything')), parseInfo(await b.command('INFO', 'everything'))];
      return { before, after };
    } finally {
      a.close();
      b.close();
      await fresh.stop();
      await freshRedis.stop();
    }
  }

  test('after the same commands on a fresh node, the same values wherever they do not depend on the process', async () => {
    const { after: [theirs, ours] } = await freshPair();
    const differ: string[] = [];
    for (const [section, names] of Object.entries(DETERMINISTIC)) {
      for (const name of names) {
        const [t, o] = [theirs.get(section)?.get(name), ours.get(section)?.get(name)];
        if (t !== o) differ.push(`${section}.${name}: Redis ${JSON.stringify(t)}, ours ${JSON.stringify(o)}`);
      }
    }
    // Per-command counts (in Redis's hash-table order, so as a set), errors by
    // code (in code order, as Redis's radix tree gives them), the keyspace (avg_ttl aside).
    const counts = (info: Info, section: string): string[] => [...(info.get(section) ?? [])].map(([k, v]) => `${k}:${v.replace(/(^|,)(usec|usec_per_call)=[^,]*/g, '')}`);
    const [tc, oc] = [counts(theirs, 'Commandstats').sort(), counts(ours, 'Commandstats').sort()];
    if (JSON.stringify(tc) !== JSON.stringify(oc)) differ.push(`Commandstats: Redis ${JSON.stringify(tc)}, ours ${JSON.stringify(oc)}`);
    const [te, oe] = [counts(theirs, 'Errorstats'), counts(ours, 'Errorstats')];
    if (JSON.stringify(te) !== JSON.stringify(oe)) differ.push(`Errorstats: Redis ${JSON.stringify(te)}, ours ${JSON.stringify(oe)}`);
    const keyspace = (info: Info): string | undefined => info.get('Keyspace')?.get('db0')?.replace(/,avg_ttl=\d+/, '');
    if (keyspace(theirs) !== keyspace(ours)) differ.push(`Keyspace.db0: Redis ${keyspace(theirs)}, ours ${keyspace(ours)}`);
    expect(differ).toEqual([]);
    expect(ours.get('Server')?.get('redis_version')).toBe('7.0.15');
  });

  /** How much each Stats counter moved over HISTORY, on Redis (0) and on the node (1). */
  async function moved(): Promise<[Record<string, number>, Record<string, number>]> {
    const { before, after } = await freshPair();
    const of = (i: 0 | 1): Record<string, number> =>
      Object.fromEntries(COUNTERS.map((n) => [n, Number(after[i].get('Stats')?.get(n)) - Number(before[i].get('Stats')?.get(n))]));
    return [of(0), of(1)];
  }

  test("the Stats counters move as Redis's do over the same commands", async () => {
    const [theirs, ours] = await moved();
    const others = (m: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(m).filter(([n]) => !['total_commands_processed', 'keyspace_hits', 'keyspace_misses'].includes(n)));
    expect(others(ours)).toEqual(others(theirs));
  });

  test('total_commands_processed counts the commands run, as Redis: not the ones refused (unknown, wrong arity), nor the INFO asking', async () => {
    const [theirs, ours] = await moved();
    expect(ours['total_commands_processed']).toBe(theirs['total_commands_processed']);
  });

  test('keyspace_hits and keyspace_misses count the lookups of reads, as Redis (not those of INCR, HSET, DEL…)', async () => {
    const [theirs, ours] = await moved();
    expect([ours['keyspace_hits'], ours['keyspace_misses']]).toEqual([theirs['keyspace_hits'], theirs['keyspace_misses']]);
  });
});
