/* eslint-disable @typescript-eslint/no-explicit-any -- the cases below edit arbitrary JSON */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/errors.js';
import { InvalidExpressionError, InvalidFunctionConfigError } from '../../src/executor/errors.js';
import {
  DEFAULT_RETRIES,
  functionConfigSchema,
  parseAppConfig,
  type AppDefinition,
} from '../../src/executor/function-config.js';
import { devClient, syncInBand, type InBandSync } from './sdk-sync.js';

const inngest = devClient('probe-app');
const fns = [
  inngest.createFunction({ id: 'plain', triggers: [{ event: 'demo/plain' }] }, async () => 'ok'),
  inngest.createFunction(
    {
      id: 'rich',
      name: 'Rich one',
      retries: 3,
      cancelOn: [{ event: 'demo/cancel', match: 'data.id', timeout: '1h' }],
      concurrency: { limit: 2, key: 'event.data.user' },
      throttle: { limit: 10, period: '1m', key: 'event.data.user', burst: 2 },
      idempotency: 'event.data.id',
      triggers: [{ event: 'demo/rich', if: 'event.data.ok == true' }, { cron: '*/5 * * * *' }],
      onFailure: async () => 'failed',
    },
    async ({ step }) => {
      await step.sleep('nap', 1000);
      return 1;
    },
  ),
  inngest.createFunction({ id: 'invoke-only' }, async () => 'x'),
  inngest.createFunction(
    {
      id: 'flow',
      triggers: [{ event: 'app/*' }],
      timeouts: { start: '10m', finish: '1h' },
      singleton: { key: 'event.data.u', mode: 'skip' },
      debounce: { period: '5s', key: 'event.data.user', timeout: '1m' },
      rateLimit: { limit: 5, period: '1h' },
      priority: { run: 'event.data.prio' },
      retries: 0,
    },
    async () => 'x',
  ),
  inngest.createFunction(
    {
      id: 'batch',
      triggers: { event: 'demo/batch' },
      batchEvents: { maxSize: 10, timeout: '5s', key: 'event.data.user', if: 'event.data.ok' },
      concurrency: 5,
    },
    async () => 'x',
  ),
];

let sync: InBandSync;
let app: AppDefinition;

beforeAll(async () => {
  sync = await syncInBand(inngest, fns);
  app = parseAppConfig(sync.body, sync.url);
});

/** A deep copy of the real sync body, changed by `edit`. */
function mutated(edit: (body: { functions: Record<string, unknown>[] }) => void): unknown {
  const body = structuredClone(sync.body) as { functions: Record<string, unknown>[] };
  edit(body);
  return body;
}

function configError(raw: unknown): InvalidFunctionConfigError {
  try {
    parseAppConfig(raw, 'http://127.0.0.1:3000/api/inngest');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidFunctionConfigError);
    return err as InvalidFunctionConfigError;
  }
  throw new Error('parseAppConfig accepted the config');
}

const fn = (id: string) => {
  const found = app.functions.find((f) => f.id === `probe-app-${id}`);
  if (found === undefined) throw new Error(`no function ${id}`);
  return found;
};

