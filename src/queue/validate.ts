import { createHash } from 'node:crypto';
import { isUlid, ULID_TIME_MAX } from '../core/ulid.js';
import { keyPartProblem } from '../redis/key-namespace.js';
import { InvalidItemError } from './errors.js';
import {
  ITEM_KINDS,
  type CustomKey,
  type CustomKeyInput,
  type EnqueueInput,
  type ItemKind,
  type Throttle,
  type ThrottleInput,
} from './item.js';
import {
  functionPartitionId,
  functionScopeId,
  systemPartitionId,
  type PartitionRef,
} from './partition.js';
import { PRIORITY_FACTOR_S_MAX } from './score.js';

export const ITEM_ID_LENGTH_MAX = 512;
export const CUSTOM_KEYS_MAX = 2;
export const CONCURRENCY_LIMIT_MAX = 1_000_000;
export const THROTTLE_PERIOD_MS_MAX = 7 * 24 * 3600 * 1000;
export const ATTEMPTS_MAX = 1000;
export const IDEMPOTENCY_TTL_MS_MAX = 30 * 24 * 3600 * 1000;

/** The fields of an EnqueueInput that passed validation, in the shapes the queue stores. */
export interface ValidatedInput {
  kind: ItemKind;
  partition: PartitionRef;
  customKeys: CustomKey[];
  throttle?: Throttle;
  payloadJson?: string;
}

/** Checks an EnqueueInput field by field; throws InvalidItemError naming the first bad field. */
export function validateEnqueueInput(input: EnqueueInput, maxPayloadBytes: number): ValidatedInput {
  if (typeof input !== 'object' || input === null)
    throw new InvalidItemError('item', 'must be an object');
  if (!(ITEM_KINDS as readonly string[]).includes(input.kind)) {
    throw new InvalidItemError(
      'kind',
      `is unknown: ${JSON.stringify(input.kind)} (one of ${ITEM_KINDS.join(', ')})`,
    );
  }
  if (
    input.id !== undefined &&
    (typeof input.id !== 'string' || input.id.length === 0 || input.id.length > ITEM_ID_LENGTH_MAX)
  ) {
    throw new InvalidItemError('id', `must be a string of 1 to ${ITEM_ID_LENGTH_MAX} characters`);
  }
  const partition = validatePartition(input);
  if (input.runId !== undefined && (typeof input.runId !== 'string' || !isUlid(input.runId))) {
    throw new InvalidItemError('runId', `must be a ULID, got ${JSON.stringify(input.runId)}`);
  }
  if (input.at !== undefined) checkInteger('at', input.at, 0, ULID_TIME_MAX);
  if (input.priorityFactorS !== undefined) {
    checkInteger(
      'priorityFactorS',
      input.priorityFactorS,
      -PRIORITY_FACTOR_S_MAX,
      PRIORITY_FACTOR_S_MAX,
    );
  }
  if (input.maxAttempts !== undefined)
    checkInteger('maxAttempts', input.maxAttempts, 1, ATTEMPTS_MAX);
  if (input.idempotencyTtlMs !== undefined) {
    checkInteger('idempotencyTtlMs', input.idempotencyTtlMs, 0, IDEMPOTENCY_TTL_MS_MAX);
  }
  const validated: ValidatedInput = {
    kind: input.kind,
    partition,
    customKeys: validateCustomKeys(input),
  };
  if (input.throttle !== undefined) validated.throttle = validateThrottle(input);
  const payloadJson = validatePayload(input.payload, maxPayloadBytes);
  if (payloadJson !== undefined) validated.payloadJson = payloadJson;
  return validated;
}

function validatePartition(input: EnqueueInput): PartitionRef {
  checkKeyPartIfSet('envId', input.envId);
  if (input.queueName !== undefined) {
    checkKeyPart('queueName', input.queueName);
    checkKeyPartIfSet('accountId', input.accountId);
    checkKeyPartIfSet('functionId', input.functionId);
    const ref: PartitionRef = {
      id: systemPartitionId(input.queueName),
      queueName: input.queueName,
    };
    return ref;
  }
  if (input.accountId === undefined)
    throw new InvalidItemError('accountId', 'is missing (required unless queueName is set)');
  if (input.functionId === undefined)
    throw new InvalidItemError('functionId', 'is missing (required unless queueName is set)');
  checkKeyPart('accountId', input.accountId);
  checkKeyPart('functionId', input.functionId);
  const ref: PartitionRef = {
    id: functionPartitionId(input.accountId, input.functionId),
    accountId: input.accountId,
    functionId: input.functionId,
  };
  if (input.envId !== undefined) ref.envId = input.envId;
  return ref;
}

