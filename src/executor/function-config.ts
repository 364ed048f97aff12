import { InvalidOptionError } from '../core/errors.js';
import { isHttpUrl } from '../core/http-url.js';
import { parseDurationMs } from './duration.js';
import { InvalidExpressionError, InvalidFunctionConfigError } from './errors.js';
import {
  appConfigSchema,
  type BatchEventsConfig,
  type ConcurrencyConfig,
  type DebounceConfig,
  type ParsedFunctionConfig,
  type PriorityConfig,
  type RateLimitConfig,
  type SingletonConfig,
  type ThrottleConfig,
  type TimeoutsConfig,
} from './function-config-schema.js';
import { firstIssue, issueMessage } from './zod-issue.js';

export {
  functionConfigSchema,
  MAX_CANCELLATIONS,
  MAX_TRIGGERS,
  type BatchEventsConfig,
  type ConcurrencyConfig,
  type DebounceConfig,
  type ParsedFunctionConfig,
  type PriorityConfig,
  type RateLimitConfig,
  type SingletonConfig,
  type ThrottleConfig,
  type TimeoutsConfig,
} from './function-config-schema.js';

/** Retries of a function whose config sets none (the Go server's default): 5 attempts. */
export const DEFAULT_RETRIES = 4;
/** Most retries a function may have; larger values are capped, as the Go server does. */
export const MAX_RETRIES = 20;

/** A trigger: an event name pattern with an optional CEL filter, or a cron schedule. */
export type FunctionTrigger =
  { event: string; expression?: string } | { cron: string; jitter?: string };

/** A cancelOn entry: cancel the run on `event` when `if` holds, within `timeoutMs` of its start. */
export interface CancelDefinition {
  event: string;
  if?: string;
  timeoutMs?: number;
}

/** One function of a synced app, checked, with defaults applied. */
export interface FunctionDefinition {
  /** The composite ID the SDK reports (`<appId>-<fnId>`), sent back as `fnId=`. */
  id: string;
  name: string;
  appId: string;
  /** Where the executor POSTs (the config's `steps.*.runtime.url`). */
  stepUrl: string;
  /** Possibly empty: a function that is only ever invoked has no trigger in its config. */
  triggers: FunctionTrigger[];
  /** Retries after the first attempt: the config's `retries.attempts`, default 4, capped at 20. */
  retries: number;
  /** `retries + 1`. */
  maxAttempts: number;
  cancel: CancelDefinition[];
  concurrency?: ConcurrencyConfig;
  throttle?: ThrottleConfig;
  rateLimit?: RateLimitConfig;
  debounce?: DebounceConfig;
  batchEvents?: BatchEventsConfig;
  priority?: PriorityConfig;
  idempotency?: string;
  timeouts?: TimeoutsConfig;
  singleton?: SingletonConfig;
  /** The FunctionConfig exactly as the SDK sent it (unknown keys included). */
  config: Record<string, unknown>;
}

/** A synced app: its ID, the URL it was synced from, and its functions. */
export interface AppDefinition {
  appId: string;
  url: string;
  functions: FunctionDefinition[];
  framework?: string;
  sdk?: string;
}

/**
 * Reads an SDK's sync body (the in-band PUT answer `{app_id, functions, …}`, or the
 * out-of-band `/fn/register` body `{appName, functions, …}`) synced from `appUrl`. Every field
 * is checked (function-config-schema.ts): the first bad one anywhere throws
 * InvalidFunctionConfigError naming its path (`functions[0].steps.step.runtime.url`), with an
 * InvalidExpressionError as cause for CEL that does not compile. Two functions with one ID are
 * refused. Nothing partial is returned.
 */
export function parseAppConfig(raw: unknown, appUrl: string): AppDefinition {
  if (!isHttpUrl(appUrl))
    throw new InvalidOptionError('appUrl', `must be an http(s) URL, got ${JSON.stringify(appUrl)}`);
  const parsed = appConfigSchema.safeParse(raw, { error: issueMessage });
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues);
    const cause =
      issue.celError === undefined
        ? undefined
        : new InvalidExpressionError(issue.source ?? '', issue.path, issue.celError);
    throw new InvalidFunctionConfigError(
      issue.path,
      issue.problem,
      cause && { cause },
      functionIdAt(raw, issue.path),
    );
  }
  const appId = (parsed.data.app_id ?? parsed.data.appName) as string;
  const rawFunctions = (raw as { functions: Record<string, unknown>[] }).functions;
  const functions = parsed.data.functions.map((fn, i) =>
    toDefinition(fn, appId, rawFunctions[i] as Record<string, unknown>),
  );
  refuseDuplicateIds(functions);
  const app: AppDefinition = { appId, url: appUrl, functions };
  if (parsed.data.framework !== undefined) app.framework = parsed.data.framework;
  if (parsed.data.sdk !== undefined) app.sdk = parsed.data.sdk;
  return app;
}

function toDefinition(
  fn: ParsedFunctionConfig,
  appId: string,
  config: Record<string, unknown>,
): FunctionDefinition {
  const step = Object.values(fn.steps)[0] as ParsedFunctionConfig['steps'][string];
  const retries = Math.min(step.retries?.attempts ?? DEFAULT_RETRIES, MAX_RETRIES);
  const def: FunctionDefinition = {
    id: fn.id,
    name: fn.name ?? fn.id,
    appId,
    stepUrl: step.runtime.url,
    triggers: fn.triggers,
    retries,
    maxAttempts: retries + 1,
    cancel: (fn.cancel ?? []).map((c) => {
      const out: CancelDefinition = { event: c.event };
      if (c.if !== undefined) out.if = c.if;
      if (c.timeout !== undefined) out.timeoutMs = parseDurationMs(c.timeout) as number;
      return out;
    }),
    config,
  };
  for (const key of FLOW_CONTROL_KEYS) {
    if (fn[key] !== undefined) (def as unknown as Record<string, unknown>)[key] = fn[key];
  }
  return def;
}

const FLOW_CONTROL_KEYS = [
  'concurrency',
  'throttle',
  'rateLimit',
  'debounce',
  'batchEvents',
  'priority',
  'idempotency',
  'timeouts',
  'singleton',
] as const;

/** The `id` of the function a path like `functions[2].triggers[0]` points into, if it has one. */
function functionIdAt(raw: unknown, path: string): string | undefined {
  const index = /^functions\[(\d+)\]/.exec(path)?.[1];
  if (index === undefined) return undefined;
  const fns = (raw as { functions?: unknown } | null)?.functions;
  const id = Array.isArray(fns)
    ? (fns[Number(index)] as { id?: unknown } | undefined)?.id
    : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function refuseDuplicateIds(functions: readonly FunctionDefinition[]): void {
  const seen = new Map<string, number>();
  functions.forEach((fn, i) => {
    const first = seen.get(fn.id);
    if (first !== undefined)
      throw new InvalidFunctionConfigError(
        `functions[${i}].id`,
        `duplicates functions[${first}].id (${JSON.stringify(fn.id)})`,
        undefined,
        fn.id,
      );
    seen.set(fn.id, i);
  });
}
