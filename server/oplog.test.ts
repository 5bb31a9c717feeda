import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLog, escapeLine, type OpLogLimits } from './oplog.js';

describe('escapeLine, as sdscatrepr', () => {
  test('printable ASCII is kept; \\ and " and control bytes are escaped', () => {
    expect(escapeLine('client 127.0.0.1:5000 closed')).toBe('client 127.0.0.1:5000 closed');
    expect(escapeLine('a\nb\rc\td\x07e\x08f"g\\h')).toBe('a\\nb\\rc\\td\\ae\\bf\\"g\\\\h');
    expect(escapeLine('\x00\x1b[2J\x7f')).toBe('\\x00\\x1b[2J\\x7f');
  });

  test('bytes past ASCII are \\xNN; text that is not bytes gives its UTF-8 bytes', () => {
    expect(escapeLine('\xc3\xa9\xff')).toBe('\\xc3\\xa9\\xff');
    expect(escapeLine('€')).toBe('\\xe2\\x82\\xac');
  });

  test('a long message is cut, saying how much was left out', () => {
    expect(escapeLine('x'.repeat(600), 512)).toBe('x'.repeat(512) + '…(88 more bytes)');
    // An escape is never cut in half.
    expect(escapeLine('xx\n', 3)).toBe('xx…(1 more bytes)');
    expect(escapeLine('x'.repeat(512), 512)).toBe('x'.repeat(512));
  });
});

describe('createLog', () => {
  const LIMITS: OpLogLimits = { perSource: 3, global: 5, windowMs: 1000, maxLength: 40 };
  let lines: string[];
  const make = (limits = LIMITS) => createLog('foo', (s) => lines.push(s), limits);

  beforeEach(() => {
    lines = [];
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => vi.useRealTimers());

  test('a line is prefixed with the node, escaped, cut, and ends in one newline', () => {
    const log = make();
    log.log('refused a link claiming to be node evil\n[bar] forged line');
    log.log('y'.repeat(50));
    expect(lines).toEqual(['[foo] refused a link claiming to be node evil…(18 more bytes)\n', `[foo] ${'y'.repeat(40)}…(10 more bytes)\n`]);
  });

  test('each source gets its share per second; the rest are counted and summed up when the second ends', () => {
    const log = make();
    for (let i = 0; i < 10; i++) log.log(`bad request ${i}`, '10.0.0.1:5000');
    expect(lines).toEqual(['[foo] bad request 0\n', '[foo] bad request 1\n', '[foo] bad request 2\n']);
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(lines.slice(3)).toEqual(['[foo] suppressed 7 log lines from 10.0.0.1:5000\n']);
    // A new second: the source may log again.
    log.log('bad request 10', '10.0.0.1:5000');
    expect(lines.at(-1)).toBe('[foo] bad request 10\n');
  });

  test('a global cap over all sources; lines without a source count only against it', () => {
    const log = make();
    log.log('starting');
    for (let s = 0; s < 4; s++) log.log(`hello from ${s}`, `src${s}`);
    log.log('shutting down');
    expect(lines).toEqual(['[foo] starting\n', '[foo] hello from 0\n', '[foo] hello from 1\n', '[foo] hello from 2\n', '[foo] hello from 3\n']);
    log.flush();
    expect(lines.slice(5)).toEqual(['[foo] suppressed 1 log lines\n']);
  });

  test('a flood from many sources gives at most ten named summaries and one for the rest', () => {
    const log = make({ ...LIMITS, global: 0 });
    for (let s = 0; s < 30; s++) for (let i = 0; i <= s % 3; i++) log.log('x', `src${s}`);
    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^\[foo\] suppressed 3 log lines from src\d+\n$/);
    // 30 sources sent 60 lines; the ten largest (3 each) are named.
    expect(lines[10]).toBe('[foo] suppressed 30 log lines from 20 other sources\n');
  });

  test('a source name from the network is escaped in the summary too', () => {
    const log = make({ ...LIMITS, perSource: 0 });
    log.log('x', 'evil\n[bar] forged');
    log.flush();
    expect(lines).toEqual(['[foo] suppressed 1 log lines from evil\\n[bar] forged\n']);
  });

  test('nothing dropped, no summary; flush() twice writes it once', () => {
    const log = make();
    log.log('one', 'a');
    vi.advanceTimersByTime(5000);
    log.flush();
    expect(lines).toEqual(['[foo] one\n']);
    for (let i = 0; i < 5; i++) log.log('again', 'a');
    log.flush();
    log.flush();
    vi.advanceTimersByTime(5000);
    expect(lines.filter((l) => l.includes('suppressed'))).toEqual(['[foo] suppressed 2 log lines from a\n']);
  });

  test('2,000 connections in a second write a bounded log', () => {
    const log = createLog('foo', (s) => lines.push(s));
    for (let i = 0; i < 2000; i++) {
      const src = `127.0.0.1:${10000 + i}`;
      log.log(`client ${src} closed: Protocol error: ${'z'.repeat(10_000)}`, src);
      log.log(`protocol error from ${src}`, src);
    }
    vi.advanceTimersByTime(1000);
    expect(lines.length).toBeLessThanOrEqual(200 + 11);
    expect(lines.join('').length).toBeLessThan(200 * 600 + 11 * 100);
    // 100 sources logged both lines; 1,900 sources had 2 each dropped: 10 named, 1,890 summed.
    expect(lines.at(-1)).toBe('[foo] suppressed 3780 log lines from 1890 other sources\n');
  });
});
