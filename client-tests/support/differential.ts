// Differential testing against a real redis-server: one raw socket to Redis and
// one to our server, the same command sent to both, the raw reply bytes compared.
// Replies are compared byte for byte; the few comparisons below loosen that only
// where Redis itself is not deterministic (hash-table order, clocks, versions,
// client ids), never to paper over a difference in what the command does.

import { RawClient } from './raw.js';
import { replyEnd } from '../../server/protocol/reply-framer.js';

/**
 * How two replies are compared:
 * - exact: byte for byte (the default);
 * - sorted: the top-level aggregate as a multiset of its encoded elements
 *   (KEYS, HKEYS/HVALS of a hash Redis keeps in a hash table);
 * - sorted-pairs: a field/value reply (flat array in RESP2, map in RESP3) as a set of pairs;
 * - near: integer replies within ±within (TTL, PTTL, EXPIRETIME after a relative expire);
 *   negative values (-1 no TTL, -2 no key) must still be equal;
 * - canon: both replies mapped through `fn` first (TIME, INFO, HELLO, CLIENT ID).
 */
export type Compare =
  | { kind: 'exact' }
  | { kind: 'sorted' }
  | { kind: 'sorted-pairs' }
  | { kind: 'near'; within: number }
  | { kind: 'canon'; fn: (reply: string) => string };

export const EXACT: Compare = { kind: 'exact' };
export const SORTED: Compare = { kind: 'sorted' };
export const SORTED_PAIRS: Compare = { kind: 'sorted-pairs' };
/** TTL in seconds: Redis rounds; a command reaching the two servers a few ms apart may round differently. */
export const TTL: Compare = { kind: 'near', within: 1 };
/** PTTL and PEXPIRETIME after a relative expire: the two servers set it a little apart. */
export const PTTL: Compare = { kind: 'near', within: 500 };

export interface Mismatch {
  label: string;
  command: string;
  redis: string;
  ours: string;
}

/** A reply or argument, shortened for a failure message. */
export function show(s: string, max = 160): string {
  const j = JSON.stringify(s);
  return j.length <= max ? j : `${j.slice(0, max)}…(${s.length} bytes)`;
}

export function showCommand(argv: readonly string[]): string {
  return argv.map((a) => show(a, 40)).join(' ');
}

/** Splits an aggregate reply into its header and its encoded elements (map pairs count as two). */
export function splitAggregate(reply: string): { header: string; items: string[] } | null {
  const t = reply[0];
  if (t !== '*' && t !== '%' && t !== '~' && t !== '>') return null;
  const cr = reply.indexOf('\r\n');
  const n = Number(reply.slice(1, cr));
  if (!Number.isInteger(n) || n < 0) return null;
  const count = t === '%' ? n * 2 : n;
  const items: string[] = [];
  let pos = cr + 2;
  for (let i = 0; i < count; i++) {
    const end = replyEnd(reply, pos);
    if (end < 0) return null;
    items.push(reply.slice(pos, end));
    pos = end;
  }
  return { header: reply.slice(0, cr + 2), items };
}

/** The text of a bulk string reply (or simple string), null for anything else. */
export function bulkText(reply: string): string | null {
  if (reply[0] === '+') return reply.slice(1, -2);
  if (reply[0] !== '$') return null;
  const cr = reply.indexOf('\r\n');
  const n = Number(reply.slice(1, cr));
  return n < 0 ? null : reply.slice(cr + 2, cr + 2 + n);
}

function pairsOf(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(items[i]! + items[i + 1]!);
  return out;
}

function canonical(reply: string, how: Compare): string {
  switch (how.kind) {
    case 'exact':
    case 'near':
      return reply;
    case 'canon':
      return how.fn(reply);
    case 'sorted': {
      const agg = splitAggregate(reply);
      return agg ? agg.header + [...agg.items].sort().join('') : reply;
    }
    case 'sorted-pairs': {
      const agg = splitAggregate(reply);
      return agg ? agg.header + pairsOf(agg.items).sort().join('') : reply;
    }
  }
}

function integerOf(reply: string): number | null {
  return /^:-?\d+\r\n$/.test(reply) ? Number(reply.slice(1, -2)) : null;
}

/** True when the two replies agree under `how`. */
export function agree(redis: string, ours: string, how: Compare): boolean {
  if (how.kind === 'near') {
    const a = integerOf(redis);
    const b = integerOf(ours);
    if (a === null || b === null || a < 0 || b < 0) return redis === ours;
    return Math.abs(a - b) <= how.within;
  }
  return canonical(redis, how) === canonical(ours, how);
}

// Canonical forms for replies that carry clocks, versions or ids.

/** HELLO: the same map, version included (we answer as the 7.0.15 we compare with), except the connection id. */
export const HELLO: Compare = {
  kind: 'canon',
  fn: (reply) => {
    const agg = splitAggregate(reply);
    if (!agg) return reply;
    const items = [...agg.items];
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = bulkText(items[i]!);
      if (key === 'id' && integerOf(items[i + 1]!) !== null) items[i + 1] = '<id>';
    }
    return agg.header + items.join('');
  },
};

/** TIME: two bulk strings of digits; the values differ. */
export const TIME: Compare = {
  kind: 'canon',
  fn: (reply) => (/^\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n$/.test(reply) ? '<time>' : reply),
};

