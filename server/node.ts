// One cluster member: the listener, the store, the routing stage and the links
// to its peers. It owns the counters INFO shows and implements the NodeView that
// commands see. Start with `new KvNode(config).start()`.

import net from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { checkSetting, configFor, loadConfig, type NodeAddress, type NodeConfig } from './cluster/config.js';
import { describeTable, ownerOf } from './cluster/router.js';
import { PeerLink } from './cluster/peer-link.js';
import { RoutingStage } from './cluster/routing-stage.js';
import { Migration } from './cluster/migration.js';
import { BlockedClients } from './cluster/blocking.js';
import * as r from './protocol/resp.js';
import { resolveSecret, secretsEqual } from './cluster/secret.js';
import { Store } from './store/store.js';
import { newClientState, type ClientState, type NodeView, type ReplicaClient } from './commands/types.js';
import { Connection, type ConnectionHost } from './connection.js';
import { createLog, type OpLog } from './oplog.js';
import { Persistence } from './persistence/persistence.js';
import { Replication } from './replication/replication.js';
import type { ReplicaSink } from './replication/primary.js';
import { arrayElements, stringValue } from './protocol/reply-framer.js';
import { lookupCommand } from './commands/table.js';
import { statsOf } from './commands/command-stats.js';
import { pubsubOf } from './commands/pubsub.js';
import { sendToPeers } from './cluster/pubsub-fanout.js';

