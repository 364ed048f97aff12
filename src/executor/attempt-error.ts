import { DurqError } from '../core/errors.js';

/**
 * A step's attempt failed and will be retried (the processor requeues its item with the next
 * attempt number, at `retryAt` when the SDK gave one, else by the backoff table). Its message
 * says what was wrong.
 */
export class AttemptFailedError extends DurqError {
  override name = 'AttemptFailedError';
  readonly retryAt: number | undefined;

  constructor(message: string, retryAt?: number) {
    super('ATTEMPT_FAILED', message);
    this.retryAt = retryAt;
  }
}
