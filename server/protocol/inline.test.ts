// splitInlineArgs against Redis's sdssplitargs(): quoting, escapes, the rule
// that a closing quote must be followed by a space, unbalanced quotes, NUL.
// Every row was checked against redis-server 7.0.15 (inline RPUSH, then LRANGE).

import { describe, expect, test } from 'vitest';
import { splitInlineArgs } from './inline.js';

/** [line, expected arguments or null for "unbalanced quotes"] */
const INLINE_CASES: [string, string[] | null][] = [
  // Plain words and blanks
  ['set k v', ['set', 'k', 'v']],
  ['  set   k\tv  ', ['set', 'k', 'v']],
  ['', []],
  ['   \t  ', []],
  ['\x0b\x0cset k', ['set', 'k']], // \v and \f are blanks between arguments…
  ['a\x0bb c\x0cd', ['a\x0bb', 'c\x0cd']], // …but not inside one
  ['caf\xe9 \xff\x80', ['caf\xe9', '\xff\x80']],
  ['a\\nb', ['a\\nb']], // no escapes outside quotes
  // Double quotes
  ['"hello world"', ['hello world']],
  ['"" x', ['', 'x']],
  ['a "" b', ['a', '', 'b']],
  ['"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
  ['"q\\"q" "b\\\\s" "\\z"', ['q"q', 'b\\s', 'z']],
  ['"\\x41\\x42\\x7a\\xFf\\x00"', ['ABz\xff\x00']],
  ['"\\x4g"', ['x4g']], // not two hex digits: \x is just x
  ['"\\x4"', ['x4']],
  ['"\\x"', ['x']],
  ['ab"cd ef"', ['abcd ef']], // a quote may open mid-argument
  ['"a"\t"b"', ['a', 'b']],
  // Single quotes: only \' is an escape
  ["'hello world'", ['hello world']],
  ["'it\\'s'", ["it's"]],
  ["'a\\nb\\x41'", ['a\\nb\\x41']],
  ["'a\"b'", ['a"b']],
  ['"a\'b"', ["a'b"]],
  ["''", ['']],
  // A closing quote followed by anything but a blank
  ['"a"b', null],
  ["'a'b", null],
  ['set "a"b c', null],
  ['"a""b"', null],
  ['set """test-key""" test-value', null],
  // Unterminated quotes
  ['"abc', null],
  ["'abc", null],
  ['a"b', null],
  ['"abc\\', null],
  ['"abc\\"', null],
  ["'abc\\'", null],
  // A NUL byte ends the line, as in a C string
  ['PING\0 extra', ['PING']],
  ['a b\0"', ['a', 'b']],
  ['"abc\0def"', null],
];

describe('splitInlineArgs', () => {
  for (const [line, expected] of INLINE_CASES) {
    test(JSON.stringify(line), () => {
      expect(splitInlineArgs(line)).toEqual(expected);
    });
  }

  test('a long line of many arguments', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    expect(splitInlineArgs(words.join(' '))).toEqual(words);
  });
});
