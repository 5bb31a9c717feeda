// The AOF writer, loader and rewrite, on real files in temp directories: binary
// round trips, a torn last command cut at every offset, corruption, MULTI without
// EXEC, write errors, the legacy upgrade, and a crash at every step of a rewrite
// (the directory copied as it stands at that step, then loaded and reopened).

import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofLoader, AofLoadError, AofWriter, aofRewriteDue, type AofLoadResult, type AofOptions, type RewriteStep } from './aof.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kv-aof-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function loadAll(opts: AofOptions): Promise<{ cmds: string[][]; result: AofLoadResult }> {
  const loader = new AofLoader(opts);
  const cmds: string[][] = [];
  for await (const argv of loader) cmds.push(argv);
  return { cmds, result: loader.result };
}

async function loadError(opts: AofOptions): Promise<AofLoadError> {
  try {
    await loadAll(opts);
  } catch (e) {
    expect(e).toBeInstanceOf(AofLoadError);
    return e as AofLoadError;
  }
  throw new Error('loaded without an error');
}

const withoutSelect = (cmds: string[][]): string[][] => cmds.filter((c) => c[0] !== 'SELECT');

/** The dataset the commands build: what a node would hold after applying them. */
type Model = Map<string, { value: string | Map<string, string>; expireAt?: string }>;
function apply(model: Model, argv: readonly string[]): void {
  const [cmd, key, ...rest] = argv as [string, string, ...string[]];
  switch (cmd.toUpperCase()) {
    case 'SELECT':
      return;
    case 'SET':
      model.set(key, { value: rest[0] as string });
      return;
    case 'HSET': {
      const e = model.get(key);
      const h = e && typeof e.value !== 'string' ? e.value : new Map<string, string>();
      for (let i = 0; i < rest.length; i += 2) h.set(rest[i] as string, rest[i + 1] as string);
      model.set(key, { ...e, value: h });
      return;
    }
    case 'DEL':
      model.delete(key);
      return;
    case 'INCRBY': {
      const e = model.get(key);
      const v = BigInt(e && typeof e.value === 'string' ? e.value : '0') + BigInt(rest[0] as string);
      model.set(key, { ...e, value: String(v) });
      return;
    }
    case 'PEXPIREAT': {
      const e = model.get(key);
      if (e) e.expireAt = rest[0] as string;
      return;
    }
    default:
      throw new Error(`model: ${cmd}`);
  }
}
function modelOf(cmds: readonly (readonly string[])[]): Model {
  const m: Model = new Map();
  for (const c of cmds) apply(m, c);
  return m;
}
/** The commands a rewrite emits for a model: SET or HSET, then PEXPIREAT. */
function rebuild(model: Model): string[][] {
  const out: string[][] = [];
  for (const [k, e] of model) {
    if (typeof e.value === 'string') out.push(['SET', k, e.value]);
    else out.push(['HSET', k, ...[...e.value].flat()]);
    if (e.expireAt !== undefined) out.push(['PEXPIREAT', k, e.expireAt]);
  }
  return out;
}
const plain = (m: Model): unknown => [...m].map(([k, e]) => [k, typeof e.value === 'string' ? e.value : [...e.value], e.expireAt ?? null]).sort();

const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const binary = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: byte, maxLength }), fc.constantFrom('', '\r\n', '*1\r\n$1\r\n', '\r', '\n'));

async function writeCommands(opts: AofOptions, cmds: readonly (readonly string[])[]): Promise<void> {
  const w = AofWriter.open(opts);
  for (const c of cmds) w.append(c);
  await w.close();
}

function incrPath(dir: string, seq = 1): string {
  return join(dir, 'appendonlydir', `appendonly.aof.${seq}.incr.aof`);
}

