// The request decoder against Redis's networking.c: framing of both request
// kinds, every split of the input into chunks, and each protocol error with its
// exact text. Expected outcomes were checked against redis-server 7.0.15;
// client-tests/protocol-errors.test.ts compares the two over sockets.

import { describe, expect, test } from 'vitest';
import { INLINE_MAX_SIZE, QUERY_BUFFER_LIMIT, RequestDecoder, type DecoderLimits } from './request-decoder.js';

interface Outcome {
  requests: string[][];
  error: string | null;
}

const DEFAULT_LIMITS: DecoderLimits = {
  maxBulkLen: 512 * 1024 * 1024,
  maxQueryBuffer: 1024 * 1024 * 1024,
  authRequired: () => false,
};

function decoderFor(limits: Partial<DecoderLimits> = {}): { decoder: RequestDecoder; requests: string[][] } {
  const requests: string[][] = [];
  const decoder = new RequestDecoder((argv) => requests.push(argv), { ...DEFAULT_LIMITS, ...limits });
  return { decoder, requests };
}

/** Feeds `input` cut at `cuts` (sorted offsets) and collects what comes out. */
function decode(input: string | Buffer, cuts: number[] = [], limits: Partial<DecoderLimits> = {}): Outcome {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const { decoder, requests } = decoderFor(limits);
  let error: string | null = null;
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const e = decoder.feed(bytes.subarray(from, cut));
    error ??= e;
    from = cut;
  }
  return { requests, error };
}

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