describe('parseAppConfig on configs from the real SDK (inngest 4.24.0 in-band sync)', () => {
  it('the SDK answers the in-band PUT with app_id, framework, sdk, url and functions', () => {
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({
      app_id: 'probe-app',
      framework: 'nodejs',
      sdk: 'js:v4.24.0',
      url: sync.url,
    });
    expect(app.appId).toBe('probe-app');
    expect(app.url).toBe(sync.url);
    expect(app.framework).toBe('nodejs');
    expect(app.sdk).toBe('js:v4.24.0');
  });

  it('reads every function, onFailure adding <id>-failure, in the order the SDK sends them', () => {
    expect(app.functions.map((f) => f.id)).toEqual([
      'probe-app-plain',
      'probe-app-rich',
      'probe-app-rich-failure',
      'probe-app-invoke-only',
      'probe-app-flow',
      'probe-app-batch',
    ]);
    for (const f of app.functions) {
      expect(f.appId).toBe('probe-app');
      expect(f.stepUrl).toBe(`${sync.url}?fnId=${f.id}&stepId=step`);
    }
  });

  it('a plain function: its trigger, the default 4 retries (5 attempts), no cancel', () => {
    const plain = fn('plain');
    expect(plain).toMatchObject({ name: 'plain', triggers: [{ event: 'demo/plain' }] });
    expect(plain.retries).toBe(DEFAULT_RETRIES);
    expect(plain.maxAttempts).toBe(5);
    expect(plain.cancel).toEqual([]);
    expect(plain.concurrency).toBeUndefined();
    expect(plain.config).toEqual((sync.body.functions as unknown[])[0]);
  });

  it('retries: 3, cancelOn match, concurrency, throttle, idempotency, two triggers', () => {
    const rich = fn('rich');
    expect(rich.name).toBe('Rich one');
    expect(rich.retries).toBe(3);
    expect(rich.maxAttempts).toBe(4);
    expect(rich.triggers).toEqual([
      { event: 'demo/rich', expression: 'event.data.ok == true' },
      { cron: '*/5 * * * *' },
    ]);
    expect(rich.cancel).toEqual([
      { event: 'demo/cancel', if: 'event.data.id == async.data.id', timeoutMs: 3_600_000 },
    ]);
    expect(rich.concurrency).toEqual({ limit: 2, key: 'event.data.user' });
    expect(rich.throttle).toEqual({ limit: 10, period: '1m', key: 'event.data.user', burst: 2 });
    expect(rich.idempotency).toBe('event.data.id');
  });

  it('onFailure: a function on inngest/function.failed filtered on the parent id, 1 retry', () => {
    const failure = fn('rich-failure');
    expect(failure.name).toBe('Rich one (failure)');
    expect(failure.triggers).toEqual([
      {
        event: 'inngest/function.failed',
        expression: "event.data.function_id == 'probe-app-rich'",
      },
    ]);
    expect(failure.retries).toBe(1);
  });

  it('an invoke-only function has no trigger: accepted with triggers []', () => {
    expect(fn('invoke-only').triggers).toEqual([]);
  });

  it('the other flow-control fields are kept as sent; retries: 0 gives one attempt', () => {
    const flow = fn('flow');
    expect(flow.triggers).toEqual([{ event: 'app/*' }]);
    expect(flow.timeouts).toEqual({ start: '10m', finish: '1h' });
    expect(flow.singleton).toEqual({ key: 'event.data.u', mode: 'skip' });
    expect(flow.debounce).toEqual({ period: '5s', key: 'event.data.user', timeout: '1m' });
    expect(flow.rateLimit).toEqual({ limit: 5, period: '1h' });
    expect(flow.priority).toEqual({ run: 'event.data.prio' });
    expect(flow.maxAttempts).toBe(1);
    const batch = fn('batch');
    expect(batch.batchEvents).toEqual({
      maxSize: 10,
      timeout: '5s',
      key: 'event.data.user',
      if: 'event.data.ok',
    });
    expect(batch.concurrency).toBe(5);
    expect(batch.cancel).toEqual([]);
  });

  it('functionConfigSchema accepts every function config the SDK sent', () => {
    for (const config of sync.body.functions as unknown[])
      expect(functionConfigSchema.safeParse(config).success).toBe(true);
  });
});

