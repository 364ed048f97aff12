import { isHttpUrl } from '../core/http-url.js';
import { z } from 'zod';
import { keyPartProblem } from '../redis/key-namespace.js';
import { cronJitterProblem, cronProblem } from './cron-schedule.js';
import { parseDurationMs } from './duration.js';
import { celErrorSummary } from './errors.js';
import { compileExpression } from './expression.js';

/**
 * The zod schema of one FunctionConfig, the entry of `functions` an SDK reports at sync (see
 * sdk-http-protocol.md §1.3), with the Go server's limits. Unknown keys pass through: they are
 * kept in the stored config and ignored. Optional fields may also be `null` (read as absent).
 * Every CEL field must compile and every time string must parse; the custom issues carry the
 * CEL error as `params.celError` so the caller can make it the cause.
 */

/** Most triggers per function (Inngest's `consts.MaxTriggers`). */
export const MAX_TRIGGERS = 10;
/** Most `cancel` entries per function (Inngest's `consts.MaxCancellations`). */
export const MAX_CANCELLATIONS = 5;
/** Most concurrency limits per function. */
export const MAX_CONCURRENCY_LIMITS = 2;

/** `schema`, or null / absent (both read as `undefined`). */
function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

/** Adds an issue unless `source` compiles as CEL. */
function checkCel(source: string, ctx: z.RefinementCtx): void {
  try {
    compileExpression(source, 'function config');
  } catch (err) {
    const celError = (err as { cause?: unknown }).cause ?? err;
    ctx.addIssue({
      code: 'custom',
      message: `does not compile as CEL: ${celErrorSummary(celError)}`,
      params: { celError, source },
    });
  }
}

/** An optional CEL expression that must compile; `""` is read as absent (some SDKs send it). */
const optionalCel = opt(z.string())
  .transform((v) => (v === '' ? undefined : v))
  .superRefine((v, ctx) => {
    if (v !== undefined) checkCel(v, ctx);
  });

const duration = z
  .string()
  .refine(
    (s) => parseDurationMs(s) !== undefined,
    'is not a duration like "30s", "5m", "1h30m" or "2d"',
  );
const positiveDuration = duration.refine((s) => (parseDurationMs(s) ?? 0) > 0, 'must be > 0');

/** Adds an issue unless `problem(value)` finds none (cron schedules and jitters). */
const problemCheck =
  (problem: (v: string) => string | undefined) => (v: string, ctx: z.RefinementCtx) => {
    const found = problem(v);
    if (found !== undefined) ctx.addIssue({ code: 'custom', message: found });
  };

const trigger = z
  .looseObject({
    event: opt(z.string().min(1)),
    expression: optionalCel,
    cron: opt(z.string().superRefine(problemCheck(cronProblem))),
    jitter: opt(duration.superRefine(problemCheck(cronJitterProblem))),
  })
  .superRefine((t, ctx) => {
    if ((t.event === undefined) === (t.cron === undefined))
      ctx.addIssue({ code: 'custom', message: 'must have exactly one of event or cron' });
    if (t.expression !== undefined && t.event === undefined)
      ctx.addIssue({ code: 'custom', path: ['expression'], message: 'needs an event trigger' });
    if (t.jitter !== undefined && t.cron === undefined)
      ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'needs a cron trigger' });
  })
  .transform((t) =>
    t.event !== undefined
      ? { event: t.event, ...(t.expression !== undefined && { expression: t.expression }) }
      : { cron: t.cron as string, ...(t.jitter !== undefined && { jitter: t.jitter }) },
  );

const httpUrl = z.string().refine(isHttpUrl, 'must be an http(s) URL');

const step = z.looseObject({
  id: opt(z.string()),
  name: opt(z.string()),
  runtime: z.looseObject({
    type: z.literal('http', 'must be "http" (durq does not drive Connect workers)'),
    url: httpUrl,
  }),
  retries: opt(z.looseObject({ attempts: opt(z.number().int().min(0)) })),
});

const concurrencyLimit = z.looseObject({
  limit: z.number().int().min(0),
  key: optionalCel,
  scope: opt(z.enum(['fn', 'env', 'account'])),
});

const concurrency = z.union([
  z.number().int().min(0),
  concurrencyLimit,
  z.array(concurrencyLimit).max(MAX_CONCURRENCY_LIMITS),
]);

/** Shortest and longest throttle period Inngest documents (1 s to 7 days). */
export const MIN_THROTTLE_PERIOD_MS = 1_000;
export const MAX_THROTTLE_PERIOD_MS = 7 * 86_400_000;