export interface NodeOptions {
  /** Where log lines go (each "[node] message", escaped and rate-limited); default: stderr. */
  log?: (line: string) => void;
  /** Overrides the secret resolved from the settings, environment or cookie file. */
  secret?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export class KvNode implements ConnectionHost {
  readonly store = new Store();
  readonly routing: RoutingStage;
  readonly view: NodeView;
  private readonly settings: Map<string, string>;
  private readonly links = new Map<string, PeerLink>();
  private readonly connections = new Set<Connection>();
  private server: net.Server | null = null;
  private nextClientId = 1;
  private readonly secret: string;
  private readonly startedAt = Date.now();
  private stats = { connections: 0, rejected: 0, netIn: 0, netOut: 0 };
  private readonly oplog: OpLog;
  readonly persistence: Persistence;
  readonly replication: Replication;
  /** Set while a replica loads its primary's RDB: clients get -LOADING, as while the AOF loads. */
  private syncLoading = false;
  /** What stop() does with dump.rdb: SHUTDOWN SAVE or NOSAVE set it; SIGTERM leaves the default. */
  private shutdownMode: 'default' | 'save' | 'nosave' = 'default';

  constructor(
    public config: NodeConfig,
    options: NodeOptions = {},
  ) {
    const write = options.log;
    this.oplog = createLog(config.self.name, write ? (line) => write(line.replace(/\n$/, '')) : undefined);
    this.settings = new Map(config.settings);
    this.settings.set('port', String(config.self.port));
    this.settings.set('bind', config.self.host);
    // An absolute path, as CONFIG GET dir shows Redis's (bytes in the file, UTF-8 on the file system).
    const dir = Buffer.from(this.settings.get('dir') ?? '.', 'latin1').toString('utf8');
    this.settings.set('dir', Buffer.from(resolvePath(dir), 'utf8').toString('latin1'));
    this.secret = options.secret ?? resolveSecret(config.settings);
    for (const n of config.nodes) if (n.name !== config.self.name) this.links.set(n.name, this.makeLink(n));
    this.routing = new RoutingStage(config.self.name, config.table, config.nodes, this.links, this.setting('max-hops'));
    this.routing.isReplica = (name) => this.isReplicaNode(name);
    this.migration = new Migration({
      self: config.self.name,
      store: this.store,
      links: this.links,
      table: () => this.routing.currentTable,
      setting: (name) => this.setting(name),
      log: (msg) => this.log(msg),
      runLocal: (argv) => {
        const client = (this.migrationClient ??= newClientState(0, 'migration', 'migration', true));
        const reply = this.routing.runHere({ node: this.view, client, proto: 2, path: ['migration'] }, lookupCommand(argv[0]!)!, argv);
        return reply instanceof Promise ? r.error('ERR internal error: asynchronous write in a migration') : reply;
      },
      active: () => this.replication.following === null,
    });
    this.routing.migration = this.migration;
    this.blocking = new BlockedClients({
      self: config.self.name,
      store: this.store,
      links: this.links,
      owner: (ctx, key) => this.routing.owner(ctx, key),
      tableOwner: (key) => {
        const route = ownerOf(this.routing.currentTable, key);
        return 'error' in route ? null : route.node;
      },
      runHere: (ctx, spec, argv) => this.routing.runHere(ctx, spec, argv),
      runOn: (ctx, node, argv) => (node === this.name ? Promise.resolve(this.routing.runHere(ctx, lookupCommand(argv[0]!)!, argv)) : this.routing.forward(ctx, node, argv)),
      forwardTimeoutMs: () => this.setting('forward-timeout'),
      log: (msg) => this.log(msg),
    });
    this.routing.blocking = this.blocking;
    this.view = this.makeView();
    // Keyspace events this node publishes reach the subscribers of every node.
    pubsubOf(this.view).toPeers = (channel, message) => sendToPeers(this.links, channel, message);
    this.persistence = new Persistence(
      { store: this.store, setting: (name) => this.settings.get(name) ?? '', log: (msg) => this.log(msg) },
      (argv) => this.replay(argv),
    );
    this.replication = new Replication({
      store: this.store,
      setting: (name) => this.settings.get(name) ?? '',
      log: (msg) => this.log(msg),
      apply: (argv) => this.applyReplicated(argv),
      listeningPort: () => this.port,
      dir: () => Buffer.from(this.settings.get('dir') ?? '.', 'latin1').toString('utf8'),
      setLoading: (on) => (this.syncLoading = on),
      datasetReplaced: () => {
        if (this.persistence.enabled) this.persistence.startRewrite();
      },
      promoted: (from) => this.promotedFrom(from),
    });
  }

  /** The link to peer `n`, not yet started. */
  private makeLink(n: NodeAddress): PeerLink {
    return new PeerLink(n.name, n.host, n.port, {
      self: this.config.self.name,
      secret: this.secret,
      timeoutMs: this.setting('forward-timeout'),
      log: (msg) => this.log(msg, `link to ${n.name}`),
      // Take-overs that happened while this node or that peer was away, as the peer knows them.
      onUp: () => {
        this.links.get(n.name)?.send(['KV.REPLACED'], (reply) => {
          const names = arrayElements(reply)?.map((e) => stringValue(e) ?? '') ?? [];
          for (let i = 0; i + 1 < names.length; i += 2) this.peerPromoted(names[i + 1]!, names[i]!);
        });
        // Moves to and from that node go on, whichever of the two restarted.
        this.migration.linkUp(n.name);
        // Clients of this node blocked on that node's keys: registered there again, in case it dropped them.
        this.blocking.linkUp(n.name);
      },
    });
  }

  /** A node that follows a primary: this one by its own state; others by cluster.conf and the take-overs since. */
  private isReplicaNode(name: string): boolean {
    if (name === this.name) return this.replication.following !== null;
    if (this.routing.replaced.has(name)) return true;
    for (const took of this.routing.replaced.values()) if (took === name) return false;
    return this.config.replicaOf.has(name);
  }

  /** The keys this node moves to other nodes, or takes from them, when the table changes. */
  readonly migration: Migration;
  /** Clients blocked in BLPOP and the like, here or on other nodes. */
  readonly blocking: BlockedClients;
  /** The client a migration's RESTOREs and DELs run as. */
  private migrationClient: ClientState | null = null;

  /** The client a replica runs its primary's stream as. */
  private primaryClient: ClientState | null = null;

  /** One command of the primary's stream, through the routing stage's door: WATCH, this node's AOF and its own replicas see it. */
  private applyReplicated(argv: string[]): void {
    const spec = lookupCommand(argv[0]!);
    if (spec === undefined || spec.run === undefined || spec.subcommands) {
      this.log(`replication: unknown command '${argv[0]!.slice(0, 64)}' in the primary's stream, skipped`);
      return;
    }
    const client = (this.primaryClient ??= { ...newClientState(0, 'master', 'master', true), fromPrimary: true });
    this.routing.runHere({ node: this.view, client, proto: 2, path: [] }, spec, argv);
  }

  /** `replicaof <node>` (a node of cluster.conf) or `replicaof <host> <port>`: where to follow, or null. */
  private replicaofSetting(): { host: string; port: number } | null {
    const words = (this.config.settings.get('replicaof') ?? '').split(' ').filter((w) => w !== '');
    if (words.length === 0) return null;
    if (words.length === 1) {
      const n = this.config.nodes.find((x) => x.name === words[0]);
      if (n === undefined || n.name === this.name) throw new Error(`node ${this.name}: replicaof ${words[0]}: not another node of ${this.config.file}`);
      return { host: n.host, port: n.port };
    }
    if (words.length === 2 && /^\d+$/.test(words[1]!)) return { host: words[0]!, port: Number(words[1]) };
    throw new Error(`node ${this.name}: replicaof takes a node name, or a host and a port`);
  }

  /**
   * This node took over from the primary it followed: if that primary is a
   * node of the cluster, every node routes its buckets here from now on (and
   * it, when it is back, follows this node).
   */
  private promotedFrom(from: { host: string; port: number }): void {
    const old = this.config.nodes.find((n) => n.port === from.port && (n.host === from.host || (n.host === '127.0.0.1' && from.host === 'localhost')));
    if (old === undefined || old.name === this.name) return;
    this.routing.replaceOwner(old.name, this.name);
    this.log(`took over the buckets of ${old.name}: telling every node`);
    for (const link of this.links.values()) link.send(['KV.PROMOTE', this.name, old.name], () => {});
  }

  /** The revision of the configuration this node runs: 1 for the file it started with, +1 per reload; etcd's revision in etcd mode. */
  revision = '1';

  /**
   * Applies a new view of the cluster, as a whole or not at all: links for
   * nodes added, links of nodes removed closed once no entry names them, the
   * table swapped, and the buckets this node holds but no longer owns moved to
   * their new owner (cluster/migration.ts). Returns why the view was refused
   * (nothing changed), or null.
   */
  applyConfig(next: NodeConfig, revision: string): string | null {
    if (next.self.name !== this.name) return `the new configuration is for node ${next.self.name}, not ${this.name}`;
    if (next.self.host !== this.config.self.host || next.self.port !== this.config.self.port) {
      return `node ${this.name} moved from ${this.config.self.host}:${this.config.self.port} to ${next.self.host}:${next.self.port}: restart it to change its address`;
    }
    for (const n of next.nodes) {
      if (n.name === this.name) continue;
      const link = this.links.get(n.name);
      if (link !== undefined && (link.host !== n.host || link.port !== n.port)) {
        link.close();
        this.links.delete(n.name);
      }
      if (!this.links.has(n.name)) {
        const fresh = this.makeLink(n);
        this.links.set(n.name, fresh);
        if (this.server !== null) fresh.start();
      }
    }

    const before = this.routing.currentTable;
    const previous = this.config;
    // Settings a running node can take (those CONFIG SET takes) follow the file; others need a restart.
    const restartFor: string[] = [];
    for (const [name, value] of next.settings) {
      if (previous.settings.get(name) === value || name === 'replicaof') continue;
      if (this.setConfig(name, value) !== null) restartFor.push(name);
    }
    if (restartFor.length > 0) this.log(`configuration revision ${revision}: ${restartFor.join(', ')} changed; they take effect at the next restart`);
    this.routing.setView(next.table, next.nodes);
    // Clients blocked on keys this node no longer serves wait where those keys live now.
    this.blocking.tableChanged();
    this.config = next;
    this.revision = revision;
    // A failover decided by the coordinator: this node follows another, or stops following.
    if ((next.settings.get('replicaof') ?? '') !== (previous.settings.get('replicaof') ?? '')) {
      try {
        const follow = this.replicaofSetting();
        if (follow === null) this.replication.stopFollowing();
        else this.replication.follow(follow.host, follow.port);
      } catch (e) {
        this.log(`configuration revision ${revision}: ${(e as Error).message}`);
      }
    }
    this.migration.tableChanged(before, (n) => next.replicaOf.get(n) === this.name);
    this.dropRemovedLinks();
    this.log(`configuration revision ${revision}: table ${describeTable(before)} -> ${describeTable(next.table)}`);
    return null;
  }

  /** Where reload() reads the configuration: the file by default; etcd mode replaces it. */
  reload: () => string | null = () => this.reloadFromFile();

  /**
   * Closes the links of nodes no longer in the configuration, but not while
   * this node still takes a range over from one of them: checked again until then.
   */
  private dropRemovedLinks(): void {
    clearTimeout(this.dropTimer ?? undefined);
    this.dropTimer = null;
    let waiting = false;
    for (const [name, link] of this.links) {
      if (this.config.nodes.some((n) => n.name === name)) continue;
      if (this.migration.importsFrom(name)) {
        waiting = true;
        continue;
      }
      link.close();
      this.links.delete(name);
      this.log(`link to ${name} closed: ${name} is no longer in the configuration`);
    }
    if (waiting) (this.dropTimer = setTimeout(() => this.dropRemovedLinks(), 1000)).unref();
  }
  private dropTimer: NodeJS.Timeout | null = null;

  /** Re-reads the file this node started from (SIGHUP, KV.RELOAD): null when applied, or the file:line error (nothing changed). */
  reloadFromFile(): string | null {
    let next: NodeConfig;
    try {
      next = configFor(loadConfig(this.config.file), this.name);
    } catch (e) {
      return (e as Error).message;
    }
    return this.applyConfig(next, String(Number(this.revision) + 1));
  }

  /**
   * Fencing (etcd mode): writes are accepted only until `untilMs` (ms since the
   * epoch), the end of this node's lease as last renewed; null lifts it.
   */
  fence(untilMs: number | null): void {
    this.fencedAfter = untilMs;
  }
  private fencedAfter: number | null = null;

  /** KV.PROMOTE from a peer, or a KV.REPLACED answer: `newNode` serves `oldNode`'s buckets. */
  private peerPromoted(newNode: string, oldNode: string): void {
    const known = this.config.nodes.some((n) => n.name === newNode) && this.config.nodes.some((n) => n.name === oldNode);
    if (!known || !this.routing.replaceOwner(oldNode, newNode)) return;
    this.log(`${newNode} took over the buckets of ${oldNode}`);
    if (oldNode === this.name) {
      // Replaced while away: this node rejoins as a replica of the new primary instead of taking writes.
      const n = this.config.nodes.find((x) => x.name === newNode)!;
      this.replication.follow(n.host, n.port);
    }
  }

  /** A PSYNC'd connection: from now on it carries the replication stream to that replica. */
  serveReplica(sink: ReplicaSink, replica: ReplicaClient): number {
    const h = replica.handoff!;
    return this.replication.serve(sink, h.replid, h.offset, replica.capaEof, replica.listeningPort);
  }

  dropReplica(id: number): void {
    this.replication.dropReplica(id);
  }

  /** One command of the append-only file, applied as a client's would be, minus routing: every key in the file is this node's. */
  private replay(argv: string[]): string | null {
    const name = argv[0]!.toLowerCase();
    // What Redis itself may have written around the commands.
    if (name === 'select' || name === 'multi' || name === 'exec') return null;
    const spec = lookupCommand(name);
    if (spec === undefined || spec.run === undefined || spec.subcommands) return `Unknown command '${argv[0]!.slice(0, 64)}' reading the append only file`;
    const client = (this.loaderClient ??= newClientState(0, 'aof', 'aof', true));
    spec.run({ node: this.view, client, proto: 2, path: [] }, argv);
    return null;
  }
  /** The client the append-only file's commands run as. */
  private loaderClient: ClientState | null = null;

  repliesMayGo(ready: () => void): boolean {
    return this.persistence.repliesMayGo(ready);
  }

  /** Why a command cannot run now, in Redis's words: the data is loading, or the AOF cannot be written. */
  refusal(flags: readonly string[]): string | null {
    if ((this.persistence.loading || this.syncLoading) && !flags.includes('loading')) return 'LOADING Redis is loading the dataset in memory';
    if (this.replication.writesPaused && flags.includes('write')) return 'TRYAGAIN A FAILOVER is handing this node over to its replica; retry';
    if (flags.includes('write')) {
      if (this.fencedAfter !== null && Date.now() >= this.fencedAfter) {
        return `READONLY node ${this.name} lost its lease in the coordinator: it may have been replaced, and takes no writes until it holds one again`;
      }
      return this.persistence.writeError;
    }
    return null;
  }

  /** A line for the operator; `source` (a client's address, a link) is what the rate limit counts by. */
  log(msg: string, source?: string): void {
    this.oplog.log(msg, source);
  }

  get name(): string {
    return this.config.self.name;
  }

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr !== null ? addr.port : this.config.self.port;
  }