/** INFO: a bulk (RESP2) or verbatim (RESP3) string with a "# Server" section; the text differs. */
export const INFO: Compare = {
  kind: 'canon',
  fn: (reply) => {
    const m = /^([$=])\d+\r\n/.exec(reply);
    if (!m) return reply;
    const body = reply.slice(m[0].length);
    return body.includes('# Server') || body.includes('# Keyspace') ? `${m[1]}<info>` : reply;
  },
};

/** CLIENT ID: an integer; the ids differ. */
export const CLIENT_ID: Compare = { kind: 'canon', fn: (reply) => (integerOf(reply) !== null ? ':<id>' : reply) };

/** Encodes argv as a RESP multibulk request (latin1: one char per byte). */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

export type Step = readonly string[] | { argv: readonly string[]; how: Compare };

/**
 * A pair of raw connections, one to redis-server and one to our server. Every
 * command goes to both; a disagreement is recorded (not thrown), so one test
 * reports every mismatch of its sequence at once.
 */
export class Differential {
  readonly mismatches: Mismatch[] = [];
  /** Commands compared so far. */
  count = 0;
  label = '';

  private constructor(
    readonly redis: RawClient,
    readonly ours: RawClient,
  ) {}

  static async open(redisPort: number, ourPort: number, proto: 2 | 3): Promise<Differential> {
    const d = new Differential(await RawClient.connect(redisPort), await RawClient.connect(ourPort));
    if (proto === 3) await d.run(['HELLO', '3'], HELLO);
    if (d.mismatches.length > 0) throw new Error(`HELLO 3 differs: ${JSON.stringify(d.mismatches)}`);
    return d;
  }

  close(): void {
    this.redis.close();
    this.ours.close();
  }

  private record(argv: readonly string[], redis: string, ours: string, how: Compare): void {
    this.count++;
    if (!agree(redis, ours, how)) {
      this.mismatches.push({ label: this.label, command: showCommand(argv), redis: show(redis), ours: show(ours) });
    }
  }

  /** Sends raw bytes to both servers and compares the `replies` replies that follow. */
  async raw(bytes: string, replies = 1, how: Compare = EXACT): Promise<[string[], string[]]> {
    this.redis.send(bytes);
    this.ours.send(bytes);
    const [a, b] = await Promise.all([this.redis.replies(replies), this.ours.replies(replies)]);
    for (let i = 0; i < replies; i++) this.record([show(bytes, 60)], a[i]!, b[i]!, how);
    return [a, b];
  }

  /** Sends one command to both and compares; returns Redis's reply. */
  async run(argv: readonly string[], how: Compare = EXACT): Promise<string> {
    const req = encodeCommand(argv);
    this.redis.send(req);
    this.ours.send(req);
    const [a, b] = await Promise.all([this.redis.reply(), this.ours.reply()]);
    this.record(argv, a, b, how);
    return a;
  }

  /** Runs steps one after the other (each waits for its reply: no pipelining). */
  async steps(list: readonly Step[]): Promise<void> {
    for (const s of list) {
      if ('argv' in s) await this.run(s.argv, s.how);
      else await this.run(s as readonly string[]);
    }
  }

  /** Sends all steps as one pipeline to each server and compares the replies in order. */
  async pipeline(list: readonly Step[]): Promise<void> {
    const argvs = list.map((s) => ('argv' in s ? s.argv : (s as readonly string[])));
    const req = argvs.map(encodeCommand).join('');
    this.redis.send(req);
    this.ours.send(req);
    const [a, b] = await Promise.all([this.redis.replies(list.length), this.ours.replies(list.length)]);
    list.forEach((s, i) => this.record(argvs[i]!, a[i]!, b[i]!, 'argv' in s ? s.how : EXACT));
  }

  /**
   * A whole SCAN/HSCAN iteration on each server: `prefix` is the command up to
   * the cursor (["SCAN"] or ["HSCAN", key]), `options` what follows it. Cursors
   * and batches are the servers' own business; what must agree is the multiset
   * of elements (pairs for HSCAN) met over the whole walk, duplicates counted,
   * and any error. (Redis may repeat an element while its table rehashes; with
   * nothing written during the walk it does not, and neither may we.)
   */
  async scanAll(prefix: readonly string[], options: readonly string[] = []): Promise<void> {
    const pairs = prefix[0]!.toUpperCase() === 'HSCAN';
    const walk = async (c: RawClient): Promise<string> => {
      const seen: string[] = [];
      let cursor = '0';
      for (let i = 0; i < 100_000; i++) {
        c.send(encodeCommand([...prefix, cursor, ...options]));
        const reply = await c.reply();
        const agg = splitAggregate(reply);
        if (!agg || agg.items.length !== 2) return reply;
        const next = bulkText(agg.items[0]!);
        const batch = splitAggregate(agg.items[1]!);
        if (next === null || !batch || !/^\d+$/.test(next)) return `malformed: ${reply}`;
        seen.push(...(pairs ? pairsOf(batch.items) : batch.items));
        cursor = next;
        if (cursor === '0') return `walk:${seen.sort().join('')}`;
      }
      return 'walk never ended';
    };
    const [a, b] = await Promise.all([walk(this.redis), walk(this.ours)]);
    this.record([...prefix, '<cursor…>', ...options], a, b, EXACT);
  }
}
