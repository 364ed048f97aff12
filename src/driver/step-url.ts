import { InvalidOptionError } from '../core/errors.js';

/**
 * The function's step URL with its `stepId` query parameter set to `stepId` (replaced when
 * present), every other parameter kept, as the Inngest executor does. Throws
 * InvalidOptionError when `url` is not an http(s) URL.
 */
export function withStepId(url: string, stepId: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionError('call.url', `is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidOptionError('call.url', `is not an http(s) URL: ${JSON.stringify(url)}`);
  }
  if (stepId === '') throw new InvalidOptionError('call.stepId', 'may not be empty');
  parsed.searchParams.set('stepId', stepId);
  return parsed.toString();
}
