// The keys of a command as Redis 7.0.15 finds them from its key specs
// (db.c getKeysFromCommandWithSpecs): begin_search index or keyword, then
// find_keys range or keynum; and, where a spec is incomplete, has variable
// flags or does not parse, the command's own getkeys function (db.c's
// *GetKeys). COMMAND GETKEYS and GETKEYSANDFLAGS answer with these; routing
// reads the command table's positions (key-positions.ts), not these.

import type { RedisCommand, RedisKeySpec } from './command-metadata.js';

/** A key: its argv index and its flags, in Redis's order (RO RW OW RM access update insert delete …). */
export interface KeyRef {
  readonly pos: number;
  readonly flags: readonly string[];
}

type GetKeysProc = (argv: readonly string[]) => KeyRef[];

const eq = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b;

/** C's atoi: leading blanks, a sign, digits; 0 when there are none. strtol saturates, and its cast to int then gives -1. */
function atoi(s: string): number {
  const n = parseInt(s, 10);
  if (Number.isNaN(n)) return 0;
  return n > 2147483647 || n < -2147483648 ? -1 : n;
}

/** Redis's string2ll: an optional minus, then digits without a leading zero; null when it is not one. */
function string2ll(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
}

/** genericGetKeys: `num` keys counted by argv[keyCountOfs] from argv[firstKeyOfs], then the store key if any. */
function counted(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number): GetKeysProc {
  return (argv) => {
    const num = atoi(argv[keyCountOfs] ?? '');
    if (num < 1 || num > argv.length - firstKeyOfs) return [];
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: firstKeyOfs + i, flags: [] });
    if (storeKeyOfs) keys.push({ pos: storeKeyOfs, flags: [] });
    return keys;
  };
}

const setGetKeys: GetKeysProc = (argv) => {
  for (let i = 3; i < argv.length; i++) if (eq(argv[i], 'get')) return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
  return [{ pos: 1, flags: ['OW', 'update'] }];
};

const bitfieldGetKeys: GetKeysProc = (argv) => {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remargs = argv.length - i - 1;
    if (eq(argv[i], 'get') && remargs >= 2) i += 2;
    else if ((eq(argv[i], 'set') || eq(argv[i], 'incrby')) && remargs >= 3) {
      readonly = false;
      break;
    } else if (eq(argv[i], 'overflow') && remargs >= 1) i += 1;
    else {
      readonly = false; // a syntax error: safer to assume a write, as Redis does
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
};

const sortGetKeys: GetKeysProc = (argv) => {
  const keys: KeyRef[] = [{ pos: 1, flags: ['RO', 'access'] }];
  let store: KeyRef | null = null;
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    // As db.c's loop: the first skiplist entry ("limit") decides when the argument is STORE.
    if (a in skip) i += skip[a]!;
    else if (a === 'store' && i + 1 < argv.length) store = { pos: i + 1, flags: ['OW', 'update'] };
  }
  return store ? [...keys, store] : keys;
};

const migrateGetKeys: GetKeysProc = (argv) => {
  let first = 3;
  let num = 1;
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (a === 'keys') {
        if (argv[3]!.length > 0) num = 0;
        else {
          first = i + 1;
          num = argv.length - first;
        }
        break;
      }
      if (a in skip) i += skip[a]!;
    }
  }
  const keys: KeyRef[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: ['RW', 'access', 'delete'] });
  return keys;
};

