import { InvalidOptionError } from './errors.js';

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
