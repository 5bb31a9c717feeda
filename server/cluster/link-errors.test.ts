import { describe, expect, test } from 'vitest';
import { describeHelloReply, describeLinkError } from './link-errors.js';

function errno(code: string, message = `connect ${code} 127.0.0.1:6380`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('describeLinkError', () => {
  test('socket errors in words, with their code', () => {
    expect(describeLinkError(errno('ECONNREFUSED'), 'connect')).toBe('connection refused (ECONNREFUSED)');
    expect(describeLinkError(errno('ECONNRESET'), 'request')).toBe('connection reset by peer (ECONNRESET)');
    expect(describeLinkError(errno('EHOSTUNREACH'), 'connect')).toBe('no route to host (EHOSTUNREACH)');
    expect(describeLinkError(errno('ENOTFOUND', 'getaddrinfo ENOTFOUND nosuch'), 'connect')).toBe('unknown host (ENOTFOUND)');
    expect(describeLinkError(errno('EPIPE'), 'request')).toBe('connection closed by peer while sending (EPIPE)');
  });

  test('a timeout says how long was waited, when known', () => {
    expect(describeLinkError(errno('ETIMEDOUT'), 'connect', 1000)).toBe('connect timed out after 1000 ms (ETIMEDOUT)');
    expect(describeLinkError(errno('ETIMEDOUT'), 'connect')).toBe('connect timed out (ETIMEDOUT)');
    expect(describeLinkError(errno('ETIMEDOUT'), 'request')).toBe('connection timed out (ETIMEDOUT)');
  });

  test('the handshake phase is named', () => {
    expect(describeLinkError(errno('ECONNRESET'), 'hello')).toBe('connection reset by peer (ECONNRESET) during the link handshake');
  });

  test('an unknown code or no code: the message, escaped and cut', () => {
    expect(describeLinkError(errno('EWEIRD', 'something odd'), 'request')).toBe('something odd');
    expect(describeLinkError(new Error('connect timed out after 1000 ms'), 'connect')).toBe('connect timed out after 1000 ms');
    expect(describeLinkError(new Error('bad\r\nthing'), 'request')).toBe('bad\\r\\nthing');
    expect(describeLinkError(new Error(''), 'request')).toBe('unknown error');
    expect(describeLinkError(new Error('x'.repeat(300)), 'request')).toBe('x'.repeat(200) + '…(100 more bytes)');
  });
});

describe('describeHelloReply', () => {
  test("the peer's refusals in words", () => {
    expect(describeHelloReply('-ERR max number of clients reached\r\n')).toBe('peer is at maxclients');
    expect(describeHelloReply('-ERR cluster secret refused\r\n')).toBe('peer refused the cluster secret');
    expect(describeHelloReply('ERR cluster secret refused')).toBe('peer refused the cluster secret');
    expect(describeHelloReply("-ERR unknown command 'KV.HELLO', with args beginning with: \r\n")).toBe('peer is not a kv node (it does not know KV.HELLO)');
  });

  test('anything else is quoted, escaped', () => {
    expect(describeHelloReply('-LOADING Redis is loading the dataset in memory\r\n')).toBe('peer refused the link: LOADING Redis is loading the dataset in memory');
    expect(describeHelloReply('-ERR a\nb\x1b[2J\r\n')).toBe('peer refused the link: ERR a\\nb\\x1b[2J');
  });
});
