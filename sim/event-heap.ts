/** What the heap orders: a virtual time and a sequence number (ties run in scheduling order). */
export interface Timed {
  at: number;
  seq: number;
}

/** A binary min-heap of events by (at, seq): the scheduler's queue. */
export class EventHeap<E extends Timed> {
  private readonly h: E[] = [];

  get size(): number {
    return this.h.length;
  }

  /** The next event, left in the queue. */
  peek(): E | undefined {
    return this.h[0];
  }

  push(ev: E): void {
    const h = this.h;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): E | undefined {
    const h = this.h;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