describe('parseAppConfig refuses a bad field anywhere, naming its path', () => {
  const cases: [string, (b: { functions: Record<string, any>[] }) => void, string, RegExp][] = [
    ['no app id', (b) => delete (b as any).app_id, 'app_id', /is required/],
    ['functions not a list', (b) => ((b as any).functions = {}), 'functions', /must be an array/],
    ['missing id', (b) => delete b.functions[1]!.id, 'functions[1].id', /is required/],
    ['id with a space', (b) => (b.functions[0]!.id = 'a b'), 'functions[0].id', /white space/],
    ['id with a colon', (b) => (b.functions[0]!.id = 'a:b'), 'functions[0].id', /':'/],
    ['id too long', (b) => (b.functions[0]!.id = 'x'.repeat(257)), 'functions[0].id', /256/],
    [
      'triggers missing',
      (b) => delete b.functions[0]!.triggers,
      'functions[0].triggers',
      /required/,
    ],
    [
      'empty trigger event',
      (b) => (b.functions[1]!.triggers[0].event = ''),
      'functions[1].triggers[0].event',
      /must not be empty/,
    ],
    [
      'trigger with event and cron',
      (b) => (b.functions[0]!.triggers[0].cron = '* * * * *'),
      'functions[0].triggers[0]',
      /exactly one of event or cron/,
    ],
    [
      'trigger with neither',
      (b) => (b.functions[0]!.triggers[0] = {}),
      'functions[0].triggers[0]',
      /exactly one of event or cron/,
    ],
    [
      'bad cron',
      (b) => (b.functions[1]!.triggers[1].cron = 'every minute'),
      'functions[1].triggers[1].cron',
      /cron/,
    ],
    [
      'jitter on an event trigger',
      (b) => (b.functions[0]!.triggers[0].jitter = '5s'),
      'functions[0].triggers[0].jitter',
      /needs a cron trigger/,
    ],
    [
      'trigger expression not CEL',
      (b) => (b.functions[1]!.triggers[0].expression = 'event.data.ok == '),
      'functions[1].triggers[0].expression',
      /does not compile as CEL/,
    ],
    [
      'too many triggers',
      (b) =>
        (b.functions[0]!.triggers = Array.from({ length: 11 }, (_, i) => ({ event: `e${i}` }))),
      'functions[0].triggers',
      /at most 10/,
    ],
    [
      'two step entries',
      (b) => (b.functions[0]!.steps.other = b.functions[0]!.steps.step),
      'functions[0].steps',
      /exactly one entry/,
    ],
    [
      'a ws runtime',
      (b) => (b.functions[0]!.steps.step.runtime.type = 'ws'),
      'functions[0].steps.step.runtime.type',
      /must be "http"/,
    ],
    [
      'a non-http step URL',
      (b) => (b.functions[0]!.steps.step.runtime.url = 'ftp://x/y'),
      'functions[0].steps.step.runtime.url',
      /http\(s\) URL/,
    ],
    [
      'an unparsable step URL',
      (b) => (b.functions[0]!.steps.step.runtime.url = 'not a url'),
      'functions[0].steps.step.runtime.url',
      /http\(s\) URL/,
    ],
    [
      'negative retries',
      (b) => (b.functions[1]!.steps.step.retries.attempts = -1),
      'functions[1].steps.step.retries.attempts',
      /must be >= 0/,
    ],
    [
      'fractional retries',
      (b) => (b.functions[1]!.steps.step.retries.attempts = 1.5),
      'functions[1].steps.step.retries.attempts',
      /integer/,
    ],
    [
      'concurrency limit a string',
      (b) => (b.functions[1]!.concurrency.limit = 'two'),
      'functions[1].concurrency.limit',
      /must be a number, got string/,
    ],
    [
      'concurrency key not CEL',
      (b) => (b.functions[1]!.concurrency.key = 'event.data.'),
      'functions[1].concurrency.key',
      /CEL/,
    ],
    [
      'three concurrency limits',
      (b) => (b.functions[1]!.concurrency = [{ limit: 1 }, { limit: 2 }, { limit: 3 }]),
      'functions[1].concurrency',
      /at most 2/,
    ],
    [
      'bad concurrency scope',
      (b) => (b.functions[1]!.concurrency = [{ limit: 1, scope: 'world' }]),
      'functions[1].concurrency[0].scope',
      /fn|env|account/,
    ],
    [
      'throttle period not a duration',
      (b) => (b.functions[1]!.throttle.period = 'a minute'),
      'functions[1].throttle.period',
      /not a duration/,
    ],
    [
      'throttle limit 0',
      (b) => (b.functions[1]!.throttle.limit = 0),
      'functions[1].throttle.limit',
      /must be >= 1/,
    ],
    [
      'idempotency not CEL',
      (b) => (b.functions[1]!.idempotency = '(('),
      'functions[1].idempotency',
      /CEL/,
    ],
    [
      'cancel without event',
      (b) => delete b.functions[1]!.cancel[0].event,
      'functions[1].cancel[0].event',
      /is required/,
    ],
    [
      'cancel if not CEL',
      (b) => (b.functions[1]!.cancel[0].if = 'event.data.id = async.data.id'),
      'functions[1].cancel[0].if',
      /CEL/,
    ],
    [
      'cancel timeout not a duration',
      (b) => (b.functions[1]!.cancel[0].timeout = 'soon'),
      'functions[1].cancel[0].timeout',
      /not a duration/,
    ],
    [
      'six cancel entries',
      (b) => (b.functions[1]!.cancel = Array.from({ length: 6 }, () => ({ event: 'x' }))),
      'functions[1].cancel',
      /at most 5/,
    ],
    [
      'debounce period 0',
      (b) => (b.functions[4]!.debounce.period = '0s'),
      'functions[4].debounce.period',
      /between 1s and 7d/,
    ],
    [
      'debounce period 8d',
      (b) => (b.functions[4]!.debounce.period = '8d'),
      'functions[4].debounce.period',
      /between 1s and 7d/,
    ],
    [
      'throttle period 0s',
      (b) => (b.functions[1]!.throttle.period = '0s'),
      'functions[1].throttle.period',
      /must be > 0/,
    ],
    [
      'throttle period 8d',
      (b) => (b.functions[1]!.throttle.period = '8d'),
      'functions[1].throttle.period',
      /between 1s and 7d/,
    ],
    [
      'throttle period 500ms',
      (b) => (b.functions[1]!.throttle.period = '500ms'),
      'functions[1].throttle.period',
      /between 1s and 7d/,
    ],
    [
      'throttle key not CEL',
      (b) => (b.functions[1]!.throttle.key = 'event.data.user +'),
      'functions[1].throttle.key',
      /CEL/,
    ],
    [
      'negative concurrency limit',
      (b) => (b.functions[1]!.concurrency.limit = -1),
      'functions[1].concurrency.limit',
      /must be >= 0/,
    ],
    [
      'singleton mode unknown',
      (b) => (b.functions[4]!.singleton.mode = 'queue'),
      'functions[4].singleton.mode',
      /skip|cancel/,
    ],
    [
      'timeouts.finish not a duration',
      (b) => (b.functions[4]!.timeouts.finish = 60),
      'functions[4].timeouts.finish',
      /must be a string, got number/,
    ],
    [
      'priority.run not CEL',
      (b) => (b.functions[4]!.priority.run = 'event.data.'),
      'functions[4].priority.run',
      /CEL/,
    ],
    [
      'batchEvents with debounce',
      (b) => (b.functions[5]!.debounce = { period: '5s' }),
      'functions[5].debounce',
      /batchEvents/,
    ],
    [
      'batchEvents with cancelOn',
      (b) => (b.functions[5]!.cancel = [{ event: 'demo/stop' }]),
      'functions[5].cancel',
      /cannot be used with batchEvents/,
    ],
    [
      'batchEvents with singleton',
      (b) => (b.functions[5]!.singleton = { mode: 'skip' }),
      'functions[5].singleton',
      /cannot be used with batchEvents/,
    ],
    [
      'batchEvents timeout under 1s',
      (b) => (b.functions[5]!.batchEvents.timeout = '500ms'),
      'functions[5].batchEvents.timeout',
      /at least 1s/,
    ],
    [
      'batchEvents maxSize missing',
      (b) => delete b.functions[5]!.batchEvents.maxSize,
      'functions[5].batchEvents.maxSize',
      /is required/,
    ],
    [
      'rateLimit period missing',
      (b) => delete b.functions[4]!.rateLimit.period,
      'functions[4].rateLimit.period',
      /is required/,
    ],
  ];

  for (const [what, edit, path, problem] of cases) {
    it(`${what}: ${path}`, () => {
      const err = configError(
        mutated(edit as (b: { functions: Record<string, unknown>[] }) => void),
      );
      expect(err.path).toBe(path);
      expect(err.problem).toMatch(problem);
      expect(err.code).toBe('INVALID_FUNCTION_CONFIG');
      const of = err.functionId === undefined ? '' : ` of function "${err.functionId}"`;
      expect(err.message).toBe(`invalid function config${of} at ${path}: ${err.problem}`);
    });
  }

  it('batchEvents with cancelOn or singleton: the message names the function and the field', () => {
    const cancel = configError(mutated((b) => (b.functions[5]!.cancel = [{ event: 'x/y' }])));
    expect(cancel.functionId).toBe('probe-app-batch');
    expect(cancel.message).toBe(
      'invalid function config of function "probe-app-batch" at functions[5].cancel: ' +
        'cannot be used with batchEvents',
    );
    const singleton = configError(
      mutated((b) => (b.functions[5]!.singleton = { key: 'event.data.u', mode: 'cancel' })),
    );
    expect(singleton.message).toBe(
      'invalid function config of function "probe-app-batch" at functions[5].singleton: ' +
        'cannot be used with batchEvents',
    );
  });

  it('a CEL error carries an InvalidExpressionError (where = the path) with the CEL cause', () => {
    const err = configError(
      mutated((b) => ((b.functions[1]!.triggers as any[])[0].expression = 'event.data.ok == ')),
    );
    expect(err.cause).toBeInstanceOf(InvalidExpressionError);
    const cause = err.cause as InvalidExpressionError;
    expect(cause.where).toBe('functions[1].triggers[0].expression');
    expect(cause.expression).toBe('event.data.ok == ');
    expect((cause.cause as Error).name).toBe('ParseError');
  });

  it('two functions with one id are refused, naming the second', () => {
    const err = configError(mutated((b) => b.functions.push(structuredClone(b.functions[2]!))));
    expect(err.path).toBe('functions[6].id');
    expect(err.problem).toMatch(/duplicates functions\[2\]\.id/);
  });

  it('a body that is not an object is refused', () => {
    expect(configError(null).path).toBe('(root)');
    expect(configError('x').path).toBe('(root)');
  });

  it('the app URL must be http(s)', () => {
    expect(() => parseAppConfig(sync.body, 'localhost:3000')).toThrow(InvalidOptionError);
  });
});

