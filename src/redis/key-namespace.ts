import { InvalidOptionError } from '../core/errors.js';

/** Ends a placeholder key: scripts recognise an unused KEYS slot by it (see is_real_key.lua). */
const PLACEHOLDER_PART = '-';

/**
 * A hash-tag namespace `{<name>}`: every key built here shares one cluster slot, so every script
 * over them stays single-slot. The one place that joins key parts; layers above name the parts.
 */
export class KeyNamespace {
  readonly name: string;
  /** `{<name>}`: the hash tag every key of the namespace starts with. */
  readonly prefix: string;

  constructor(name: string) {
    assertKeyPart('namespace name', name);
    this.name = name;
    this.prefix = `{${name}}`;
  }

  /** `{<name>}:<part>:<part>…`. Parts are trusted: user input is checked by assertKeyPart. */
  key(...parts: string[]): string {
    return `${this.prefix}:${parts.join(':')}`;
  }

  /** Fills an unused KEYS slot (same slot as the namespace); scripts skip it. */
  placeholder(): string {
    return this.key(PLACEHOLDER_PART);
  }
}

/**
 * What is wrong with a key part, or null: parts may not hold hash-tag braces, ':' or white space,
 * nor be the placeholder '-'.
 */
export function keyPartProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.length > 256) return 'must be at most 256 characters';
  if (/[{}:\s]/.test(value))
    return `may not contain '{', '}', ':' or white space: ${JSON.stringify(value)}`;
  if (value === PLACEHOLDER_PART) return "may not be '-' (reserved for placeholder keys)";
  return null;
}

/** Throws InvalidOptionError naming `what` unless `value` is a valid key part. */
export function assertKeyPart(what: string, value: unknown): void {
  const problem = keyPartProblem(value);
  if (problem !== null) throw new InvalidOptionError(what, problem);
}
