// The request pipeline, one straight line: look up → check arity → check auth →
// route → run. The connection hands every decoded request here and gets a reply,
// or a promise of one when the command runs on another node.

import * as r from './protocol/resp.js';
import type { ClientState, CommandSpec, Ctx, NodeView, QueuedCommand, WatchedKey } from './commands/types.js';
import { lookupCommand } from './commands/table.js';
import { NOAUTH, unknownCommand, unknownSubcommand, wrongArity } from './commands/errors.js';
import type { MaybeAsync, RoutingStage } from './cluster/routing-stage.js';
import { NOT_IN_MULTI, runsImmediatelyInMulti } from './commands/transactions.js';
import { statsOf, type CommandCounters, type CommandStats } from './commands/command-stats.js';
import { arrayElements } from './protocol/reply-framer.js';
import { hostOf } from './oplog.js';
import { refusedWhileSubscribed } from './commands/pubsub.js';
import { answerPeer } from './cluster/pubsub-fanout.js';
import { observed, observersOf, wantsTime, type CallObservers } from './commands/call-observers.js';

export interface PipelineHost {
  readonly view: NodeView;
  readonly routing: RoutingStage;
  /** True when requirepass is set. */
  passwordRequired(): boolean;
  /** A line for the operator; `source` is what its rate limit counts by. */
  log(msg: string, source?: string): void;
  /** Why a command with these flags cannot run now (-LOADING, -MISCONF), or null. */
  refusal?(flags: readonly string[]): string | null;
}

/** Finds the table entry for argv: the command, or its subcommand; or the error reply. */
function resolve(argv: readonly string[]): CommandSpec | r.Reply {
  const spec = lookupCommand(argv[0]!);
  if (spec === undefined || spec.flags.includes('internal')) return unknownCommand(argv);
  if (!spec.subcommands) return spec;
  if (argv.length === 1) return spec.run ? spec : wrongArity(spec.name);
  const subName = `${spec.name}|${argv[1]!.toLowerCase()}`;
  const sub = spec.subcommands.find((s) => s.name === subName);
  return sub ?? unknownSubcommand(argv[1]!, spec.name);
}

function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity && argc <= (spec.maxArgs ?? Infinity);
}

/** Runs one request from a client (path empty) or from a peer (path = nodes passed). */
export function execute(host: PipelineHost, client: ClientState, argv: string[], path: readonly string[] = []): MaybeAsync {
  const reply = executeCommand(host, client, argv, path);
  // Clients blocked on keys this command pushed to are served before any other command runs (Redis's handleClientsBlockedOnKeys).
  host.routing.blocking?.serveReady();
  return reply;
}

