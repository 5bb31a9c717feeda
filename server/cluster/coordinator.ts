// etcd mode: the cluster's configuration lives in etcd, under a prefix named by
// a `coordinator etcd://host:port[,host:port]/prefix` line (or --etcd):
//   <prefix>/config        the whole cluster.conf text; its mod_revision is the
//                          configuration revision every node runs
//   <prefix>/leases/<node> a primary's lease (failover, cluster/lease.ts)
// Each node reads the config at start, then applies every later revision in
// order from a watch. Only main.ts and admin.ts load this module, and only in
// etcd mode: a single-machine cluster never loads the etcd client.

import { Etcd3, type IKeyValue, type IOptions, type Watcher } from 'etcd3';
import { ConfigError, configFor, parseConfig, parseCoordinatorUrl, type ClusterConfig, type NodeConfig } from './config.js';

/** The text of `<prefix>/config` and its mod_revision. */
export interface StoredConfig {
  readonly text: string;
  readonly revision: string;
}

/** What following the configuration needs from a node (KvNode has it). */
export interface ConfigFollower {
  readonly name: string;
  revision: string;
  applyConfig(next: NodeConfig, revision: string): string | null;
  reload: () => string | null;
  log(msg: string): void;
}

/** How long a node waits at start for etcd before giving up. */
export const START_WAIT_MS = 10_000;

// Reconnect a broken watch every half second rather than back off to 30 s, so
// a node sees the revisions it missed soon after etcd is back.
const WATCH_RETRY: NonNullable<IOptions['faultHandling']>['watchBackoff'] = { duration: 500, next: () => WATCH_RETRY! };

/** etcd's own message, on one line and without gRPC's trailing notes. */
export function etcdError(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*Resolution note:.*$/s, '').replace(/\s+/g, ' ');
}

/** Parses the configuration stored in etcd; it names itself `<prefix>/config` in errors. */
export function parseStoredConfig(text: string, prefix: string): ClusterConfig {
  const cfg = parseConfig(text, `${prefix}/config`);
  if (cfg.coordinator !== null) throw new ConfigError(`${prefix}/config:${cfg.coordinator.line}: the coordinator line belongs in the local cluster.conf, not in etcd`);
  return cfg;
}

export class Coordinator {
  readonly client: Etcd3;
  readonly prefix: string;
  readonly endpoints: string;

  constructor(readonly url: string) {
    const target = parseCoordinatorUrl(url);
    if (target === null) throw new ConfigError(`bad coordinator URL "${url}": expected etcd://<host>:<port>[,<host>:<port>...]/<prefix>`);
    this.prefix = target.prefix;
    this.endpoints = target.hosts.join(',');
    this.client = new Etcd3({ hosts: target.hosts, faultHandling: { watchBackoff: WATCH_RETRY } });
  }

  get configKey(): string {
    return `${this.prefix}/config`;
  }

  leaseKey(node: string): string {
    return `${this.prefix}/leases/${node}`;
  }

  /** The stored configuration, or null when there is none. */
  async read(): Promise<StoredConfig | null> {
    const res = await this.client.get(this.configKey).exec();
    const kv = res.kvs[0];
    return kv === undefined ? null : { text: kv.value.toString('latin1'), revision: kv.mod_revision };
  }

  /** read(), retried while etcd does not answer, for at most `waitMs`; a missing configuration is an error at once. */
  async readAtStart(waitMs = START_WAIT_MS): Promise<StoredConfig> {
    const deadline = Date.now() + waitMs;
    // etcd's own error, not the client's "circuit breaker is open" that follows a few of them.
    let cause: unknown = null;
    for (;;) {
      let stored: StoredConfig | null;
      try {
        stored = await this.read();
      } catch (e) {
        if (cause === null || !/circuit breaker/i.test(etcdError(e))) cause = e;
        if (Date.now() >= deadline) throw new ConfigError(`cannot reach etcd at ${this.endpoints} (${this.url}) after ${Math.round(waitMs / 1000)} s: ${etcdError(cause)}`);
        await new Promise((res) => setTimeout(res, 250));
        continue;
      }
      if (stored === null) throw new ConfigError(`etcd at ${this.endpoints} has no configuration at ${this.configKey}: seed it with kv-admin seed --etcd ${this.url} --config cluster.conf`);
      return stored;
    }
  }

