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

/** A script answered with a code its caller does not expect: a version mismatch or a bug. */
export class UnknownStatusError extends DurqError {
  override name = 'UnknownStatusError';

  constructor(script: string, code: unknown) {
    super(`script '${script}' returned unknown status ${JSON.stringify(code)}`);
  }
}
