// The shapes shared by the command table, the command modules and the routing
// stage: what a command declares about itself, and what it may reach when it runs.

import type { AnyReply, Proto, Reply } from '../protocol/resp.js';
import type { Store } from '../store/store.js';

/** Per-connection state that commands read and change (SELECT, HELLO, CLIENT SETNAME, AUTH). */
export interface ClientState {
  readonly id: number;
  proto: Proto;
  name: string;
  libName: string;
  libVer: string;
  authenticated: boolean;
  /** Authenticated with the cluster secret: may send internal (KV.*) commands. */
  peer: string | null;
  /** Set by QUIT: the connection closes once this reply is written. */
  closeAfterReply: boolean;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly createdAt: number;
  /** When the client last sent something (ms), for CLIENT LIST's idle. */
  lastInteraction: number;
  lastCommand: string;
  /** Commands queued since MULTI; null outside a transaction. */
  multi: QueuedCommand[] | null;
  /** A command was refused while queueing: EXEC will abort. */
  multiFailed: boolean;
  /** Keys under WATCH, with the versions their owners gave. */
  watched: WatchedKey[];
  /** What a replica connected here said of itself (REPLCONF), and its PSYNC, which hands the connection to replication. */
  replica: ReplicaClient | null;
  /** READONLY: reads of keys whose primary this replica follows run here instead of being forwarded. */
  readonly: boolean;
  /** The client a replica applies its primary's stream as: its writes pass READONLY. */
  fromPrimary: boolean;
  /** The nodes this client's writes went to (WAIT asks each of them). */
  wroteTo: Set<string> | null;
  /** The channels and patterns it listens to (commands/pubsub.ts); null until its first SUBSCRIBE. */
  pubsub: Subscriptions | null;
  /** Writes a pub/sub message to the client outside request order; null where none can go (links, the AOF loader). */
  push: ((message: AnyReply) => void) | null;
  /** MONITOR: gets every command this node's clients run (commands/monitor.ts). */
  monitor: boolean;
  /** CLIENT REPLY OFF, and SKIP (the next command's reply; set after the SKIP itself): replies are not sent. */
  replyOff: boolean;
  replySkip: boolean;
  replySkipNext: boolean;
  /** Closes the connection at once (CLIENT KILL); null where there is no socket. */
  kill: (() => void) | null;
}

/** A client's pub/sub subscriptions: channels, patterns and shard channels, in the order it subscribed. */
export interface Subscriptions {
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly shardChannels: Set<string>;
}

export interface ReplicaClient {
  listeningPort: number;
  capaEof: boolean;
  /** Set by PSYNC/SYNC: the connection passes to replication once this reply is written. */
  handoff: { replid: string; offset: number; sync: boolean } | null;
  /** Its id on the primary once the handoff is done (REPLCONF ACK names it). */
  id: number | null;
}

/** A client's state as a new connection starts with it. */
export function newClientState(id: number, remoteAddress: string, localAddress: string, authenticated: boolean): ClientState {
  return {
    id,
    proto: 2,
    name: '',
    libName: '',
    libVer: '',
    authenticated,
    peer: null,
    closeAfterReply: false,
    remoteAddress,
    localAddress,
    createdAt: Date.now(),
    lastInteraction: Date.now(),
    lastCommand: 'NULL',
    multi: null,
    multiFailed: false,
    watched: [],
    replica: null,
    readonly: false,
    fromPrimary: false,
    wroteTo: null,
    pubsub: null,
    push: null,
    monitor: false,
    replyOff: false,
    replySkip: false,
    replySkipNext: false,
    kill: null,
  };
}

export interface WatchedKey {
  readonly key: string;
  /** Pending while the owner has not answered: EXEC waits for it. */
  readonly version: string | Promise<string>;
}

export interface QueuedCommand {
  readonly spec: CommandSpec;
  readonly argv: string[];
}

/** What a running command may see of its node. Implemented by the node; commands never touch sockets. */
export interface NodeView {
  readonly name: string;
  readonly store: Store;
  readonly startedAt: number;
  /** Effective settings (requirepass, maxclients, …) as CONFIG GET shows them. */
  config(): ReadonlyMap<string, string>;
  /** Changes a setting; returns an error text or null. */
  setConfig(name: string, value: string): string | null;
  /** Named INFO sections owned by the node (clients, stats, cluster). */
  infoSection(name: string): string | null;
  clients(): readonly ClientState[];
  /** Checks the cluster secret sent by a peer's link. */
  checkSecret(secret: string): boolean;
  resetStats(): void;
  /** KV.RELOAD: re-reads the node's configuration (its file, or etcd); null when applied, else why not (nothing changed). */
  reload(): string | null;
  /** The node this node's routing table gives `key` to (null: none); absent where there is no table. SORT's patterns stay on the sorted key's node. */
  ownerByTable?(key: string): string | null;
  /** CLIENT UNBLOCK: ends the wait of this node's client `id` (blocked in BLPOP…) as a timeout or with an error; false if it was not waiting. */
  unblockClient?(id: number, error: boolean): boolean;
  /** The node's files: dump.rdb and the append-only file. */
  readonly disk: DiskView;
  /** Its place in replication: primary of some replicas, or replica of a primary. */
  readonly replication: ReplicationView;
}

/** What commands may ask of a node's persistence. Each action gives Redis's error text, or null when done or started. */
export interface DiskView {
  save(): string | null;
  bgsave(): string | null;
  rewriteAof(): string | null;
  /** LASTSAVE: when dump.rdb was last written, in seconds since the epoch. */
  lastSave(): number;
  /** What a shutdown does with dump.rdb (SHUTDOWN SAVE|NOSAVE). */
  onShutdown(mode: 'default' | 'save' | 'nosave'): void;
}