  /**
   * Writes `text` as the configuration if it is still at `expected` (null: if
   * there is none yet). False when someone else wrote first.
   */
  async compareAndSwap(expected: string | null, text: string): Promise<{ written: boolean; revision: string }> {
    const value = Buffer.from(text, 'latin1');
    const txn = expected === null ? this.client.if(this.configKey, 'Version', '==', 0) : this.client.if(this.configKey, 'Mod', '==', expected);
    const res = await txn.then(this.client.put(this.configKey).value(value)).commit();
    return { written: res.succeeded, revision: res.header.revision };
  }

  /**
   * Applies every revision after `from` to `node`, in order, until close().
   * A revision that does not load is logged and skipped: the node keeps its
   * table. While etcd is away the node keeps serving; the watch resumes after
   * the last revision it saw when etcd is back. node.reload (SIGHUP,
   * KV.RELOAD) re-reads the configuration now. `applied` hears of each
   * configuration the node took (failover roles follow it).
   */
  follow(node: ConfigFollower, from: StoredConfig, applied: (cfg: ClusterConfig) => void = () => {}): void {
    let seen = Number(from.revision);
    const apply = (text: string, revision: string): void => {
      if (Number(revision) <= seen) return;
      seen = Number(revision);
      let failed: string | null;
      let cfg: ClusterConfig | null = null;
      try {
        cfg = parseStoredConfig(text, this.prefix);
        failed = node.applyConfig(configFor(cfg, node.name), revision);
      } catch (e) {
        failed = (e as Error).message;
      }
      if (failed !== null) node.log(`configuration revision ${revision} from etcd not applied, node keeps revision ${node.revision}: ${failed}`);
      else applied(cfg!);
    };
    let away = false;
    const watch = (startRevision: string): void => {
      const watcher = this.client.watch().key(this.configKey).startRevision(startRevision).watcher();
      this.watcher = watcher;
      watcher.on('put', (kv: IKeyValue) => apply(kv.value.toString('latin1'), kv.mod_revision));
      watcher.on('delete', (kv: IKeyValue) => node.log(`${this.configKey} was deleted from etcd (revision ${kv.mod_revision}); node keeps revision ${node.revision}`));
      watcher.on('disconnected', (e: Error) => {
        if (!away) node.log(`lost etcd at ${this.endpoints} (${etcdError(e)}); serving with revision ${node.revision}, retrying`);
        away = true;
      });
      watcher.on('connected', () => {
        if (away) node.log(`etcd is back; watching ${this.configKey} from revision ${watcher.lastRevision() ?? seen + 1}`);
        away = false;
      });
      // A watch etcd cancelled (its revision was compacted away): read what is there now and watch again from it.
      watcher.on('error', (e: Error) => {
        node.log(`watch of ${this.configKey} failed (${etcdError(e)}); reading it again`);
        void watcher.cancel().catch(() => {});
        void this.catchUp(apply).then((rev) => watch(String(rev + 1)), () => setTimeout(() => watch(String(seen + 1)), 500));
      });
    };
    // Changes after the revision read at start, even if made before the watch is set up.
    watch(String(seen + 1));
    node.reload = () => {
      void this.catchUp(apply).catch((e: unknown) => node.log(`reload: cannot read ${this.configKey} from etcd: ${etcdError(e)}`));
      return null;
    };
  }
  private watcher: Watcher | null = null;

  /** Reads the configuration now and applies it if newer; resolves to etcd's current revision. */
  private async catchUp(apply: (text: string, revision: string) => void): Promise<number> {
    const res = await this.client.get(this.configKey).exec();
    const kv = res.kvs[0];
    if (kv !== undefined) apply(kv.value.toString('latin1'), kv.mod_revision);
    return Number(res.header.revision);
  }

  close(): void {
    void this.watcher?.cancel().catch(() => {});
    this.client.close();
  }
}
