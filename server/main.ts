// The command line: `node dist/server/main.js [--config PATH] [--name NODE] [--etcd URL]`.
// With --name it runs that node in this process. Without, it starts every node
// of the file whose address is on this machine, each in its own process, and
// stops them all on Ctrl-C (SIGINT) or SIGTERM. SIGHUP re-reads the
// configuration. With --etcd (or a coordinator line) the configuration comes
// from etcd (cluster/coordinator.ts, loaded only then).

import { fork, type ChildProcess } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFor, loadConfig, type ClusterConfig } from './cluster/config.js';
import type { Coordinator, StoredConfig } from './cluster/coordinator.js';
import { KvNode } from './node.js';
import { resolveSecret } from './cluster/secret.js';

interface Flags {
  config: string;
  name: string | null;
  requirepass: string | null;
  etcd: string | null;
}

const USAGE = 'usage: npm start -- [--config PATH] [--name NODE] [--requirepass PASSWORD] [--etcd etcd://HOST:PORT/PREFIX]';

function parseFlags(args: string[]): Flags {
  const flags: Flags = { config: 'cluster.conf', name: null, requirepass: null, etcd: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new ConfigError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--config') flags.config = value();
    else if (a === '--name') flags.name = value();
    else if (a === '--requirepass') flags.requirepass = value();
    else if (a === '--etcd') flags.etcd = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else throw new ConfigError(`unknown option ${a}\n${USAGE}`);
  }
  return flags;
}

function isLocalAddress(host: string): boolean {
  if (host === 'localhost' || host === '0.0.0.0' || host === '::' || /^127\./.test(host) || host === '::1') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === host));
}

/** etcd mode's state at start: the client, and the configuration read from it. */
interface FromEtcd {
  coordinator: Coordinator;
  stored: StoredConfig;
  stopFailover?: () => void;
}

async function runOne(cfg: ClusterConfig, name: string, requirepass: string | null, etcd: FromEtcd | null): Promise<void> {
  const nodeConfig = configFor(cfg, name);
  const settings = new Map(nodeConfig.settings);
  // Node decodes argv as UTF-8; a password is compared as bytes, as cluster.conf's is.
  if (requirepass !== null) settings.set('requirepass', Buffer.from(requirepass, 'utf8').toString('latin1'));
  const secret = resolveSecret(settings, cfg.file);
  const node = new KvNode({ ...nodeConfig, settings }, { secret });
  if (etcd !== null) node.revision = etcd.stored.revision;
  // The last resort: every request already fails alone (a throw in a command, a
  // callback or a promise becomes that request's error reply), so reaching these
  // is a bug. It is logged, and the node stays up for its other clients rather
  // than drop every bucket it holds.
  process.on('uncaughtException', (e: Error) => node.log(`BUG: uncaught exception, node kept running: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e: unknown) =>
    node.log(`BUG: unhandled promise rejection, node kept running: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );
  await node.start();
  process.stdout.write(node.banner() + '\n');
  if (etcd !== null) {
    const { Failover } = await import('./cluster/lease.js');
    const failover = new Failover(etcd.coordinator, node);
    failover.configure(cfg);
    etcd.coordinator.follow(node, etcd.stored, (next) => failover.configure(next));
    etcd.stopFailover = () => failover.close();
  }
  process.on('SIGHUP', () => {
    const failed = node.reload();
    // In etcd mode the re-read is asynchronous: its outcome is logged when it lands.
    if (failed !== null) node.log(`configuration not reloaded, node keeps revision ${node.revision}: ${failed}`);
    else if (etcd === null) node.log(`configuration reloaded (revision ${node.revision})`);
    else node.log(`re-reading the configuration from etcd (running revision ${node.revision})`);
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    node.log('shutting down');
    etcd?.stopFailover?.();
    etcd?.coordinator.close();
    void node.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function runAll(cfg: ClusterConfig, configPath: string, requirepass: string | null, etcdUrl: string | null): void {
  const local = cfg.nodes.filter((n) => isLocalAddress(n.host));
  if (local.length === 0) throw new ConfigError(`${cfg.file}: no node has an address on this machine; use --name to pick one`);
  const self = fileURLToPath(import.meta.url);
  // Each node's secret (its [section] may name its own) is checked here first, so
  // that a bad one stops everything before any node starts, and the cookie file
  // exists before the nodes read it. Each node then resolves it again, as with --name.
  for (const n of local) resolveSecret(configFor(cfg, n.name).settings, cfg.file);
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let status = 0;
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children.values()) c.kill('SIGTERM');
  };
  for (const n of local) {
    const args = etcdUrl === null ? ['--config', configPath, '--name', n.name] : ['--etcd', etcdUrl, '--name', n.name];
    if (requirepass !== null) args.push('--requirepass', requirepass);
    const child = fork(self, args, { stdio: 'inherit' });
    children.set(n.name, child);
    child.on('exit', (code, signal) => {
      children.delete(n.name);
      if (!stopping) {
        process.stderr.write(`node ${n.name} exited (${signal ?? `code ${code}`}); stopping the others\n`);
        status = 1;
        stopAll();
      }
      if (children.size === 0) process.exit(status);
    });
  }
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  process.on('SIGHUP', () => {
    for (const c of children.values()) c.kill('SIGHUP');
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  // --etcd leaves the file unread; a file with a coordinator line is only that pointer.
  const file = flags.etcd === null ? loadConfig(flags.config) : null;
  const etcdUrl = flags.etcd ?? file?.coordinator?.url ?? null;
  let cfg = file!;
  let etcd: FromEtcd | null = null;
  if (etcdUrl !== null) {
    const { Coordinator, parseStoredConfig } = await import('./cluster/coordinator.js');
    const coordinator = new Coordinator(etcdUrl);
    const stored = await coordinator.readAtStart().catch((e: unknown) => {
      coordinator.close();
      throw e;
    });
    cfg = parseStoredConfig(stored.text, coordinator.prefix);
    etcd = { coordinator, stored };
  }
  if (flags.name !== null) await runOne(cfg, flags.name, flags.requirepass, etcd);
  else {
    // The parent only starts the nodes; each child follows etcd on its own.
    etcd?.coordinator.close();
    runAll(cfg, flags.config, flags.requirepass, etcdUrl);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