function executeCommand(host: PipelineHost, client: ClientState, argv: string[], path: readonly string[]): MaybeAsync {
  const cmd = argv[0]!;
  // "kv." in any case, tested without lower-casing every command name.
  if (cmd.length > 3 && cmd.charCodeAt(2) === 46 && (cmd.charCodeAt(0) | 32) === 107 && (cmd.charCodeAt(1) | 32) === 118) {
    return executeInternal(host, client, cmd.toLowerCase(), argv, path);
  }
  // INFO commandstats counts what clients send here; a forwarded request was counted where it came in.
  const stats = client.peer === null ? statsOf(host.view) : null;
  const spec = resolve(argv);
  if (typeof spec === 'string') {
    if (stats !== null) {
      // A container without its subcommand (CONFIG alone) is a rejected call of the
      // container, as Redis counts it; an unknown command or subcommand is no command's.
      const container = argv.length === 1 ? lookupCommand(cmd) : undefined;
      if (container !== undefined) stats.rejected(container.name, spec);
      else stats.errorReply(spec);
    }
    if (client.multi !== null) client.multiFailed = true;
    return spec;
  }
  const refused = check(host, client, spec, argv);
  if (refused !== null) {
    stats?.rejected(spec.name, refused);
    // A command refused inside MULTI dooms the transaction (EXECABORT).
    if (client.multi !== null) client.multiFailed = true;
    return refused;
  }
  client.lastCommand = spec.name;
  // A read-only replica refuses a write it would run itself when it is queued, as Redis does.
  if (client.multi !== null && spec.flags.includes('write') && host.view.replication.readOnly() && host.routing.ownsAll(spec, argv)) {
    client.multiFailed = true;
    return r.error("READONLY You can't write against a read only replica.");
  }
  if (client.multi !== null && !runsImmediatelyInMulti(spec.name)) {
    if (spec.name === 'watch') {
      const reply = r.error('ERR WATCH inside MULTI is not allowed');
      stats?.called(stats.of(spec.name), 0, reply);
      return reply;
    }
    client.multi.push({ spec, argv });
    return r.QUEUED;
  }
  const ctx: Ctx = { node: host.view, client, proto: client.proto, path };
  if (stats === null) return host.routing.dispatch(ctx, spec, argv);
  // EXEC's reply holds its commands' replies: each is counted as its own call.
  const queued = spec.name === 'exec' ? client.multi : null;
  const counters = stats.of(spec.name);
  const observers = observersOf(host.view);
  const start = stats.timesNext(counters) || wantsTime(observers) ? performance.now() : -1;
  const reply = host.routing.dispatch(ctx, spec, argv);
  const call: Call = { stats, counters, observers, client, spec, argv, queued, start, end: -1 };
  // The promise itself goes back (the connection tells multi-step ones by identity).
  if (reply instanceof Promise) {
    // A blocking command is timed as Redis times it: its run, not its wait.
    if (start >= 0 && spec.flags.includes('blocking')) call.end = performance.now();
    reply.then((rep) => countCall(call, rep), () => {});
  } else countCall(call, reply);
  return reply;
}

/** One call from a client, for the counters, the slowlog, the latency monitor and MONITOR. */
interface Call {
  readonly stats: CommandStats;
  readonly counters: CommandCounters;
  readonly observers: CallObservers;
  readonly client: ClientState;
  readonly spec: CommandSpec;
  readonly argv: readonly string[];
  /** For EXEC: the commands it runs. */
  readonly queued: readonly QueuedCommand[] | null;
  /** When it started (-1: not timed), and when its time stops if not at its reply. */
  readonly start: number;
  end: number;
}

/**
 * Counts a call (timed from `start`, or not when it is -1), and for EXEC each
 * queued command by its reply in EXEC's array, sharing EXEC's time. Each is
 * then observed, EXEC last, as Redis's call() logs what EXEC ran before EXEC.
 */
function countCall(call: Call, reply: r.AnyReply): void {
  const { stats, counters, observers, queued } = call;
  const usec = call.start < 0 ? null : ((call.end < 0 ? performance.now() : call.end) - call.start) * 1000;
  const inner = queued !== null && queued.length > 0 ? arrayElements(reply) : null;
  if (inner !== null && inner.length === queued!.length) {
    const each = usec === null ? null : usec / (queued!.length + 1);
    queued!.forEach((q, i) => {
      stats.called(stats.of(q.spec.name), each, inner[i]!);
      observed(observers, call.client, q.spec, q.argv, each);
    });
    stats.called(counters, each, reply);
    observed(observers, call.client, call.spec, call.argv, each);
    return;
  }
  // A blocking command that timed out is counted, but Redis 7.0 leaves it out of latencystats, the slowlog and the latency monitor.
  const timedOut = call.end >= 0 && (reply === '*-1\r\n' || reply === '_\r\n' || reply === '$-1\r\n');
  stats.called(counters, usec, reply, !timedOut);
  observed(observers, call.client, call.spec, call.argv, timedOut ? null : usec);
}

const MONITOR_KEYSPACE = r.error("ERR Replica can't interact with the keyspace");

