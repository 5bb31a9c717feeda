// The router: a pure function from a bucket name to the node that owns it, by
// the first byte of the name, over a table parsed from cluster.conf (the guide's
// KV.Router.route/4 without the dispatch).

import type { RouteEntry } from './config.js';

export type Route = { readonly node: string } | { readonly error: string };
// A found route is the table entry itself (it has .node), so routing allocates nothing.

/** The table as the error message and INFO show it: [a-m foo, n-z bar]. */
export function describeTable(table: readonly RouteEntry[]): string {
  return '[' + table.map((e) => `${e.text} ${e.node}`).join(', ') + ']';
}

/** A bucket name as Elixir's inspect/1 would print it: quoted, with non-printable bytes escaped. */
export function inspectBucket(key: string): string {
  let out = '"';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 34 || c === 92) out += '\\' + key[i];
    else if (c >= 32 && c < 127) out += key[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** The owner of `key`: the node of the entry covering its first byte. */
export function ownerOf(table: readonly RouteEntry[], key: string): Route {
  if (key.length > 0) {
    const first = key.charCodeAt(0);
    for (const e of table) if (first >= e.from && first <= e.to) return e;
  }
  return { error: `ERR could not find entry for ${inspectBucket(key)} in table ${describeTable(table)}` };
}

/** The owner of each first byte by `table`, as ownerOf() finds it (null where no entry covers it). */
export function ownersByByte(table: readonly RouteEntry[]): (string | null)[] {
  const out = new Array<string | null>(256).fill(null);
  for (const e of table) for (let b = e.from; b <= e.to; b++) out[b] ??= e.node;
  return out;
}
