import { z } from 'zod';
import { SdkResponseError } from './errors.js';
import { jsonKind } from './json-shape.js';

/**
 * Every opcode an SDK may put in a 206 body (sdk-http-protocol.md §3.3), by the enum name
 * string the JSON carries. `Step` is the legacy name of `StepRun`; `StepNotFound` appears only
 * in old SDKs' bodies; `SyncRunComplete` belongs to durable endpoints.
 */
export const OPCODES = [
  'StepRun',
  'Step',
  'StepError',
  'StepFailed',
  'StepPlanned',
  'Sleep',
  'WaitForEvent',
  'InvokeFunction',
  'WaitForSignal',
  'AIGateway',
  'Gateway',
  'RunComplete',
  'DiscoveryRequest',
  'DeferAdd',
  'DeferAbort',
  'None',
  'StepNotFound',
  'SyncRunComplete',
] as const;

/** The name of one opcode. */
export type OpcodeName = (typeof OPCODES)[number];

/**
 * One item of a 206 body: a step the SDK ran, planned, or wants scheduled. Fields the SDK adds
 * beyond these (`timing`, `metadata`, …) are kept on the object but mean nothing to durq.
 */
export interface Opcode {
  op: OpcodeName;
  /** The hashed step id (hex SHA-1 of the user's id); empty only for `None`. */
  id: string;
  /** Legacy field; carries the duration of a `Sleep` and the event of a `WaitForEvent`. */
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: unknown;
  /** The step id as the user wrote it, and its repeat index. */
  userland?: { id: string; index?: number };
}

const opcodeNames: ReadonlySet<string> = new Set(OPCODES);

/** A zod error callback: the message for a field that is missing or of the wrong type. */
function fieldMessage(field: string, expected: string) {
  return (issue: { input: unknown }): string =>
    issue.input === undefined
      ? `has no ${field}`
      : `has ${field} of the wrong type: ${jsonKind(issue.input)}, not ${expected}`;
}

/** A field SDKs may leave out or send as null (Go SDKs do); null reads as absent. */
function optionalField<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

const opSchema = z
  .string({ error: fieldMessage('op', 'a string') })
  .refine((op) => opcodeNames.has(op), {
    error: (issue) => `has unknown op ${JSON.stringify(issue.input)}`,
  });

const userlandSchema = z.looseObject(
  {
    id: z.string({ error: fieldMessage('userland.id', 'a string') }),
    index: optionalField(z.number({ error: fieldMessage('userland.index', 'a number') })),
  },
  { error: fieldMessage('userland', 'an object') },
);

const opcodeSchema = z
  .looseObject(
    {
      op: opSchema,
      id: z.string({ error: fieldMessage('id', 'a string') }),
      name: optionalField(z.string({ error: fieldMessage('name', 'a string') })),
      displayName: optionalField(z.string({ error: fieldMessage('displayName', 'a string') })),
      opts: optionalField(
        z.record(z.string(), z.unknown(), { error: fieldMessage('opts', 'an object') }),
      ),
      userland: optionalField(userlandSchema),
    },
    { error: (issue) => `is ${jsonKind(issue.input)}, not an object` },
  )
  .refine((o) => o.id !== '' || o.op === 'None', {
    message: 'has an empty id (only a None op may)',
    path: ['id'],
  });

/** Turns the first zod issue into a sentence naming the opcode's index. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first] = issues;
  if (!first) return '206 body is not a valid array of opcodes';
  const index = first.path[0];
  const rest = issues.length - 1;
  const more = rest > 0 ? ` (and ${rest} more problem${rest > 1 ? 's' : ''})` : '';
  return `opcode ${String(index)} ${first.message}${more}`;
}

/**
 * The opcodes of a 206 body. The body must be a JSON array of opcode objects; a single object
 * is read as an array of one (old SDKs, as the Go executor accepts), and `[]` means "nothing to
 * do". Throws an SdkResponseError saying exactly what is wrong otherwise.
 */
export function parseOpcodes(body: string): Opcode[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SdkResponseError(`206 body is not JSON: ${why}`);
  }
  const items = json !== null && typeof json === 'object' && !Array.isArray(json) ? [json] : json;
  if (!Array.isArray(items)) {
    throw new SdkResponseError(`206 body is not a JSON array of opcodes: got ${jsonKind(json)}`);
  }
  const parsed = z.array(opcodeSchema).safeParse(items);
  if (!parsed.success) throw new SdkResponseError(describeIssues(parsed.error.issues));
  return parsed.data as Opcode[];
}
