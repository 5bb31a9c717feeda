// INFO: the sections Redis 7 prints, with the fields clients read (ioredis's ready
// check reads loading:0; redis-cli --stat reads keyspace, memory, clients, stats).
// The node supplies its own sections (clients, stats, cluster).

import os from 'node:os';
import type { Ctx } from './types.js';
import { REDIS_VERSION } from './server.js';

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'cluster', 'keyspace'];
const RUN_ID = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  const units = ['K', 'M', 'G', 'T'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)}${units[u]}`;
}

function fields(obj: Record<string, string | number>): string {
  return Object.entries(obj)
    .map(([k, v]) => `${k}:${v}\r\n`)
    .join('');
}

let peakMemory = 0;

function section(ctx: Ctx, name: string): string | null {
  const node = ctx.node;
  const uptime = Math.floor((Date.now() - node.startedAt) / 1000);
  switch (name) {
    case 'server':
      return fields({
        redis_version: REDIS_VERSION,
        redis_git_sha1: '00000000',
        redis_git_dirty: 0,
        redis_build_id: '0',
        redis_mode: 'standalone',
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        arch_bits: 64,
        monotonic_clock: 'POSIX clock_gettime',
        multiplexing_api: 'epoll',
        gcc_version: '0.0.0',
        process_id: process.pid,
        process_supervised: 'no',
        run_id: RUN_ID,
        tcp_port: node.config().get('port') ?? '0',
        server_time_usec: Date.now() * 1000,
        uptime_in_seconds: uptime,
        uptime_in_days: Math.floor(uptime / 86400),
        hz: 10,
        configured_hz: 10,
        executable: process.argv[1] ?? '',
        config_file: node.config().get('config-file') ?? '',
        io_threads_active: 0,
        kv_node: node.name,
        kv_runtime: `node ${process.version}`,
      });
    case 'memory': {
      const mem = process.memoryUsage();
      peakMemory = Math.max(peakMemory, mem.heapUsed);
      return fields({
        used_memory: mem.heapUsed,
        used_memory_human: human(mem.heapUsed),
        used_memory_rss: mem.rss,
        used_memory_rss_human: human(mem.rss),
        used_memory_peak: peakMemory,
        used_memory_peak_human: human(peakMemory),
        total_system_memory: os.totalmem(),
        total_system_memory_human: human(os.totalmem()),
        maxmemory: 0,
        maxmemory_human: '0B',
        maxmemory_policy: 'noeviction',
        mem_allocator: 'v8',
      });
    }
    case 'persistence':
      return fields({
        loading: 0,
        async_loading: 0,
        rdb_changes_since_last_save: 0,
        rdb_bgsave_in_progress: 0,
        rdb_last_save_time: Math.floor(node.startedAt / 1000),
        rdb_last_bgsave_status: 'ok',
        aof_enabled: 0,
        aof_rewrite_in_progress: 0,
        aof_last_bgrewrite_status: 'ok',
        aof_last_write_status: 'ok',
      });
    case 'replication':
      return fields({ role: 'master', connected_slaves: 0, master_failover_state: 'no-failover', master_repl_offset: 0 });
    case 'cpu': {
      const cpu = process.cpuUsage();
      return fields({
        used_cpu_sys: (cpu.system / 1e6).toFixed(6),
        used_cpu_user: (cpu.user / 1e6).toFixed(6),
        used_cpu_sys_children: '0.000000',
        used_cpu_user_children: '0.000000',
      });
    }
    case 'keyspace': {
      const keys = node.store.size();
      return keys > 0 ? `db0:keys=${keys},expires=${node.store.volatileCount()},avg_ttl=0\r\n` : '';
    }
    default:
      return node.infoSection(name);
  }
}

/** The INFO text for the requested sections (none: the default set; "all"/"everything": all). */
export function infoText(ctx: Ctx, requested: readonly string[]): string {
  let names = requested.map((s) => s.toLowerCase());
  if (names.length === 0 || names.includes('default') || names.includes('all') || names.includes('everything')) {
    names = [...new Set([...DEFAULT_SECTIONS, ...names.filter((n) => !['default', 'all', 'everything'].includes(n))])];
  }
  const parts: string[] = [];
  for (const n of names) {
    const body = section(ctx, n);
    if (body === null) continue;
    parts.push(`# ${n === 'cpu' ? 'CPU' : n[0]!.toUpperCase() + n.slice(1)}\r\n${body}`);
  }
  return parts.join('\r\n');
}
