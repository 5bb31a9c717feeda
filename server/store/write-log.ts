// The write log: every change a node applies passes here once, as the command
// that redoes it (Redis's propagate()). Readers subscribe: the append-only file
// now, replicas later. The routing stage appends each write command it runs
// (commands/propagate.ts turns relative times into absolute ones); the store
// appends the DEL of a key that expires. Nothing is kept here: with no reader,
// an append costs one length check.

/** One logged change: a command's arguments, as latin1 strings. */
export type LoggedCommand = readonly string[];

export type LogReader = (cmd: LoggedCommand) => void;

/** Told of a key just before a write changes it (an AOF rewrite copies it first). */
export interface WriteInterceptor {
  key(key: string): void;
  /** A write with no keys of its own changes every key (FLUSHALL). */
  all(): void;
}

export class WriteLog {
  private readers: LogReader[] = [];
  /** Changes since the start, logged or not (Redis's server.dirty, for INFO and the save points). */
  changes = 0;
  /**
   * Set by a write command that found nothing to change (SETBIT of a bit
   * already so): it is then neither counted nor logged, as Redis propagates a
   * command only when it moved server.dirty. The routing stage clears it
   * before each command.
   */
  unchanged = false;

  noChange(): void {
    this.unchanged = true;
  }

  /** Those who must see keys before they change (an AOF rewrite, a BGSAVE); the routing stage calls them. */
  readonly interceptors = new Set<WriteInterceptor>();

  /** True when someone reads the log: only then is a write's command worked out. */
  get active(): boolean {
    return this.readers.length !== 0;
  }

  subscribe(reader: LogReader): () => void {
    this.readers.push(reader);
    return () => {
      this.readers = this.readers.filter((r) => r !== reader);
    };
  }

  append(cmd: LoggedCommand): void {
    this.changes++;
    for (const r of this.readers) r(cmd);
  }
}
