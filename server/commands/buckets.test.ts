import { afterEach, describe, expect, test } from 'vitest';
import { testNode, type TestNode } from './test-node.js';
import { create, put, del } from './buckets.js';
import { get } from './strings.js';
import { hdel, hgetall } from './hashes.js';
import { type } from './keys.js';

let node: TestNode;
afterEach(() => node.close());

describe('the guide bucket commands', () => {
  test('CREATE, PUT, GET bucket key, DELETE', () => {
    node = testNode();
    const { ctx } = node;
    expect(create(ctx, ['CREATE', 'shopping'])).toBe('+OK\r\n');
    expect(put(ctx, ['PUT', 'shopping', 'milk', '1'])).toBe('+OK\r\n');
    expect(get(ctx, ['GET', 'shopping', 'milk'])).toBe('$1\r\n1\r\n');
    expect(get(ctx, ['GET', 'shopping', 'eggs'])).toBe('$-1\r\n');
    expect(del(ctx, ['DELETE', 'shopping', 'eggs'])).toBe('+OK\r\n');
    expect(del(ctx, ['DELETE', 'shopping', 'milk'])).toBe('+OK\r\n');
    expect(get(ctx, ['GET', 'shopping', 'milk'])).toBe('$-1\r\n');
  });

  test('CREATE is idempotent and keeps what the bucket holds', () => {
    node = testNode();
    const { ctx } = node;
    create(ctx, ['CREATE', 'b']);
    put(ctx, ['PUT', 'b', 'k', 'v']);
    expect(create(ctx, ['CREATE', 'b'])).toBe('+OK\r\n');
    expect(get(ctx, ['GET', 'b', 'k'])).toBe('$1\r\nv\r\n');
  });

  test('a bucket that does not exist is NOT FOUND', () => {
    node = testNode();
    const { ctx } = node;
    expect(put(ctx, ['PUT', 'none', 'k', 'v'])).toBe('-NOT FOUND\r\n');
    expect(get(ctx, ['GET', 'none', 'k'])).toBe('-NOT FOUND\r\n');
    expect(del(ctx, ['DELETE', 'none', 'k'])).toBe('-NOT FOUND\r\n');
  });

  test('a bucket is a hash, and stays when emptied', () => {
    node = testNode(3);
    const { ctx } = node;
    create(ctx, ['CREATE', 'b']);
    expect(type(ctx, ['TYPE', 'b'])).toBe('+hash\r\n');
    expect(hgetall(ctx, ['HGETALL', 'b'])).toBe('%0\r\n');
    put(ctx, ['PUT', 'b', 'k', 'v']);
    expect(hgetall(ctx, ['HGETALL', 'b'])).toBe('%1\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(hdel(ctx, ['HDEL', 'b', 'k'])).toBe(':1\r\n');
    expect(type(ctx, ['TYPE', 'b'])).toBe('+hash\r\n');
  });

  test('a string key is the wrong type for bucket commands', () => {
    node = testNode();
    const { ctx } = node;
    node.store.set('s', 'x');
    const wrong = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
    expect(create(ctx, ['CREATE', 's'])).toBe(wrong);
    expect(put(ctx, ['PUT', 's', 'k', 'v'])).toBe(wrong);
    expect(get(ctx, ['GET', 's', 'k'])).toBe(wrong);
  });
});
