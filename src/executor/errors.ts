import { DurqError } from '../core/errors.js';

/**
 * An app's FunctionConfig is malformed. `path` names the bad field from the sync body's root
 * (`functions[1].triggers[0].event`), `problem` says what is wrong with it.
 */
export class InvalidFunctionConfigError extends DurqError {
  override name = 'InvalidFunctionConfigError';
  readonly path: string;
  readonly problem: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super('INVALID_FUNCTION_CONFIG', `invalid function config at ${path}: ${problem}`, options);
    this.path = path;
    this.problem = problem;
  }
}

/**
 * An event given to send() is malformed. `index` is its position in the batch (absent when the
 * batch itself is wrong: not an object or array, too many events); `path` names the field
 * (`events[2].name`), `problem` says what is wrong with it.
 */
export class InvalidEventError extends DurqError {
  override name = 'InvalidEventError';
  readonly index: number | undefined;
  readonly path: string;
  readonly problem: string;
  /** The event is over the size limit (a server answers 413 rather than 400). */
  readonly tooLarge: boolean;

  constructor(index: number | undefined, path: string, problem: string, tooLarge = false) {
    super('INVALID_EVENT', `invalid event at ${path}: ${problem}`);
    this.index = index;
    this.path = path;
    this.problem = problem;
    this.tooLarge = tooLarge;
  }
}

/**
 * A CEL expression does not compile. `where` says where it came from (`trigger expression of fn
 * app-x`), `expression` is its source; the CEL parser's error is the cause.
 */
export class InvalidExpressionError extends DurqError {
  override name = 'InvalidExpressionError';
  readonly expression: string;
  readonly where: string;

  constructor(expression: string, where: string, cause: unknown) {
    super(
      'INVALID_EXPRESSION',
      `invalid expression (${where}): ${JSON.stringify(expression)}: ${celErrorSummary(cause)}`,
      { cause },
    );
    this.expression = expression;
    this.where = where;
  }
}

/** The one-line part of a CEL error (cel-js messages add a multi-line source excerpt). */
export function celErrorSummary(err: unknown): string {
  if (err instanceof Error) {
    const summary = (err as { summary?: unknown }).summary;
    if (typeof summary === 'string' && summary !== '') return summary;
    return err.message.split('\n')[0] ?? err.message;
  }
  return String(err);
}
