import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';

/** How many characters of lines the trace collects before it hashes them. */
const HASH_CHUNK = 64 * 1024;

/** The run's history: hashed line by line (the determinism witness); the last lines are kept. */
export class Trace {
  private readonly hash = createHash('sha256');
  private readonly recent: string[] = [];
  /** Lines not yet hashed: one update per chunk, not per line (the digest is the same). */
  private unhashed = '';
  lines = 0;

  constructor(
    private readonly keep = 60,
    /** A file descriptor that receives every line (--trace FILE), or null. */
    private readonly sink: number | null = null,
  ) {}

  add(virtualMs: number, line: string): void {
    const entry = `${virtualMs} ${line}`;
    this.unhashed += entry + '\n';
    if (this.unhashed.length >= HASH_CHUNK) this.flush();
    if (this.sink !== null) writeSync(this.sink, entry + '\n');
    this.lines++;
    this.recent.push(entry);
    if (this.recent.length > this.keep) this.recent.shift();
  }

  tail(): string[] {
    return [...this.recent];
  }

  digest(): string {
    this.flush();
    return this.hash.copy().digest('hex').slice(0, 16);
  }

  private flush(): void {
    this.hash.update(this.unhashed);
    this.unhashed = '';
  }
}
