// A node's place in replication: always a primary for whoever asks PSYNC
// (ReplicationPrimary), and, after REPLICAOF or a `replicaof` setting, also a
// replica of another node or redis-server (ReplicaLink). It answers what
// commands ask (ROLE, WAIT, REPLICAOF) and INFO replication; the node wires it
// to the store, the routing stage and its connections.

import type { Store, Value } from '../store/store.js';
import type { ReplicationView } from '../commands/types.js';
import { ReplicationPrimary, type ReplicaSink } from './primary.js';
import { ReplicaLink } from './replica.js';

export interface ReplicationHost {
  readonly store: Store;
  setting(name: string): string;
  log(msg: string): void;
  /** Runs one command of the primary's stream on this node's keys, as a write of this node. */
  apply(argv: string[]): void;
  listeningPort(): number;
  dir(): string;
  setLoading(on: boolean): void;
  /** After a full resync replaced the dataset: the AOF must be rewritten from it. */
  datasetReplaced(): void;
  /** This node stopped following the primary at `from` and took its place (the cluster must route to it). */
  promoted(from: { host: string; port: number }): void;
}

export class Replication {
  readonly primary: ReplicationPrimary;
  private link: ReplicaLink | null = null;
  /** FAILOVER on this primary: Redis's master_failover_state, and writes refused until it settles. */
  failoverState: 'no-failover' | 'waiting-for-sync' | 'failover-in-progress' = 'no-failover';
  private failoverTimer: NodeJS.Timeout | null = null;

  constructor(private readonly host: ReplicationHost) {
    this.primary = new ReplicationPrimary(host.store, () => Number(host.setting('repl-backlog-size')), (m) => host.log(m));
  }

  get following(): { host: string; port: number } | null {
    return this.link === null ? null : { host: this.link.host, port: this.link.port };
  }

  readOnly(): boolean {
    return this.link !== null && this.host.setting('replica-read-only') === 'yes';
  }

  canServeSync(): string | null {
    if (this.link !== null && this.link.status !== 'connected') return "NOMASTERLINK Can't SYNC while not connected with my master";
    return null;
  }

  /** A connection's PSYNC: it becomes that replica's stream. Returns the replica's id. */
  serve(sink: ReplicaSink, replid: string, offset: number, capaEof: boolean, listeningPort: number): number {
    return this.primary.psync(sink, replid, offset, capaEof, listeningPort);
  }

  ack(replicaId: number, offset: number): void {
    this.primary.ack(replicaId, offset);
  }

  dropReplica(id: number): void {
    this.primary.drop(id);
  }

  wait(numReplicas: number, timeoutMs: number): number | Promise<number> {
    return this.primary.wait(numReplicas, timeoutMs);
  }

  follow(host: string, port: number, failover = false): string | null {
    if (this.link !== null && this.link.host === host && this.link.port === port) return 'OK Already connected to specified master';
    // As replicationSetMaster: our replicas are dropped (they will resync with us),
    // and our history stays ours to PSYNC with on the new primary.
    const history = this.link === null ? { replid: this.primary.replid, offset: this.primary.offset } : null;
    this.link?.stop();
    this.primary.disconnectAll();
    this.primary.setProxying(true);
    this.host.store.setReplicaMode(true);
    this.host.log(`Connecting to MASTER ${host}:${port}`);
    const node = this.host;
    const primary = this.primary;
    this.link = new ReplicaLink(
      host,
      port,
      {
        apply: (argv) => node.apply(argv),
        load: async (entries) => {
          node.store.flush();
          let n = 0;
          for await (const [key, value, at] of entries) {
            if (at > 0) node.store.setUntil(key, value as Value, at);
            else node.store.set(key, value as Value);
            if (++n % 10_000 === 0) await new Promise((res) => setImmediate(res));
          }
          node.datasetReplaced();
          return n;
        },
        proxy: (bytes) => primary.proxy(bytes),
        adopt: (replid, offset) => primary.adopt(replid, offset),
        setLoading: (on) => node.setLoading(on),
        listeningPort: node.listeningPort(),
        masterauth: () => node.setting('masterauth'),
        dir: () => node.dir(),
        log: (m) => node.log(m),
        resumed: () => {
          if (this.failoverState === 'failover-in-progress') {
            this.failoverState = 'no-failover';
            node.log(`Failover target ${host}:${port} is now the primary; this node follows it`);
          }
        },
      },
      history,
      failover,
    );
    return null;
  }

  /** PSYNC … FAILOVER from our own primary: it hands over to us. */
  takeOver(replid: string): boolean {
    if (this.link === null || this.link.replid !== replid) return false;
    this.host.log(`Failover request received from our primary ${this.link.host}:${this.link.port}: taking over`);
    this.stopFollowing();
    return true;
  }

  /** Writes wait (are refused) while a FAILOVER hands over. */
  get writesPaused(): boolean {
    return this.failoverState !== 'no-failover';
  }

