import { describe, expect, test } from 'vitest';
import { addNode, failoverEdit, moveRange, rangeText, removeNode } from './config-edit.js';
import { ConfigError } from './config.js';

const FILE = `# two nodes
node foo 127.0.0.1:6379
node bar 127.0.0.1:6380

# the table
route a-m foo   # first half
route n-z bar
appendonly yes
`;

function refusal(edit: () => string): string {
  try {
    edit();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected the edit to be refused');
}

describe('moveRange', () => {
  test('splits an entry around the range, in its place, keeping comments and the rest', () => {
    expect(moveRange(FILE, 'g-j', 'bar', 'c.conf')).toBe(FILE.replace('route a-m foo   # first half\n', 'route a-f foo   # first half\nroute g-j bar\nroute k-m foo\n'));
  });

  test('trims the entries a range straddles, and removes those it covers', () => {
    expect(moveRange(FILE, 'g-p', 'bar', 'c.conf')).toContain('route a-f foo   # first half\nroute g-z bar\nappendonly yes\n');
    expect(moveRange(FILE, 'a-z', 'foo', 'c.conf')).toContain('# the table\nroute a-z foo   # first half\nappendonly yes\n');
  });

  test('a range joins the entries of its node beside it, unless they carry a comment', () => {
    const split = moveRange(FILE, 'g-m', 'bar', 'c.conf');
    expect(split).toContain('route a-f foo   # first half\nroute g-z bar\nappendonly yes\n');
    expect(moveRange(split, 'g-m', 'foo', 'c.conf')).toContain('route a-f foo   # first half\nroute g-m foo\nroute n-z bar\n');
    expect(moveRange(moveRange(FILE, 'q', 'foo', 'c.conf'), 'q', 'bar', 'c.conf')).toContain('route a-m foo   # first half\nroute n-z bar\nappendonly');
  });

  test('a range no entry covers follows the last entry of its table', () => {
    expect(moveRange(FILE, '0-9', 'foo', 'c.conf')).toContain('route n-z bar\nroute 0-9 foo\nappendonly yes\n');
  });

  test("--section edits a node's own table, made from the shared one when it has none", () => {
    expect(moveRange(FILE, 'n-z', 'foo', 'c.conf', 'foo')).toBe(FILE + '[foo]\nroute a-z foo\n');
  });

  test('an edit that would not load changes nothing and says why', () => {
    expect(refusal(() => moveRange(FILE, 'g-m', 'baz', 'c.conf'))).toBe('move g-m baz: no node named "baz" (nodes: foo, bar)');
    expect(refusal(() => moveRange(FILE, 'm-a', 'bar', 'c.conf'))).toBe('move m-a bar: bad range "m-a": use a-m, q, 0x00-0x1f or *');
    const sections = FILE + '[bar]\nroute a-z bar\n';
    expect(refusal(() => moveRange(sections, 'q', 'foo', 'c.conf', 'bar'))).toBe(
      'move q foo refused, nothing changed: the result would not load: c.conf:7: route n-z loops: foo -> bar -> foo',
    );
  });

  test('range texts read back as the same bytes', () => {
    expect([rangeText(0, 255), rangeText(97, 109), rangeText(0x23, 0x2a), rangeText(0, 0x1f), rangeText(113, 113)]).toEqual(['*', 'a-m', '0x23-0x2a', '0x00-0x1f', 'q']);
  });
});

describe('addNode and removeNode', () => {
  test('a node line goes after the last one', () => {
    expect(addNode(FILE, 'baz', '127.0.0.1:6381', 'c.conf')).toBe(FILE.replace('6380\n', '6380\nnode baz 127.0.0.1:6381\n'));
    expect(refusal(() => addNode(FILE, 'baz', '127.0.0.1:6380', 'c.conf'))).toBe(
      'add-node baz 127.0.0.1:6380 refused, nothing changed: the result would not load: c.conf:4: duplicate address 127.0.0.1:6380 (node baz)',
    );
  });

  test('a node still named by an entry stays; one no entry names goes, with its section', () => {
    expect(refusal(() => removeNode(FILE, 'bar', 'c.conf'))).toBe(
      'remove-node bar refused, nothing changed: route n-z bar (line 7) still names it; move those ranges to another node first',
    );
    const moved = moveRange(FILE + '[bar]\nroute a-z bar\n[foo]\nappendonly no\n', 'n-z', 'foo', 'c.conf');
    expect(removeNode(moved, 'bar', 'c.conf')).toBe(
      '# two nodes\nnode foo 127.0.0.1:6379\n\n# the table\nroute a-m foo   # first half\nroute n-z foo\nappendonly yes\n[foo]\nappendonly no\n',
    );
  });
});

describe('failoverEdit', () => {
  test("the replica takes the primary's entries; the old primary follows it", () => {
    const text = FILE.replace('6380\n', '6380\nnode foo2 127.0.0.1:6381\n') + '[foo]\ndir /d/foo\n[foo2]\nreplicaof foo   # follows foo\ndir /d/foo2\n[bar]\nroute a-m foo\nroute n-z bar\n';
    expect(failoverEdit(text, 'foo', 'foo2', 'c.conf')).toBe(
      FILE.replace('6380\n', '6380\nnode foo2 127.0.0.1:6381\n').replace('route a-m foo   #', 'route a-m foo2   #') +
        '[foo]\nreplicaof foo2\ndir /d/foo\n[foo2]\ndir /d/foo2\n[bar]\nroute a-m foo2\nroute n-z bar\n',
    );
    const noSection = FILE.replace('6380\n', '6380\nnode foo2 127.0.0.1:6381\n') + '[foo2]\nreplicaof foo\n';
    expect(failoverEdit(noSection, 'foo', 'foo2', 'c.conf')).toBe(FILE.replace('6380\n', '6380\nnode foo2 127.0.0.1:6381\n').replace('route a-m foo ', 'route a-m foo2 ') + '[foo2]\n[foo]\nreplicaof foo2\n');
  });
});