/** What commands may ask of a node's replication (ROLE, WAIT, REPLICAOF, REPLCONF ACK). */
export interface ReplicationView {
  role(): { role: 'master'; offset: number; replicas: [ip: string, port: number, offset: number][] } | { role: 'slave'; host: string; port: number; state: string; offset: number };
  /** True while this node follows a primary and refuses client writes. */
  readOnly(): boolean;
  /** A PSYNC may be served: null, or Redis's error text (a replica not linked to its primary). */
  canServeSync(): string | null;
  ack(replicaId: number, offset: number): void;
  wait(numReplicas: number, timeoutMs: number): number | Promise<number>;
  /** REPLICAOF host port: null, "Already connected…", or an error text. */
  follow(host: string, port: number): string | null;
  /** REPLICAOF NO ONE. */
  stopFollowing(): void;
  /** A PSYNC … FAILOVER from this replica's primary: it hands over, this node takes its place. */
  takeOver(replid: string): boolean;
  /** FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | ABORT: null when started, or Redis's error text. */
  failover(to: { host: string; port: number } | null, timeoutMs: number, force: boolean, abort: boolean): string | null;
  /** KV.PROMOTE from a peer: `newNode` took over `oldNode`'s buckets. */
  peerPromoted(newNode: string, oldNode: string): void;
  /** KV.REPLACED: the take-overs this node knows of, old and new names in turn. */
  replaced(): string[];
}

export interface Ctx {
  readonly node: NodeView;
  readonly client: ClientState;
  readonly proto: Proto;
  /** The nodes a forwarded request passed through before reaching this one. */
  readonly path: readonly string[];
}

/** A reply, or for commands that return stored values, possibly a long one (see resp.ts LongReply). */
export type Handler = (ctx: Ctx, argv: string[]) => AnyReply | Promise<AnyReply>;

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_multi'
  | 'allow_busy'
  | 'internal';

/** Where the keys are, as Redis's command table says it: 1-based positions, last -1 = the last argument. */
export interface KeySpec {
  readonly first: number;
  readonly last: number;
  readonly step: number;
  /** Also the key after SORT's STORE, found as Redis's sortGetKeys finds it. */
  readonly store?: true;
  /**
   * Keys counted by an argument (ZUNION numkeys key…, ZUNIONSTORE dest numkeys
   * key…): argv[numkeys] says how many keys follow it. first..last are then
   * the keys before it, none when first is 0 (Redis's legacy triple).
   */
  readonly numkeys?: number;
}

/**
 * How the routing stage treats a command:
 * - 'local': runs where it arrives (no keys, or connection state);
 * - 'keyed': runs on the owner of its keys; all keys must have one owner;
 * - 'split-concat' | 'split-sum' | 'split-ok' | 'msetnx' | 'rename': keys may live on several
 *   nodes; the command is split by owner and the replies merged;
 * - 'all-*': a keyspace command that acts on every node of the cluster;
 * - 'transaction': EXEC, which runs the queued commands where their keys live;
 * - 'watch': WATCH, which asks each key's owner for the key's version;
 * - 'pubsub': PUBLISH and PUBSUB, which reach every node's subscribers (cluster/pubsub-fanout.ts);
 * - 'blocking': BLPOP and the other blocking pops, which wait on the keys' owner without
 *   holding a link (cluster/blocking.ts);
 * - 'list-move': LMOVE and RPOPLPUSH, whose two lists may live on two nodes (cluster/list-move.ts).
 */
export type Routing =
  | 'local'
  | 'keyed'
  | 'split-concat'
  | 'split-sum'
  | 'split-ok'
  | 'msetnx'
  | 'rename'
  | 'all-concat'
  | 'all-sum'
  | 'all-ok'
  | 'all-randomkey'
  | 'all-scan'
  | 'transaction'
  | 'watch'
  | 'wait'
  | 'pubsub'
  | 'blocking'
  | 'list-move';

export interface CommandSpec {
  /** Lower case, as COMMAND shows it. */
  readonly name: string;
  /** Redis's convention: n means exactly n arguments including the name, -n at least n. */
  readonly arity: number;
  /** The most arguments accepted, when a negative arity has an upper bound (GET: 2, or 3 for a bucket). */
  readonly maxArgs?: number;
  readonly flags: readonly CommandFlag[];
  readonly keys: KeySpec | null;
  /** The keys a write changes, when not all of them (COPY and BITOP read their sources): WATCH sees only these. */
  readonly writes?: KeySpec;
  /**
   * A write that looks its key up as a read (Redis's lookupKeyRead: GETSET,
   * GETDEL, GETEX): keyspace_hits/misses count it, as they count every read.
   */
  readonly readLookup?: true;
  readonly routing: Routing;
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  /**
   * What a write logs (commands/propagate.ts): by default its own arguments;
   * 'value' the key's value and absolute expiry as SET/HSET (relative times,
   * KV.RESTORE); 'expiry' the key's absolute expiry (EXPIRE, GETEX); 'field'
   * the field named by argv[2] as HSET/HDEL (HINCRBYFLOAT, the guide's PUT and
   * DELETE); 'none' nothing that outlives a restart.
   */
  readonly propagate?: 'value' | 'expiry' | 'field' | 'none';
  /** A command with subcommands runs the subcommand named by argv[1]. */
  readonly run?: Handler;
  readonly subcommands?: readonly CommandSpec[];
}
