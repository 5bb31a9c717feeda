// INFO: Redis 7's sections, in Redis's order and with Redis's field names, so
// tools that parse INFO find what they look for (ioredis's ready check reads
// loading:0; redis-cli --stat reads keyspace, used_memory, connected_clients,
// blocked_clients, total_commands_processed, total_connections_received). The
// node supplies the values it owns (clients, stats, cluster); this module lays
// every section out and fills the fields that have one value here (no
// persistence, no replication, no modules) with what an idle Redis shows.

import os from 'node:os';
import type { Ctx } from './types.js';
import { REDIS_VERSION } from './server.js';
import { statsOf } from './command-stats.js';
import { pubsubOf } from './pubsub.js';
import { parsePercentiles, tunable } from './config.js';

/** Every section, in the order Redis prints them whatever order they were asked in. */
const SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
] as const;
type Section = (typeof SECTIONS)[number];

/** INFO with no argument, or "default": everything but the per-command tables. */
const DEFAULT_SECTIONS: ReadonlySet<Section> = new Set(
  SECTIONS.filter((s) => s !== 'commandstats' && s !== 'latencystats'),
);

const TITLES: Record<Section, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
};

function randomHex(n: number): string {
  return Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
}

const RUN_ID = randomHex(40);
const REPL_ID = randomHex(40);
const STARTUP_MEMORY = process.memoryUsage().heapUsed;
let peakMemory = 0;

