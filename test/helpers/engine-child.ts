/**
 * A durq engine in its own process, for multi-process fault tests (launched by
 * test/helpers/engine-children.ts).
 * argv: <redis url> <app url> <options JSON>
 * The options are EngineOptions without `redis` (JSON: no listeners, no transports); the engine
 * is created with `process: true`. The app URL is only echoed: the test registers the app from
 * its own process (registration is in Redis, shared by every engine on it).
 * stdout: `ready {"pid":…,"app":"…"}` once the engine runs, then one line
 * `lifecycle {"event":…,"runId":…,"stepId":…,"attempt":…}` per step start and finish and per
 * finished run, so that the test sees what this process is doing.
 * SIGTERM closes the engine gracefully; EOF on stdin (the parent died) exits at once.
 */
import { createEngine, type EngineOptions } from '../../src/executor/engine.js';
import type { LifecycleListener } from '../../src/executor/lifecycle.js';

const [redisUrl, appUrl, optionsJson] = process.argv.slice(2) as [string, string, string];
const options = JSON.parse(optionsJson ?? '{}') as Omit<EngineOptions, 'redis'>;

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
  redis: redisUrl,
  process: true,
  listeners: [trace],
});
process.stdout.write(`ready ${JSON.stringify({ pid: process.pid, app: appUrl })}\n`);
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();
process.once('SIGTERM', () => {
  void engine.close().finally(() => process.exit(0));
});