describe('writer and loader', () => {
  it('round-trips binary commands under every fsync policy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('always', 'everysec', 'no' as const),
        fc.array(fc.array(binary(40), { minLength: 1, maxLength: 5 }), { maxLength: 30 }),
        async (policy, cmds) => {
          const dir = tempDir();
          const opts: AofOptions = { dir, appendFsync: policy };
          await writeCommands(opts, cmds);
          const { cmds: back, result } = await loadAll(opts);
          expect(result.status).toBe(cmds.length === 0 ? 'empty' : 'ok');
          expect(back).toEqual(cmds.length === 0 ? [] : [['SELECT', '0'], ...cmds]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('writes the bytes Redis would', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, [['SET', 'k', 'a\r\nb'], ['SET', 'e', '']]);
    expect(readFileSync(incrPath(dir), 'latin1')).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n*3\r\n$3\r\nSET\r\n$1\r\ne\r\n$0\r\n\r\n');
    expect(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    expect(statSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof')).size).toBe(0);
  });

  it('round-trips 1 MB values, written in pieces and read across chunk boundaries', async () => {
    const dir = tempDir();
    const big = Array.from({ length: 1 << 20 }, (_, i) => String.fromCharCode((i * 7) & 255)).join('');
    const cmds = [['SET', 'a', big], ['SET', big.slice(0, 70000), 'x'], ['HSET', 'h', 'f', big, 'g', ''], ['SET', 'b', big + '\r\n']];
    await writeCommands({ dir }, cmds);
    const { cmds: back } = await loadAll({ dir });
    expect(withoutSelect(back)).toEqual(cmds);
  });

  it('appends after a restart, with a new SELECT, and sizes add up', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, [['SET', 'a', '1']]);
    const w = AofWriter.open({ dir });
    expect(w.sizes().currentSize).toBe(statSync(incrPath(dir)).size);
    w.append(['SET', 'b', '2']);
    expect(w.flushSync()).toBe(true);
    expect(w.sizes().currentSize).toBe(statSync(incrPath(dir)).size);
    await w.close();
    expect((await loadAll({ dir })).cmds).toEqual([['SELECT', '0'], ['SET', 'a', '1'], ['SELECT', '0'], ['SET', 'b', '2']]);
  });

  it('commit() resolves once written (and with always, synced)', async () => {
    for (const policy of ['always', 'everysec', 'no'] as const) {
      const dir = tempDir();
      const w = AofWriter.open({ dir, appendFsync: policy });
      const commits: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        w.append(['SET', `k${i}`, 'v']);
        commits.push(w.commit());
      }
      await Promise.all(commits);
      expect(statSync(incrPath(dir)).size).toBe(w.sizes().currentSize);
      await w.close();
    }
  });
});

describe('reading what others wrote', () => {
  function aofDir(files: Record<string, string>, manifest: string): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'appendonlydir'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'appendonlydir', name), text, 'latin1');
    writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), manifest);
    return dir;
  }
  const manifest = 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n';

  it('skips annotations such as #TS timestamps', async () => {
    const dir = aofDir({ 'appendonly.aof.1.base.aof': '#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n', 'appendonly.aof.1.incr.aof': '#TS:1700000001\r\n' }, manifest);
    const { cmds, result } = await loadAll({ dir, loadTruncated: false });
    expect(cmds).toEqual([['SET', 'a', '1']]);
    expect(result.status).toBe('ok');
  });

  it('refuses an RDB-format base clearly', async () => {
    const dir = aofDir({ 'appendonly.aof.1.base.aof': 'REDIS0010\xfa', 'appendonly.aof.1.incr.aof': '' }, manifest);
    expect((await loadError({ dir })).message).toContain('is in RDB format (aof-use-rdb-preamble yes)');
  });

  it('fails on an EXEC without MULTI, as redis-check-aof does', async () => {
    const dir = aofDir({ 'appendonly.aof.1.base.aof': '', 'appendonly.aof.1.incr.aof': '*1\r\n$4\r\nEXEC\r\n' }, manifest);
    const err = await loadError({ dir });
    expect(err.message).toContain('Unexpected EXEC in AOF appendonly.aof.1.incr.aof');
    expect(err.offset).toBe(0);
  });

  it('reads commands whose lines and arguments straddle read boundaries anywhere', async () => {
    const dir = tempDir();
    const cmds = fc.sample(fc.array(binary(300), { minLength: 1, maxLength: 6 }), { numRuns: 12000, seed: 42 });
    await writeCommands({ dir }, cmds);
    expect(statSync(incrPath(dir)).size).toBeGreaterThan(4 * 64 * 1024);
    expect(withoutSelect((await loadAll({ dir, loadTruncated: false })).cmds)).toEqual(cmds);
    const few = cmds.slice(0, 300);
    const small = tempDir();
    await writeCommands({ dir: small }, few);
    for (const readChunkBytes of [1, 2, 3, 5, 7, 64, 1000]) {
      expect(withoutSelect((await loadAll({ dir: small, loadTruncated: false, readChunkBytes })).cmds)).toEqual(few);
    }
  });
});