/** Arity and authentication: the checks every command passes before it runs or is queued. */
function check(host: PipelineHost, client: ClientState, spec: CommandSpec, argv: string[]): r.Reply | null {
  if (!arityOk(spec, argv.length)) return wrongArity(spec.name);
  if (!client.authenticated && !spec.flags.includes('no_auth') && host.passwordRequired()) return NOAUTH;
  if (client.multi !== null && spec.flags.includes('no_multi')) return NOT_IN_MULTI;
  // A MONITOR client is a replica of the command stream, in Redis's terms.
  if (client.monitor && (spec.flags.includes('write') || spec.flags.includes('readonly') || spec.flags.includes('may_replicate'))) return MONITOR_KEYSPACE;
  // A RESP2 client in subscribed state may only (un)subscribe, PING, QUIT and RESET.
  if (client.pubsub !== null) {
    const refused = refusedWhileSubscribed(client, spec.name);
    if (refused !== null) return refused;
  }
  const refused = host.refusal?.(spec.flags) ?? null;
  return refused === null ? null : r.error(refused);
}

/**
 * The state a forwarded request runs with: the link's, with the protocol of the
 * client it comes from. Made once per link and protocol, and never the link's
 * own state, so nothing a forwarded command sets reaches the link itself.
 */
const peerViews = new WeakMap<ClientState, { 2?: ClientState; 3?: ClientState }>();
function peerView(link: ClientState, proto: 2 | 3): ClientState {
  let views = peerViews.get(link);
  if (views === undefined) peerViews.set(link, (views = {}));
  return (views[proto] ??= { ...link, proto });
}

/**
 * A link from another node is read without client limits, so that one client's
 * request cannot close a link that carries everyone's. Each forwarded request is
 * checked here instead, against the limits this node sets for its own clients:
 * over them, it fails alone.
 */
function overClientLimits(host: PipelineHost, argv: readonly string[]): r.Reply | null {
  const settings = host.view.config();
  const maxBulk = Number(settings.get('proto-max-bulk-len'));
  const maxQuery = Number(settings.get('client-query-buffer-limit'));
  let total = 0;
  for (const a of argv) {
    if (a.length > maxBulk) {
      return r.error(`ERR an argument of ${a.length} bytes is over proto-max-bulk-len (${maxBulk}) on node ${host.view.name}`);
    }
    total += a.length;
  }
  if (total > maxQuery) return r.error(`ERR a request of ${total} bytes is over client-query-buffer-limit (${maxQuery}) on node ${host.view.name}`);
  return null;
}

/**
 * Internal commands between nodes. KV.HELLO proves the cluster secret; the
 * others are refused on any connection that has not. A stranger is told the
 * command is unknown, exactly as for any other name.
 */