  failover(to: { host: string; port: number } | null, timeoutMs: number, force: boolean, abort: boolean): string | null {
    if (abort) {
      if (this.failoverState === 'no-failover') return 'ERR No failover in progress.';
      this.endFailover('failover aborted by the user');
      return null;
    }
    if (this.link !== null) return 'ERR FAILOVER is not valid when server is a replica.';
    if (this.failoverState !== 'no-failover') return 'ERR FAILOVER already in progress.';
    const replicas = this.primary.replicaTriples();
    if (replicas.length === 0) return 'ERR FAILOVER requires connected replicas.';
    let target = replicas.reduce((a, b) => (b[2] > a[2] ? b : a));
    if (to !== null) {
      const found = replicas.find(([ip, port]) => port === to.port && (ip === to.host || (to.host === 'localhost' && ip === '127.0.0.1')));
      if (found === undefined) return 'ERR FAILOVER target HOST and PORT is not a replica.';
      target = found;
    }
    const [host, port] = target;
    const offset = this.primary.offset;
    this.failoverState = 'waiting-for-sync';
    this.host.log(`FAILOVER requested to ${host}:${port}, waiting for it to reach offset ${offset}`);
    const started = Date.now();
    const check = (): void => {
      if (this.failoverState !== 'waiting-for-sync') return;
      const caughtUp = this.primary.replicaTriples().some(([ip, p, acked]) => ip === host && p === port && acked >= offset);
      const late = timeoutMs > 0 && Date.now() - started >= timeoutMs;
      if (caughtUp || (late && force)) {
        this.failoverState = 'failover-in-progress';
        this.host.log(`Failover target ${host}:${port} is synced: handing over`);
        this.follow(host, port, true);
        return;
      }
      if (late) return this.endFailover('FAILOVER to the replica timed out');
      this.failoverTimer = setTimeout(check, 10);
    };
    void this.primary.wait(replicas.length, 0); // asks every replica for its offset now
    check();
    return null;
  }

  private endFailover(why: string): void {
    if (this.failoverTimer) clearTimeout(this.failoverTimer);
    this.failoverTimer = null;
    this.failoverState = 'no-failover';
    this.host.log(`FAILOVER ended: ${why}`);
  }

  stopFollowing(): void {
    if (this.link === null) return;
    const link = this.link;
    this.link = null;
    link.stop();
    // replicationUnsetMaster: a new history, the old one still servable as replid2.
    this.primary.adopt(link.replid === '?' ? this.primary.replid : link.replid, Math.max(0, link.offset));
    this.primary.shiftHistory();
    this.primary.disconnectAll();
    this.primary.setProxying(false);
    this.host.store.setReplicaMode(false);
    this.host.log('MASTER MODE enabled (user request from a REPLICAOF NO ONE)');
    this.host.promoted({ host: link.host, port: link.port });
  }

  role(): ReturnType<ReplicationView['role']> {
    if (this.link !== null) {
      return { role: 'slave', host: this.link.host, port: this.link.port, state: this.link.status, offset: this.link.offset };
    }
    return { role: 'master', offset: this.primary.offset, replicas: this.primary.replicaTriples() };
  }

  /** INFO replication, with Redis's fields. */
  info(): Record<string, string | number> {
    const p = this.primary;
    const out: Record<string, string | number> = {};
    if (this.link === null) {
      out['role'] = 'master';
    } else {
      const l = this.link;
      Object.assign(out, {
        role: 'slave',
        master_host: l.host,
        master_port: l.port,
        master_link_status: l.status === 'connected' ? 'up' : 'down',
        master_last_io_seconds_ago: l.lastIoAt === 0 ? -1 : Math.floor((Date.now() - l.lastIoAt) / 1000),
        master_sync_in_progress: l.syncInProgress ? 1 : 0,
        slave_read_repl_offset: l.offset,
        slave_repl_offset: l.offset,
        slave_priority: 100,
        slave_read_only: this.host.setting('replica-read-only') === 'yes' ? 1 : 0,
        replica_announced: 1,
      });
    }
    out['connected_slaves'] = p.connectedReplicas;
    for (const line of p.replicaLines()) {
      const colon = line.indexOf(':');
      out[line.slice(0, colon)] = line.slice(colon + 1);
    }
    const backlog = p.backlogInfo;
    Object.assign(out, {
      master_failover_state: this.failoverState,
      master_replid: this.link === null ? p.replid : this.link.replid === '?' ? p.replid : this.link.replid,
      master_replid2: p.replid2,
      master_repl_offset: this.link === null ? p.offset : Math.max(0, this.link.offset),
      second_repl_offset: p.secondOffset,
      repl_backlog_active: backlog.active,
      repl_backlog_size: backlog.size,
      repl_backlog_first_byte_offset: backlog.first,
      repl_backlog_histlen: backlog.histlen,
    });
    return out;
  }

  close(): void {
    this.link?.stop();
    this.link = null;
    this.primary.close();
  }
}