function validateCustomKeys(input: EnqueueInput): CustomKey[] {
  if (input.customKeys === undefined) return [];
  if (!Array.isArray(input.customKeys) || input.customKeys.length > CUSTOM_KEYS_MAX) {
    throw new InvalidItemError('customKeys', `must be an array of at most ${CUSTOM_KEYS_MAX}`);
  }
  return input.customKeys.map((ck: CustomKeyInput, i) => {
    const field = `customKeys[${i}]`;
    if (typeof ck !== 'object' || ck === null)
      throw new InvalidItemError(field, 'must be an object');
    if (typeof ck.key !== 'string') throw new InvalidItemError(`${field}.key`, 'must be a string');
    checkInteger(`${field}.limit`, ck.limit, 1, CONCURRENCY_LIMIT_MAX);
    if (!['fn', 'env', 'account'].includes(ck.scope)) {
      throw new InvalidItemError(
        `${field}.scope`,
        `must be 'fn', 'env' or 'account', got ${JSON.stringify(ck.scope)}`,
      );
    }
    const fnScope =
      input.functionId && input.accountId && functionScopeId(input.accountId, input.functionId);
    const scopeId = { fn: fnScope || undefined, env: input.envId, account: input.accountId }[
      ck.scope
    ];
    const owner = { fn: 'functionId', env: 'envId', account: 'accountId' }[ck.scope];
    if (scopeId === undefined)
      throw new InvalidItemError(owner, `is missing (required by ${field}.scope '${ck.scope}')`);
    return { canonical: `${ck.scope[0]}:${scopeId}:${digest(ck.key)}`, limit: ck.limit };
  });
}

function validateThrottle(input: EnqueueInput): Throttle {
  const t = input.throttle as ThrottleInput;
  if (typeof t !== 'object' || t === null)
    throw new InvalidItemError('throttle', 'must be an object');
  if (input.kind !== 'start')
    throw new InvalidItemError('throttle', `applies to start items only, not '${input.kind}'`);
  if (input.functionId === undefined)
    throw new InvalidItemError('functionId', 'is missing (required by throttle)');
  if (input.accountId === undefined)
    throw new InvalidItemError('accountId', 'is missing (required by throttle)');
  checkInteger('throttle.limit', t.limit, 1, CONCURRENCY_LIMIT_MAX);
  const burst = t.burst ?? 0;
  checkInteger('throttle.burst', burst, 0, CONCURRENCY_LIMIT_MAX);
  checkInteger('throttle.periodMs', t.periodMs, 1, THROTTLE_PERIOD_MS_MAX);
  if (t.key !== undefined && typeof t.key !== 'string')
    throw new InvalidItemError('throttle.key', 'must be a string');
  const fnScope = functionScopeId(input.accountId ?? '', input.functionId);
  const canonical = t.key === undefined ? fnScope : `${fnScope}:${digest(t.key)}`;
  return { canonical, limit: t.limit, burst, periodMs: t.periodMs };
}

function validatePayload(payload: unknown, maxPayloadBytes: number): string | undefined {
  if (payload === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw new InvalidItemError('payload', `is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (json === undefined) throw new InvalidItemError('payload', 'is not JSON-serialisable');
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxPayloadBytes) {
    throw new InvalidItemError(
      'payload',
      `is ${bytes} bytes, over the limit of ${maxPayloadBytes}`,
    );
  }
  return json;
}

function checkInteger(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidItemError(field, `must be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max)
    throw new InvalidItemError(field, `must be in [${min}, ${max}], got ${value}`);
}

function checkKeyPart(field: string, value: unknown): void {
  const problem = keyPartProblem(value);
  if (problem !== null) throw new InvalidItemError(field, problem);
}

function checkKeyPartIfSet(field: string, value: unknown): void {
  if (value !== undefined) checkKeyPart(field, value);
}

/** A short, stable digest of a user-supplied key value, safe inside a Redis key. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