describe('framing', () => {
  test('a RESP request', () => {
    expect(decode(resp('GET', 'k'))).toEqual({ requests: [['GET', 'k']], error: null });
  });

  test('an inline request, with \\r\\n or a bare \\n', () => {
    expect(decode('GET k\r\nPING\nECHO  a\tb \r\n')).toEqual({ requests: [['GET', 'k'], ['PING'], ['ECHO', 'a', 'b']], error: null });
  });

  test('an inline line ending in \\r\\r\\n loses one \\r to the line ending and one to blank skipping', () => {
    expect(decode('PING\r\r\n').requests).toEqual([['PING']]);
  });

  test('empty and blank inline lines are ignored', () => {
    expect(decode('\r\n\n   \r\n \t \r\nPING\r\n').requests).toEqual([['PING']]);
  });

  test('*0, *-1 and *-10 are valid and ignored', () => {
    expect(decode('*0\r\n*-1\r\n*-10\r\n' + resp('PING'))).toEqual({ requests: [['PING']], error: null });
  });

  test('a pipeline mixing RESP and inline requests keeps order', () => {
    const input = resp('SET', 'a', '1') + 'GET a\r\n' + resp('DEL', 'a') + 'PING\n' + '*0\r\n' + resp('ECHO', '');
    expect(decode(input).requests).toEqual([['SET', 'a', '1'], ['GET', 'a'], ['DEL', 'a'], ['PING'], ['ECHO', '']]);
  });

  test('bulk payloads are binary-safe: CR, LF, NUL and high bytes', () => {
    const value = '\r\n\0\xff\x80*$\r';
    expect(decode(resp('SET', 'k', value)).requests).toEqual([['SET', 'k', value]]);
  });

  test('like Redis, the byte after a length line\'s \\r and the two bytes after a payload are not checked', () => {
    // redis-server answers +PONG to both.
    expect(decode('*1\rX$4\r\nPING\r\n').requests).toEqual([['PING']]);
    expect(decode('*1\r\n$4\rXPINGab').requests).toEqual([['PING']]);
  });

  test('a NUL byte in an inline line keeps it incomplete, as strchr stops there', () => {
    expect(decode('PING\0\r\nPING\r\n')).toEqual({ requests: [], error: null });
    expect(decode('*\0\r\n')).toEqual({ requests: [], error: null });
    expect(decode('*1\r\n$\0\r\n')).toEqual({ requests: [], error: null });
  });

  test('a count of 2147483647 is accepted and waits for its arguments', () => {
    expect(decode('*2147483647\r\n')).toEqual({ requests: [], error: null });
  });

  test('an incomplete request is held, not delivered', () => {
    const { decoder, requests } = decoderFor();
    expect(decoder.feed(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r'))).toBeNull();
    expect(requests).toEqual([]);
    expect(decoder.bufferedBytes).toBeGreaterThan(0);
    expect(decoder.feed(Buffer.from('\nk\r\n'))).toBeNull();
    expect(requests).toEqual([['GET', 'k']]);
    expect(decoder.bufferedBytes).toBe(0);
  });
});

describe('chunking', () => {
  const pipeline =
    resp('SET', 'key', 'va\r\nlue') +
    'GET "key" \'x y\'\r\n' +
    '*0\r\n' +
    resp('HSET', 'h', 'f', '', 'g', '\0\xff') +
    '\r\n' +
    'PING\n' +
    resp('ECHO', 'x'.repeat(300)) +
    '*-1\r\n';
  const whole = decode(pipeline);

  test('the whole pipeline decodes', () => {
    expect(whole.error).toBeNull();
    expect(whole.requests.map((a) => a[0])).toEqual(['SET', 'GET', 'HSET', 'PING', 'ECHO']);
  });

  test('split once at every byte offset, the result is the same', () => {
    for (let i = 0; i <= pipeline.length; i++) expect(decode(pipeline, [i]), `cut at ${i}`).toEqual(whole);
  });

  test('split twice at every pair of offsets in the first 120 bytes, the result is the same', () => {
    for (let i = 0; i <= 120; i++) {
      for (let j = i; j <= 120; j++) expect(decode(pipeline, [i, j]), `cuts at ${i},${j}`).toEqual(whole);
    }
  });

  test('one byte at a time, the result is the same', () => {
    const cuts = Array.from({ length: pipeline.length }, (_, i) => i);
    expect(decode(pipeline, cuts)).toEqual(whole);
  });

  test('a protocol error is the same however the bytes are split', () => {
    const bad = resp('PING') + 'GET k\r\n' + '*2\r\n$3\r\nGET\r\nfooz\r\n' + resp('PING');
    const expected = { requests: [['PING'], ['GET', 'k']], error: "Protocol error: expected '$', got 'f'" };
    for (let i = 0; i <= bad.length; i++) expect(decode(bad, [i]), `cut at ${i}`).toEqual(expected);
  });

  // That it takes linear time (no rescan of each chunk) is bench/decoder-linearity.ts's to show, as a ratio.
  test('a 4 MiB bulk across 4 KiB chunks arrives intact', () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'ab');
    const input = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n`), big, Buffer.from('\r\n' + resp('GET', 'k'))]);
    const cuts: number[] = [];
    for (let i = 4096; i < input.length; i += 4096) cuts.push(i);
    const out = decode(input, cuts);
    expect(out.error).toBeNull();
    expect(out.requests).toHaveLength(2);
    expect(out.requests[0]![2]!.length).toBe(big.length);
    expect(out.requests[0]![2] === big.toString('latin1')).toBe(true);
    expect(out.requests[1]).toEqual(['GET', 'k']);
  });

  test('lines that arrive a byte at a time: the same requests and errors as in one piece', () => {
    const every = (input: string): number[] => Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    for (const input of [
      'SET k ' + 'v'.repeat(3000) + '\r\nPING\r\n',
      '*' + '0'.repeat(100) + '2\r\n$3\r\nGET\r\n$' + '0'.repeat(50) + '1\r\nk\r\n',
      'GET a\x00b\r\nPING\r\n', // a NUL keeps the line incomplete, as strchr does in Redis
      'x'.repeat(INLINE_MAX_SIZE + 10),
      '*1\r\n$' + '1'.repeat(INLINE_MAX_SIZE + 10),
    ]) {
      expect(decode(input, every(input)), JSON.stringify(input.slice(0, 40))).toEqual(decode(input));
    }
  });

  test('a pipeline of 20000 small requests in one chunk: every one, in order', () => {
    const input = (resp('GET', 'k') + 'PING\r\n').repeat(10_000);
    const out = decode(input);
    expect(out.requests).toHaveLength(20_000);
    expect(out.requests.every((argv, i) => (i % 2 === 0 ? argv.length === 2 && argv[0] === 'GET' && argv[1] === 'k' : argv.length === 1 && argv[0] === 'PING'))).toBe(true);
  });
});

describe('protocol errors, with Redis\'s texts', () => {
  const cases: [string, string, string][] = [
    ['out of range multibulk length', '*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length over INT_MAX', '*2147483648\r\n', 'Protocol error: invalid multibulk length'],
    ['non-number multibulk length', '*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['empty multibulk length', '*\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length with a plus sign', '*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length with a leading zero', '*01\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length -0', '*-0\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length with a space', '* 1\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk length past LLONG_MAX', '*99999999999999999999\r\n', 'Protocol error: invalid multibulk length'],
    ['wrong multibulk payload header', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "Protocol error: expected '$', got 'f'"],
    ['multibulk not followed by bulk arguments', '*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'"],
    ['a CR where $ belongs (the reply turns it into a space)', '*1\r\n\r\n\r\n', "Protocol error: expected '$', got '\r'"],
    ['a high byte where $ belongs', '*1\r\n\xff\r\n', "Protocol error: expected '$', got '\xff'"],
    ['negative bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length -1', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['out of range bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n', 'Protocol error: invalid bulk length'],
    ['non-number bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n', 'Protocol error: invalid bulk length'],
    ['empty bulk length', '*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
    ['unbalanced quotes', 'set """test-key""" test-value\r\nping\r\n', 'Protocol error: unbalanced quotes in request'],
    ['a closing quote followed by a letter', 'set "a"b c\r\n', 'Protocol error: unbalanced quotes in request'],
    ['inline request over 64 KiB', 'a'.repeat(INLINE_MAX_SIZE + 1), 'Protocol error: too big inline request'],
    ['inline request with a NUL, grown past 64 KiB', '\0' + 'A'.repeat(INLINE_MAX_SIZE) + '\n', 'Protocol error: too big inline request'],
    ['multibulk count line over 64 KiB', '*' + '1'.repeat(INLINE_MAX_SIZE), 'Protocol error: too big mbulk count string'],
    ['multibulk count with a NUL, grown past 64 KiB', '*\0' + 'A'.repeat(INLINE_MAX_SIZE), 'Protocol error: too big mbulk count string'],
    ['bulk count line over 64 KiB', '*1\r\n$' + '1'.repeat(INLINE_MAX_SIZE), 'Protocol error: too big bulk count string'],
  ];

  for (const [name, input, text] of cases) {
    test(name, () => {
      expect(decode(input)).toEqual({ requests: [], error: text });
    });
  }

  test('garbage after valid requests in a pipeline: the valid ones run first', () => {
    expect(decode(resp('SET', 'a', '1') + 'PING\r\n*x\r\n' + resp('GET', 'a'))).toEqual({
      requests: [['SET', 'a', '1'], ['PING']],
      error: 'Protocol error: invalid multibulk length',
    });
  });

  test('a line of 64 KiB, its \\r included, is still accepted; one byte more is not', () => {
    // Fed one byte at a time, Redis errs as soon as it holds more than 64 KiB without a \n.
    const arg = 'x'.repeat(INLINE_MAX_SIZE - 6);
    const ok = decode(`ECHO ${arg}\r\n`);
    expect(ok.error).toBeNull();
    expect(ok.requests.length === 1 && ok.requests[0]![1] === arg).toBe(true);
    expect(decode(`ECHO ${arg}x\n`).requests).toHaveLength(1);
    expect(decode(`ECHO ${arg}x\r\n`).error).toBe('Protocol error: too big inline request');
    expect(decode(`ECHO ${arg}x\r`)).toEqual({ requests: [], error: 'Protocol error: too big inline request' });
    expect(decode(`ECHO ${arg}x`)).toEqual({ requests: [], error: null });
  });

  test('proto-max-bulk-len: a bulk up to the limit is accepted, one byte more is not', () => {
    const limits = { maxBulkLen: 1000 };
    expect(decode(resp('SET', 'k', 'v'.repeat(1000)), [], limits).requests).toHaveLength(1);
    expect(decode(resp('SET', 'k', 'v'.repeat(1001)), [], limits).error).toBe('Protocol error: invalid bulk length');
  });

  test('leastLimit: lengths and totals under it are taken without reading the limits, those over it are checked', () => {
    let reads = 0;
    const requests: string[][] = [];
    const decoder = new RequestDecoder((argv) => requests.push(argv), {
      leastLimit: 1000,
      authRequired: () => false,
      get maxBulkLen() {
        reads++;
        return 1500;
      },
      get maxQueryBuffer() {
        reads++;
        return 1 << 30;
      },
    });
    const feed = (s: string): string | null => decoder.feed(Buffer.from(s, 'latin1'));
    const small = resp('SET', 'k', 'v'.repeat(900));
    expect([feed(small.slice(0, 7)), feed(small.slice(7) + small), requests.length, reads]).toEqual([null, null, 2, 0]);
    expect([feed(resp('SET', 'k', 'v'.repeat(1500))), requests.length]).toEqual([null, 3]);
    expect(reads).toBeGreaterThan(0);
    expect(feed(resp('SET', 'k', 'v'.repeat(1501)))).toBe('Protocol error: invalid bulk length');
  });

  test('unauthenticated: more than 10 arguments, or a bulk over 16 KiB, is refused', () => {
    const limits = { authRequired: () => true };
    expect(decode('*10\r\n', [], limits)).toEqual({ requests: [], error: null });
    expect(decode('*11\r\n', [], limits).error).toBe('Protocol error: unauthenticated multibulk length');
    expect(decode('*1\r\n$16384\r\n', [], limits)).toEqual({ requests: [], error: null });
    expect(decode('*1\r\n$16385\r\n', [], limits).error).toBe('Protocol error: unauthenticated bulk length');
    // Inline requests have only the 64 KiB bound.
    expect(decode('ECHO ' + 'x'.repeat(20000) + '\r\n', [], limits).requests).toHaveLength(1);
  });

  test('AUTH earlier in the same chunk lifts the unauthenticated limits for what follows', () => {
    let authed = false;
    const requests: string[][] = [];
    const decoder = new RequestDecoder(
      (argv) => {
        requests.push(argv);
        if (argv[0] === 'AUTH') authed = true;
      },
      { ...DEFAULT_LIMITS, authRequired: () => !authed },
    );
    const mset = resp('MSET', ...Array.from({ length: 10 }, () => 'a'));
    const big = resp('SET', 'k', 'x'.repeat(20000));
    expect(decoder.feed(Buffer.from(resp('AUTH', 'secret') + mset + big, 'latin1'))).toBeNull();
    expect(requests.map((a) => a[0])).toEqual(['AUTH', 'MSET', 'SET']);
  });

  test('after an error, the decoder ignores further bytes', () => {
    const { decoder, requests } = decoderFor();
    expect(decoder.feed(Buffer.from('*x\r\n'))).toBe('Protocol error: invalid multibulk length');
    expect(decoder.feed(Buffer.from(resp('PING')))).toBeNull();
    expect(requests).toEqual([]);
  });
});

describe('the query buffer limit', () => {
  test('a partial request that outgrows the limit closes the connection without a protocol error', () => {
    const out = decode('*1\r\n$5000\r\n' + 'x'.repeat(2000), [1500], { maxQueryBuffer: 1000 });
    expect(out).toEqual({ requests: [], error: QUERY_BUFFER_LIMIT });
    expect(QUERY_BUFFER_LIMIT.startsWith('Protocol error')).toBe(false);
  });

  test('a request bigger than the limit is refused even when it arrives whole', () => {
    expect(decode(resp('SET', 'k', 'x'.repeat(2000)), [], { maxQueryBuffer: 1000 }).error).toBe(QUERY_BUFFER_LIMIT);
  });

  test('many small complete requests are not limited by their total', () => {
    const out = decode(resp('SET', 'k', 'x'.repeat(100)).repeat(100), [], { maxQueryBuffer: 1000 });
    expect(out.error).toBeNull();
    expect(out.requests).toHaveLength(100);
  });

  test('a stream of empty arguments under a huge count is bounded too', () => {
    const out = decode('*2147483647\r\n' + '$0\r\n\r\n'.repeat(1000), [], { maxQueryBuffer: 4096 });
    expect(out.error).toBe(QUERY_BUFFER_LIMIT);
  });
});

describe('the request handler', () => {
  test('stop() from inside the handler (QUIT) drops the requests behind it', () => {
    const requests: string[][] = [];
    const decoder: RequestDecoder = new RequestDecoder(
      (argv) => {
        requests.push(argv);
        if (argv[0] === 'QUIT') decoder.stop();
      },
      DEFAULT_LIMITS,
    );
    expect(decoder.feed(Buffer.from(resp('PING') + 'QUIT\r\n' + resp('PING') + 'PING\r\n'))).toBeNull();
    expect(requests).toEqual([['PING'], ['QUIT']]);
    expect(decoder.feed(Buffer.from('PING\r\n'))).toBeNull();
    expect(requests).toHaveLength(2);
  });

  test('a handler that throws closes this connection instead of escaping to the socket listener', () => {
    const decoder = new RequestDecoder(() => {
      throw new Error('boom');
    }, DEFAULT_LIMITS);
    expect(decoder.feed(Buffer.from(resp('PING')))).toBe('internal error: boom');
    expect(decoder.feed(Buffer.from(resp('PING')))).toBeNull();
  });
});
