import { describe, expect, it } from 'vitest';
import * as durq from '../../src/index.js';

/** Every error class the package exports, with an instance built as durq builds it. */
const samples: [string, Error][] = [
  ['InvalidOptionError', new durq.InvalidOptionError('x', 'is bad')],
  ['InvalidItemError', new durq.InvalidItemError('kind', 'is bad')],
  ['UnknownStatusError', new durq.UnknownStatusError('enqueue', -99)],
  ['UnknownVersionError', new durq.UnknownVersionError('item', 9, [1])],
  ['ScriptLoadError', new durq.ScriptLoadError('bad file')],
  ['ScriptCallError', new durq.ScriptCallError('enqueue', 'takes 7 KEYS')],
  ['ScriptError', new durq.ScriptError('enqueue', 'ERR boom', null)],
  ['LeaseLostError', new durq.LeaseLostError('lost')],
  ['NonRetriableError', new durq.NonRetriableError('stop')],
  ['RetryAtError', new durq.RetryAtError('later', 1)],
  ['DeferError', new durq.DeferError('outage', 1)],
  ['ProcessorClosingError', new durq.ProcessorClosingError()],
  ['InvalidEventError', new durq.InvalidEventError(0, 'events[0].name', 'is required')],
  ['InvalidExpressionError', new durq.InvalidExpressionError('x ==', 'trigger', new Error('p'))],
  ['InvalidFunctionConfigError', new durq.InvalidFunctionConfigError('functions[0].id', 'is bad')],
  ['SdkResponseError', new durq.SdkResponseError('206 body is not an array')],
  ['SdkRequestError', new durq.SdkRequestError('timeout', 'http://x/', 'no answer')],
  ['AppSyncError', new durq.AppSyncError('http://x/', 'status 500')],
  ['EngineClosedError', new durq.EngineClosedError()],
  ['AttemptFailedError', new durq.AttemptFailedError('step failed')],
  ['RunWaitTimeoutError', new durq.RunWaitTimeoutError('01J', 'running')],
];

describe('errors', () => {
  it('every error class durq exports is a DurqError with its own stable code and name', () => {
    const codes = new Set<string>();
    for (const [name, err] of samples) {
      expect(err, name).toBeInstanceOf(durq.DurqError);
      expect(err.name).toBe(name);
      const { code } = err as durq.DurqError;
      expect(durq.ERROR_CODES).toContain(code);
      expect(codes.has(code), `${name} reuses ${code}`).toBe(false);
      codes.add(code);
    }
    expect(new Set(durq.ERROR_CODES).size).toBe(durq.ERROR_CODES.length);
  });

  it('every exported *Error is covered above', () => {
    const exported = Object.keys(durq).filter((k) => k.endsWith('Error') && k !== 'DurqError');
    expect(exported.sort()).toEqual(samples.map(([n]) => n).sort());
  });
});
