import { describe, expect, test } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch', () => {
  test.each([
    ['*', '', false], // as stringmatchlen: KEYS * special-cases the whole keyspace instead
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed ranges are swapped, as in Redis
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['[abc', 'a', true], // a missing ']' ends the class
    ['*a', 'bbb', false],
  ])('%j against %j is %s', (pattern, s, expected) => {
    expect(globMatch(pattern, s)).toBe(expected);
  });

  test('nocase folds ASCII letters', () => {
    expect(globMatch('HELLO*', 'hello world', true)).toBe(true);
    expect(globMatch('HELLO*', 'hello world', false)).toBe(false);
  });

  // CVE-2022-36021: without Redis 7.0.9's early exit this never finishes (20
  // stars over 40 characters backtrack exponentially; 10 stars took 7.5 s), so
  // the test's own timeout is what fails it.
  test('many stars that cannot match give up after one pass, not exponentially many', () => {
    const key = 'a'.repeat(40);
    for (let i = 0; i < 100; i++) expect(globMatch('a*'.repeat(20) + 'b', key)).toBe(false);
    expect(globMatch('a*'.repeat(20) + 'a', key)).toBe(true);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', key + 'c')).toBe(false);
  });
});
