import { isJsonObject } from './json-shape.js';
import type { SerializedError } from './sdk-types.js';

/** The message of an error body that carries none (the Go executor's wording). */
export const DEFAULT_ERROR_MESSAGE = 'Function execution error';

/**
 * The error an SDK's error response carries. A JSON object keeps all its fields, with `name`
 * defaulting to `'Error'` and `message` to its `error` field (a step-not-found body) or
 * "Function execution error"; a JSON string becomes the message; a body that is not JSON is
 * kept whole as the message; anything else (empty, a number, an array) gets the defaults.
 */
export function errorFromBody(body: string): SerializedError {
  const text = body.trim();
  if (text === '') return { name: 'Error', message: DEFAULT_ERROR_MESSAGE };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { name: 'Error', message: body };
  }
  if (typeof json === 'string') return { name: 'Error', message: json || DEFAULT_ERROR_MESSAGE };
  if (!isJsonObject(json)) return { name: 'Error', message: DEFAULT_ERROR_MESSAGE };
  const { name, message, error, stack, ...rest } = json;
  const out: SerializedError = {
    ...rest,
    name: typeof name === 'string' && name !== '' ? name : 'Error',
    // An empty message reads as none, as an empty name does.
    message:
      typeof message === 'string' && message !== ''
        ? message
        : typeof error === 'string' && error !== ''
          ? error
          : DEFAULT_ERROR_MESSAGE,
  };
  if (error !== undefined) out.error = error;
  if (typeof stack === 'string') out.stack = stack;
  return out;
}
