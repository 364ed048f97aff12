/**
 * CPU time over a window, from Linux /proc: each process the ingest workload started (durq,
 * the SDK app, the bare server), this process (autocannon runs in it), and the whole machine,
 * so that the figures say how much of the 2 cores went to whom, other engineers' work included.
 * Without /proc (not Linux) every figure is 0.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSec: number | undefined;
function msPerTick(): number {
  if (ticksPerSec === undefined) {
    try {
      ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSec = 100;
    }
  }
  return 1000 / (ticksPerSec || 100);
}

/** user + system CPU ms of a process (its threads included, not its children), or 0. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (Number(fields[11]) + Number(fields[12])) * msPerTick();
  } catch {
    return 0;
  }
}

/** Busy and total CPU ms of the machine, all cores. */
function machineMs(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) * msPerTick(), total: total * msPerTick() };
  } catch {
    return { busy: 0, total: 0 };
  }
}

interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  self: number;
  pids: Map<string, number>;
}

/** CPU of a window, ms. */
export interface CpuWindow {
  wallMs: number;
  /** The machine's busy ms over all cores, and its cores' total ms. */
  machineBusyMs: number;
  machineTotalMs: number;
  /** This process: autocannon (and the bench's own bookkeeping). */
  loadGeneratorMs: number;
  /** By label: 'durq', 'app', 'bare'. */
  byProcess: Map<string, number>;
}

export class CpuMeter {
  constructor(private readonly pids: ReadonlyMap<string, number>) {}

  snapshot(): CpuSnapshot {
    const pids = new Map<string, number>();
    for (const [label, pid] of this.pids) pids.set(label, processCpuMs(pid));
    const self = process.cpuUsage();
    return {
      at: performance.now(),
      machine: machineMs(),
      self: (self.user + self.system) / 1000,
      pids,
    };
  }

  since(before: CpuSnapshot): CpuWindow {
    const now = this.snapshot();
    const byProcess = new Map<string, number>();
    for (const [label, ms] of now.pids) byProcess.set(label, ms - (before.pids.get(label) ?? 0));
    return {
      wallMs: now.at - before.at,
      machineBusyMs: now.machine.busy - before.machine.busy,
      machineTotalMs: now.machine.total - before.machine.total,
      loadGeneratorMs: now.self - before.self,
      byProcess,
    };
  }
}

/**
 * "durq 1.02 cores (204 µs/event), redis 0.31 (61 µs/event), …; machine 1.95 of 2 cores busy,
 * 0.12 by other processes". `redisCpuMs` comes from INFO (it is not a process of ours).
 */
export function formatCpu(w: CpuWindow, events: number, redisCpuMs = 0): string {
  const cores = (ms: number) => (ms / Math.max(1, w.wallMs)).toFixed(2);
  const perEvent = (ms: number) => Math.round((ms * 1000) / Math.max(1, events));
  const parts: string[] = [];
  let ours = w.loadGeneratorMs + redisCpuMs;
  for (const [label, ms] of w.byProcess) {
    parts.push(`${label} ${cores(ms)} cores (${perEvent(ms)} µs/event)`);
    ours += ms;
  }
  if (redisCpuMs > 0)
    parts.push(`its Redis ${cores(redisCpuMs)} (${perEvent(redisCpuMs)} µs/event)`);
  parts.push(`autocannon ${cores(w.loadGeneratorMs)} (${perEvent(w.loadGeneratorMs)} µs/event)`);
  const all = w.machineTotalMs / Math.max(1, w.wallMs);
  return (
    `${parts.join(', ')}; machine ${cores(w.machineBusyMs)} of ${all.toFixed(1)} cores busy, ` +
    `${cores(Math.max(0, w.machineBusyMs - ours))} by other processes`
  );
}
