import { ulidTime } from '../../src/internal.js';
import type { Checker } from './checker.js';

/**
 * At most one live holder per item: a grant while another process's lease is still live, as that
 * process's clock sees it, is a violation ('single-holder'); so is a lease granted already expired
 * at the granting process's clock ('lease').
 */
export const singleHolder: Checker = {
  before(process, e, ctx) {
    if (e.type !== 'granted') return;
    const t = ctx.now();
    const prev = ctx.leases.holders.get(e.itemId);
    if (prev) {
      const v = ctx.view(prev.process);
      if (v.alive && prev.expiresAt > t + v.skewMs) {
        ctx.fail(
          'single-holder',
          `${e.itemId} leased by ${process} while ${prev.process} still holds a live lease`,
        );
      }
    }
    if (ulidTime(e.leaseId) <= e.processNow)
      ctx.fail('lease', `${e.itemId}: granted lease already expired`);
  },
};
