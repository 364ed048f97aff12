import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';

/** The run's history: hashed line by line (the determinism witness); the last lines are kept. */
export class Trace {
  private readonly hash = createHash('sha256');
  private readonly recent: string[] = [];
  lines = 0;

  constructor(
    private readonly keep = 60,
    /** A file descriptor that receives every line (--trace FILE), or null. */
    private readonly sink: number | null = null,
  ) {}

  add(virtualMs: number, line: string): void {
    const entry = `${virtualMs} ${line}`;
    this.hash.update(entry + '\n');
    if (this.sink !== null) writeSync(this.sink, entry + '\n');
    this.lines++;
    this.recent.push(entry);
    if (this.recent.length > this.keep) this.recent.shift();
  }

  tail(): string[] {
    return [...this.recent];
  }

  digest(): string {
    return this.hash.copy().digest('hex').slice(0, 16);
  }
}
