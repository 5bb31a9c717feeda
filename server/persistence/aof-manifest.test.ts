// The manifest: round trips, and the malformed manifests of Redis's
// tests/integration/aof-multi-part.tcl with the error each one gets.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AofManifestError,
  baseFileName,
  incrFileName,
  manifestFileName,
  parseManifest,
  serializeManifest,
  tempManifestFileName,
  type AofManifest,
} from './aof-manifest.js';

function reason(text: string): string {
  try {
    parseManifest(text);
  } catch (e) {
    expect(e).toBeInstanceOf(AofManifestError);
    return (e as AofManifestError).reason;
  }
  throw new Error('parsed');
}

describe('manifest names', () => {
  it('follows appendfilename', () => {
    expect(baseFileName('appendonly.aof', 1)).toBe('appendonly.aof.1.base.aof');
    expect(incrFileName('appendonly.aof', 12)).toBe('appendonly.aof.12.incr.aof');
    expect(manifestFileName('appendonly.aof')).toBe('appendonly.aof.manifest');
    expect(tempManifestFileName('x.aof')).toBe('temp-x.aof.manifest');
  });
});

describe('parseManifest', () => {
  it('reads the base, history and incr lines Redis writes', () => {
    const m = parseManifest(
      'file appendonly.aof.2.base.aof seq 2 type b\n' +
        'file appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n' +
        'file appendonly.aof.3.incr.aof seq 3 type i\n',
    );
    expect(m.base).toEqual({ name: 'appendonly.aof.2.base.aof', seq: 2, type: 'b' });
    expect(m.history.map((f) => f.name)).toEqual(['appendonly.aof.1.incr.aof']);
    expect(m.incr.map((f) => f.seq)).toEqual([2, 3]);
    expect(m.baseSeq).toBe(2);
    expect(m.incrSeq).toBe(3);
  });

  it('skips comments, ignores unknown keys, takes keys in any case and order', () => {
    const m = parseManifest('# a comment\nTYPE i SEQ 4 FILE a.4.incr.aof extra x\n');
    expect(m.incr).toEqual([{ name: 'a.4.incr.aof', seq: 4, type: 'i' }]);
  });

  it('reads quoted names', () => {
    const m = parseManifest('file "a b\\x01\\"c" seq 1 type b\n');
    expect(m.base?.name).toBe('a b\x01"c');
  });

  it('gives Redis errors for malformed manifests', () => {
    expect(reason('')).toBe('Found an empty AOF manifest');
    expect(reason('file a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n')).toBe('Found a non-monotonic sequence number');
    expect(reason('file a.1.incr.aof seq 1 type i\n\nfile a.3.incr.aof seq 3 type i\n')).toBe('Invalid AOF manifest file format');
    expect(reason('file a.1.base.aof seq 1 type b\nfile a.2.base.aof seq 2 type b\n')).toBe('Found duplicate base file information');
    expect(reason('file a.1.base.aof seq 1 type x\n')).toBe('Unknown AOF file type');
    expect(reason('filx a.1.base.aof seq 1 type b\n')).toBe('Invalid AOF manifest file format');
    expect(reason('file a.1.incr.aof type i\n')).toBe('Invalid AOF manifest file format');
    expect(reason('file a.1.incr.aof seq 1 type i newkey\n')).toBe('Invalid AOF manifest file format');
    expect(reason('file a.1.base.aof seq 1 type b' + ' file a seq 1 type b'.repeat(60) + '\n')).toBe(
      'The AOF manifest file contains too long line',
    );
    expect(reason('file a.1.incr.aof seq 1 type i')).toBe('The AOF manifest file contains too long line');
    expect(reason('file dir/a.1.base.aof seq 1 type b\n')).toBe("File can't be a path, just a filename");
    expect(reason('file a.1.base.aof seq 0 type b\n')).toBe('Invalid AOF manifest file format');
    expect(reason('file "a seq 1 type b\n')).toBe('Invalid AOF manifest file format');
  });

  it('names the line it was reading', () => {
    try {
      parseManifest('file a.1.base.aof seq 1 type b\nfile a.1.base.aof seq 1 type q\n');
    } catch (e) {
      expect((e as AofManifestError).lineNumber).toBe(2);
      expect((e as Error).message).toContain("at line 2: 'file a.1.base.aof seq 1 type q'");
    }
  });
});

describe('serializeManifest', () => {
  it('writes base, then history, then incr', () => {
    const m: AofManifest = {
      base: { name: 'appendonly.aof.2.base.aof', seq: 2, type: 'b' },
      history: [{ name: 'appendonly.aof.1.base.aof', seq: 1, type: 'h' }],
      incr: [{ name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' }],
      baseSeq: 2,
      incrSeq: 2,
    };
    expect(serializeManifest(m)).toBe(
      'file appendonly.aof.2.base.aof seq 2 type b\n' +
        'file appendonly.aof.1.base.aof seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
    );
  });

  it('round-trips any file names and sequences', () => {
    const name = fc
      .string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 })
      .filter((s) => !s.includes('/') && !s.includes('\\'));
    fc.assert(
      fc.property(
        fc.option(name, { nil: null }),
        fc.array(name, { maxLength: 3 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1e9 }), { maxLength: 4 }),
        (baseName, hist, seqs) => {
          const incrSeqs = [...seqs].sort((a, b) => a - b);
          const m: AofManifest = {
            base: baseName === null ? null : { name: baseName, seq: 7, type: 'b' },
            history: hist.map((n, i) => ({ name: n, seq: i + 1, type: 'h' as const })),
            incr: incrSeqs.map((s) => ({ name: `x.${s}.incr.aof`, seq: s, type: 'i' as const })),
            baseSeq: baseName === null ? 0 : 7,
            incrSeq: incrSeqs[incrSeqs.length - 1] ?? 0,
          };
          const text = serializeManifest(m);
          if (text.length === 0) return;
          const back = parseManifest(text);
          expect(back).toEqual(m);
        },
      ),
      { numRuns: 500 },
    );
  });
});
