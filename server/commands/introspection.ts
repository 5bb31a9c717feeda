// COMMAND, COMMAND COUNT/DOCS/INFO/LIST/GETKEYS and ROUTE: what the table and the
// routing path say about themselves. redis-cli builds its hints from COMMAND DOCS.

import * as r from '../protocol/resp.js';
import type { CommandSpec, Ctx, Handler } from './types.js';
import { COMMANDS, lookupCommand } from './table.js';
import { unknownCommand, wrongArity } from './errors.js';
import { keyPositions } from './key-positions.js';

function info(c: CommandSpec): string {
  const k = c.keys ?? { first: 0, last: 0, step: 0 };
  return r.array([
    r.bulk(c.name),
    r.integer(c.arity),
    r.array(c.flags.map(r.simple)),
    r.integer(k.first),
    r.integer(k.last),
    r.integer(k.step),
    r.EMPTY_ARRAY,
    r.EMPTY_ARRAY,
    r.EMPTY_ARRAY,
    r.array((c.subcommands ?? []).map(info)),
  ]);
}

function docs(c: CommandSpec, proto: 2 | 3): string {
  const pairs: [string, string][] = [
    [r.bulk('summary'), r.bulk(c.summary)],
    [r.bulk('since'), r.bulk(c.since)],
    [r.bulk('group'), r.bulk(c.group)],
  ];
  if (c.subcommands) {
    pairs.push([r.bulk('subcommands'), r.map(c.subcommands.map((s) => [r.bulk(s.name), docs(s, proto)] as const), proto)]);
  }
  return r.map(pairs, proto);
}

const PUBLIC = (): CommandSpec[] => COMMANDS.filter((c) => !c.flags.includes('internal'));

export const command: Handler = () => r.array(PUBLIC().map(info));
export const commandCount: Handler = () => r.integer(PUBLIC().length);

export const commandInfo: Handler = (ctx, argv) => {
  const names = argv.slice(2);
  if (names.length === 0) return command(ctx, argv);
  return r.array(names.map((n) => {
    const c = lookupCommand(n);
    return c ? info(c) : r.nilArray(ctx.proto);
  }));
};

export const commandDocs: Handler = (ctx, argv) => {
  const names = argv.slice(2);
  const chosen = names.length === 0 ? PUBLIC() : names.map((n) => lookupCommand(n)).filter((c): c is CommandSpec => c !== undefined);
  return r.map(chosen.map((c) => [r.bulk(c.name), docs(c, ctx.proto)] as const), ctx.proto);
};

export const commandList: Handler = (ctx) => r.bulkArray(PUBLIC().map((c) => c.name), ctx.proto);

export const commandGetkeys: Handler = (ctx, argv) => {
  const args = argv.slice(2);
  const c = lookupCommand(args[0]!);
  if (!c) return r.error('ERR Invalid command specified');
  if ((c.arity > 0 && args.length !== c.arity) || args.length < -c.arity) return r.error('ERR Invalid number of arguments specified for command');
  const positions = keyPositions(c, args);
  if (positions.length === 0) return r.error('ERR The command has no key arguments');
  return r.bulkArray(positions.map((i) => args[i]!), ctx.proto);
};

export function help(container: string): Handler {
  return () =>
    r.array(
      [`${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...
        (lookupCommand(container)?.subcommands ?? []).map((s) => `${s.name.split('|')[1]!.toUpperCase()}: ${s.summary}`)].map(r.simple),
    );
}

/** ROUTE bucket: runs on the owner; tells who owns the bucket and the path the request took. */
export const route: Handler = (ctx: Ctx, argv) => {
  const path = [...ctx.path, ctx.node.name].join(' -> ');
  return r.map(
    [
      [r.bulk('bucket'), r.bulk(argv[1]!)],
      [r.bulk('owner'), r.bulk(ctx.node.name)],
      [r.bulk('path'), r.bulk(path)],
      [r.bulk('hops'), r.integer(ctx.path.length)],
    ],
    ctx.proto,
  );
};

