// Replication commands (Redis's replication.c): the ones a replica sends its
// primary (PSYNC, SYNC, REPLCONF), and the ones clients use (ROLE, WAIT,
// REPLICAOF/SLAVEOF, READONLY/READWRITE). Texts and shapes are Redis 7's, since
// redis-server replicas and primaries speak them to kv.

import * as r from '../protocol/resp.js';
import { parseLongLong } from '../protocol/numbers.js';
import type { ClientState, Handler, ReplicaClient } from './types.js';
import { SYNTAX } from './errors.js';

function replicaOf(client: ClientState): ReplicaClient {
  return (client.replica ??= { listeningPort: 0, capaEof: false, handoff: null, id: null });
}

/** PSYNC replid offset: the connection becomes a replica's stream once this is read; the reply is the stream itself. */
export const psync: Handler = (ctx, argv) => {
  // Redis 6.2's FAILOVER: our primary asks us to take its place, then continues as our replica.
  if (argv.length === 4 && argv[3]!.toLowerCase() === 'failover') {
    if (!ctx.node.replication.takeOver(argv[1]!)) return r.error('ERR PSYNC FAILOVER replid must match my replid.');
  } else if (argv.length !== 3) return SYNTAX;
  const refused = ctx.node.replication.canServeSync();
  if (refused !== null) return r.error(refused);
  const offset = parseLongLong(argv[2]!);
  replicaOf(ctx.client).handoff = { replid: argv[1]!, offset: offset === null ? -1 : Number(offset), sync: false };
  return '';
};

/** SYNC: the old full sync, with no +FULLRESYNC line before the RDB. */
export const sync: Handler = (ctx) => {
  const refused = ctx.node.replication.canServeSync();
  if (refused !== null) return r.error(refused);
  replicaOf(ctx.client).handoff = { replid: '?', offset: -1, sync: true };
  return '';
};

/** REPLCONF <option> <value> …: listening-port, capa, ip-address and rdb options are noted; ACK has no reply. */
export const replconf: Handler = (ctx, argv) => {
  if (argv.length % 2 === 0) return SYNTAX;
  const replica = replicaOf(ctx.client);
  for (let i = 1; i < argv.length; i += 2) {
    const option = argv[i]!.toLowerCase();
    const value = argv[i + 1]!;
    if (option === 'listening-port') {
      const port = parseLongLong(value);
      if (port === null) return r.error('ERR value is not an integer or out of range');
      replica.listeningPort = Number(port);
    } else if (option === 'capa') {
      if (value.toLowerCase() === 'eof') replica.capaEof = true;
    } else if (option === 'ack' || option === 'fack') {
      // Only from a replica already streaming; never answered.
      const offset = parseLongLong(value);
      if (replica.id !== null && offset !== null) ctx.node.replication.ack(replica.id, Number(offset));
      return '';
    } else if (option === 'getack') {
      return '';
    } else if (option !== 'ip-address' && option !== 'rdb-only' && option !== 'rdb-filter-only') {
      return r.error(`ERR Unrecognized REPLCONF option: ${option}`);
    }
  }
  return r.OK;
};

/** ROLE: master with its replicas, or slave with its primary and link state. */
export const role: Handler = (ctx) => {
  const role = ctx.node.replication.role();
  if (role.role === 'master') {
    const replicas = role.replicas.map(([ip, port, offset]) => r.array([r.bulk(ip), r.bulk(String(port)), r.bulk(String(offset))]));
    return r.array([r.bulk('master'), r.integer(role.offset), r.array(replicas)]);
  }
  return r.array([r.bulk('slave'), r.bulk(role.host), r.integer(role.port), r.bulk(role.state), r.integer(role.offset)]);
};

/** WAIT numreplicas timeout: replicas that acknowledged every write before it, once enough do or the time is up. */
export const wait: Handler = (ctx, argv) => {
  if (ctx.node.replication.readOnly()) return r.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  const n = parseLongLong(argv[1]!);
  const timeout = parseLongLong(argv[2]!);
  if (n === null) return r.error('ERR value is not an integer or out of range');
  if (timeout === null) return r.error('ERR timeout is not an integer or out of range');
  if (timeout < 0n) return r.error('ERR timeout is negative');
  const result = ctx.node.replication.wait(Number(n), Number(timeout));
  return typeof result === 'number' ? r.integer(result) : result.then((k) => r.integer(k));
};

/** REPLICAOF host port | NO ONE (and SLAVEOF, its old name). */
export const replicaof: Handler = (ctx, argv) => {
  if (argv[1]!.toLowerCase() === 'no' && argv[2]!.toLowerCase() === 'one') {
    ctx.node.replication.stopFollowing();
    return r.OK;
  }
  const port = parseLongLong(argv[2]!);
  if (port === null || port < 0n || port > 65535n) return r.error('ERR Invalid master port');
  const said = ctx.node.replication.follow(argv[1]!, Number(port));
  if (said === null) return r.OK;
  return said.startsWith('ERR') ? r.error(said) : r.simple(said);
};

/** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds], as Redis 6.2. */
export const failover: Handler = (ctx, argv) => {
  let to: { host: string; port: number } | null = null;
  let force = false;
  let abort = false;
  let timeout = 0;
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i]!.toLowerCase();
    if (opt === 'to' && i + 2 < argv.length && to === null) {
      const port = parseLongLong(argv[i + 2]!);
      if (port === null) return r.error('ERR value is not an integer or out of range');
      to = { host: argv[i + 1]!, port: Number(port) };
      i += 2;
    } else if (opt === 'force' && !force) force = true;
    else if (opt === 'abort' && !abort) abort = true;
    else if (opt === 'timeout' && i + 1 < argv.length && timeout === 0) {
      const ms = parseLongLong(argv[++i]!);
      if (ms === null) return r.error('ERR value is not an integer or out of range');
      if (ms <= 0n) return r.error('ERR FAILOVER timeout must be greater than 0');
      timeout = Number(ms);
    } else return SYNTAX;
  }
  if (abort && (to !== null || force || timeout !== 0)) return r.error('ERR FAILOVER abort cannot be used with other options.');
  if (force && (to === null || timeout === 0)) return r.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  const refused = ctx.node.replication.failover(to, timeout, force, abort);
  return refused === null ? r.OK : r.error(refused);
};

/** READONLY: on a replica, reads of its primary's keys run here. READWRITE undoes it. */
export const readonly: Handler = (ctx) => {
  ctx.client.readonly = true;
  return r.OK;
};

export const readwrite: Handler = (ctx) => {
  ctx.client.readonly = false;
  return r.OK;
};