describe('a torn or corrupt file', () => {
  const cmds = [['SET', 'a', '1'], ['HSET', 'h', 'f\r\n', 'v'], ['SET', 'last', 'x\r\ny']];

  it('loads the prefix of a last command cut at any offset with aof-load-truncated yes, fails with no', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, cmds);
    const full = readFileSync(incrPath(dir));
    const lastLen = Buffer.byteLength('*3\r\n$3\r\nSET\r\n$4\r\nlast\r\n$4\r\nx\r\ny\r\n');
    const start = full.length - lastLen;
    for (let cut = start + 1; cut < full.length; cut++) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      truncateSync(incrPath(copy), cut);
      const err = await loadError({ dir: copy, loadTruncated: false, readChunkBytes: 1 + (cut % 5) });
      expect(err.message).toContain('Unexpected end of file');
      expect(err.offset).toBe(start);
      const { cmds: back, result } = await loadAll({ dir: copy });
      expect(withoutSelect(back)).toEqual(cmds.slice(0, 2));
      expect(result.status).toBe('truncated');
      expect(result.truncatedAt).toEqual({ file: 'appendonly.aof.1.incr.aof', offset: start });
      expect(result.warnings.join('\n')).toContain(`Truncating the AOF appendonly.aof.1.incr.aof at offset ${start}`);
      expect(statSync(incrPath(copy)).size).toBe(start);
      // Truncated once, the file now loads cleanly and takes appends again.
      await writeCommands({ dir: copy }, [['SET', 'after', '1']]);
      expect(withoutSelect((await loadAll({ dir: copy, loadTruncated: false })).cmds)).toEqual([...cmds.slice(0, 2), ['SET', 'after', '1']]);
    }
  });

  it('names the file and offset of a corrupt byte and suggests redis-check-aof --fix', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, cmds);
    const file = incrPath(dir);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('*4\r\n$4\r\nHSET');
    expect(at).toBeGreaterThan(0);
    bytes[at + 4] = 0x21; // the '$' of HSET's length
    writeFileSync(file, bytes);
    const err = await loadError({ dir });
    expect(err.file).toBe('appendonly.aof.1.incr.aof');
    expect(err.offset).toBe(at + 4);
    expect(err.message).toContain(`Bad file format reading the append only file appendonly.aof.1.incr.aof at offset ${at + 4}`);
    expect(err.message).toContain(`redis-check-aof --fix ${join(dir, 'appendonlydir', 'appendonly.aof.manifest')}`);
  });

  it('treats a MULTI without EXEC at the end as truncated, and applies a closed one', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, [['SET', 'a', '1'], ['MULTI'], ['SET', 'b', '2'], ['EXEC'], ['MULTI'], ['SET', 'c', '3']]);
    const before = readFileSync(incrPath(dir), 'latin1').lastIndexOf('*1\r\n$5\r\nMULTI');
    expect((await loadError({ dir, loadTruncated: false })).message).toContain('Unexpected end of file');
    const { cmds: back, result } = await loadAll({ dir });
    expect(withoutSelect(back)).toEqual([['SET', 'a', '1'], ['SET', 'b', '2']]);
    expect(result.truncatedAt?.offset).toBe(before);
    expect(result.warnings[0]).toBe('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof');
  });

  it('fails when a file other than the last is torn', async () => {
    const dir = tempDir();
    const w = AofWriter.open({ dir });
    w.append(['SET', 'a', '1']);
    w.flushSync();
    const base = w.startRewrite();
    base.append(['SET', 'a', '1']);
    await w.abortRewrite();
    w.append(['SET', 'b', '2']);
    await w.close();
    truncateSync(incrPath(dir, 1), statSync(incrPath(dir, 1)).size - 1);
    const err = await loadError({ dir });
    expect(err.message).toContain('the truncated file is not the last file');
    expect(err.file).toBe('appendonly.aof.1.incr.aof');
  });

  it('fails on a file named in the manifest that is missing', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, cmds);
    rmSync(incrPath(dir));
    expect((await loadError({ dir })).message).toContain("appendonly.aof.1.incr.aof doesn't exist");
  });

  it('reports no AOF, and an empty one', async () => {
    const dir = tempDir();
    expect((await loadAll({ dir })).result.status).toBe('none');
    await AofWriter.open({ dir }).close();
    expect((await loadAll({ dir })).result.status).toBe('empty');
  });
});