const throttle = z.looseObject({
  limit: z.number().int().min(1),
  period: positiveDuration.refine((s) => {
    const ms = parseDurationMs(s) ?? 0;
    return ms >= MIN_THROTTLE_PERIOD_MS && ms <= MAX_THROTTLE_PERIOD_MS;
  }, 'must be between 1s and 7d'),
  key: optionalCel,
  burst: opt(z.number().int().min(0)),
});

/** Longest `rateLimit.period` the Go server accepts (reference §11.3). */
export const MAX_RATE_LIMIT_PERIOD_MS = 86_400_000;

const rateLimit = z.looseObject({
  limit: z.number().int().min(1),
  period: positiveDuration.refine(
    (s) => (parseDurationMs(s) ?? 0) <= MAX_RATE_LIMIT_PERIOD_MS,
    'must be at most 24h',
  ),
  key: optionalCel,
});

/** Shortest and longest debounce period the Go server accepts (`consts.Min/MaxDebouncePeriod`). */
export const MIN_DEBOUNCE_MS = 1_000;
export const MAX_DEBOUNCE_MS = 7 * 86_400_000;

const debounce = z.looseObject({
  period: duration.refine((s) => {
    const ms = parseDurationMs(s) ?? 0;
    return ms >= MIN_DEBOUNCE_MS && ms <= MAX_DEBOUNCE_MS;
  }, 'must be between 1s and 7d'),
  key: optionalCel,
  timeout: opt(positiveDuration),
});

/** Shortest batch timeout the Go server accepts. */
export const MIN_BATCH_TIMEOUT_MS = 1_000;

const batchEvents = z.looseObject({
  maxSize: z.number().int().min(1),
  timeout: duration.refine(
    (s) => (parseDurationMs(s) ?? 0) >= MIN_BATCH_TIMEOUT_MS,
    'must be at least 1s',
  ),
  key: optionalCel,
  if: optionalCel,
});

const cancel = z.looseObject({
  event: z.string().min(1),
  if: optionalCel,
  timeout: opt(duration),
});

const functionId = z.string().superRefine((id, ctx) => {
  const problem = keyPartProblem(id);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** One FunctionConfig. */
export const functionConfigSchema = z
  .looseObject({
    id: functionId,
    name: opt(z.string()),
    triggers: z.array(trigger).max(MAX_TRIGGERS),
    steps: z
      .record(z.string(), step)
      .refine((s) => Object.keys(s).length === 1, 'must have exactly one entry'),
    concurrency: opt(concurrency),
    throttle: opt(throttle),
    rateLimit: opt(rateLimit),
    debounce: opt(debounce),
    batchEvents: opt(batchEvents),
    priority: opt(z.looseObject({ run: optionalCel })),
    idempotency: optionalCel,
    cancel: opt(z.array(cancel).max(MAX_CANCELLATIONS)),
    timeouts: opt(z.looseObject({ start: opt(positiveDuration), finish: opt(positiveDuration) })),
    singleton: opt(z.looseObject({ key: optionalCel, mode: z.enum(['skip', 'cancel']) })),
  })
  .superRefine((f, ctx) => {
    if (f.batchEvents !== undefined && f.debounce !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['debounce'],
        message: 'cannot be used with batchEvents',
      });
    if (f.batchEvents !== undefined && f.priority?.run !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['priority'],
        message: 'cannot be used with batchEvents',
      });
    if (f.batchEvents !== undefined && (f.cancel ?? []).length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['cancel'],
        message: 'cannot be used with batchEvents',
      });
    if (f.batchEvents !== undefined && f.singleton !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['singleton'],
        message: 'cannot be used with batchEvents',
      });
  });

/** A FunctionConfig as parsed: defaults not yet applied, unknown keys kept. */
export type ParsedFunctionConfig = z.output<typeof functionConfigSchema>;
export type ConcurrencyConfig = z.output<typeof concurrency>;
export type ThrottleConfig = z.output<typeof throttle>;
export type RateLimitConfig = z.output<typeof rateLimit>;
export type DebounceConfig = z.output<typeof debounce>;
export type BatchEventsConfig = z.output<typeof batchEvents>;
export type PriorityConfig = NonNullable<ParsedFunctionConfig['priority']>;
export type TimeoutsConfig = NonNullable<ParsedFunctionConfig['timeouts']>;
export type SingletonConfig = NonNullable<ParsedFunctionConfig['singleton']>;

/** The sync body around the configs: in-band (`app_id`) or out-of-band (`appName`). */
export const appConfigSchema = z
  .looseObject({
    app_id: opt(functionId),
    appName: opt(functionId),
    functions: z.array(functionConfigSchema),
    url: opt(z.string()),
    framework: opt(z.string()),
    sdk: opt(z.string()),
  })
  .superRefine((a, ctx) => {
    if (a.app_id === undefined && a.appName === undefined)
      ctx.addIssue({ code: 'custom', path: ['app_id'], message: 'is required' });
  });
