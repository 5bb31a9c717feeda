// Automatic failover through etcd leases (etcd mode only). A primary that has a
// replica holds a lease on <prefix>/leases/<node> and fences itself: after each
// renewal it takes writes only until that renewal's send time + lease-ttl, less
// a margin, so a primary that was paused or cut off refuses writes the moment it
// wakes, before etcd tells it anything. A replica watches its primary's lease
// key; when the key goes (the lease lapsed) and the replica was in sync within
// the TTL, one etcd transaction, valid only if the configuration and the key
// are as it saw them, makes it the owner of the primary's entries
// (config-edit.ts failoverEdit). Every node then runs that revision.

import type { Lease, Watcher } from 'etcd3';
import { configFor, type ClusterConfig } from './config.js';
import { failoverEdit } from './config-edit.js';
import { etcdError, parseStoredConfig, type Coordinator } from './coordinator.js';

/** What failover needs from a node (KvNode has it). */
export interface FailoverNode {
  readonly name: string;
  fence(untilMs: number | null): void;
  log(msg: string): void;
  readonly replication: { info(): Record<string, string | number>; stopFollowing(): void };
}

/** Taken off each lease's end for the time a renewal takes to reach etcd and for clock rates. */
const FENCE_MARGIN_MS = 300;

type Role = { kind: 'primary' } | { kind: 'replica'; of: string } | { kind: 'none' };

