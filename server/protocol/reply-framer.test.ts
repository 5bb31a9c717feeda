// Reply framing for relayed replies: where each reply ends, "not yet" for every
// truncation of a valid reply, "not RESP" for malformed input, and the helpers
// that look inside replies when merging results from several nodes.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as r from './resp.js';
import { LongReply, type AnyReply } from './resp.js';
import { arrayElements, integerValue, isErrorReply, ReplySplitter, replyEnd, stringValue } from './reply-framer.js';

const VALID = [
  '+OK\r\n',
  '-ERR no\r\n',
  ':-12\r\n',
  '$3\r\nabc\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '$4\r\na\r\nb\r\n', // a payload that contains CRLF
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n+x\r\n',
  // RESP3
  '_\r\n',
  ',3.14\r\n',
  '#t\r\n',
  '(12345678901234567890\r\n',
  '!5\r\nERR x\r\n',
  '=8\r\ntxt:a\r\nb\r\n',
  '%2\r\n$1\r\nf\r\n:1\r\n$1\r\ng\r\n_\r\n',
  '~2\r\n:1\r\n:2\r\n',
  '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n',
  '|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n', // an attribute, then the reply it describes
  '*2\r\n%1\r\n+a\r\n~1\r\n_\r\n*0\r\n',
];

describe('replyEnd', () => {
  for (const reply of VALID) {
    test(`frames ${JSON.stringify(reply)}, and every truncation of it is incomplete`, () => {
      expect(replyEnd(reply, 0)).toBe(reply.length);
      expect(replyEnd('xx' + reply + '+next\r\n', 2)).toBe(2 + reply.length);
      for (let i = 0; i < reply.length; i++) expect(replyEnd(reply.slice(0, i), 0), `first ${i} bytes`).toBe(-1);
    });
  }

  test('a run of replies is framed one at a time', () => {
    const all = VALID.join('');
    let pos = 0;
    let count = 0;
    while (pos < all.length) {
      pos = replyEnd(all, pos);
      expect(pos).toBeGreaterThan(0);
      count++;
    }
    expect(count).toBe(VALID.length);
  });

  const malformed = ['?\r\n', 'x\r\n', '$abc\r\n', '$\r\nabc', '$ 3\r\nabc\r\n', '$1e1\r\n', '$0x3\r\nabc\r\n', '$-2\r\n', '*x\r\n', '*\r\n', '*+1\r\n:1\r\n', '*1\r\n?\r\n'];
  for (const bad of malformed) {
    test(`refuses ${JSON.stringify(bad)}`, () => expect(replyEnd(bad, 0)).toBe(-2));
  }

  test('never throws and never runs past the input, whatever the bytes', () => {
    const alphabet = fc.constantFrom('*', '$', '+', '-', ':', '%', '|', '~', '_', '1', '2', '0', '-1', '\r\n', '\r', 'a');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        const end = replyEnd(s, 0);
        return end === -1 || end === -2 || (end > 0 && end <= s.length);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Feeds `chunks` to a splitter; returns the replies and the first error. */
function split(chunks: readonly Buffer[]): { replies: AnyReply[]; error: string | null } {
  const replies: AnyReply[] = [];
  let error: string | null = null;
  const splitter = new ReplySplitter(
    (reply) => replies.push(reply),
    (why) => {
      error ??= why;
    },
  );
  for (const c of chunks) splitter.feed(c);
  return { replies, error };
}

describe('ReplySplitter (a link\'s input)', () => {
  const all = Buffer.from(VALID.join(''), 'latin1');

  test('splits a run of replies the same way however the stream is cut', () => {
    expect(split([all])).toEqual({ replies: VALID, error: null });
    expect(split([...all].map((b) => Buffer.from([b])))).toEqual({ replies: VALID, error: null });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), all.length];
        const chunks = points.slice(1).map((end, i) => all.subarray(points[i]!, end));
        expect(split(chunks)).toEqual({ replies: VALID, error: null });
      }),
      { numRuns: 300 },
    );
  });

  test('a reply cut anywhere is not delivered until its last byte comes', () => {
    for (const reply of VALID) {
      const b = Buffer.from(reply, 'latin1');
      for (let i = 1; i < b.length; i++) expect(split([b.subarray(0, i)]).replies, `${JSON.stringify(reply)} cut at ${i}`).toEqual([]);
    }
  });

  test('a big bulk in many chunks costs one pass: its payload is never scanned for line ends', () => {
    const payload = Buffer.alloc(20 << 20, 0x0a); // all LF: a rescan per chunk would find "lines" everywhere
    const chunks = [Buffer.from(`$${payload.length}\r\n`), ...Array.from({ length: payload.length >> 16 }, (_, i) => payload.subarray(i << 16, (i + 1) << 16)), Buffer.from('\r\n+OK\r\n')];
    const { replies, error } = split(chunks);
    expect(error).toBeNull();
    expect(replies).toHaveLength(2);
    // Past LONG_REPLY it comes as pieces of about a megabyte, never one string.
    const big = replies[0]!;
    expect(big).toBeInstanceOf(LongReply);
    expect(big.length).toBe(payload.length + `$${payload.length}\r\n`.length + 2);
    expect((big as LongReply).parts.every((p) => p.length <= 2 << 20)).toBe(true);
    expect((big as LongReply).parts.join('')).toBe(`$${payload.length}\r\n` + payload.toString('latin1') + '\r\n');
    expect(replies[1]).toBe('+OK\r\n');
  });

  const malformed = ['?\r\n', 'x\r\n', '$abc\r\n', '$ 3\r\nabc\r\n', '$1e1\r\n', '$-2\r\n', '*x\r\n', '*\r\n', '*1\r\n?\r\n', '+OK\n'];
  for (const bad of malformed) {
    test(`stops at ${JSON.stringify(bad)}, after the good replies before it`, () => {
      const { replies, error } = split([Buffer.from('+first\r\n' + bad + '+after\r\n', 'latin1')]);
      expect(replies).toEqual(['+first\r\n']);
      expect(error).not.toBeNull();
    });
  }
});