function executeInternal(host: PipelineHost, client: ClientState, name: string, argv: string[], path: readonly string[]): MaybeAsync {
  if (name === 'kv.hello') {
    if (argv.length === 3 && host.view.checkSecret(argv[1]!)) {
      client.peer = argv[2]!;
      client.authenticated = true;
      return r.OK;
    }
    client.closeAfterReply = true;
    host.log(`refused a link from ${client.remoteAddress} claiming to be node ${argv[2] ?? '?'}: wrong cluster secret`, hostOf(client.remoteAddress));
    return r.error('ERR cluster secret refused');
  }
  if (client.peer === null) return unknownCommand(argv);
  const over = overClientLimits(host, argv);
  if (over !== null) return over;
  // A peer is trusted with the secret, not with well-formed requests: every field
  // is checked before anything is allocated or run for it.
  if (name === 'kv.fwd') {
    // KV.FWD <proto> <path> <argv…>
    if (argv.length < 4) return malformed('KV.FWD', 'expected <proto> <path> <command...>');
    const proto = protoField(argv[1]!);
    if (proto === null) return malformed('KV.FWD', `protocol must be 2 or 3, got '${short(argv[1]!)}'`);
    const fwdPath = pathField(argv[2]!);
    if (fwdPath === null) return malformed('KV.FWD', `bad path '${short(argv[2]!)}'`);
    host.routing.counters.received++;
    return execute(host, peerView(client, proto), argv.slice(3), fwdPath);
  }
  if (name === 'kv.local') {
    // KV.LOCAL <proto> <argv…>
    if (argv.length < 3) return malformed('KV.LOCAL', 'expected <proto> <command...>');
    const proto = protoField(argv[1]!);
    if (proto === null) return malformed('KV.LOCAL', `protocol must be 2 or 3, got '${short(argv[1]!)}'`);
    host.routing.counters.received++;
    const inner = argv.slice(2);
    const spec = resolve(inner);
    if (typeof spec === 'string') return spec;
    if (!arityOk(spec, inner.length)) return wrongArity(spec.name);
    // WATCH is all routing and has nothing to run on one node's keys alone.
    if (spec.run === undefined) return malformed('KV.LOCAL', `'${spec.name}' does not run on one node's keys`);
    const refused = host.refusal?.(spec.flags) ?? null;
    if (refused !== null) return r.error(refused);
    // Through the routing stage's door for local runs, so a fanned-out FLUSHALL reaches WATCH and the write log.
    return host.routing.runHere({ node: host.view, client: { ...client, proto }, proto, path: [client.peer] }, spec, inner);
  }
  if (name === 'kv.tx') return transactionFromPeer(host, client, argv);
  // Blocking pops across nodes (cluster/blocking.ts): a client of the peer waits here, or is answered there.
  if (name === 'kv.block' || name === 'kv.unblock' || name === 'kv.unblocked') {
    if (host.routing.blocking === null) return r.error('ERR this node takes no blocking commands');
    return host.routing.blocking.fromPeer({ node: host.view, client, proto: client.proto, path }, name, argv);
  }
  // Pub/sub from a peer: a message for this node's subscribers, or its part of a PUBSUB (cluster/pubsub-fanout.ts).
  if (name === 'kv.publish' || name === 'kv.spublish' || name === 'kv.pubsub') return answerPeer(host.view, argv);
  if (name === 'kv.promote') {
    // KV.PROMOTE <new> <old>: a replica took over its primary's buckets.
    if (argv.length !== 3) return malformed('KV.PROMOTE', 'expected <new node> <old node>');
    host.view.replication.peerPromoted(argv[1]!, argv[2]!);
    return r.OK;
  }
  if (name === 'kv.reload') {
    // KV.RELOAD: kv-admin asks a node to re-read its configuration after changing it.
    if (argv.length !== 1) return malformed('KV.RELOAD', 'takes no arguments');
    const failed = host.view.reload();
    return failed === null ? r.OK : r.error(`ERR configuration not applied, node ${host.view.name} keeps its table: ${failed.replace(/[\r\n]+/g, ' ')}`);
  }
  if (name === 'kv.import' || name === 'kv.migrating' || name === 'kv.migrations') return migrationFromPeer(host, client.peer, name, argv);
  if (name === 'kv.replaced') {
    if (argv.length !== 1) return malformed('KV.REPLACED', 'takes no arguments');
    return r.bulkArray(host.view.replication.replaced(), 2);
  }
  // Other internal commands are keyed: reached inside KV.FWD, routed by this node's table.
  const spec = lookupCommand(name);
  if (spec?.flags.includes('internal') && arityOk(spec, argv.length)) {
    return host.routing.dispatch({ node: host.view, client, proto: client.proto, path }, spec, argv);
  }
  return unknownCommand(argv);
}

/**
 * The messages of a bucket migration (cluster/migration.ts):
 * KV.IMPORT <from> (<key> <expiry> <payload>)…, KV.MIGRATING start|done <bytes>,
 * and KV.MIGRATIONS (what the asker should still look for here).
 */