  setting(name: string): number {
    return Number(this.settings.get(name) ?? '0');
  }

  passwordRequired(): boolean {
    return (this.settings.get('requirepass') ?? '') !== '';
  }


  countBytes(inBytes: number, outBytes: number): void {
    this.stats.netIn += inBytes;
    this.stats.netOut += outBytes;
  }

  /**
   * A client that closes its end (EOF, or its process killed) stops waiting in
   * BLPOP and the like, as Redis frees a client at EOF: the wait would
   * otherwise hold its half-open connection, and its place in the queue, for ever.
   */
  private endsWait(conn: Connection): Connection {
    conn.socket.once('end', () => this.blocking.clientClosed(conn.state));
    return conn;
  }

  onClose(conn: Connection): void {
    this.connections.delete(conn);
    this.blocking.clientClosed(conn.state);
  }

  private makeView(): NodeView {
    return {
      name: this.name,
      store: this.store,
      startedAt: this.startedAt,
      config: () => this.settings,
      setConfig: (name, value) => this.setConfig(name, value),
      infoSection: (name) => this.infoSection(name),
      clients: () => [...this.connections].map((c) => c.state),
      checkSecret: (s) => secretsEqual(s, this.secret),
      replication: {
        role: () => this.replication.role(),
        readOnly: () => this.replication.readOnly(),
        canServeSync: () => this.replication.canServeSync(),
        ack: (id, offset) => this.replication.ack(id, offset),
        wait: (n, ms) => this.replication.wait(n, ms),
        follow: (host, port) => this.replication.follow(host, port),
        stopFollowing: () => this.replication.stopFollowing(),
        takeOver: (replid) => this.replication.takeOver(replid),
        failover: (to, ms, force, abort) => this.replication.failover(to, ms, force, abort),
        peerPromoted: (newNode, oldNode) => this.peerPromoted(newNode, oldNode),
        replaced: () => [...this.routing.replaced].flat(),
      },
      disk: {
        save: () => this.persistence.save(),
        bgsave: () => this.persistence.startBgsave(),
        rewriteAof: () => this.persistence.startRewrite(),
        lastSave: () => this.persistence.lastSave,
        onShutdown: (mode) => (this.shutdownMode = mode),
      },
      reload: () => this.reload(),
      unblockClient: (id, error) => this.blocking.unblockClient(id, error),
      ownerByTable: (key) => {
        const route = ownerOf(this.routing.currentTable, key);
        return 'error' in route ? null : route.node;
      },
      resetStats: () => {
        this.stats = { connections: 0, rejected: 0, netIn: 0, netOut: 0 };
        this.store.lookups.hits = this.store.lookups.misses = 0;
      },
    };
  }

