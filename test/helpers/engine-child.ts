/**
 * A durq engine in its own process, for multi-process tests (launched by
 * test/helpers/engine-children.ts).
 * argv: <redis url> <app url> <options JSON>
 * The options are EngineOptions without `redis` (JSON: no listeners, no transports), plus the
 * child's own (see ChildOptions in engine-children.ts): `syncApp` syncs the app at the URL
 * before "ready", as every `durq serve -u <url>` process does (else the URL is only echoed and
 * the test registers the app itself: registration is in Redis, shared by every engine on it);
 * `manualClockAt` runs the engine on a ManualClock starting at that epoch-ms time, moved by
 * stdin lines `advance <ms>` and `at <epoch ms>`, each answered `clock <now>` once done (a bad
 * line is answered `clock-error <message>`). The engine is created with `process: true`.
 * stdout: `ready {"pid":…,"app":"…"}` once the engine runs, then one line
 * `lifecycle {"event":…,"runId":…,"stepId":…,"attempt":…}` per step start and finish and per
 * finished run, so that the test sees what this process is doing.
 * SIGTERM closes the engine gracefully; EOF on stdin (the parent died) exits at once.
 */
import { createInterface } from 'node:readline';
import { ManualClock } from '../../src/core/clock.js';
import { createEngine, type EngineOptions } from '../../src/executor/engine.js';
import type { LifecycleListener } from '../../src/executor/lifecycle.js';

const [redisUrl, appUrl, optionsJson] = process.argv.slice(2) as [string, string, string];
const { manualClockAt, syncApp, ...options } = JSON.parse(optionsJson ?? '{}') as Omit<
  EngineOptions,
  'redis'
> & { manualClockAt?: number; syncApp?: boolean };
const clock = manualClockAt === undefined ? undefined : new ManualClock(manualClockAt);

const print = (event: string, fields: Record<string, unknown>) =>
  process.stdout.write(`lifecycle ${JSON.stringify({ event, ...fields })}\n`);
const trace: LifecycleListener = {
  onStepStarted: (e) =>
    print('stepStarted', { runId: e.run.runId, stepId: e.stepId, attempt: e.attempt }),
  onStepFinished: (e) =>
    print('stepFinished', {
      runId: e.run.runId,
      stepId: e.stepId,
      attempt: e.attempt,
      outcome: e.outcome,
    }),
  onFunctionFinished: (e) => print('runFinished', { runId: e.runId, status: e.status }),
};

const engine = await createEngine({
  openTelemetry: false,
  ...options,
  ...(clock ? { clock } : {}),
  redis: redisUrl,
  process: true,
  listeners: [trace],
});
if (syncApp) await engine.registerApp(appUrl);
process.stdout.write(`ready ${JSON.stringify({ pid: process.pid, app: appUrl })}\n`);
process.stdin.on('end', () => process.exit(1));
if (clock) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, arg] = line.trim().split(/\s+/);
    try {
      if (command === 'advance') clock.advance(Number(arg));
      else if (command === 'at') clock.set(Number(arg));
      else throw new Error(`unknown command: ${line}`);
    } catch (err) {
      process.stdout.write(`clock-error ${(err as Error).message.replace(/\n/g, ' ')}\n`);
      return;
    }
    // Answer once the woken sleepers have had their turn to start their work.
    setImmediate(() => process.stdout.write(`clock ${clock.now()}\n`));
  });
} else process.stdin.resume();
process.once('SIGTERM', () => {
  void engine.close().finally(() => process.exit(0));
});
