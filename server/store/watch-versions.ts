// Versions of watched keys, for WATCH. Only keys someone watches are tracked:
// asking for a key's version registers it, and every later write to it (or its
// expiry, or a flush) gives it a new version. EXEC runs only if the versions
// recorded at WATCH time are unchanged. Versions come from one counter that never
// repeats, so a key dropped from the table and registered again can never look
// unchanged: forgetting errs on the side of aborting the transaction.

const MAX_TRACKED = 100_000;

export class WatchVersions {
  private readonly versions = new Map<string, number>();
  private counter = 0;

  /** The key's current version, registering it for tracking. */
  versionOf(key: string): number {
    let v = this.versions.get(key);
    if (v === undefined) {
      if (this.versions.size >= MAX_TRACKED) this.versions.clear();
      v = ++this.counter;
      this.versions.set(key, v);
    }
    return v;
  }

  /** True when some key is tracked: only then do writes need reporting. */
  get active(): boolean {
    return this.versions.size !== 0;
  }

  /** A write to `key`: cheap when nothing is watched. */
  touch(key: string): void {
    if (this.versions.size !== 0 && this.versions.has(key)) this.versions.set(key, ++this.counter);
  }

  /**
   * FLUSHDB/FLUSHALL change the keys they delete, and only those: a watched key
   * that did not exist is still missing afterwards, so its EXEC runs (as in
   * Redis's touchAllWatchedKeysInDb).
   */
  touchExisting(exists: (key: string) => boolean): void {
    for (const key of this.versions.keys()) if (exists(key)) this.versions.set(key, ++this.counter);
  }
}
