// Redis 7's error replies, word for word: clients parse them.

import { error } from '../protocol/resp.js';

export const WRONGTYPE = error('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_INTEGER = error('ERR value is not an integer or out of range');
export const NOT_FLOAT = error('ERR value is not a valid float');
export const SYNTAX = error('ERR syntax error');
export const OVERFLOW = error('ERR increment or decrement would overflow');
export const NAN_OR_INFINITY = error('ERR increment would produce NaN or Infinity');
export const NO_SUCH_KEY = error('ERR no such key');
export const NOAUTH = error('NOAUTH Authentication required.');
export const WRONGPASS = error('WRONGPASS invalid username-password pair or user is disabled.');
export const STRING_TOO_LONG = error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');

export function wrongArity(fullName: string): string {
  return error(`ERR wrong number of arguments for '${fullName}' command`);
}

export function invalidExpire(fullName: string): string {
  return error(`ERR invalid expire time in '${fullName}' command`);
}

/** An argument as printf("%.*s") prints it: cut at a NUL byte, then at `max` bytes. */
function cString(arg: string, max: number): string {
  const nul = arg.indexOf('\0');
  return (nul === -1 ? arg : arg.slice(0, nul)).slice(0, max);
}

/** Redis quotes at most 128 bytes of the arguments of an unknown command. */
export function unknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cString(argv[i]!, 128 - args.length)}' `;
  }
  return error(`ERR unknown command '${cString(argv[0]!, 128)}', with args beginning with: ${args}`);
}

export function unknownSubcommand(sub: string, container: string): string {
  return error(`ERR unknown subcommand '${cString(sub, 128)}'. Try ${container.toUpperCase()} HELP.`);
}
