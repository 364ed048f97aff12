import type { World } from './world.js';

/** Faults stop: pauses and cut-offs end, crashed processes restart. */
export async function heal(world: World): Promise<void> {
  world.faultsOn = false;
  for (const p of world.processes.values()) {
    p.pausedUntil = 0;
    p.cutOffUntil = 0;
    world.scheduler.resume(p.name);
    if (!p.alive)
      world.scheduler.schedule(world.scheduler.now, '', () => void world.startProcess(p.name));
  }
  world.trace.add(world.scheduler.now, 'faults stop');
}
