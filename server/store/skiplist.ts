// The ordered index of a sorted set: Redis's skip list (t_zset.c zsl*), with a
// span on every link so that ranks are O(log n) too. Elements are ordered by
// score, then by member bytes (latin1 strings compare as memcmp does). Three
// nodes in four have one level; they hold it in `next` and pay nothing for the
// levels they lack, which keeps a million-member set within Redis's memory.

const MAX_LEVEL = 32;
/** Redis's ZSKIPLIST_P: each level holds about a quarter of the nodes of the one below. */
const P = 0.25;

export class ZNode {
  /** The previous node at level 0 (Redis's backward), null for the first. */
  prev: ZNode | null = null;
  /** The next node at level 0; its span is always 1. */
  next: ZNode | null = null;
  /** Levels 1 and up, as [forward, span] pairs; null when the node has level 0 only. */
  up: (ZNode | null | number)[] | null;
  /** Where the owning sorted set keeps it in its slot array (random picks, ZSCAN). */
  slot = 0;

  constructor(
    readonly member: string,
    public score: number,
    levels: number,
  ) {
    this.up = levels > 1 ? new Array<ZNode | null | number>(2 * (levels - 1)).fill(null) : null;
    if (this.up !== null) for (let i = 1; i < this.up.length; i += 2) this.up[i] = 0;
  }

  get levels(): number {
    return this.up === null ? 1 : this.up.length / 2 + 1;
  }
}

function forward(n: ZNode, i: number): ZNode | null {
  return i === 0 ? n.next : (n.up![2 * i - 2] as ZNode | null);
}

function setForward(n: ZNode, i: number, to: ZNode | null): void {
  if (i === 0) n.next = to;
  else n.up![2 * i - 2] = to;
}

function span(n: ZNode, i: number): number {
  return i === 0 ? 1 : (n.up![2 * i - 1] as number);
}

function setSpan(n: ZNode, i: number, s: number): void {
  if (i !== 0) n.up![2 * i - 1] = s;
}

/** True when (score, member) sorts before node `n`. */
function before(score: number, member: string, n: ZNode): boolean {
  return score < n.score || (score === n.score && member < n.member);
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

export class SkipList {
  private readonly head = new ZNode('', 0, MAX_LEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  length = 0;

  first(): ZNode | null {
    return this.head.next;
  }

  last(): ZNode | null {
    return this.tail;
  }

  /** Adds a node for a member not in the list (zslInsert). */
  insert(score: number, member: string): ZNode {
    const update = new Array<ZNode>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      for (let f = forward(x, i); f !== null && (f.score < score || (f.score === score && f.member < member)); f = forward(x, i)) {
        rank[i]! += span(x, i);
        x = f;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        setSpan(this.head, i, this.length);
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      setForward(node, i, forward(u, i));
      setForward(u, i, node);
      setSpan(node, i, span(u, i) - (rank[0]! - rank[i]!));
      setSpan(u, i, rank[0]! - rank[i]! + 1);
    }
    for (let i = level; i < this.level; i++) setSpan(update[i]!, i, span(update[i]!, i) + 1);
    node.prev = update[0] === this.head ? null : update[0]!;
    if (node.next !== null) node.next.prev = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlinks `node`, which must be in the list (zslDelete). */
  delete(node: ZNode): void {
    const update = this.path(node);
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (forward(u, i) === node) {
        setSpan(u, i, span(u, i) + span(node, i) - 1);
        setForward(u, i, forward(node, i));
      } else {
        setSpan(u, i, span(u, i) - 1);
      }
    }
    if (node.next !== null) node.next.prev = node.prev;
    else this.tail = node.prev;
    while (this.level > 1 && forward(this.head, this.level - 1) === null) this.level--;
    this.length--;
  }

  /** The last node before `node` at each level. */
  private path(node: ZNode): ZNode[] {
    const update = new Array<ZNode>(this.level);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = forward(x, i); f !== null && f !== node && before(f.score, f.member, node); f = forward(x, i)) x = f;
      update[i] = x;
    }
    return update;
  }

  /**
   * Gives `node` a new score (zslUpdateScore): in place when its neighbours
   * still frame it, else by removing it and inserting a new node, which is
   * returned.
   */
  updateScore(node: ZNode, score: number): ZNode {
    const prev = node.prev;
    const next = node.next;
    if ((prev === null || prev.score < score || (prev.score === score && prev.member < node.member)) && (next === null || before(score, node.member, next))) {
      node.score = score;
      return node;
    }
    this.delete(node);
    return this.insert(score, node.member);
  }

  /**
   * How many leading nodes satisfy `isBefore`, which must hold for a prefix
   * of the list and then never again (all below a score, a member…). O(log n).
   */
  countWhile(isBefore: (n: ZNode) => boolean): number {
    let x = this.head;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = forward(x, i); f !== null && isBefore(f); f = forward(x, i)) {
        rank += span(x, i);
        x = f;
      }
    }
    return rank;
  }

  /** The node at 0-based `rank`, or null past the end (zslGetElementByRank). */
  at(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.length) return null;
    const target = rank + 1;
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = forward(x, i); f !== null && traversed + span(x, i) <= target; f = forward(x, i)) {
        traversed += span(x, i);
        x = f;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** The 0-based rank of a node in the list. */
  rankOf(node: ZNode): number {
    return this.countWhile((n) => n !== node && before(n.score, n.member, node));
  }
}