  private setConfig(name: string, value: string): string | null {
    const settable = [
      'requirepass',
      'maxclients',
      'proto-max-bulk-len',
      'client-query-buffer-limit',
      'client-output-buffer-limit',
      'timeout',
      'appendonly',
      'appendfsync',
      'auto-aof-rewrite-percentage',
      'auto-aof-rewrite-min-size',
      'aof-load-truncated',
      'save',
      'migrate-keys-per-second',
      'migrate-batch-keys',
    ];
    if (!settable.includes(name)) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
    // One rule for the file and CONFIG SET: the same bounds, units and words.
    const checked = checkSetting(name, value);
    if ('error' in checked) return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${checked.error}`;
    const before = this.settings.get(name);
    this.settings.set(name, checked.value);
    // Turning the AOF on writes the dataset into it at once, as Redis's startAppendOnly does.
    if (name === 'appendonly' && before !== checked.value) {
      if (checked.value === 'yes') {
        this.persistence.start();
        this.persistence.startRewrite();
      } else void this.persistence.close();
    }
    return null;
  }

  private infoSection(name: string): string | null {
    const lines = (o: Record<string, string | number>): string =>
      Object.entries(o)
        .map(([k, v]) => `${k}:${v}\r\n`)
        .join('');
    switch (name) {
      case 'clients':
        return lines({
          // As Redis leaves its replicas out of connected_clients, links from other nodes are left out.
          connected_clients: this.census().clients,
          cluster_connections: 0,
          maxclients: this.setting('maxclients'),
          client_recent_max_input_buffer: 0,
          client_recent_max_output_buffer: 0,
          blocked_clients: this.blocking.blockedClients,
          tracking_clients: 0,
          clients_in_timeout_table: 0,
        });
      case 'stats': {
        const s = this.store.stats();
        return lines({
          total_connections_received: this.stats.connections,
          total_commands_processed: statsOf(this.view).totalCalls,
          instantaneous_ops_per_sec: 0,
          total_net_input_bytes: this.stats.netIn,
          total_net_output_bytes: this.stats.netOut,
          rejected_connections: this.stats.rejected,
          expired_keys: this.store.expiredKeys,
          evicted_keys: 0,
          keyspace_hits: s.hits,
          keyspace_misses: s.misses,
        });
      }
      case 'persistence':
        return lines(this.persistence.info());
      case 'replication':
        return lines(this.replication.info());
      case 'cluster': {
        const c = this.routing.counters;
        const out: Record<string, string | number> = {
          cluster_enabled: 0,
          kv_node: this.name,
          kv_table: describeTable(this.routing.currentTable),
          kv_config_revision: this.revision,
          kv_nodes: this.config.nodes.map((n) => `${n.name}@${n.host}:${n.port}`).join(','),
          kv_commands_local: c.local,
          kv_commands_forwarded: c.forwarded,
          kv_commands_received: c.received,
          ...this.migration.info(),
          kv_blocked_for_peers: this.blocking.waitingForPeers,
        };
        for (const link of this.links.values()) {
          const since = link.state === 'down' ? `,down_since=${Math.floor(link.downSince / 1000)}` : '';
          const err = link.lastError ? `,last_error=${link.lastError.replace(/[\s,]+/g, '_')}` : '';
          out[`kv_link_${link.name}`] = `state=${link.state},addr=${link.host}:${link.port},in_flight=${link.inFlight},sent=${link.sent},failed=${link.failed}${since}${err}`;
        }
        return lines(out);
      }
      default:
        return null;
    }
  }

  /** Listens on the configured address; rejects with a clear message when the port is taken. */
  start(): Promise<void> {
    const { host, port, name } = this.config.self;
    if (!LOOPBACK.test(host) && !this.passwordRequired()) {
      this.log(`WARNING: node ${name} listens on ${host}, beyond loopback, and no requirepass is set: anyone who can reach ${host}:${port} can read and write every key.`);
    }
    // Half-open: a client that shuts down its side after its requests (a script
    // piping into a socket) still gets every reply, the forwarded ones too.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') reject(new Error(`node ${name}: port ${port} on ${host} is already in use (is a Redis or another node running there?)`));
        else if (e.code === 'EADDRNOTAVAIL') reject(new Error(`node ${name}: address ${host} is not on this machine`));
        else reject(new Error(`node ${name}: cannot listen on ${host}:${port}: ${e.message}`));
      });
      server.listen({ host, port, backlog: 511 }, () => {
        server.on('error', (e) => this.log(`listener error: ${e.message}`));
        for (const link of this.links.values()) link.start();
        resolve();
      });
    }).then(async () => {
      // Listening while the file loads, so clients and peers hear -LOADING, not silence.
      try {
        await this.persistence.load();
        this.persistence.start();
        const follow = this.replicaofSetting();
        if (follow !== null) this.replication.follow(follow.host, follow.port);
        // Keys of ranges this node no longer owns (a move a crash interrupted) go on
        // moving, and ranges it was taking over are looked for on their source again:
        // clients hear -LOADING until the peers said what they are moving here.
        if (follow === null) {
          this.syncLoading = true;
          await this.migration.resume(1000);
          this.syncLoading = false;
        }

      } catch (e) {
        server.close();
        for (const link of this.links.values()) link.close();
        throw new Error(`node ${name}: ${(e as Error).message}`);
      }
    });
  }

  /** Client connections, and the peers that have a link in: links are not clients and are not counted. */
  private census(): { clients: number; linkedPeers: number } {
    const peers = new Set<string>();
    let links = 0;
    for (const c of this.connections) {
      if (c.state.peer === null) continue;
      links++;
      peers.add(c.state.peer);
    }
    return { clients: this.connections.size - links, linkedPeers: peers.size };
  }

  private accept(socket: net.Socket): void {
    this.stats.connections++;
    const { clients, linkedPeers } = this.census();
    if (clients < this.setting('maxclients')) {
      this.connections.add(this.endsWait(new Connection(socket, this.nextClientId++, this)));
      return;
    }
    // Full. A peer's link is still let in: its first bytes are KV.HELLO, which
    // proves the secret before it is counted as a link. While every peer has its
    // link in (the usual case: links are made at start), a newcomer is a client
    // and is refused at once, as Redis refuses it; otherwise it is judged by
    // its first bytes, or refused after half a second of silence.
    socket.on('error', () => {});
    const refuse = (): void => {
      this.stats.rejected++;
      socket.removeAllListeners('data');
      socket.end('-ERR max number of clients reached\r\n');
      // Read and discard what the client already sent, or its FIN is never seen
      // and the socket (a file descriptor) stays open, holding up stop().
      socket.resume();
    };
    if (linkedPeers >= this.config.nodes.length - 1) return refuse();
    const wait = setTimeout(refuse, 500);
    socket.once('data', (first: Buffer) => {
      clearTimeout(wait);
      if (!opensWithHello(first)) return refuse();
      socket.pause();
      socket.unshift(first);
      const conn = this.endsWait(new Connection(socket, this.nextClientId++, this));
      this.connections.add(conn);
      socket.resume();
    });
  }

  /** Graceful stop: no new connections, replies owed are written, links closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.shutdown();
    const deadline = Date.now() + 2000;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    for (const c of this.connections) c.socket.destroy();
    for (const link of this.links.values()) link.close();
    this.migration.close();
    clearTimeout(this.dropTimer ?? undefined);
    // What was acknowledged is written and fsynced before the process may exit.
    this.replication.close();
    await this.persistence.shutdown(this.shutdownMode).catch((e: unknown) => this.log(`error closing the append only file: ${(e as Error).message}`));
    this.store.close();
    this.oplog.flush();
    await closed;
  }

  /** The banner printed at start-up. */
  banner(): string {
    const peers = this.config.nodes.filter((n) => n.name !== this.name).map((n) => `${n.name} ${n.host}:${n.port}`);
    return [
      `kv node ${this.name} listening on ${this.config.self.host}:${this.port} (pid ${process.pid}, config ${this.config.file})`,
      `  table: ${describeTable(this.config.table)}`,
      `  peers: ${peers.length ? peers.join(', ') : '(none)'}`,
    ].join('\n');
  }
}

export type { ClientState };

/** True when a connection's first bytes are a KV.HELLO request (a peer's link). */
function opensWithHello(first: Buffer): boolean {
  return /^\*3\r\n\$8\r\nkv\.hello\r\n/i.test(first.toString('latin1', 0, 20));
}
