import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LifecycleListener } from '../executor/lifecycle.js';

/**
 * The Prometheus metrics of one durq process (`GET /metrics`). Run and step counts come from
 * this process's lifecycle events (a worker counts the steps it ran, an api process the events
 * it accepted); the queue depth is read from Redis when scraped.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly eventsAccepted: Counter;
  readonly httpErrors: Counter<'route' | 'status'>;
  private readonly runs: Counter<'status'>;
  private readonly steps: Counter<'outcome'>;
  private readonly retries: Counter;
  private readonly stepErrors: Counter;
  private readonly sdkLatency: Histogram;

  constructor(queueDepth: () => Promise<Record<string, number>>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'durq_process_' });
    this.eventsAccepted = new Counter({
      name: 'durq_events_accepted_total',
      help: 'Events accepted by POST /e and stored',
      registers,
    });
    this.httpErrors = new Counter({
      name: 'durq_http_errors_total',
      help: 'HTTP requests answered with a 4xx or 5xx status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.runs = new Counter({
      name: 'durq_runs_total',
      help: 'Runs scheduled, and runs ended by terminal status, by this process',
      labelNames: ['status'],
      registers,
    });
    this.steps = new Counter({
      name: 'durq_steps_total',
      help: 'SDK requests answered, by outcome (result, ops, error)',
      labelNames: ['outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'durq_step_retries_total',
      help: 'SDK requests that were a retry (attempt > 0)',
      registers,
    });
    this.stepErrors = new Counter({
      name: 'durq_step_errors_total',
      help: 'SDK requests that failed (an error status, a timeout, a refused connection)',
      registers,
    });
    this.sdkLatency = new Histogram({
      name: 'durq_sdk_request_duration_seconds',
      help: 'Time from sending a request to an SDK app to its answer',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'durq_queue_depth',
      help: 'Items held in each queue shard (ready, waiting and leased)',
      labelNames: ['shard'],
      registers,
      async collect() {
        const depth = await queueDepth();
        this.reset();
        for (const [shard, n] of Object.entries(depth)) this.set({ shard }, n);
      },
    });
  }

  /** The lifecycle listener that feeds the run and step metrics. */
  listener(): LifecycleListener {
    return {
      onFunctionScheduled: () => this.runs.inc({ status: 'scheduled' }),
      onFunctionFinished: (e) => this.runs.inc({ status: e.status }),
      onFunctionFailed: (e) => this.runs.inc({ status: e.status }),
      onFunctionCancelled: (e) => this.runs.inc({ status: e.status }),
      onStepStarted: (e) => {
        if (e.attempt > 0) this.retries.inc();
      },
      onStepFinished: (e) => {
        this.steps.inc({ outcome: e.outcome });
        this.sdkLatency.observe(e.durationMs / 1000);
        if (e.outcome === 'error') this.stepErrors.inc();
      },
    };
  }
}
