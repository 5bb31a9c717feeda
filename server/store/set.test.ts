import { describe, expect, test } from 'vitest';
import { SetValue, isIntegerMember } from './set.js';

describe('SetValue', () => {
  test('isIntegerMember is string2ll: canonical 64-bit decimals only', () => {
    for (const m of ['0', '-1', '9223372036854775807', '-9223372036854775808']) expect(isIntegerMember(m)).toBe(true);
    for (const m of ['', '-', '-0', '01', '+1', '1.0', ' 1', '9223372036854775808', 'x']) expect(isIntegerMember(m)).toBe(false);
  });

  test('delete keeps the rest reachable; clone is independent; rebuild chunks by 64', () => {
    const s = new SetValue();
    for (let i = 0; i < 100; i++) s.add(`m${i}`, 512);
    expect(s.delete('m0')).toBe(true);
    expect(s.delete('m0')).toBe(false);
    const copy = s.clone();
    s.delete('m1');
    expect([s.size, copy.size, copy.has('m1')]).toEqual([98, 99, true]);
    const cmds = copy.rebuild('k');
    expect(cmds.map((c) => c.length)).toEqual([66, 37]);
    expect(cmds.flatMap((c) => c.slice(2)).sort()).toEqual(copy.members().sort());
  });
});
