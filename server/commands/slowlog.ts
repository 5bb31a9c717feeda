// SLOWLOG (Redis's slowlog.c): the latest calls that took at least
// slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len.
// The pipeline hands every call from a client here once its reply is ready
// (call-observers.ts), with the time commandstats counts for it: a command run
// on another node is timed until its reply came back. Entries keep Redis's
// trimmed arguments (32 at most, 128 bytes each) and the redactions of AUTH,
// HELLO AUTH and CONFIG SET requirepass, so no password lands in the log.

import * as r from '../protocol/resp.js';
import type { ClientState, Handler, NodeView } from './types.js';
import { parseLongLong } from '../protocol/numbers.js';

/** SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

interface Entry {
  readonly id: number;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly usec: number;
  readonly argv: readonly string[];
  readonly addr: string;
  readonly name: string;
}

export class SlowLog {
  /** slowlog-log-slower-than in microseconds; negative turns the log off. Read on every call. */
  slowerThan = 10000;
  maxLen = 128;
  private nextId = 0;
  /** Newest first. */
  private entries: Entry[] = [];

  /** A call that took `usec` microseconds: logged when it is at least the threshold. */
  push(client: ClientState, argv: readonly string[], usec: number): void {
    if (this.slowerThan < 0) return;
    if (usec >= this.slowerThan) {
      this.entries.unshift({
        id: this.nextId++,
        time: Math.floor(Date.now() / 1000),
        usec: Math.floor(usec),
        argv: trimmed(argv),
        addr: client.remoteAddress,
        name: client.name,
      });
    }
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  /** As in Redis, a lower slowlog-max-len trims the log at the next call, not at once. */
  get length(): number {
    return this.entries.length;
  }

  newest(count: number): readonly Entry[] {
    return this.entries.slice(0, count);
  }

  reset(): void {
    this.entries = [];
  }
}

/** Redis's slowlogCreateEntry: past 32 arguments the last says how many more there were; long ones are cut at 128 bytes. */
export function trimmed(argv: readonly string[]): string[] {
  const argc = Math.min(argv.length, MAX_ARGC);
  const out: string[] = [];
  for (let j = 0; j < argc; j++) {
    const a = argv[j]!;
    if (argc !== argv.length && j === argc - 1) out.push(`... (${argv.length - argc + 1} more arguments)`);
    else if (a.length > MAX_STRING) out.push(`${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)`);
    else out.push(a);
  }
  return out;
}

const LOGS = new WeakMap<NodeView, SlowLog>();

export function slowlogOf(node: NodeView): SlowLog {
  let s = LOGS.get(node);
  if (s === undefined) LOGS.set(node, (s = new SlowLog()));
  return s;
}

const COUNT_RANGE = r.error('ERR count should be greater than or equal to -1');

/** SLOWLOG GET [count]: up to count entries (10 by default, -1 all), newest first. */
export const slowlogGet: Handler = (ctx, argv) => {
  if (argv.length > 3) return r.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!}'. Try SLOWLOG HELP.`);
  const log = slowlogOf(ctx.node);
  let count = 10;
  if (argv.length === 3) {
    const n = parseLongLong(argv[2]!);
    if (n === null || n < -1n) return COUNT_RANGE;
    count = n === -1n ? log.length : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }
  const entries = log.newest(count);
  return r.array(
    entries.map((e) =>
      r.array([r.integer(e.id), r.integer(e.time), r.integer(e.usec), r.bulkArray([...e.argv], ctx.proto), r.bulk(e.addr), r.bulk(e.name)]),
    ),
  );
};

export const slowlogLen: Handler = (ctx) => r.integer(slowlogOf(ctx.node).length);

export const slowlogReset: Handler = (ctx) => {
  slowlogOf(ctx.node).reset();
  return r.OK;
};

export const slowlogHelp: Handler = () =>
  r.array(
    [
      'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'GET [<count>]',
      '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
      '    Entries are made of:',
      '    id, timestamp, time in microseconds, arguments array, client IP and port,',
      '    client name',
      'LEN',
      '    Return the length of the slowlog.',
      'RESET',
      '    Reset the slowlog.',
      'HELP',
      '    Prints this help.',
    ].map(r.simple),
  );
