/** Base class of every error durq throws on purpose. */
export class DurqError extends Error {
  override name = 'DurqError';
}

/** An item given to enqueue is malformed; `field` names the offending field. */
export class InvalidItemError extends DurqError {
  override name = 'InvalidItemError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`invalid item: ${field} ${problem}`);
    this.field = field;
  }
}

/** A configuration value is out of range; `option` names it. */
export class InvalidOptionError extends DurqError {
  override name = 'InvalidOptionError';
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`invalid option: ${option} ${problem}`);
    this.option = option;
  }
}

/** Throws InvalidOptionError, naming the option, unless `value` is a safe integer in [min, max]. */
export function checkIntOption(
  option: string,
  value: unknown,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range =
      min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER
        ? 'an integer'
        : max === Number.MAX_SAFE_INTEGER
          ? `an integer >= ${min}`
          : `an integer in [${min}, ${max}]`;
    throw new InvalidOptionError(option, `must be ${range}, got ${JSON.stringify(value)}`);
  }
}

/** A script answered with a code its caller does not expect: a version mismatch or a bug. */
export class UnknownStatusError extends DurqError {
  override name = 'UnknownStatusError';

  constructor(script: string, code: unknown) {
    super(`script '${script}' returned unknown status ${JSON.stringify(code)}`);
  }
}
