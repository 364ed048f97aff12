import type { PartitionInfo } from '../../partition.js';

/**
 * The last global page of due partitions, kept so that a hungry scanner (its last scan filled
 * pages) can plan its next scan without peeking again for up to pageReuseMs. Only a page that
 * held every due partition is kept. Partitions a pass found drained are dropped from it; a
 * partition a pass served moves back in the least-recently-served order.
 */
export class PageCache {
  private page: { partitions: PartitionInfo[]; at: number; earliest: number | null } | null = null;

  constructor(private readonly reuseMs: number) {}

  /** Keeps a fresh page (all due partitions), taken at `at`. */
  keep(partitions: PartitionInfo[], at: number, earliest: number | null): void {
    this.page = { partitions, at, earliest };
  }

  /** Newly due work may be in no page held: the next scan peeks afresh. */
  forget(): void {
    this.page = null;
  }

  /** The page, if it is younger than reuseMs and not empty; null otherwise. */
  reusable(now: number): { partitions: PartitionInfo[]; earliest: number | null } | null {
    const { page } = this;
    if (!page || now - page.at >= this.reuseMs || page.partitions.length === 0) return null;
    return page;
  }

  /** A pass found the partition drained (or not its to take): later reuses skip it. */
  drop(id: string): void {
    if (this.page) this.page.partitions = this.page.partitions.filter((p) => p.id !== id);
  }

  /** A pass served the partition at `now`: its least-recently-served rank moves back. */
  served(id: string, now: number): void {
    const p = this.page?.partitions.find((x) => x.id === id);
    if (p) p.lastLeasedAt = now;
  }
}
