// Regenerates server/commands/redis-commands.ts, Redis's metadata for every
// command (COMMAND INFO and COMMAND DOCS of the redis-server on PATH, 7.0.15),
// which COMMAND answers from for the commands kv shares with Redis:
//
//   npm run -s build && node dist/scripts/command-docs.js
//
// It starts a redis-server on a free port, reads both replies in RESP3, keeps
// them as JSON, then checks that command-metadata.ts encodes every entry back
// into the bytes Redis sends, in RESP2 and RESP3, before writing the file.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Proto } from '../server/protocol/resp.js';
import { docsReply, infoReply, type DocValue, type RedisCommand, type RedisKeySpec } from '../server/commands/command-metadata.js';

const OUT = 'server/commands/redis-commands.ts';

/** A RESP3 value with its type kept (sets and simple strings are told apart from arrays and bulks). */
type Resp =
  | { t: 'bulk' | 'simple' | 'error'; v: string }
  | { t: 'int'; v: number }
  | { t: 'null' }
  | { t: 'array' | 'set'; v: Resp[] }
  | { t: 'map'; v: [Resp, Resp][] };

/** Parses one value at `at`; null when `buf` does not hold all of it yet. Strings are latin1, as kv holds them. */
function parse(buf: Buffer, at: number): { value: Resp; end: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const head = buf.toString('latin1', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: { t: 'simple', v: head }, end: next };
    case '-':
      return { value: { t: 'error', v: head }, end: next };
    case ':':
      return { value: { t: 'int', v: Number(head) }, end: next };
    case '_':
      return { value: { t: 'null' }, end: next };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: { t: 'null' }, end: next };
      if (buf.length < next + n + 2) return null;
      return { value: { t: 'bulk', v: buf.toString('latin1', next, next + n) }, end: next + n + 2 };
    }
    case '*':
    case '~':
    case '%': {
      const pairs = buf[at] === 0x25;
      const n = Number(head) * (pairs ? 2 : 1);
      if (n < 0) return { value: { t: 'null' }, end: next };
      const items: Resp[] = [];
      let end = next;
      for (let i = 0; i < n; i++) {
        const p = parse(buf, end);
        if (!p) return null;
        items.push(p.value);
        end = p.end;
      }
      if (!pairs) return { value: { t: buf[at] === 0x7e ? 'set' : 'array', v: items }, end };
      const kv: [Resp, Resp][] = [];
      for (let i = 0; i < items.length; i += 2) kv.push([items[i]!, items[i + 1]!]);
      return { value: { t: 'map', v: kv }, end };
    }
    default:
      throw new Error(`unexpected reply byte ${buf[at]} at ${at}`);
  }
}

