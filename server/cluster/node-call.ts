// kv-admin's few words with a running node: one connection that opens with
// KV.HELLO (the cluster secret, as a peer's link does), sends its commands,
// and collects one reply each, as text (bulk strings) or an error line.

import net from 'node:net';
import RedisParser from 'redis-parser';
import { bulkArray } from '../protocol/resp.js';

/** A reply: a bulk or simple string's text, or an error's message. */
export type CallReply = { readonly text: string } | { readonly error: string };

/** Sends `commands` to host:port after KV.HELLO; rejects if the node cannot be reached or does not answer in `timeoutMs`. */
export function callNode(host: string, port: number, secret: string, commands: readonly string[][], timeoutMs = 3000): Promise<CallReply[]> {
  return new Promise((resolve, reject) => {
    const replies: CallReply[] = [];
    const socket = net.connect({ host, port });
    const done = (e: Error | null): void => {
      clearTimeout(timer);
      socket.destroy();
      if (e !== null) reject(e);
      else resolve(replies.slice(1));
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        replies.push({ text: Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply) });
        if (replies.length === commands.length + 1) done(null);
      },
      returnError: (err: Error) => {
        if (replies.length === 0) return done(new Error(err.message));
        replies.push({ error: err.message });
        if (replies.length === commands.length + 1) done(null);
      },
    });
    socket.on('data', (d: Buffer) => parser.execute(d));
    socket.on('error', (e: Error) => done(e));
    socket.on('close', () => done(new Error('the node closed the connection')));
    socket.write(Buffer.from([['KV.HELLO', secret, 'kv-admin'], ...commands].map((argv) => bulkArray(argv, 2)).join(''), 'latin1'));
  });
}
