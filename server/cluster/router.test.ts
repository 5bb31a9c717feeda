import { describe, expect, test } from 'vitest';
import { parseConfig } from './config.js';
import { describeTable, inspectBucket, ownerOf } from './router.js';

const table = parseConfig(
  'node foo 127.0.0.1:1\nnode bar 127.0.0.1:2\nroute a-m foo\nroute n-z bar\nroute 0x00-0x1f bar\nroute 0xff foo\nroute Q bar\n',
).table;

describe('ownerOf', () => {
  test('a range', () => {
    expect(ownerOf(table, 'apple')).toMatchObject({ node: 'foo' });
    expect(ownerOf(table, 'm')).toMatchObject({ node: 'foo' });
    expect(ownerOf(table, 'n')).toMatchObject({ node: 'bar' });
    expect(ownerOf(table, 'world')).toMatchObject({ node: 'bar' });
  });
  test('a single byte', () => {
    expect(ownerOf(table, 'Queue')).toMatchObject({ node: 'bar' });
  });
  test('byte values, binary keys included', () => {
    expect(ownerOf(table, '\x00abc')).toMatchObject({ node: 'bar' });
    expect(ownerOf(table, '\x1f')).toMatchObject({ node: 'bar' });
    expect(ownerOf(table, '\xffzz')).toMatchObject({ node: 'foo' });
  });
  test('only the first byte counts', () => {
    expect(ownerOf(table, 'a' + 'z'.repeat(100))).toMatchObject({ node: 'foo' });
  });
  test('no entry is an error in the guide words', () => {
    expect(ownerOf(table, 'Zebra')).toEqual({
      error: 'ERR could not find entry for "Zebra" in table [a-m foo, n-z bar, 0x00-0x1f bar, 0xff foo, Q bar]',
    });
  });
  test('an empty key has no entry', () => {
    expect(ownerOf(table, '')).toEqual({ error: 'ERR could not find entry for "" in table [a-m foo, n-z bar, 0x00-0x1f bar, 0xff foo, Q bar]' });
  });
  test('an empty table', () => {
    expect(ownerOf([], 'a')).toEqual({ error: 'ERR could not find entry for "a" in table []' });
  });
});

describe('how buckets and tables are shown', () => {
  test('inspectBucket escapes what is not printable', () => {
    expect(inspectBucket('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(inspectBucket('\x00\r\n\xfe')).toBe('"\\x00\\x0d\\x0a\\xfe"');
  });
  test('describeTable', () => {
    expect(describeTable(table.slice(0, 2))).toBe('[a-m foo, n-z bar]');
  });
});
