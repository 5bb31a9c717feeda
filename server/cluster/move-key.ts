// Moving a key between nodes: RENAME, RENAMENX and COPY when the source and
// the destination have different owners. The source's owner serializes the key
// (KV.DUMP), the destination's owner recreates it with the same expiry time
// (KV.RESTORE), and a rename then deletes the source; a copy is a rename that
// keeps it. Not atomic: a write to the source between the steps is lost, and
// another client may create the destination between its check and the restore.

import * as r from '../protocol/resp.js';
import { arrayElements, integerValue, isErrorReply, stringValue } from '../protocol/reply-framer.js';
import type { CommandSpec } from '../commands/types.js';
import { NO_SUCH_KEY } from '../commands/errors.js';
import { parseCopyOptions } from '../commands/keys.js';

/** What a command does with a key that goes to another node, and what it answers. */
export interface KeyMove {
  /** COPY: the source stays. */
  readonly keepSource: boolean;
  /** RENAMENX, and COPY without REPLACE: nothing happens when the destination exists. */
  readonly onlyIfMissing: boolean;
  /** The reply when the source does not exist. */
  readonly noSource: r.Reply;
  /** The reply when the destination exists and is kept. */
  readonly kept: r.Reply;
  readonly done: r.Reply;
}

/** The move `argv` asks for, or the error reply its options earn (COPY's, checked before any step). */
export function keyMoveOf(spec: CommandSpec, argv: readonly string[]): KeyMove | r.Reply {
  if (spec.name === 'copy') {
    const options = parseCopyOptions(argv);
    if (typeof options === 'string') return options;
    return { keepSource: true, onlyIfMissing: !options.replace, noSource: r.ZERO, kept: r.ZERO, done: r.ONE };
  }
  const nx = spec.name === 'renamenx';
  return { keepSource: false, onlyIfMissing: nx, noSource: NO_SUCH_KEY, kept: r.ZERO, done: nx ? r.ONE : r.OK };
}

/** Runs a command on a node's own keys: here through the routing stage's one door, or forwarded. */
export type RunOn = (node: string, argv: string[]) => Promise<r.AnyReply>;

/** Carries the key `from.key` on `from.node` to `to.key` on `to.node` as `move` says; resolves to the command's reply. */
export async function moveKey(
  at: RunOn,
  from: { node: string; key: string },
  to: { node: string; key: string },
  move: KeyMove,
): Promise<r.AnyReply> {
  const dump = await at(from.node, ['KV.DUMP', from.key]);
  if (isErrorReply(dump)) return dump;
  const parts = arrayElements(dump);
  if (parts === null || parts.length < 3) return move.noSource;
  const values = parts.map((p) => stringValue(p) ?? '');
  if (move.onlyIfMissing) {
    const exists = await at(to.node, ['EXISTS', to.key]);
    if (isErrorReply(exists)) return exists;
    if (integerValue(exists) !== 0) return move.kept;
  }
  const restored = await at(to.node, ['KV.RESTORE', to.key, ...values]);
  if (isErrorReply(restored)) return restored;
  if (!move.keepSource) {
    const deleted = await at(from.node, ['DEL', from.key]);
    if (isErrorReply(deleted)) return deleted;
  }
  return move.done;
}