describe('errors while writing', () => {
  it('sets the error state when a write fails, and rejects commit()', async () => {
    if (!existsSync('/dev/full')) return;
    const dir = tempDir();
    const aofDir = join(dir, 'appendonlydir');
    mkdirSync(aofDir);
    writeFileSync(join(aofDir, 'appendonly.aof.1.base.aof'), '');
    symlinkSync('/dev/full', join(aofDir, 'appendonly.aof.1.incr.aof'));
    writeFileSync(join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const w = AofWriter.open({ dir, appendFsync: 'everysec' });
    w.append(['SET', 'a', '1']);
    const committed = w.commit();
    expect(w.flushSync()).toBe(false);
    expect((w.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    await expect(committed).rejects.toThrow(/ENOSPC/);
    await expect(w.flushAndSync()).rejects.toThrow(/ENOSPC/);
    await expect(w.close()).rejects.toThrow(/ENOSPC/);
  });
});

describe('the legacy single AOF', () => {
  it('is moved into the AOF directory as its base, as Redis upgrades it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'appendonly.aof'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
    const { cmds, result } = await loadAll({ dir });
    expect(cmds).toEqual([['SET', 'k', 'v']]);
    expect(result.upgraded).toBe(true);
    expect(existsSync(join(dir, 'appendonly.aof'))).toBe(false);
    expect(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toBe('file appendonly.aof seq 1 type b\n');
    await writeCommands({ dir }, [['SET', 'k2', 'v2']]);
    expect(withoutSelect((await loadAll({ dir })).cmds)).toEqual([['SET', 'k', 'v'], ['SET', 'k2', 'v2']]);
  });

  it('finishes an upgrade a crash interrupted after the manifest was written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'appendonly.aof'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
    mkdirSync(join(dir, 'appendonlydir'));
    writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof seq 1 type b\n');
    const { cmds, result } = await loadAll({ dir });
    expect(cmds).toEqual([['SET', 'k', 'v']]);
    expect(result.upgraded).toBe(true);
  });

  it('is left alone when the AOF directory already has files', async () => {
    const dir = tempDir();
    await writeCommands({ dir }, [['SET', 'new', '1']]);
    writeFileSync(join(dir, 'appendonly.aof'), '*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$1\r\nv\r\n');
    const { cmds, result } = await loadAll({ dir });
    expect(withoutSelect(cmds)).toEqual([['SET', 'new', '1']]);
    expect(result.upgraded).toBe(false);
    expect(existsSync(join(dir, 'appendonly.aof'))).toBe(true);
  });
});

describe('sizes for auto-aof-rewrite', () => {
  it('follows serverCron: growth over the base and the minimum size', () => {
    expect(aofRewriteDue({ baseSize: 100, currentSize: 200 }, 100, 64)).toBe(true);
    expect(aofRewriteDue({ baseSize: 100, currentSize: 199 }, 100, 64)).toBe(false);
    expect(aofRewriteDue({ baseSize: 0, currentSize: 65 }, 100, 64)).toBe(true);
    expect(aofRewriteDue({ baseSize: 0, currentSize: 64 }, 100, 64)).toBe(false);
    expect(aofRewriteDue({ baseSize: 1, currentSize: 1000 }, 0, 64)).toBe(false);
  });
});

describe('rewrite', () => {
  const firstWrites = [['SET', 'a', '1'], ['INCRBY', 'n', '5'], ['HSET', 'h', 'f', 'v\r\n'], ['PEXPIREAT', 'a', '4102444800000'], ['SET', 'gone', 'x'], ['DEL', 'gone']];
  const duringWrites = [['INCRBY', 'n', '2'], ['SET', 'b', ''], ['HSET', 'h', 'g', '\x00\xff']];

  it('swaps in a new base, keeps writes made meanwhile, deletes the old files', async () => {
    const dir = tempDir();
    const w = AofWriter.open({ dir });
    for (const c of firstWrites) w.append(c);
    w.flushSync();
    const snapshot = modelOf(firstWrites);
    const base = w.startRewrite();
    expect(w.rewriting).toBe(true);
    for (const c of duringWrites) w.append(c);
    for (const c of rebuild(snapshot)) base.append(c);
    await w.finishRewrite();
    w.append(['SET', 'c', '3']);
    const sizes = w.sizes();
    await w.close();
    const files = readdirSync(join(dir, 'appendonlydir')).sort();
    expect(files).toEqual(['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    expect(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    expect(sizes.baseSize).toBe(statSync(join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof')).size + statSync(incrPath(dir, 2)).size - Buffer.byteLength('*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n'));
    const { cmds } = await loadAll({ dir });
    expect(plain(modelOf(cmds))).toEqual(plain(modelOf([...firstWrites, ...duringWrites, ['SET', 'c', '3']])));
  });

  it('leaves a directory that loads the same data after a crash at any step', async () => {
    const dir = tempDir();
    const snaps: { step: RewriteStep; copy: string; expected: Model }[] = [];
    let written: string[][] = [];
    const opts: AofOptions = {
      dir,
      appendFsync: 'always',
      onRewriteStep: (step) => {
        const copy = tempDir();
        cpSync(dir, copy, { recursive: true });
        snaps.push({ step, copy, expected: modelOf(written) });
      },
    };
    const w = AofWriter.open(opts);
    for (const c of firstWrites) w.append(c);
    w.flushSync();
    written = [...firstWrites];
    const base = w.startRewrite();
    for (const c of duringWrites) w.append(c);
    w.flushSync();
    written = [...firstWrites, ...duringWrites];
    for (const c of rebuild(modelOf(firstWrites))) base.append(c);
    await w.finishRewrite();
    await w.close();
    expect(snaps.map((s) => s.step)).toEqual([
      'incr-created',
      'manifest-temp-synced',
      'manifest-renamed',
      'incr-manifest-persisted',
      'base-synced',
      'base-renamed',
      'manifest-temp-synced',
      'manifest-renamed',
      'history-deleted',
      'manifest-temp-synced',
      'manifest-renamed',
      'done',
    ]);
    for (const s of snaps) {
      const { cmds } = await loadAll({ dir: s.copy, loadTruncated: false });
      expect(plain(modelOf(cmds)), s.step).toEqual(plain(s.expected));
      // Restarting there: the writer cleans up, appends, and everything still loads.
      const again = AofWriter.open({ dir: s.copy });
      again.append(['SET', 'restart', s.step]);
      await again.close();
      const reloaded = await loadAll({ dir: s.copy, loadTruncated: false });
      expect(plain(modelOf(reloaded.cmds)), s.step).toEqual(plain(modelOf([...rebuild(s.expected), ['SET', 'restart', s.step]])));
      const left = readdirSync(join(s.copy, 'appendonlydir'));
      expect(left.filter((f) => f.startsWith('temp-')), s.step).toEqual([]);
    }
  });

  it('runs one at a time, the finish included', async () => {
    const dir = tempDir();
    const w = AofWriter.open({ dir });
    w.append(['SET', 'a', '1']);
    w.startRewrite().append(['SET', 'a', '1']);
    expect(() => w.startRewrite()).toThrow('Background append only file rewriting already in progress');
    const finishing = w.finishRewrite();
    expect(w.rewriting).toBe(true);
    expect(() => w.startRewrite()).toThrow('already in progress');
    await finishing;
    expect(w.rewriting).toBe(false);
    w.startRewrite();
    await w.close();
    expect(withoutSelect((await loadAll({ dir })).cmds)).toEqual([['SET', 'a', '1']]);
  });

  it('can be aborted, leaving both incr files in the manifest', async () => {
    const dir = tempDir();
    const w = AofWriter.open({ dir });
    w.append(['SET', 'a', '1']);
    const base = w.startRewrite();
    base.append(['SET', 'a', '1']);
    w.append(['SET', 'b', '2']);
    await w.abortRewrite();
    expect(() => w.startRewrite()).not.toThrow();
    await w.abortRewrite();
    await w.close();
    expect(readdirSync(join(dir, 'appendonlydir')).filter((f) => f.startsWith('temp-'))).toEqual([]);
    expect(withoutSelect((await loadAll({ dir })).cmds)).toEqual([['SET', 'a', '1'], ['SET', 'b', '2']]);
  });
});
