import { describe, expect, it } from 'vitest';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { LifecycleListener } from '../../../src/executor/lifecycle.js';
import { openTelemetryListener } from '../../../src/executor/otel-listener.js';
import { useE2E } from './harness.js';

interface RecordedSpan {
  name: string;
  start: number;
  end?: number;
  parent?: string;
  id: string;
  status?: number;
}

/** A Tracer that records what it is asked (the application's OTel SDK would export it). */
function recordingTracer(spans: RecordedSpan[]): Tracer {
  let next = 0;
  const tracer = {
    startSpan(name: string, options?: SpanOptions, context?: Context): Span {
      const id = `span${next++}`.padEnd(16, '0').slice(0, 16);
      const parentSpan = context ? trace.getSpan(context) : undefined;
      const rec: RecordedSpan = { name, start: Number(options?.startTime), id };
      const parent = parentSpan?.spanContext().spanId;
      if (parent) rec.parent = parent;
      spans.push(rec);
      const span = {
        spanContext: () => ({ traceId: '0'.repeat(31) + '1', spanId: id, traceFlags: 1 }),
        setStatus: (s: { code: number }) => ((rec.status = s.code), span),
        end: (t?: number) => void (rec.end = Number(t)),
      };
      return span as unknown as Span;
    },
  };
  return tracer as unknown as Tracer;
}

describe('lifecycle listeners', () => {
  const seen: string[] = [];
  const spans: RecordedSpan[] = [];
  const recorder: LifecycleListener = {
    onFunctionScheduled: () => void seen.push('scheduled'),
    onFunctionStarted: () => void seen.push('started'),
    onStepStarted: () => void seen.push('step-started'),
    onStepFinished: () => void seen.push('step-finished'),
    onSleep: () => void seen.push('sleep'),
    onFunctionFinished: () => void seen.push('finished'),
  };
  const thrower: LifecycleListener = {
    onStepStarted: () => {
      throw new Error('listener bug');
    },
    onFunctionFinished: async () => {
      throw new Error('async listener bug');
    },
  };
  const h = useE2E(
    'dev',
    'life',
    (inngest) => [
      inngest.createFunction({ id: 'two', triggers: [{ event: 'life/go' }] }, async ({ step }) => {
        await step.run('one', () => 1);
        await step.sleep('rest', '1s');
        return await step.run('two', () => 2);
      }),
    ],
    {
      listeners: [thrower, recorder, openTelemetryListener(recordingTracer(spans))],
      log: () => {},
    },
  );

  it('fire in order, a throwing listener changes nothing, and the run is one trace', async () => {
    const [runId] = await h.trigger('life/go');
    const run = await h.engine.waitForRun(runId as string, { timeoutMs: 15_000 });
    expect(run.status).toBe('completed');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen[0]).toBe('scheduled');
    expect(seen[1]).toBe('started');
    expect(seen).toContain('sleep');
    expect(seen.at(-1)).toBe('finished');
    // start (runs 'one'), after 'one' (plans the sleep), after the sleep (runs 'two'), after 'two'
    expect(seen.filter((s) => s === 'step-started')).toHaveLength(4);
    const root = spans.find((s) => s.name === 'run life-two');
    expect(root).toBeDefined();
    const children = spans.filter((s) => s.parent === root?.id).map((s) => s.name);
    expect(children).toEqual(['step one', 'step rest', 'step two']);
    for (const s of spans) expect(s.end).toBeGreaterThanOrEqual(s.start);
  });
});
