import type { PartitionRef } from '../../partition.js';

interface Entry {
  partition: PartitionRef;
  count: number;
}

/**
 * Partitions to process again at once because a handler scheduled immediate work there. Each
 * partition may continue `limit` times in a row; then it cools down for `cooldownMs`. At most
 * `max` partitions are tracked. Local to one processor.
 */
export class Continuations {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<string>();
  private readonly cooling = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly cooldownMs: number,
    private readonly max: number,
  ) {}

  /** Asks for the partition to be processed again at once; false when refused. */
  add(partition: PartitionRef, now: number): boolean {
    const until = this.cooling.get(partition.id);
    if (until !== undefined && until > now) return false;
    this.cooling.delete(partition.id);
    const entry = this.entries.get(partition.id);
    if (!entry && this.entries.size >= this.max) return false;
    const count = (entry?.count ?? 0) + 1;
    if (count > this.limit) {
      this.entries.delete(partition.id);
      this.pending.delete(partition.id);
      this.cooling.set(partition.id, now + this.cooldownMs);
      return false;
    }
    this.entries.set(partition.id, { partition, count });
    this.pending.add(partition.id);
    return true;
  }

  /** The partitions waiting to continue; taking them clears the wait (not the count). */
  take(): PartitionRef[] {
    const out = [...this.pending].map((id) => (this.entries.get(id) as Entry).partition);
    this.pending.clear();
    return out;
  }

  /** The partition was processed without a new continuation: its run of continuations ends. */
  end(partitionId: string): void {
    if (!this.pending.has(partitionId)) this.entries.delete(partitionId);
  }

  get size(): number {
    return this.pending.size;
  }
}
