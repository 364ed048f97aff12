import { seededRandom } from '../src/internal.js';
import { START_MS } from './start-time.js';
import type { World } from './world.js';

/** Once per virtual second, each process may be cut off, crash, or pause (while faults are on). */
export function scheduleProcessFaults(world: World): void {
  const { scheduler, opts } = world;
  const random = seededRandom(`${opts.seed}/process-faults`);
  const tick = () => {
    if (!world.faultsOn) return;
    for (const p of world.processes.values()) {
      if (!p.alive) continue;
      const now = scheduler.now;
      if (random.int(1000) < opts.faults.partition) {
        p.cutOffUntil = now + 500 + random.int(2500);
        world.count('partition');
        world.trace.add(now, `${p.name} cut off until ${p.cutOffUntil - START_MS}`);
      }
      if (random.int(1000) < opts.faults.crash) {
        world.crash(p.name);
        scheduler.schedule(now + 200 + random.int(1800), '', () => {
          // heal() may have restarted it already: a second start would orphan the first.
          if (!world.processes.get(p.name)?.alive) void world.startProcess(p.name);
        });
        continue;
      }
      if (random.int(1000) < opts.faults.pause) {
        p.pausedUntil = now + opts.leaseMs + random.int(opts.leaseMs);
        world.count('pause');
        world.trace.add(now, `${p.name} paused until ${p.pausedUntil - START_MS}`);
      }
    }
    scheduler.schedule(scheduler.now + 1000, '', tick);
  };
  scheduler.schedule(START_MS + 1000, '', tick);
}
