// Connection and server commands (Redis's server.c, networking.c, config.c):
// PING, ECHO, QUIT, SELECT, HELLO, AUTH, CLIENT, INFO, CONFIG, TIME. Replies have
// Redis 7's shapes and texts, because clients check them during their handshakes
// (node-redis: HELLO, CLIENT SETINFO; redis-benchmark: CONFIG GET save/appendonly).

import * as r from '../protocol/resp.js';
import { parseInteger, parseLongLong } from '../protocol/numbers.js';
import type { ClientState, Ctx, Handler } from './types.js';
import { SYNTAX, WRONGPASS, wrongArity } from './errors.js';
import { globMatch } from './glob.js';
import { infoText } from './info.js';
import { checkTunable, isTunable, setTunable, tunables } from './config.js';
import { statsOf } from './command-stats.js';
import { dropSubscriptions, isSubscribed, subscribedPong } from './pubsub.js';
import { dropMonitor } from './monitor.js';
import { clientType, clientTypeByName } from './clients.js';

/**
 * The Redis version we answer as (INFO, HELLO): the one whose behaviour we copy
 * and are compared with, redis-server 7.0.15 and its own test suite
 * (.ci/redis-suite.sh). CLIENT SETINFO, a 7.2 command, is answered as well:
 * clients send it whatever version they meet, and ignore an error.
 */
export const REDIS_VERSION = '7.0.15';

export const ping: Handler = (ctx, argv) => {
  if (argv.length > 2) return wrongArity('ping');
  // A subscribed RESP2 client gets it as a message would come: ["pong", message].
  const pong = subscribedPong(ctx.client, argv);
  if (pong !== null) return pong;
  if (argv.length === 2) return r.bulk(argv[1]!);
  return r.PONG;
};

export const echo: Handler = (_ctx, argv) => r.bulk(argv[1]!);

export const quit: Handler = (ctx) => {
  ctx.client.closeAfterReply = true;
  return r.OK;
};

/**
 * RESET: the connection as it was when it connected (Redis's
 * clearClientConnectionState): no transaction or WATCH, RESP2, no name, not
 * READONLY, unsubscribed from everything (without confirmations), and
 * authenticated only if no password is required.
 */
export const reset: Handler = (ctx) => {
  const c = ctx.client;
  c.multi = null;
  c.multiFailed = false;
  c.watched = [];
  c.proto = 2;
  c.name = '';
  c.readonly = false;
  c.authenticated = (ctx.node.config().get('requirepass') ?? '') === '';
  dropSubscriptions(ctx.node, c);
  dropMonitor(ctx.node, c);
  c.replyOff = c.replySkip = c.replySkipNext = false;
  return r.simple('RESET');
};

export const select: Handler = (_ctx, argv) => {
  const db = parseInteger(argv[1]!);
  if (db === null) return r.error('ERR value is not an integer or out of range');
  // One keyspace per cluster, as in Redis Cluster: only database 0 exists.
  if (db !== 0) return r.error('ERR DB index is out of range');
  return r.OK;
};

/** Checks a password against requirepass; the user must be "default". */
function passwordMatches(ctx: Ctx, user: string, password: string): boolean | 'nopass' {
  const required = ctx.node.config().get('requirepass') ?? '';
  if (required === '') return 'nopass';
  return user === 'default' && password === required;
}

export const auth: Handler = (ctx, argv) => {
  if (argv.length > 3) return SYNTAX;
  const [user, password] = argv.length === 3 ? [argv[1]!, argv[2]!] : ['default', argv[1]!];
  const ok = passwordMatches(ctx, user, password);
  if (ok === 'nopass') {
    if (argv.length === 2) {
      return r.error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    // With no password set, the default user takes any password (nopass).
    if (user !== 'default') return WRONGPASS;
    ctx.client.authenticated = true;
    return r.OK;
  }
  if (!ok) return WRONGPASS;
  ctx.client.authenticated = true;
  return r.OK;
};

/** Client names may not contain spaces, newlines or other special characters. */
function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

const BAD_NAME = r.error('ERR Client names cannot contain spaces, newlines or special characters.');

export const hello: Handler = (ctx, argv) => {
  let ver: 2 | 3 = ctx.client.proto;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseLongLong(argv[next++]!);
    if (v === null) return r.error('ERR Protocol version is not an integer or out of range');
    if (v < 2n || v > 3n) return r.error('NOPROTO unsupported protocol version');
    ver = Number(v) as 2 | 3;
  }
  let user: string | null = null;
  let password: string | null = null;
  let name: string | null = null;
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (opt.toLowerCase() === 'auth' && more >= 2) {
      user = argv[j + 1]!;
      password = argv[j + 2]!;
      j += 2;
    } else if (opt.toLowerCase() === 'setname' && more >= 1) {
      name = argv[j + 1]!;
      j++;
    } else {
      return r.error(`ERR Syntax error in HELLO option '${opt}'`);
    }
  }
  if (user !== null && password !== null) {
    const ok = passwordMatches(ctx, user, password);
    if (ok === false || (ok === 'nopass' && user !== 'default')) return WRONGPASS;
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    return r.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) {
    if (!validName(name)) return BAD_NAME;
    ctx.client.name = name;
  }
  ctx.client.proto = ver;
  return r.map(
    [
      [r.bulk('server'), r.bulk('redis')],
      [r.bulk('version'), r.bulk(REDIS_VERSION)],
      [r.bulk('proto'), r.integer(ver)],
      [r.bulk('id'), r.integer(ctx.client.id)],
      [r.bulk('mode'), r.bulk('standalone')],
      [r.bulk('role'), r.bulk('master')],
      [r.bulk('modules'), r.EMPTY_ARRAY],
    ],
    ver,
  );
};

