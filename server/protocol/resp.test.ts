// The reply encoders: exact bytes for each shape in RESP2 and RESP3, byte-for-byte
// round trips of binary strings, and error texts that cannot break framing.

import { describe, expect, test } from 'vitest';
import * as r from './resp.js';
import { replyEnd } from './reply-framer.js';

describe('scalars', () => {
  test('constants', () => {
    expect([r.OK, r.QUEUED, r.PONG, r.ZERO, r.ONE, r.EMPTY_ARRAY]).toEqual(['+OK\r\n', '+QUEUED\r\n', '+PONG\r\n', ':0\r\n', ':1\r\n', '*0\r\n']);
  });

  test('simple strings, integers, bulks', () => {
    expect(r.simple('OK')).toBe('+OK\r\n');
    expect(r.integer(-5)).toBe(':-5\r\n');
    expect(r.integer(9223372036854775807n)).toBe(':9223372036854775807\r\n');
    expect(r.bulk('')).toBe('$0\r\n\r\n');
    expect(r.bulk('a\r\nb')).toBe('$4\r\na\r\nb\r\n');
  });

  test('a bulk counts bytes: every latin1 char is one byte on the wire', () => {
    const binary = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const wire = Buffer.from(r.bulk(binary), 'latin1');
    expect(wire.subarray(0, 6).toString()).toBe('$256\r\n');
    expect([...wire.subarray(6, 262)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(wire.subarray(262).toString()).toBe('\r\n');
  });

  test('errors: CR and LF become spaces, so a reply never spans two lines', () => {
    expect(r.error('ERR syntax error')).toBe('-ERR syntax error\r\n');
    expect(r.error("ERR Protocol error: expected '$', got '\r'")).toBe("-ERR Protocol error: expected '$', got ' '\r\n");
    expect(r.error('ERR a\r\nb\nc')).toBe('-ERR a  b c\r\n');
  });

  test('nulls and booleans differ between RESP2 and RESP3', () => {
    expect(r.nil(2)).toBe('$-1\r\n');
    expect(r.nil(3)).toBe('_\r\n');
    expect(r.nilArray(2)).toBe('*-1\r\n');
    expect(r.nilArray(3)).toBe('_\r\n');
    expect(r.bulkOrNil(undefined, 2)).toBe('$-1\r\n');
    expect(r.bulkOrNil('x', 3)).toBe('$1\r\nx\r\n');
    expect(r.boolean(true, 2)).toBe(':1\r\n');
    expect(r.boolean(false, 2)).toBe(':0\r\n');
    expect(r.boolean(true, 3)).toBe('#t\r\n');
    expect(r.boolean(false, 3)).toBe('#f\r\n');
  });
});

describe('aggregates', () => {
  test('arrays', () => {
    expect(r.arrayHeader(3)).toBe('*3\r\n');
    expect(r.array([])).toBe('*0\r\n');
    expect(r.array([r.ONE, r.bulk('a')])).toBe('*2\r\n:1\r\n$1\r\na\r\n');
    expect(r.bulkArray(['a', undefined, ''], 2)).toBe('*3\r\n$1\r\na\r\n$-1\r\n$0\r\n\r\n');
    expect(r.bulkArray(['a', undefined], 3)).toBe('*2\r\n$1\r\na\r\n_\r\n');
  });

  test('maps are %n in RESP3 and flat arrays in RESP2', () => {
    const pairs: [string, string][] = [[r.bulk('f'), r.integer(1)], [r.bulk('g'), r.nil(3)]];
    expect(r.map(pairs, 3)).toBe('%2\r\n$1\r\nf\r\n:1\r\n$1\r\ng\r\n_\r\n');
    expect(r.map([[r.bulk('f'), r.integer(1)]], 2)).toBe('*2\r\n$1\r\nf\r\n:1\r\n');
    expect(r.bulkMap(['f', '1', 'g', '2'], 3)).toBe('%2\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n');
    expect(r.bulkMap(['f', '1'], 2)).toBe('*2\r\n$1\r\nf\r\n$1\r\n1\r\n');
    expect(r.bulkMap([], 3)).toBe('%0\r\n');
  });

  test('verbatim strings carry the txt: prefix in their length', () => {
    expect(r.verbatim('a\r\nb', 3)).toBe('=8\r\ntxt:a\r\nb\r\n');
    expect(r.verbatim('a\r\nb', 2)).toBe('$4\r\na\r\nb\r\n');
  });

  test('every encoder produces exactly one complete reply', () => {
    const samples = [
      r.OK, r.bulk('x\r\ny'), r.error('ERR x\ny'), r.integer(7), r.nil(2), r.nil(3), r.nilArray(2),
      r.array([r.bulk('a'), r.array([r.ONE, r.nil(3)])]), r.bulkArray(['a', undefined], 2),
      r.map([[r.bulk('k'), r.bulkArray(['v'], 3)]], 3), r.map([[r.bulk('k'), r.ONE]], 2),
      r.bulkMap(['a', 'b'], 3), r.verbatim('text\r\n', 3), r.boolean(true, 3),
    ];
    for (const s of samples) expect(replyEnd(s, 0), JSON.stringify(s)).toBe(s.length);
  });
});

describe('replies that may be long', () => {
  const flat = (x: r.AnyReply): string => (typeof x === 'string' ? x : x.parts.join(''));
  const big = (c: string): string => c.repeat(7 << 20); // three of them pass LONG_REPLY

  test('short ones are the plain strings of the ordinary builders', () => {
    expect(r.valuesArray(['a', undefined], 3)).toBe(r.bulkArray(['a', undefined], 3));
    expect(r.valuesMap(['f', 'v'], 3)).toBe(r.bulkMap(['f', 'v'], 3));
    expect(r.arrayOf([r.ONE, r.OK])).toBe(r.array([r.ONE, r.OK]));
    expect(r.prefixed('*2\r\n', r.ONE)).toBe('*2\r\n:1\r\n');
  });

  test('past LONG_REPLY they are pieces, none longer than the longest value, with the same bytes', () => {
    const values = [big('a'), undefined, big('b'), big('c')];
    const long = r.valuesArray(values, 2);
    expect(long).toBeInstanceOf(r.LongReply);
    const parts = (long as r.LongReply).parts;
    expect(Math.max(...parts.map((p) => p.length))).toBe(7 << 20);
    expect(flat(long)).toBe(r.bulkArray(values, 2));
    expect(long.length).toBe(r.bulkArray(values, 2).length);
    expect(flat(r.valuesMap(['f', big('x'), 'g', big('y'), 'h', big('z')], 3))).toBe(r.bulkMap(['f', big('x'), 'g', big('y'), 'h', big('z')], 3));
  });

  test('arrays of long replies (EXEC of MGETs, a merged MGET) nest without joining', () => {
    const inner = r.valuesArray([big('a'), big('b'), big('c')], 2);
    const outer = r.arrayOf([r.OK, inner, r.nil(2)]);
    expect(outer).toBeInstanceOf(r.LongReply);
    expect(flat(outer)).toBe('*3\r\n+OK\r\n' + flat(inner) + '$-1\r\n');
    expect(flat(r.prefixed('*2\r\n$1\r\n0\r\n', inner))).toBe('*2\r\n$1\r\n0\r\n' + flat(inner));
  });

  test('one cannot be joined into a string by mistake', () => {
    const long = r.valuesArray([big('a'), big('b'), big('c')], 2);
    expect(() => '+' + String(long)).toThrow(/cannot be built as one string/);
  });
});
