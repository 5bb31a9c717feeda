#!/usr/bin/env node
// kv-admin: the cluster's table, seen and changed, from a cluster.conf or etcd.
// Every edit is parsed with the nodes' own rules (loops included) before it is
// written; a refused edit changes nothing. With a file, the nodes are then
// told to re-read it (KV.RELOAD); with etcd, the edit is a compare-and-swap on
// the configuration's revision, which every node watches.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConfigError, configFor, parseConfig, type ClusterConfig } from './cluster/config.js';
import { addNode, moveRange, removeNode } from './cluster/config-edit.js';
import { callNode, type CallReply } from './cluster/node-call.js';
import { resolveSecret } from './cluster/secret.js';
import type { Coordinator } from './cluster/coordinator.js';

const USAGE = `usage: kv-admin <command> [--config cluster.conf | --etcd etcd://HOST:PORT/PREFIX]
  seed --etcd URL [--config FILE] [--force]   copy a cluster.conf into etcd
  table                                       nodes and routing tables
  move <range> <node> [--section NODE]        route a range (a-m, q, 0x00-0x1f, *) to a node
  add-node <name> <host:port>                 add a node
  remove-node <name>                          remove a node no entry names
  status                                      each node's INFO cluster: revision, table, migrations`;

interface Args {
  command: string;
  positional: string[];
  config: string;
  etcd: string | null;
  force: boolean;
  section: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { command: '', positional: [], config: 'cluster.conf', etcd: null, force: false, section: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--config') args.config = value();
    else if (a === '--etcd') args.etcd = value();
    else if (a === '--section') args.section = value();
    else if (a === '--force') args.force = true;
    else if (a === '--help' || a === '-h') args.command = 'help';
    else if (a.startsWith('--')) throw new ConfigError(`unknown option ${a}\n${USAGE}`);
    else if (args.command === '') args.command = a;
    else args.positional.push(a);
  }
  return args;
}

/** Where the configuration is: a file, or etcd (with the text and revision read from it). */
type Source =
  | { kind: 'file'; path: string; text: string }
  | { kind: 'etcd'; coordinator: Coordinator; text: string; revision: string };