describe('looking inside replies', () => {
  test('arrayElements splits an array into encoded elements', () => {
    expect(arrayElements('*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:1\r\n')).toEqual(['$1\r\na\r\n', '$-1\r\n', '*1\r\n:1\r\n']);
    expect(arrayElements('*0\r\n')).toEqual([]);
    expect(arrayElements('$1\r\na\r\n')).toBeNull();
  });

  test('isErrorReply knows RESP2 and RESP3 errors', () => {
    expect(isErrorReply('-ERR x\r\n')).toBe(true);
    expect(isErrorReply('!5\r\nERR x\r\n')).toBe(true);
    expect(isErrorReply('+OK\r\n')).toBe(false);
  });

  test('integerValue and stringValue', () => {
    expect(integerValue(':42\r\n')).toBe(42);
    expect(integerValue('+42\r\n')).toBeNull();
    expect(stringValue('+OK\r\n')).toBe('OK');
    expect(stringValue('$4\r\na\r\nb\r\n')).toBe('a\r\nb');
    expect(stringValue('$-1\r\n')).toBeUndefined();
    expect(stringValue('_\r\n')).toBeUndefined();
    expect(stringValue(':1\r\n')).toBeNull();
  });
});

describe('long replies', () => {
  test('arrayElements splits a LongReply into its elements', () => {
    const a = 'a'.repeat(7 << 20);
    const long = r.valuesArray([a, undefined, a, a], 2);
    expect(long).toBeInstanceOf(LongReply);
    expect(arrayElements(long)).toEqual([r.bulk(a), '$-1\r\n', r.bulk(a), r.bulk(a)]);
    expect(isErrorReply(long)).toBe(false);
    expect(integerValue(long)).toBeNull();
  });
});
