import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { FinishedRun, LifecycleListener } from './lifecycle.js';

/**
 * A lifecycle listener that records each finished run as an OpenTelemetry trace through
 * `@opentelemetry/api` (whatever SDK the application registered receives it; with none, it costs
 * nothing): a run span from the run's creation to its end, with a child span per step at the
 * step's own times. Spans are written when the run ends, from the step records run state keeps,
 * so a run that moved between processes still yields one trace.
 */
export function openTelemetryListener(tracer: Tracer = trace.getTracer('durq')): LifecycleListener {
  const record = (run: FinishedRun) => {
    const span = tracer.startSpan(`run ${run.functionId}`, {
      startTime: run.createdAt,
      attributes: {
        'durq.run.id': run.runId,
        'durq.function.id': run.functionId,
        'durq.app.id': run.appId,
        'durq.run.status': run.status,
        'durq.run.steps': run.steps.length,
      },
    });
    const parent = trace.setSpan(context.active(), span);
    for (const step of run.steps) {
      const child = tracer.startSpan(
        `step ${step.name}`,
        {
          startTime: step.startedAt,
          attributes: {
            'durq.step.id': step.id,
            'durq.step.op': step.op,
            'durq.step.attempts': step.attempts,
          },
        },
        parent,
      );
      if (step.failed) child.setStatus({ code: SpanStatusCode.ERROR });
      child.end(step.endedAt);
    }
    if (run.status === 'failed')
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(run.error) });
    span.end(run.endedAt);
  };
  return {
    onFunctionFinished: record,
    onFunctionFailed: record,
    onFunctionCancelled: record,
  };
}

function errorMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return String(error);
}