function readFile(path: string): string {
  try {
    return readFileSync(path).toString('latin1');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function openEtcd(url: string): Promise<Coordinator> {
  const { Coordinator } = await import('./cluster/coordinator.js');
  return new Coordinator(url);
}

/** --etcd, else the file's coordinator line, else the file itself. */
async function openSource(args: Args): Promise<Source> {
  let url = args.etcd;
  let text = '';
  if (url === null) {
    text = readFile(args.config);
    url = parseConfig(text, args.config).coordinator?.url ?? null;
    if (url === null) return { kind: 'file', path: args.config, text };
  }
  const coordinator = await openEtcd(url);
  const stored = await coordinator.readAtStart(5000).catch((e: unknown) => {
    coordinator.close();
    throw e;
  });
  return { kind: 'etcd', coordinator, text: stored.text, revision: stored.revision };
}

function fileName(source: Source): string {
  return source.kind === 'file' ? source.path : source.coordinator.configKey;
}

function describe(cfg: ClusterConfig, source: Source): string {
  const out = [source.kind === 'file' ? `configuration: ${source.path}` : `configuration: ${source.coordinator.url} (revision ${source.revision})`, 'nodes'];
  const width = Math.max(...cfg.nodes.map((n) => n.name.length));
  for (const n of cfg.nodes) {
    const follows = configFor(cfg, n.name).replicaOf.get(n.name);
    out.push(`  ${n.name.padEnd(width)}  ${n.host}:${n.port}${follows === undefined ? '' : `  replicaof ${follows}`}`);
  }
  const table = (title: string, entries: ClusterConfig['table']): void => {
    out.push(title);
    for (const e of entries) out.push(`  ${e.text.padEnd(9)} ${e.node}`);
  };
  table('table', cfg.table);
  for (const [name, entries] of cfg.sectionTables) table(`table of [${name}]`, entries);
  return out.join('\n');
}

/** KV.RELOAD to every node of the file; one line per node. True when every node applied it. */
async function reloadNodes(cfg: ClusterConfig): Promise<boolean> {
  const replies = await Promise.all(cfg.nodes.map(async (n) => (await askNode(cfg, n.name, [['KV.RELOAD']]))[0]!));
  cfg.nodes.forEach((n, i) => {
    const r = replies[i]!;
    process.stdout.write(`${n.name}: ${'error' in r ? r.error : r.text}\n`);
  });
  return replies.every((r) => !('error' in r));
}

/** The replies of one node, or one error naming why it could not be asked. */
async function askNode(cfg: ClusterConfig, name: string, commands: string[][]): Promise<CallReply[]> {
  const n = cfg.nodes.find((x) => x.name === name)!;
  try {
    const secret = resolveSecret(configFor(cfg, name).settings, cfg.file);
    return await callNode(n.host, n.port, secret, commands);
  } catch (e) {
    return commands.map(() => ({ error: `unreachable at ${n.host}:${n.port}: ${(e as Error).message}` }));
  }
}

/** INFO cluster's `revision` field of a node, or null. */
async function revisionOf(cfg: ClusterConfig, name: string): Promise<number | null> {
  const [r] = await askNode(cfg, name, [['INFO', 'cluster']]);
  const m = r !== undefined && 'text' in r ? /^kv_config_revision:(\d+)/m.exec(r.text) : null;
  return m ? Number(m[1]) : null;
}

/** After an etcd write: waits (up to 10 s) until each node runs `revision`, one line per node. */
async function awaitRevision(cfg: ClusterConfig, revision: number): Promise<boolean> {
  const started = Date.now();
  const results = await Promise.all(
    cfg.nodes.map(async (n) => {
      for (;;) {
        const running = await revisionOf(cfg, n.name);
        if (running !== null && running >= revision) return `${n.name}: revision ${running} (${Date.now() - started} ms)`;
        if (Date.now() - started > 10_000) return `${n.name}: still on ${running === null ? 'an unknown revision (unreachable)' : `revision ${running}`} after 10 s`;
        await new Promise((res) => setTimeout(res, 20));
      }
    }),
  );
  for (const line of results) process.stdout.write(line + '\n');
  return results.every((l) => !l.includes('after 10 s'));
}

/** Applies `edit` to the configuration and writes it: the file and KV.RELOAD, or etcd's compare-and-swap (retried on conflict). */
async function change(args: Args, edit: (text: string, file: string) => string): Promise<number> {
  const source = await openSource(args);
  if (source.kind === 'file') {
    const next = edit(source.text, source.path);
    // Written whole and renamed into place: a node reading at that moment sees the old file or the new one.
    const tmp = `${source.path}.kv-admin.tmp`;
    writeFileSync(tmp, Buffer.from(next, 'latin1'));
    renameSync(tmp, source.path);
    process.stdout.write(`${source.path} written; reloading the nodes\n`);
    return (await reloadNodes(parseConfig(next, source.path))) ? 0 : 1;
  }
  const { coordinator } = source;
  try {
    let current: { text: string; revision: string } = source;
    for (let attempt = 1; ; attempt++) {
      const next = edit(current.text, coordinator.configKey);
      const { written, revision } = await coordinator.compareAndSwap(current.revision, next);
      if (written) {
        process.stdout.write(`revision ${revision} written to ${coordinator.url}\n`);
        return (await awaitRevision(parseConfig(next, coordinator.configKey), Number(revision))) ? 0 : 1;
      }
      if (attempt === 10) throw new ConfigError(`${coordinator.configKey} kept changing under this edit (10 attempts); nothing written`);
      const fresh = await coordinator.read();
      if (fresh === null) throw new ConfigError(`${coordinator.configKey} was deleted from etcd; nothing written`);
      current = fresh;
    }
  } finally {
    coordinator.close();
  }
}

async function seed(args: Args): Promise<number> {
  const text = readFile(args.config);
  const cfg = parseConfig(text, args.config);
  const url = args.etcd ?? cfg.coordinator?.url ?? null;
  if (url === null) throw new ConfigError(`seed needs --etcd etcd://HOST:PORT/PREFIX (or a coordinator line in ${args.config})`);
  // etcd holds the cluster, not the pointer to itself.
  const lines = text.split('\n');
  if (cfg.coordinator !== null) lines.splice(cfg.coordinator.line - 1, 1);
  const stored = lines.join('\n');
  const coordinator = await openEtcd(url);
  try {
    const { parseStoredConfig } = await import('./cluster/coordinator.js');
    parseStoredConfig(stored, coordinator.prefix);
    const existing = await coordinator.readAtStart(5000).catch((e: unknown) => {
      if (e instanceof ConfigError && /has no configuration/.test(e.message)) return null;
      throw e;
    });
    if (existing !== null && !args.force) {
      throw new ConfigError(`${coordinator.configKey} already holds a configuration (revision ${existing.revision}); nothing written (--force replaces it)`);
    }
    const { written, revision } = await coordinator.compareAndSwap(existing?.revision ?? null, stored);
    if (!written) throw new ConfigError(`${coordinator.configKey} changed while seeding; nothing written`);
    process.stdout.write(`${args.config} copied to ${coordinator.configKey} at ${coordinator.endpoints} (revision ${revision})\n`);
    return 0;
  } finally {
    coordinator.close();
  }
}

async function status(args: Args): Promise<number> {
  const source = await openSource(args);
  if (source.kind === 'etcd') source.coordinator.close();
  const cfg = parseConfig(source.text, fileName(source));
  if (source.kind === 'etcd') process.stdout.write(`configuration: ${source.coordinator.url} (revision ${source.revision})\n`);
  let ok = true;
  for (const n of cfg.nodes) {
    const [r] = await askNode(cfg, n.name, [['INFO', 'cluster']]);
    if (r === undefined || 'error' in r) {
      ok = false;
      process.stdout.write(`${n.name} ${n.host}:${n.port}: ${r?.error ?? 'no reply'}\n`);
      continue;
    }
    const fields = r.text.split(/\r?\n/).filter((l) => /^kv_(config_revision|table|migrat)/.test(l));
    process.stdout.write(`${n.name} ${n.host}:${n.port}\n${fields.map((f) => `  ${f}`).join('\n')}\n`);
  }
  return ok ? 0 : 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const want = (n: number): string[] => {
    if (args.positional.length !== n) throw new ConfigError(`${args.command} takes ${n} argument${n === 1 ? '' : 's'}\n${USAGE}`);
    return args.positional;
  };
  switch (args.command) {
    case 'seed':
      want(0);
      return seed(args);
    case 'table': {
      want(0);
      const source = await openSource(args);
      if (source.kind === 'etcd') source.coordinator.close();
      process.stdout.write(describe(parseConfig(source.text, fileName(source)), source) + '\n');
      return 0;
    }
    case 'move': {
      const [range, node] = want(2) as [string, string];
      return change(args, (text, file) => moveRange(text, range, node, file, args.section));
    }
    case 'add-node': {
      const [name, address] = want(2) as [string, string];
      return change(args, (text, file) => addNode(text, name, address, file));
    }
    case 'remove-node': {
      const [name] = want(1) as [string];
      return change(args, (text, file) => removeNode(text, name, file));
    }
    case 'status':
      want(0);
      return status(args);
    case 'help':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      throw new ConfigError(args.command === '' ? USAGE : `unknown command "${args.command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`kv-admin: ${e instanceof ConfigError ? e.message : ((e as Error).stack ?? String(e))}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  },
);