/** Redis's client flags letters: O monitor, S replica, M primary, P subscriber, x in MULTI, r READONLY; N none. */
function clientFlags(c: ClientState): string {
  let f = '';
  if (c.monitor) f += 'O';
  else if (c.replica?.id != null) f += 'S';
  if (c.fromPrimary) f += 'M';
  if (isSubscribed(c)) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.readonly) f += 'r';
  return f === '' ? 'N' : f;
}

/** The bytes of a request in RESP: what Redis's qbuf shows for the client asking, whose request is still in its buffer. */
function requestBytes(argv: readonly string[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

/** One line of CLIENT LIST / CLIENT INFO, Redis 7's fields in Redis's order (then 7.2's lib-name and lib-ver). */
function clientInfoLine(c: ClientState, current: readonly string[] | null): string {
  const now = Date.now();
  const age = Math.floor((now - c.createdAt) / 1000);
  const idle = Math.max(0, Math.floor((now - c.lastInteraction) / 1000));
  const multi = c.multi === null ? -1 : c.multi.length;
  const qbuf = current === null ? 0 : requestBytes(current);
  return (
    `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=0 name=${c.name} age=${age} idle=${idle} ` +
    `flags=${clientFlags(c)} db=0 sub=${c.pubsub?.channels.size ?? 0} psub=${c.pubsub?.patterns.size ?? 0} ssub=${c.pubsub?.shardChannels.size ?? 0} multi=${multi} qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 ` +
    `obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=default ` +
    `redir=-1 resp=${c.proto} lib-name=${c.libName} lib-ver=${c.libVer}\n`
  );
}

export const clientId: Handler = (ctx) => r.integer(ctx.client.id);
export const clientGetname: Handler = (ctx) => (ctx.client.name === '' ? r.nil(ctx.proto) : r.bulk(ctx.client.name));

export const clientSetname: Handler = (ctx, argv) => {
  if (!validName(argv[2]!)) return BAD_NAME;
  ctx.client.name = argv[2]!;
  return r.OK;
};

export const clientSetinfo: Handler = (ctx, argv) => {
  const attr = argv[2]!.toLowerCase();
  const value = argv[3]!;
  if (attr !== 'lib-name' && attr !== 'lib-ver') return r.error(`ERR Unrecognized option '${argv[2]!}'`);
  // Redis names the attribute as the client spelled it.
  if (!validName(value)) return r.error(`ERR ${argv[2]!} cannot contain spaces, newlines or special characters.`);
  if (attr === 'lib-name') ctx.client.libName = value;
  else ctx.client.libVer = value;
  return r.OK;
};

export const clientInfo: Handler = (ctx, argv) => r.verbatim(clientInfoLine(ctx.client, argv), ctx.proto);

/**
 * CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]: this node's
 * connections, links from other nodes included (they show as normal clients).
 */
export const clientList: Handler = (ctx, argv) => {
  let clients = ctx.node.clients();
  if (argv.length > 2) {
    const opt = argv[2]!.toLowerCase();
    if (opt === 'type' && argv.length === 4) {
      const type = clientTypeByName(argv[3]!);
      if (type === null) return r.error(`ERR Unknown client type '${argv[3]!}'`);
      clients = clients.filter((c) => clientType(c) === type);
    } else if (opt === 'id' && argv.length >= 4) {
      const ids = new Set<number>();
      for (const a of argv.slice(3)) {
        const id = parseLongLong(a);
        if (id === null || id <= 0n) return r.error('ERR Invalid client ID');
        ids.add(Number(id));
      }
      clients = clients.filter((c) => ids.has(c.id));
    } else {
      return SYNTAX;
    }
  }
  const text = clients.map((c) => clientInfoLine(c, c.id === ctx.client.id ? argv : null)).join('');
  return r.verbatim(text, ctx.proto);
};

/** CLIENT NO-EVICT / NO-TOUCH: accepted for compatibility; there is no eviction. */
export const clientOnOff: Handler = (_ctx, argv) => (/^(on|off)$/i.test(argv[2]!) ? r.OK : SYNTAX);

/** Redis 7.0's CLIENT HELP, for the subcommands this server has (and 7.2's SETINFO and NO-TOUCH, and 7.4's KILL MAXAGE). */
export const clientHelp: Handler = () =>
  r.array(
    [
      'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'GETNAME',
      '    Return the name of the current connection.',
      'ID',
      '    Return the ID of the current connection.',
      'INFO',
      '    Return information about the current client connection.',
      'KILL <ip:port>',
      '    Kill connection made from <ip:port>.',
      'KILL <option> <value> [<option> <value> [...]]',
      '    Kill connections. Options are:',
      '    * ADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made from the specified address',
      '    * LADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made to specified local address',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Kill connections by type.',
      '    * USER <username>',
      '      Kill connections authenticated by <username>.',
      '    * SKIPME (YES|NO)',
      '      Skip killing current connection (default: yes).',
      '    * MAXAGE <maxage>',
      '      Kill connections older than the specified age.',
      'LIST [options ...]',
      '    Return information about client connections. Options:',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Return clients of specified type.',
      'UNPAUSE',
      '    Stop the current client pause, resuming traffic.',
      'PAUSE <timeout> [WRITE|ALL]',
      '    Suspend all, or just write, clients for <timeout> milliseconds.',
      'REPLY (ON|OFF|SKIP)',
      '    Control the replies sent to the current connection.',
      'SETNAME <name>',
      '    Assign the name <name> to the current connection.',
      'SETINFO <option> <value>',
      '    Set client meta attr. Options are:',
      '    * LIB-NAME: the client lib name.',
      '    * LIB-VER: the client lib version.',
      'UNBLOCK <clientid> [TIMEOUT|ERROR]',
      '    Unblock the specified blocked client.',
      'NO-EVICT (ON|OFF)',
      '    Protect current client connection from eviction.',
      'NO-TOUCH (ON|OFF)',
      '    Will not touch LRU/LFU stats when this mode is on.',
      'HELP',
      '    Prints this help.',
    ].map(r.simple),
  );

export const info: Handler = (ctx, argv) => r.verbatim(infoText(ctx, argv.slice(1)), ctx.proto);

/**
 * Parameters Redis clients read that have one fixed value here. redis-benchmark
 * asks for save and appendonly and warns "Could not fetch server CONFIG" unless
 * each comes back as a name/value pair; tools read databases, maxmemory and
 * cluster-enabled the same way. Nothing is persisted and there is one database.
 */
const FIXED_CONFIG: ReadonlyMap<string, string> = new Map([
  ['databases', '1'],
  ['maxmemory', '0'],
  ['maxmemory-policy', 'noeviction'],
  ['cluster-enabled', 'no'],
  ['protected-mode', 'no'],
  ['io-threads', '1'],
  ['hz', '10'],
  ['tcp-keepalive', '0'],
  ['daemonize', 'no'],
]);

/** Settings that CONFIG GET never shows: the cluster secret and where it is kept. */
const HIDDEN_CONFIG = new Set(['secret', 'secret-file']);

function* visibleConfig(ctx: Ctx): Generator<[string, string]> {
  for (const [name, value] of ctx.node.config()) if (!HIDDEN_CONFIG.has(name)) yield [name, value];
  for (const entry of FIXED_CONFIG) yield entry;
  yield* tunables(ctx.node);
}

/** CONFIG GET pattern [pattern ...]: name/value pairs, each parameter once (a map in RESP3). */
export const configGet: Handler = (ctx, argv) => {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const pattern of argv.slice(2)) {
    // A plain name is looked up, and answered with the spelling it was asked in.
    if (!/[[*?]/.test(pattern)) {
      const lower = pattern.toLowerCase();
      if (seen.has(lower)) continue;
      for (const [name, value] of visibleConfig(ctx)) {
        if (name === lower) {
          seen.add(lower);
          out.push(pattern, value);
          break;
        }
      }
      continue;
    }
    for (const [name, value] of visibleConfig(ctx)) {
      if (!seen.has(name) && globMatch(pattern, name, true)) {
        seen.add(name);
        out.push(name, value);
      }
    }
  }
  return r.bulkMap(out, ctx.proto);
};

/**
 * CONFIG SET name value [name value ...]. A fixed parameter may be "set" to the
 * value it has (scripts that switch persistence off before a benchmark); any
 * other value is refused as Redis refuses an immutable one. As in Redis, a bad
 * pair leaves every setting as it was.
 */
export const configSet: Handler = (ctx, argv) => {
  if (argv.length % 2 === 1) return SYNTAX;
  const names = new Set<string>();
  const changes: [name: string, value: string, given: string][] = [];
  // Checked up front, applied only once the node's own settings all took.
  const tunableChanges: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!.toLowerCase();
    const value = argv[i + 1]!;
    if (names.has(name)) return r.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i]!}') - duplicate parameter`);
    names.add(name);
    const fixed = FIXED_CONFIG.get(name);
    if (fixed !== undefined) {
      if (value.toLowerCase() !== fixed) return r.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i]!}') - can't set immutable config`);
      continue;
    }
    if (HIDDEN_CONFIG.has(name)) return r.error(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]!}'`);
    if (isTunable(name)) {
      const refused = checkTunable(name, value);
      if (refused !== null) return r.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i]!}') - ${refused}`);
      tunableChanges.push([name, value]);
      continue;
    }
    changes.push([name, value, argv[i]!]);
  }
  const applied: [string, string][] = [];
  for (const [name, value, given] of changes) {
    const before = ctx.node.config().get(name);
    // Setting a parameter to the value it has changes nothing, even one only
    // cluster.conf can change (port, forward-timeout): Redis's CONFIG sanity
    // test sets every parameter CONFIG GET shows to its own value.
    if (before === value) continue;
    const err = ctx.node.setConfig(name, value);
    if (err !== null) {
      // Redis applies all or nothing: put back what this call already changed.
      for (const [n, v] of applied.reverse()) ctx.node.setConfig(n, v);
      // A parameter CONFIG GET shows but the node does not take at run time is immutable, in Redis's words.
      if (before !== undefined && err.startsWith('ERR Unknown option')) {
        return r.error(`ERR CONFIG SET failed (possibly related to argument '${given}') - can't set immutable config`);
      }
      return r.error(err);
    }
    if (before !== undefined) applied.push([name, before]);
  }
  for (const [name, value] of tunableChanges) setTunable(ctx.node, name, value);
  return r.OK;
};