/** A connection that sends one command at a time and returns the raw reply. */
class Conn {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  async send(...argv: string[]): Promise<{ raw: string; value: Resp }> {
    this.sock.write(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    for (;;) {
      const p = parse(this.buf, 0);
      if (p) {
        const raw = this.buf.toString('latin1', 0, p.end);
        this.buf = this.buf.subarray(p.end);
        return { raw, value: p.value };
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }
  close(): void {
    this.sock.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function connectWhenUp(port: number): Promise<Conn> {
  for (let i = 0; ; i++) {
    try {
      return await Conn.open(port);
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
}

// ---------------------------------------------------------------------------
// RESP3 values to the JSON shapes of command-metadata.ts

function str(x: Resp): string {
  if (x.t !== 'bulk' && x.t !== 'simple') throw new Error(`expected a string, got ${x.t}`);
  return x.v;
}
function int(x: Resp): number {
  if (x.t !== 'int') throw new Error(`expected an integer, got ${x.t}`);
  return x.v;
}
function items(x: Resp): Resp[] {
  if (x.t !== 'array' && x.t !== 'set') throw new Error(`expected an aggregate, got ${x.t}`);
  return x.v;
}
function entries(x: Resp): [string, Resp][] {
  if (x.t !== 'map') throw new Error(`expected a map, got ${x.t}`);
  return x.v.map(([k, v]) => [str(k), v]);
}

function plain(x: Resp): string | number | Record<string, string | number> {
  if (x.t === 'int') return x.v;
  if (x.t === 'map') return Object.fromEntries(entries(x).map(([k, v]) => [k, plain(v) as string | number]));
  return str(x);
}

function keySpec(x: Resp): RedisKeySpec {
  const m = new Map(entries(x));
  const part = (name: string): RedisKeySpec['begin_search'] => {
    const p = new Map(entries(m.get(name)!));
    return { type: str(p.get('type')!), spec: plain(p.get('spec')!) as Record<string, string | number> };
  };
  const notes = m.get('notes');
  return {
    ...(notes ? { notes: str(notes) } : {}),
    flags: items(m.get('flags')!).map(str),
    begin_search: part('begin_search'),
    find_keys: part('find_keys'),
  };
}

function docValue(x: Resp): DocValue {
  if (x.t === 'int') return x.v;
  if (x.t === 'bulk' || x.t === 'simple') return x.v;
  if (x.t === 'array' || x.t === 'set') return x.v.map(docValue);
  if (x.t === 'map') return Object.fromEntries(entries(x).map(([k, v]) => [k, docValue(v)]));
  throw new Error(`unexpected ${x.t} in COMMAND DOCS`);
}

/** One COMMAND INFO entry and its docs (subcommands' docs taken from the nested map). */
function command(info: Resp, docs: Map<string, Resp>): RedisCommand {
  const f = items(info);
  const name = str(f[0]!);
  const doc = new Map(entries(docs.get(name)!));
  const subDocs = new Map(doc.has('subcommands') ? entries(doc.get('subcommands')!) : []);
  doc.delete('subcommands');
  const subs = items(f[9]!).map((s) => command(s, subDocs));
  return {
    name,
    arity: int(f[1]!),
    flags: items(f[2]!).map(str),
    first: int(f[3]!),
    last: int(f[4]!),
    step: int(f[5]!),
    acl: items(f[6]!).map(str),
    tips: items(f[7]!).map(str),
    key_specs: items(f[8]!).map(keySpec),
    docs: Object.fromEntries([...doc].map(([k, v]) => [k, docValue(v)])),
    ...(subs.length > 0 ? { subcommands: subs.sort((a, b) => (a.name < b.name ? -1 : 1)) } : {}),
  };
}

/** What our encoder makes of `c`, as Redis would answer COMMAND INFO c / COMMAND DOCS c. */
function encoded(c: RedisCommand, proto: Proto, subOrder: string[] | undefined): { info: string; docs: string } {
  const subs = (c.subcommands ?? []).slice().sort((a, b) => (subOrder ?? []).indexOf(a.name) - (subOrder ?? []).indexOf(b.name));
  const info = infoReply(c, proto, c.arity, subs.map((s) => infoReply(s, proto)));
  const docs = `${proto === 3 ? '%1' : '*2'}\r\n$${c.name.length}\r\n${c.name}\r\n` + docsReply(c.docs, proto, subs.map((s) => [s.name, docsReply(s.docs, proto)] as const));
  return { info: `*1\r\n${info}`, docs };
}

async function main(): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kv-command-docs-'));
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  try {
    const c3 = await connectWhenUp(port);
    const c2 = await Conn.open(port);
    await c3.send('HELLO', '3');
    const version = new Map(entries((await c3.send('HELLO')).value)).get('version');
    const infos = items((await c3.send('COMMAND', 'INFO')).value);
    const docs = new Map(entries((await c3.send('COMMAND', 'DOCS')).value));
    const commands = infos.map((i) => command(i, docs)).sort((a, b) => (a.name < b.name ? -1 : 1));

    // Every entry, alone, as Redis encodes it: the subcommands come in Redis's (dict) order, which we keep.
    let checked = 0;
    for (const c of commands) {
      for (const [proto, conn] of [[3, c3], [2, c2]] as const) {
        const info = (await conn.send('COMMAND', 'INFO', c.name)).raw;
        const doc = (await conn.send('COMMAND', 'DOCS', c.name)).raw;
        const order = (parse(Buffer.from(info, 'latin1'), 0)!.value as { v: Resp[] }).v[0] as { v: Resp[] };
        const subOrder = items(order.v[9]!).map((s) => str(items(s)[0]!));
        const ours = encoded(c, proto, subOrder);
        if (ours.info !== info) throw new Error(`COMMAND INFO ${c.name} (RESP${proto}) does not round-trip:\n${JSON.stringify(info)}\n${JSON.stringify(ours.info)}`);
        if (ours.docs !== doc) throw new Error(`COMMAND DOCS ${c.name} (RESP${proto}) does not round-trip:\n${JSON.stringify(doc)}\n${JSON.stringify(ours.docs)}`);
        checked++;
      }
    }
    c2.close();
    c3.close();

    const lines = commands.map((c) => '  ' + JSON.stringify(c) + ',');
    writeFileSync(
      OUT,
      [
        `// Generated by scripts/command-docs.ts from redis-server ${version ? str(version) : '?'}'s COMMAND INFO and`,
        '// COMMAND DOCS: every Redis command, so that a command kv gains is described',
        '// as soon as it is in the table. Do not edit; regenerate (see the script).',
        '',
        "import type { RedisCommand } from './command-metadata.js';",
        '',
        `export const REDIS_VERSION = ${JSON.stringify(version ? str(version) : '')};`,
        '',
        'export const REDIS_COMMANDS: readonly RedisCommand[] = [',
        ...lines,
        '];',
        '',
      ].join('\n'),
    );
    console.log(`${OUT}: ${commands.length} commands, ${checked} replies checked byte for byte`);
  } finally {
    redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
