import { ulidTime } from '../../src/internal.js';
import type { Checker, CheckContext } from './checker.js';
import type { Holder } from './ledger.js';

/**
 * One scanner per partition: a partition lease or a one-call pass must not succeed while another
 * live process holds the partition's lease (unless the partition was collected and recreated
 * meanwhile: its previous lease time is then 0), and a fenced partition requeue needs the
 * current partition lease.
 */
export class PartitionLeaseChecker implements Checker {
  private readonly holders = new Map<string, Holder>();

  before(process: string, e: Parameters<NonNullable<Checker['before']>>[1], ctx: CheckContext) {
    switch (e.type) {
      case 'partitionLeased':
        return this.leased(process, e.partitionId, e.leaseId, e.lastLeasedAt, ctx);
      case 'partitionPassed':
        this.heldByOther(process, e.partitionId, e.lastLeasedAt, ctx, 'passed', true);
        return void this.holders.delete(e.partitionId);
      case 'partitionRequeued': {
        const holder = this.holders.get(e.partitionId);
        if (e.leaseId !== '' && holder && holder.leaseId !== e.leaseId) {
          ctx.fail(
            'partition-lease',
            `${e.partitionId}: requeue by ${process} succeeded with a stale partition lease`,
          );
        }
        return void this.holders.delete(e.partitionId);
      }
    }
  }

  private leased(
    process: string,
    pid: string,
    leaseId: string,
    lastLeasedAt: number,
    ctx: CheckContext,
  ): void {
    this.heldByOther(process, pid, lastLeasedAt, ctx, 'leased', false);
    this.holders.set(pid, { item: pid, process, leaseId, expiresAt: ulidTime(leaseId) });
  }

  private heldByOther(
    process: string,
    pid: string,
    lastLeasedAt: number,
    ctx: CheckContext,
    what: string,
    evenBySelf: boolean,
  ): void {
    const prev = this.holders.get(pid);
    if (!prev || lastLeasedAt === 0) return;
    if (!evenBySelf && prev.process === process) return;
    const v = ctx.view(prev.process);
    if (v.alive && prev.expiresAt > ctx.now() + v.skewMs)
      ctx.fail('partition-lease', `${pid} ${what} by ${process} while ${prev.process} holds it`);
  }
}