export const configResetstat: Handler = (ctx) => {
  ctx.node.resetStats();
  statsOf(ctx.node).reset();
  return r.OK;
};

export const configRewrite: Handler = () => r.error('ERR The server is running without a config file');

/** TIME: seconds and microseconds, from the high-resolution clock (Date.now() has only milliseconds). */
export const time: Handler = () => {
  const us = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  return r.arrayHeader(2) + r.bulk(String(us / 1000000n)) + r.bulk(String(us % 1000000n));
};

/** BGREWRITEAOF: the append-only file is rewritten while the node serves (a no-op with appendonly no). */
export const bgrewriteaof: Handler = (ctx) => {
  const refused = ctx.node.disk.rewriteAof();
  return refused === null ? r.simple('Background append only file rewriting started') : r.error(refused);
};

/** SAVE: dump.rdb written now, blocking the node as Redis's SAVE does. */
export const save: Handler = (ctx) => {
  const refused = ctx.node.disk.save();
  return refused === null ? r.OK : r.error(refused);
};

/** BGSAVE: dump.rdb written while the node serves, as of now. SCHEDULE is accepted: nothing else ever runs then. */
export const bgsave: Handler = (ctx, argv) => {
  if (argv.length > 2 || (argv.length === 2 && argv[1]!.toLowerCase() !== 'schedule')) return SYNTAX;
  const refused = ctx.node.disk.bgsave();
  return refused === null ? r.simple('Background saving started') : r.error(refused);
};