function migrationFromPeer(host: PipelineHost, peer: string, name: string, argv: string[]): MaybeAsync {
  const m = host.routing.migration;
  if (m === null) return r.error('ERR this node takes no migrations');
  // While this node loads its data it can neither say what it holds nor take keys.
  const refused = host.refusal?.(['write']) ?? null;
  if (refused !== null && refused.startsWith('LOADING')) return r.error(refused);
  if (name === 'kv.import') {
    if (argv.length < 2 || (argv.length - 2) % 3 !== 0) return malformed('KV.IMPORT', 'expected <from> (<key> <expiry> <payload>)...');
    const expiries = argv.filter((_, i) => i >= 3 && (i - 3) % 3 === 0);
    if (!expiries.every((e) => /^(0|[1-9]\d{0,15})$/.test(e))) return malformed('KV.IMPORT', 'an expiry is not a time in ms');
    if (host.view.replication.readOnly()) return r.error("READONLY You can't write against a read only replica.");
    return m.importBatch(argv[1]!, argv);
  }
  if (name === 'kv.migrating') {
    if (argv.length !== 3 || (argv[1] !== 'start' && argv[1] !== 'done' && argv[1] !== 'owned')) return malformed('KV.MIGRATING', 'expected start|done|owned <bytes>');
    return r.bulk(m.onMigrating(peer, argv[1], argv[2]!));
  }
  if (argv.length !== 1) return malformed('KV.MIGRATIONS', 'takes no arguments');
  return m.migrationsFor(peer);
}

/** ERR naming the internal command and what about it is malformed. */
function malformed(command: string, what: string): r.Reply {
  return r.error(`ERR malformed ${command}: ${what}`);
}

/** At most 32 bytes of a bad field, for an error message. */
function short(field: string): string {
  return field.length > 32 ? field.slice(0, 32) + '...' : field;
}

function protoField(field: string): 2 | 3 | null {
  return field === '2' ? 2 : field === '3' ? 3 : null;
}

/** A path field: node names joined by commas, none empty. */
function pathField(field: string): string[] | null {
  const nodes = field.split(',');
  return nodes.every((n) => n !== '') ? nodes : null;
}

/** A count field: a decimal integer from 0 to `max` (which the rest of argv bounds). */
function countField(field: string, max: number): number | null {
  if (!/^(0|[1-9]\d{0,9})$/.test(field)) return null;
  const n = Number(field);
  return n <= max ? n : null;
}

/**
 * KV.TX <proto> <path> <n> [<key> <version>]×n (<argc> <argv…>)…: a transaction
 * forwarded whole, run as EXEC here. Every count is checked against what argv
 * holds, so a bad one is an error rather than a loop over a huge n.
 */
function transactionFromPeer(host: PipelineHost, client: ClientState, argv: string[]): MaybeAsync {
  if (argv.length < 4) return malformed('KV.TX', 'expected <proto> <path> <n> [<key> <version>]... (<argc> <command...>)...');
  const proto = protoField(argv[1]!);
  if (proto === null) return malformed('KV.TX', `protocol must be 2 or 3, got '${short(argv[1]!)}'`);
  const path = pathField(argv[2]!);
  if (path === null) return malformed('KV.TX', `bad path '${short(argv[2]!)}'`);
  const nWatched = countField(argv[3]!, Math.floor((argv.length - 4) / 2));
  if (nWatched === null) return malformed('KV.TX', `watched key count '${short(argv[3]!)}' does not match the arguments`);
  const watched: WatchedKey[] = [];
  for (let i = 0; i < nWatched; i++) watched.push({ key: argv[4 + 2 * i]!, version: argv[5 + 2 * i]! });
  const queued: QueuedCommand[] = [];
  for (let i = 4 + 2 * nWatched; i < argv.length; ) {
    const argc = countField(argv[i]!, argv.length - i - 1);
    if (argc === null || argc === 0) return malformed('KV.TX', `command length '${short(argv[i]!)}' at argument ${i} does not match the arguments`);
    const inner = argv.slice(i + 1, i + 1 + argc);
    const spec = resolve(inner);
    if (typeof spec === 'string') return spec;
    if (!arityOk(spec, inner.length)) return wrongArity(spec.name);
    const refused = host.refusal?.(spec.flags) ?? null;
    if (refused !== null) return r.error(refused);
    queued.push({ spec, argv: inner });
    i += 1 + argc;
  }
  host.routing.counters.received++;
  const txClient: ClientState = { ...client, proto, multi: queued, multiFailed: false, watched };
  const exec = lookupCommand('exec')!;
  return host.routing.dispatch({ node: host.view, client: txClient, proto, path }, exec, ['EXEC']);
}