export class Failover {
  private role: Role = { kind: 'none' };
  private ttl = 5;
  private lease: Lease | null = null;
  private watcher: Watcher | null = null;
  /** When the replica's link to its primary was last seen up. */
  private linkUpAt = 0;
  private linkTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly node: FailoverNode,
  ) {}

  /** Takes the role the configuration gives this node: a primary with a replica, a replica, or neither. */
  configure(cfg: ClusterConfig): void {
    const mine = configFor(cfg, this.node.name);
    this.ttl = Number(mine.settings.get('lease-ttl'));
    const follows = mine.replicaOf.get(this.node.name);
    const next: Role =
      follows !== undefined ? { kind: 'replica', of: follows } : [...mine.replicaOf.values()].includes(this.node.name) ? { kind: 'primary' } : { kind: 'none' };
    const same = next.kind === this.role.kind && (next.kind !== 'replica' || (this.role.kind === 'replica' && this.role.of === next.of));
    if (same) return;
    this.leave();
    this.role = next;
    if (next.kind === 'primary') this.holdLease();
    else if (next.kind === 'replica') this.watchPrimary(next.of);
  }

  /** Stops what the old role did. A lease is left to lapse, not revoked: only etcd's clock ends it. */
  private leave(): void {
    this.lease?.release();
    this.lease = null;
    void this.watcher?.cancel().catch(() => {});
    this.watcher = null;
    if (this.linkTimer !== null) clearInterval(this.linkTimer);
    this.linkTimer = null;
    this.node.fence(null);
  }

  /** Grants a lease and puts the key with it, if the stored configuration still makes this node a primary. */
  private holdLease(): void {
    // No writes until a lease is held.
    this.node.fence(Date.now());
    const client = this.coordinator.client;
    const key = this.coordinator.leaseKey(this.node.name);
    const lease = client.lease(this.ttl);
    this.lease = lease;
    const sent: number[] = [];
    const granting = Date.now();
    // Renewals extend the fence only once the key is this node's.
    let held = false;
    lease.on('keepaliveFired', () => sent.push(Date.now()));
    lease.on('keepaliveSucceeded', () => {
      const at = sent.shift() ?? granting;
      if (held && this.lease === lease) this.node.fence(at + this.ttl * 1000 - FENCE_MARGIN_MS);
    });
    lease.on('lost', (e: Error) => {
      if (this.lease !== lease || this.closed) return;
      this.node.log(`lost its lease in etcd (${etcdError(e)}): writes refused until it holds one again`);
      this.lease = null;
      setTimeout(() => {
        if (this.role.kind === 'primary' && this.lease === null && !this.closed) this.holdLease();
      }, 500);
    });
    void (async () => {
      try {
        const id = await lease.grant();
        const stored = await this.coordinator.read();
        if (stored === null || configFor(parseStoredConfig(stored.text, this.coordinator.prefix), this.node.name).replicaOf.has(this.node.name)) {
          lease.release();
          return; // no longer a primary: the watch brings the revision that says so
        }
        const res = await client.if(this.coordinator.configKey, 'Mod', '==', stored.revision).then(client.put(key).value(this.node.name).lease(id)).commit();
        if (this.lease !== lease) return;
        if (!res.succeeded) {
          lease.release();
          this.lease = null;
          setTimeout(() => {
            if (this.role.kind === 'primary' && this.lease === null && !this.closed) this.holdLease();
          }, 200);
          return;
        }
        held = true;
        this.node.fence(granting + this.ttl * 1000 - FENCE_MARGIN_MS);
        this.node.log(`holds its lease in etcd (${key}, ttl ${this.ttl} s)`);
      } catch (e) {
        if (this.lease !== lease || this.closed) return;
        this.node.log(`cannot take its lease in etcd (${etcdError(e)}); retrying`);
        lease.release();
        this.lease = null;
        setTimeout(() => {
          if (this.role.kind === 'primary' && this.lease === null && !this.closed) this.holdLease();
        }, 500);
      }
    })();
  }

  /** Watches the primary's lease key; its deletion (the lease lapsed) starts a take-over. */
  private watchPrimary(primary: string): void {
    this.linkUpAt = 0;
    this.linkTimer = setInterval(() => {
      if (this.node.replication.info()['master_link_status'] === 'up') this.linkUpAt = Date.now();
    }, 100);
    const watcher = this.coordinator.client.watch().key(this.coordinator.leaseKey(primary)).watcher();
    this.watcher = watcher;
    watcher.on('delete', () => void this.takeOver(primary));
    watcher.on('error', (e: Error) => this.node.log(`watch of ${primary}'s lease failed: ${etcdError(e)}`));
  }

  /** One transaction: the configuration as read, the primary's lease key absent → the failover revision. */
  private async takeOver(primary: string): Promise<void> {
    if (this.role.kind !== 'replica' || this.role.of !== primary || this.closed) return;
    const behind = Date.now() - this.linkUpAt;
    if (this.linkUpAt === 0 || behind > this.ttl * 1000 + 1000) {
      this.node.log(`${primary}'s lease lapsed, but this replica's link to it has been down for ${this.linkUpAt === 0 ? 'ever' : `${behind} ms`}: not taking over`);
      return;
    }
    const client = this.coordinator.client;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const stored = await this.coordinator.read();
        if (stored === null) return;
        const cfg = parseStoredConfig(stored.text, this.coordinator.prefix);
        if (configFor(cfg, this.node.name).replicaOf.get(this.node.name) !== primary) return;
        const next = failoverEdit(stored.text, primary, this.node.name, this.coordinator.configKey);
        const res = await client
          .if(this.coordinator.configKey, 'Mod', '==', stored.revision)
          .and(this.coordinator.leaseKey(primary), 'Version', '==', 0)
          .then(client.put(this.coordinator.configKey).value(Buffer.from(next, 'latin1')))
          .commit();
        if (res.succeeded) {
          this.node.log(`${primary}'s lease lapsed: took over its entries (configuration revision ${res.header.revision})`);
          this.node.replication.stopFollowing();
          return;
        }
        // Someone wrote first: if the key is back, the primary is alive.
        const key = await client.get(this.coordinator.leaseKey(primary)).exec();
        if (key.kvs.length > 0) return;
      } catch (e) {
        this.node.log(`take-over from ${primary} failed: ${etcdError(e)}`);
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.leave();
  }
}
