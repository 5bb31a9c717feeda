// The keys clients wait on with BLPOP and the other blocking pops (Redis's
// db->blocking_keys and server.ready_keys): the blocking module
// (cluster/blocking.ts) registers them, and a write that stores or pushes a
// list at one of them signals it ready. Nothing is served here: the blocking
// module serves the ready keys after the command that signalled them.

export class BlockedKeys {
  /** Waiters per key. */
  private readonly waiting = new Map<string, number>();
  /** Keys signalled since the last serving, in signal order. */
  readonly ready = new Set<string>();
  /** Told when a key becomes ready (the blocking module schedules a serving). */
  onReady: (() => void) | null = null;

  /** True when some client waits: only then do writes need to signal. */
  get any(): boolean {
    return this.waiting.size !== 0;
  }

  add(key: string): void {
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const n = (this.waiting.get(key) ?? 0) - 1;
    if (n <= 0) this.waiting.delete(key);
    else this.waiting.set(key, n);
  }

  /** A list was stored or pushed at `key`. Cheap when nobody waits. */
  signal(key: string): void {
    if (this.waiting.size === 0 || !this.waiting.has(key)) return;
    this.ready.add(key);
    this.onReady?.();
  }
}
