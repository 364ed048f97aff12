import { describe, expect, it } from 'vitest';
import { DurqError, ERROR_CODES } from '../../src/core/errors.js';
import {
  InvalidEventError,
  InvalidExpressionError,
  InvalidFunctionConfigError,
} from '../../src/executor/errors.js';

describe('executor errors', () => {
  it('InvalidFunctionConfigError names the path and the problem', () => {
    const e = new InvalidFunctionConfigError('functions[1].triggers[0].event', 'is required');
    expect(e).toBeInstanceOf(DurqError);
    expect(e.name).toBe('InvalidFunctionConfigError');
    expect(e.code).toBe('INVALID_FUNCTION_CONFIG');
    expect(e.message).toBe(
      'invalid function config at functions[1].triggers[0].event: is required',
    );
    expect([e.path, e.problem]).toEqual(['functions[1].triggers[0].event', 'is required']);
  });

  it('InvalidEventError names the index, path and problem', () => {
    const e = new InvalidEventError(2, 'events[2].name', 'is required');
    expect(e).toBeInstanceOf(DurqError);
    expect(e.name).toBe('InvalidEventError');
    expect(e.code).toBe('INVALID_EVENT');
    expect(e.message).toBe('invalid event at events[2].name: is required');
    expect([e.index, e.path, e.problem]).toEqual([2, 'events[2].name', 'is required']);
  });

  it('InvalidExpressionError names the expression and where, with the CEL error as cause', () => {
    const cause = new Error('Unexpected token: EOF\n> 1 | a ==');
    const e = new InvalidExpressionError('a ==', 'trigger expression of fn x', cause);
    expect(e).toBeInstanceOf(DurqError);
    expect(e.name).toBe('InvalidExpressionError');
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.cause).toBe(cause);
    expect(e.message).toBe(
      'invalid expression (trigger expression of fn x): "a ==": Unexpected token: EOF',
    );
    expect([e.expression, e.where]).toEqual(['a ==', 'trigger expression of fn x']);
  });

  it('their codes are stable durq codes', () => {
    for (const c of ['INVALID_EVENT', 'INVALID_FUNCTION_CONFIG', 'INVALID_EXPRESSION'])
      expect(ERROR_CODES).toContain(c);
  });
});