/** Redis's bytesToHuman(): "0B", "1023B", "1.50K", "12.16M". */
function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)}${units[u]}`;
}

type Fields = Record<string, string | number>;

function lines(f: Fields): string {
  let out = '';
  for (const [k, v] of Object.entries(f)) out += `${k}:${v}\r\n`;
  return out;
}

/** "a:1\r\nb:2\r\n" → { a: '1', b: '2' } (a node-supplied section). */
function parseFields(text: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/**
 * A node-supplied section in Redis's field order: Redis's fields first (the
 * node's value where it has one, else the idle default), then the node's own
 * extra fields (kv_*) in the node's order.
 */
function merged(defaults: Fields, fromNode: string | null): string {
  const values = parseFields(fromNode);
  const out: Fields = {};
  for (const [k, v] of Object.entries(defaults)) out[k] = values.get(k) ?? v;
  for (const [k, v] of values) if (!(k in out)) out[k] = v;
  return lines(out);
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2) : '0.00';
}

function section(ctx: Ctx, name: Section): string {
  const node = ctx.node;
  const uptime = Math.floor((Date.now() - node.startedAt) / 1000);
  switch (name) {
    case 'server':
      return lines({
        redis_version: REDIS_VERSION,
        redis_git_sha1: '00000000',
        redis_git_dirty: 0,
        redis_build_id: '0',
        redis_mode: 'standalone',
        // uname's machine, as Redis prints it (x86_64, aarch64), not Node's arch (x64, arm64).
        os: `${os.type()} ${os.release()} ${os.machine()}`,
        arch_bits: 64,
        monotonic_clock: 'POSIX clock_gettime',
        multiplexing_api: 'epoll',
        atomicvar_api: 'c11-builtin',
        gcc_version: '0.0.0',
        process_id: process.pid,
        process_supervised: 'no',
        run_id: RUN_ID,
        tcp_port: node.config().get('port') ?? '0',
        server_time_usec: Math.floor((performance.timeOrigin + performance.now()) * 1000),
        uptime_in_seconds: uptime,
        uptime_in_days: Math.floor(uptime / 86400),
        hz: 10,
        configured_hz: 10,
        lru_clock: Math.floor(Date.now() / 1000) & ((1 << 24) - 1),
        executable: process.argv[1] ?? '',
        config_file: node.config().get('config-file') ?? '',
        io_threads_active: 0,
        kv_node: node.name,
        kv_runtime: `node ${process.version}`,
      });
    case 'clients':
      return merged(
        {
          connected_clients: 0,
          cluster_connections: 0,
          maxclients: node.config().get('maxclients') ?? 0,
          client_recent_max_input_buffer: 0,
          client_recent_max_output_buffer: 0,
          blocked_clients: 0,
          tracking_clients: 0,
          clients_in_timeout_table: 0,
        },
        node.infoSection('clients'),
      );
    case 'memory': {
      const mem = process.memoryUsage();
      const used = mem.heapUsed;
      peakMemory = Math.max(peakMemory, used);
      const dataset = Math.max(0, used - STARTUP_MEMORY);
      return lines({
        used_memory: used,
        used_memory_human: human(used),
        used_memory_rss: mem.rss,
        used_memory_rss_human: human(mem.rss),
        used_memory_peak: peakMemory,
        used_memory_peak_human: human(peakMemory),
        used_memory_peak_perc: `${((used / peakMemory) * 100).toFixed(2)}%`,
        used_memory_overhead: STARTUP_MEMORY,
        used_memory_startup: STARTUP_MEMORY,
        used_memory_dataset: dataset,
        used_memory_dataset_perc: `${((dataset / Math.max(1, used)) * 100).toFixed(2)}%`,
        allocator_allocated: used,
        allocator_active: mem.heapTotal,
        allocator_resident: mem.rss,
        total_system_memory: os.totalmem(),
        total_system_memory_human: human(os.totalmem()),
        used_memory_lua: 0,
        used_memory_vm_eval: 0,
        used_memory_lua_human: human(0),
        used_memory_scripts_eval: 0,
        number_of_cached_scripts: 0,
        number_of_functions: 0,
        number_of_libraries: 0,
        used_memory_vm_functions: 0,
        used_memory_vm_total: 0,
        used_memory_vm_total_human: human(0),
        used_memory_functions: 0,
        used_memory_scripts: 0,
        used_memory_scripts_human: human(0),
        maxmemory: 0,
        maxmemory_human: human(0),
        maxmemory_policy: 'noeviction',
        allocator_frag_ratio: ratio(mem.heapTotal, used),
        allocator_frag_bytes: mem.heapTotal - used,
        allocator_rss_ratio: ratio(mem.rss, mem.heapTotal),
        allocator_rss_bytes: mem.rss - mem.heapTotal,
        rss_overhead_ratio: '1.00',
        rss_overhead_bytes: 0,
        mem_fragmentation_ratio: ratio(mem.rss, used),
        mem_fragmentation_bytes: mem.rss - used,
        mem_not_counted_for_evict: 0,
        mem_replication_backlog: 0,
        mem_total_replication_buffers: 0,
        mem_clients_slaves: 0,
        mem_clients_normal: 0,
        mem_cluster_links: 0,
        mem_aof_buffer: 0,
        mem_allocator: 'v8',
        active_defrag_running: 0,
        lazyfree_pending_objects: 0,
        lazyfreed_objects: 0,
      });
    }
    case 'persistence':
      // A Redis started with --save "" --appendonly no, overridden by what the node has.
      return merged({
        loading: 0,
        async_loading: 0,
        current_cow_peak: 0,
        current_cow_size: 0,
        current_cow_size_age: 0,
        current_fork_perc: '0.00',
        current_save_keys_processed: 0,
        current_save_keys_total: 0,
        rdb_changes_since_last_save: 0,
        rdb_bgsave_in_progress: 0,
        rdb_last_save_time: Math.floor(node.startedAt / 1000),
        rdb_last_bgsave_status: 'ok',
        rdb_last_bgsave_time_sec: -1,
        rdb_current_bgsave_time_sec: -1,
        rdb_saves: 0,
        rdb_last_cow_size: 0,
        rdb_last_load_keys_expired: 0,
        rdb_last_load_keys_loaded: 0,
        aof_enabled: 0,
        aof_rewrite_in_progress: 0,
        aof_rewrite_scheduled: 0,
        aof_last_rewrite_time_sec: -1,
        aof_current_rewrite_time_sec: -1,
        aof_last_bgrewrite_status: 'ok',
        aof_rewrites: 0,
        aof_rewrites_consecutive_failures: 0,
        aof_last_write_status: 'ok',
        aof_last_cow_size: 0,
        module_fork_in_progress: 0,
        module_fork_last_cow_size: 0,
      }, node.infoSection('persistence'));
    case 'stats': {
      const pubsub = pubsubOf(node).counts();
      return merged(
        {
          total_connections_received: 0,
          total_commands_processed: 0,
          instantaneous_ops_per_sec: 0,
          total_net_input_bytes: 0,
          total_net_output_bytes: 0,
          total_net_repl_input_bytes: 0,
          total_net_repl_output_bytes: 0,
          instantaneous_input_kbps: '0.00',
          instantaneous_output_kbps: '0.00',
          instantaneous_input_repl_kbps: '0.00',
          instantaneous_output_repl_kbps: '0.00',
          rejected_connections: 0,
          sync_full: 0,
          sync_partial_ok: 0,
          sync_partial_err: 0,
          expired_keys: 0,
          expired_stale_perc: '0.00',
          expired_time_cap_reached_count: 0,
          expire_cycle_cpu_milliseconds: 0,
          evicted_keys: 0,
          evicted_clients: 0,
          total_eviction_exceeded_time: 0,
          current_eviction_exceeded_time: 0,
          keyspace_hits: 0,
          keyspace_misses: 0,
          pubsub_channels: pubsub.channels,
          pubsub_patterns: pubsub.patterns,
          pubsubshard_channels: pubsub.shardChannels,
          latest_fork_usec: 0,
          total_forks: 0,
          migrate_cached_sockets: 0,
          slave_expires_tracked_keys: 0,
          active_defrag_hits: 0,
          active_defrag_misses: 0,
          active_defrag_key_hits: 0,
          active_defrag_key_misses: 0,
          total_active_defrag_time: 0,
          current_active_defrag_time: 0,
          tracking_total_keys: 0,
          tracking_total_items: 0,
          tracking_total_prefixes: 0,
          unexpected_error_replies: 0,
          total_error_replies: statsOf(node).totalErrorReplies,
          dump_payload_sanitizations: 0,
          total_reads_processed: 0,
          total_writes_processed: 0,
          io_threaded_reads_processed: 0,
          io_threaded_writes_processed: 0,
          reply_buffer_shrinks: 0,
          reply_buffer_expands: 0,
        },
        node.infoSection('stats'),
      );
    }
    case 'replication':
      // The node's own fields, in its order; a bare node view (tests) shows a lone primary.
      return node.infoSection('replication') ?? lines({
        role: 'master',
        connected_slaves: 0,
        master_failover_state: 'no-failover',
        master_replid: REPL_ID,
        master_replid2: '0'.repeat(40),
        master_repl_offset: 0,
        second_repl_offset: -1,
        repl_backlog_active: 0,
        repl_backlog_size: 1048576,
        repl_backlog_first_byte_offset: 0,
        repl_backlog_histlen: 0,
      });
    case 'cpu': {
      const cpu = process.cpuUsage();
      const sys = (cpu.system / 1e6).toFixed(6);
      const user = (cpu.user / 1e6).toFixed(6);
      return lines({
        used_cpu_sys: sys,
        used_cpu_user: user,
        used_cpu_sys_children: '0.000000',
        used_cpu_user_children: '0.000000',
        used_cpu_sys_main_thread: sys,
        used_cpu_user_main_thread: user,
      });
    }
    case 'cluster':
      // cluster_enabled:0 because this is not Redis Cluster (no slots, no MOVED); kv_* describe kv's routing.
      return merged({ cluster_enabled: 0 }, node.infoSection('cluster'));
    case 'keyspace': {
      const keys = node.store.size();
      return keys > 0 ? `db0:keys=${keys},expires=${node.store.volatileCount()},avg_ttl=0\r\n` : '';
    }
    case 'commandstats':
      return statsOf(node).commandstats();
    case 'errorstats':
      return statsOf(node).errorstats();
    case 'latencystats': {
      const percentiles = parsePercentiles(tunable(node, 'latency-tracking-info-percentiles'));
      return statsOf(node).latencystats(typeof percentiles === 'string' ? [] : percentiles);
    }
    default:
      // modules: there are none.
      return node.infoSection(name) ?? '';
  }
}

/**
 * The sections INFO prints for its arguments, as Redis 7's genInfoSectionDict
 * picks them: none or "default" → the default set; "all" and "everything" →
 * every section; other names select that section; unknown names select nothing.
 */
function chosenSections(requested: readonly string[]): Set<Section> {
  if (requested.length === 0) return new Set(DEFAULT_SECTIONS);
  const chosen = new Set<Section>();
  for (const raw of requested) {
    const n = raw.toLowerCase();
    if (n === 'default') for (const s of DEFAULT_SECTIONS) chosen.add(s);
    else if (n === 'all' || n === 'everything') for (const s of SECTIONS) chosen.add(s);
    else if ((SECTIONS as readonly string[]).includes(n)) chosen.add(n as Section);
  }
  return chosen;
}

/** The INFO text: "# Title\r\nfield:value\r\n…", sections separated by an empty line. */
export function infoText(ctx: Ctx, requested: readonly string[]): string {
  const chosen = chosenSections(requested);
  const parts: string[] = [];
  for (const s of SECTIONS) if (chosen.has(s)) parts.push(`# ${TITLES[s]}\r\n${section(ctx, s)}`);
  return parts.join('\r\n');
}