describe('parseAppConfig leniency', () => {
  it('unknown keys pass through into config and are otherwise ignored', () => {
    const raw = mutated((b) => {
      b.functions[0]!.futureFeature = { x: 1 };
      (b.functions[0]!.steps as any).step.runtime.extra = true;
    });
    const parsed = parseAppConfig(raw, sync.url);
    expect(parsed.functions[0]!.config.futureFeature).toEqual({ x: 1 });
    expect(parsed.functions[0]).not.toHaveProperty('futureFeature');
  });

  it('retries above 20 are capped at 20 (as the Go server does)', () => {
    const raw = mutated((b) => ((b.functions[1]!.steps as any).step.retries.attempts = 50));
    const parsed = parseAppConfig(raw, sync.url);
    expect(parsed.functions[1]!.retries).toBe(20);
    expect(parsed.functions[1]!.maxAttempts).toBe(21);
  });

  it('null and "" optional fields read as absent; a missing name defaults to the id', () => {
    const raw = mutated((b) => {
      delete b.functions[0]!.name;
      (b.functions[0]!.triggers as any[])[0].expression = null;
      b.functions[0]!.idempotency = '';
      b.functions[0]!.debounce = null;
    });
    const parsed = parseAppConfig(raw, sync.url).functions[0]!;
    expect(parsed.name).toBe('probe-app-plain');
    expect(parsed.triggers).toEqual([{ event: 'demo/plain' }]);
    expect(parsed.idempotency).toBeUndefined();
    expect(parsed.debounce).toBeUndefined();
  });

  it('an out-of-band /fn/register body (appName) is read too', () => {
    const { app_id: appName, ...rest } = sync.body;
    const parsed = parseAppConfig({ ...rest, appName }, sync.url);
    expect(parsed.appId).toBe('probe-app');
    expect(parsed.functions).toHaveLength(6);
  });
});