export const lastsave: Handler = (ctx) => r.integer(ctx.node.disk.lastSave());

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: checked as Redis checks it,
 * then the node stops as on SIGTERM, through the handler its process installed
 * (main.ts: a graceful stop, then exit). Commands never stop a node themselves;
 * a node embedded without such a handler (a test) refuses, as Redis refuses
 * when it cannot shut down. As in Redis, a successful SHUTDOWN has no reply:
 * the connection just closes.
 */
export const shutdown: Handler = (ctx, argv) => {
  if (argv.length > 4) return SYNTAX;
  let save = false;
  let nosave = false;
  let abort = false;
  for (let j = 1; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'nosave') nosave = true;
    else if (opt === 'save') save = true;
    else if (opt === 'abort') abort = true;
    else if (opt !== 'now' && opt !== 'force') return SYNTAX;
  }
  if ((abort && argv.length > 2) || (save && nosave)) return SYNTAX;
  if (abort) return r.error('ERR No shutdown in progress.');
  if (process.listenerCount('SIGTERM') === 0) return r.error('ERR Errors trying to SHUTDOWN. Check logs.');
  ctx.node.disk.onShutdown(save ? 'save' : nosave ? 'nosave' : 'default');
  ctx.client.closeAfterReply = true;
  setImmediate(() => process.emit('SIGTERM'));
  return '';
};
