import { describe, expect, it } from 'vitest';
import { validateEvents, type StoredEvent } from '../../src/executor/event.js';
import {
  eventNameMatches,
  functionsForEvent,
  FUNCTION_INVOKED_EVENT,
} from '../../src/executor/trigger-match.js';
import { parseAppConfig, type FunctionDefinition } from '../../src/executor/function-config.js';
import { devClient, syncInBand } from './sdk-sync.js';

function event(name: string, data: Record<string, unknown> = {}): StoredEvent {
  return validateEvents({ name, data }, { nowMs: 1, newId: () => 'I', allowReserved: true })[0]!;
}

function fn(id: string, triggers: FunctionDefinition['triggers']): FunctionDefinition {
  return {
    id,
    name: id,
    appId: 'app',
    stepUrl: 'http://x/api/inngest',
    triggers,
    retries: 4,
    maxAttempts: 5,
    cancel: [],
    config: {},
  };
}

describe('eventNameMatches', () => {
  it('matches a name exactly', () => {
    expect(eventNameMatches('app/user.created', 'app/user.created')).toBe(true);
    expect(eventNameMatches('app/user.created', 'app/user.create')).toBe(false);
    expect(eventNameMatches('app/user', 'app/user.created')).toBe(false);
  });

  it('a pattern ending in /* or .* matches every name under that prefix (as Inngest)', () => {
    expect(eventNameMatches('app/*', 'app/user.created')).toBe(true);
    expect(eventNameMatches('app/*', 'app/blog.post.published')).toBe(true);
    expect(eventNameMatches('app/*', 'app/a/b')).toBe(true);
    expect(eventNameMatches('app/user.*', 'app/user.created')).toBe(true);
    expect(eventNameMatches('app/blog.post.*', 'app/blog.post.published')).toBe(true);
    expect(eventNameMatches('app/*', 'application/x')).toBe(false);
    expect(eventNameMatches('app/*', 'app')).toBe(false);
    expect(eventNameMatches('app/user.*', 'app/users.x')).toBe(false);
    expect(eventNameMatches('app/user.*', 'app/user/x')).toBe(false);
  });

  it('a * elsewhere is an ordinary character', () => {
    expect(eventNameMatches('*', 'anything')).toBe(false);
    expect(eventNameMatches('app*', 'apple')).toBe(false);
    expect(eventNameMatches('app/*/x', 'app/y/x')).toBe(false);
    expect(eventNameMatches('app/*/x', 'app/*/x')).toBe(true);
  });
});

describe('functionsForEvent', () => {
  it('returns each matching function once, in order, however many triggers match', () => {
    const fns = [
      fn('a', [{ event: 'demo/x' }, { event: 'demo/*' }]),
      fn('b', [{ event: 'demo/y' }]),
      fn('c', [{ cron: '* * * * *' }, { event: 'demo/x' }]),
      fn('d', []),
    ];
    expect(functionsForEvent(fns, event('demo/x')).map((f) => f.id)).toEqual(['a', 'c']);
    expect(functionsForEvent(fns, event('demo/y')).map((f) => f.id)).toEqual(['a', 'b']);
    expect(functionsForEvent(fns, event('other'))).toEqual([]);
  });

  it('a trigger expression is evaluated with { event } as the SDK sees it', () => {
    const fns = [
      fn('big', [{ event: 'order', expression: 'event.data.amount > 10' }]),
      fn('named', [{ event: 'order', expression: 'event.name == "order" && event.user == {}' }]),
      fn('errs', [{ event: 'order', expression: 'event.data.missing.x == 1' }]),
      fn('notbool', [{ event: 'order', expression: 'event.data.amount' }]),
      fn('either', [
        { event: 'order', expression: 'event.data.amount > 100' },
        { event: 'order', expression: 'event.data.amount > 1' },
      ]),
    ];
    expect(functionsForEvent(fns, event('order', { amount: 10.5 })).map((f) => f.id)).toEqual([
      'big',
      'named',
      'either',
    ]);
    expect(functionsForEvent(fns, event('order', { amount: 5 })).map((f) => f.id)).toEqual([
      'named',
      'either',
    ]);
  });

  it('inngest/function.invoked is never matched by name', () => {
    const fns = [fn('a', [{ event: FUNCTION_INVOKED_EVENT }]), fn('b', [{ event: 'inngest/*' }])];
    expect(functionsForEvent(fns, event(FUNCTION_INVOKED_EVENT))).toEqual([]);
  });

  it('routes inngest/function.failed to the real SDK onFailure function of that function only', async () => {
    const inngest = devClient('match-app');
    const fns = [
      inngest.createFunction(
        { id: 'one', triggers: [{ event: 'demo/one' }], onFailure: async () => null },
        async () => null,
      ),
      inngest.createFunction(
        { id: 'two', triggers: [{ event: 'demo/*' }], onFailure: async () => null },
        async () => null,
      ),
    ];
    const { body, url } = await syncInBand(inngest, fns);
    const app = parseAppConfig(body, url);
    const failed = (fnId: string) =>
      functionsForEvent(app.functions, event('inngest/function.failed', { function_id: fnId }));
    expect(failed('match-app-one').map((f) => f.id)).toEqual(['match-app-one-failure']);
    expect(failed('match-app-two').map((f) => f.id)).toEqual(['match-app-two-failure']);
    const started = functionsForEvent(app.functions, event('demo/one')).map((f) => f.id);
    expect(started).toEqual(['match-app-one', 'match-app-two']);
  });
});
