// LMOVE, RPOPLPUSH, and the element a cross-node BLMOVE or BRPOPLPUSH took,
// when the source and destination lists live on different nodes: the element
// is popped on the source's owner and pushed on the destination's, in steps,
// as RENAME across nodes moves a key (move-key.ts). Redis's order of checks is
// kept (a missing source answers nil before a destination of the wrong type is
// looked at), and a push the destination refuses puts the element back where
// it came from. It is not atomic: between the two steps another client may see
// the element in neither list.

import * as r from '../protocol/resp.js';
import { isErrorReply, stringValue } from '../protocol/reply-framer.js';
import { SYNTAX, WRONGTYPE } from '../commands/errors.js';

/** Runs a command on a node (here or forwarded) and resolves to its reply. */
export type RunOn = (node: string, argv: string[]) => Promise<r.AnyReply>;

export type ListEnd = 'LEFT' | 'RIGHT';

export function listEnd(word: string): ListEnd | null {
  const w = word.toUpperCase();
  return w === 'LEFT' || w === 'RIGHT' ? w : null;
}

const POP = { LEFT: 'LPOP', RIGHT: 'RPOP' } as const;
const PUSH = { LEFT: 'LPUSH', RIGHT: 'RPUSH' } as const;

/** LMOVE src dst from to across two nodes, with LMOVE's reply. */
export async function moveAcross(runOn: RunOn, src: { node: string; key: string }, dst: { node: string; key: string }, from: ListEnd, to: ListEnd, proto: 2 | 3): Promise<r.AnyReply> {
  const dstType = stringValue(await runOn(dst.node, ['TYPE', dst.key]));
  if (dstType !== 'none' && dstType !== 'list') {
    if (typeof dstType !== 'string') return r.error(`ERR could not read the type of the destination on node ${dst.node}`);
    // The source is looked at first: missing, nil; there, the destination's WRONGTYPE.
    const srcType = stringValue(await runOn(src.node, ['TYPE', src.key]));
    return srcType === 'none' ? r.nil(proto) : WRONGTYPE;
  }
  const popped = await runOn(src.node, [POP[from], src.key]);
  const value = stringValue(popped);
  if (isErrorReply(popped) || typeof value !== 'string') return popped; // WRONGTYPE, or nil: nothing to move
  return pushPopped(runOn, value, src, dst, from, to);
}

/** Pushes an element popped from `src` (at `from`) onto `dst` (at `to`); if refused, it goes back. */
export async function pushPopped(runOn: RunOn, value: string, src: { node: string; key: string }, dst: { node: string; key: string }, from: ListEnd, to: ListEnd): Promise<r.AnyReply> {
  const pushed = await runOn(dst.node, [PUSH[to], dst.key, value]);
  if (!isErrorReply(pushed)) return r.bulk(value);
  await runOn(src.node, [PUSH[from], src.key, value]);
  return pushed;
}

/** LMOVE's and RPOPLPUSH's ends, or the syntax error Redis gives before looking at a key. */
export function moveEnds(argv: readonly string[]): { from: ListEnd; to: ListEnd } | string {
  const name = argv[0]!.toLowerCase();
  if (name === 'rpoplpush' || name === 'brpoplpush') return { from: 'RIGHT', to: 'LEFT' };
  const from = listEnd(argv[3]!);
  const to = listEnd(argv[4]!);
  return from === null || to === null ? SYNTAX : { from, to };
}