const georadiusGetKeys: GetKeysProc = (argv) => {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((eq(argv[i], 'store') || eq(argv[i], 'storedist')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored < 0 ? [{ pos: 1, flags: [] }] : [{ pos: 1, flags: [] }, { pos: stored, flags: [] }];
};

const xreadGetKeys: GetKeysProc = (argv) => {
  let streams = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else {
      if (a === 'streams') streams = i;
      break;
    }
  }
  const n = streams < 0 ? 0 : argv.length - streams - 1;
  if (streams < 0 || n === 0 || n % 2 !== 0) return [];
  const keys: KeyRef[] = [];
  for (let i = streams + 1; i < argv.length - n / 2; i++) keys.push({ pos: i, flags: [] });
  return keys;
};

/** The commands with a getkeys function in Redis 7.0.15 (their src/commands/*.json "get_keys_function"). */
const GETKEYS_PROCS: Readonly<Record<string, GetKeysProc>> = {
  set: setGetKeys,
  bitfield: bitfieldGetKeys,
  sort: sortGetKeys,
  sort_ro: () => [{ pos: 1, flags: ['RO', 'access'] }],
  migrate: migrateGetKeys,
  georadius: georadiusGetKeys,
  georadiusbymember: georadiusGetKeys,
  xread: xreadGetKeys,
  xreadgroup: xreadGetKeys,
  eval: counted(0, 2, 3),
  evalsha: counted(0, 2, 3),
  eval_ro: counted(0, 2, 3),
  evalsha_ro: counted(0, 2, 3),
  fcall: counted(0, 2, 3),
  fcall_ro: counted(0, 2, 3),
  lmpop: counted(0, 1, 2),
  blmpop: counted(0, 2, 3),
  zmpop: counted(0, 1, 2),
  bzmpop: counted(0, 2, 3),
  sintercard: counted(0, 1, 2),
  zunion: counted(0, 1, 2),
  zinter: counted(0, 1, 2),
  zdiff: counted(0, 1, 2),
  zintercard: counted(0, 1, 2),
  zunionstore: counted(1, 2, 3),
  zinterstore: counted(1, 2, 3),
  zdiffstore: counted(1, 2, 3),
};

const isKey = (k: RedisKeySpec): boolean => !k.flags.includes('not_key');

/** Redis's doesCommandHaveKeys: a getkeys function, or a key spec for real keys. */
function hasKeys(c: RedisCommand): boolean {
  return GETKEYS_PROCS[c.name] !== undefined || c.key_specs.some(isKey);
}

/** getKeysUsingKeySpecs: the keys every spec finds, or null when one is incomplete or does not fit argv. */
function keysUsingKeySpecs(c: RedisCommand, argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const spec of c.key_specs) {
    if (!isKey(spec)) continue;
    const bs = spec.begin_search.spec;
    const fk = spec.find_keys.spec;
    let first = 0;
    if (spec.begin_search.type === 'index') first = Number(bs['index']);
    else if (spec.begin_search.type === 'keyword') {
      const startfrom = Number(bs['startfrom']);
      const keyword = String(bs['keyword']).toLowerCase();
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i]!.toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword not found
    } else return null;

    let last: number;
    let step: number;
    if (spec.find_keys.type === 'range') {
      step = Number(fk['keystep']);
      const lastkey = Number(fk['lastkey']);
      const limit = Number(fk['limit']);
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (spec.find_keys.type === 'keynum') {
      step = Number(fk['keystep']);
      const keynumidx = Number(fk['keynumidx']);
      if (keynumidx >= argc) return null;
      const numkeys = string2ll(argv[first + keynumidx] ?? '');
      if (numkeys === null || numkeys < 0n) return null;
      first += Number(fk['firstkey']);
      last = first + Number(BigInt.asIntN(32, numkeys)) - 1;
    } else return null;

    // First or last out of bounds: a syntax error.
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue;
      keys.push({ pos: i, flags: spec.flags });
    }
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

/** getKeysFromCommandWithSpecs: the specs when they are reliable and fit, else the command's getkeys function. */
function keysOf(c: RedisCommand, argv: readonly string[]): KeyRef[] {
  const hasKeySpec = c.key_specs.some(isKey);
  const hasVariableFlags = c.key_specs.some((k) => k.flags.includes('variable_flags'));
  if (hasKeySpec && !hasVariableFlags) {
    const keys = keysUsingKeySpecs(c, argv);
    if (keys !== null) return keys;
  }
  return GETKEYS_PROCS[c.name]?.(argv) ?? [];
}

/**
 * COMMAND GETKEYS once the command is found (server.c getKeysSubcommandImpl):
 * Redis's error text, or the keys. `arity` is the one the server checks.
 */
export function commandKeys(c: RedisCommand, argv: readonly string[], arity = c.arity): KeyRef[] | string {
  if (!hasKeys(c)) return 'ERR The command has no key arguments';
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return 'ERR Invalid number of arguments specified for command';
  const keys = keysOf(c, argv);
  if (keys.length === 0 && !c.flags.includes('no_mandatory_keys')) return 'ERR Invalid arguments specified for command';
  return keys;
}
