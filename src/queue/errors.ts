import { DurqError } from '../core/errors.js';

/** An item given to enqueue is malformed; `field` names the offending field. */
export class InvalidItemError extends DurqError {
  override name = 'InvalidItemError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super('INVALID_ITEM', `invalid item: ${field} ${problem}`);
    this.field = field;
  }
}
