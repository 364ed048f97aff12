import { createHash } from 'node:crypto';
import { assertKeyPart, KeyNamespace } from '../redis/key-namespace.js';

/**
 * Every Redis key of run state, by what it holds. Run state lives on the queue shard of the run's
 * account, under the same hash tag as its items (`{<shard>}:…`), so that one script can commit a
 * step's result and move its queue items at once.
 */
export class RunKeys {
  private readonly ns: KeyNamespace;

  constructor(shard: string) {
    this.ns = new KeyNamespace(shard);
  }

  placeholder(): string {
    return this.ns.placeholder();
  }
  /** HASH: the run's metadata (see src/state/run.ts). */
  meta(runId: string): string {
    return this.ns.key('run', checked(runId));
  }
  /** STRING: the run's trigger events, a JSON array. */
  events(runId: string): string {
    return this.ns.key('run', checked(runId), 'events');
  }
  /** HASH stepId -> memo JSON: the results the SDK replays. */
  memo(runId: string): string {
    return this.ns.key('run', checked(runId), 'memo');
  }
  /** LIST: step IDs in the order their results were saved. */
  stack(runId: string): string {
    return this.ns.key('run', checked(runId), 'stack');
  }
  /** SET: the steps of a parallel plan still outstanding. */
  pending(runId: string): string {
    return this.ns.key('run', checked(runId), 'pending');
  }
  /** HASH stepId -> step record JSON (name, op, times): the step list a finished run keeps. */
  steps(runId: string): string {
    return this.ns.key('run', checked(runId), 'steps');
  }
  /** SET: the IDs of the run's queue items (finalization removes them). */
  runItems(runId: string): string {
    return this.ns.key('run', checked(runId), 'items');
  }
  /** SET: the IDs of the run's pauses. */
  runPauses(runId: string): string {
    return this.ns.key('run', checked(runId), 'pauses');
  }
  /** STRING '<runId>|<expiry>' ('-<runId>|…' once ended): a run idempotency key. */
  idempotency(idemKey: string): string {
    return this.ns.key('idem', hashPart(idemKey));
  }
  /** HASH pauseId -> pause JSON. */
  pauses(): string {
    return this.ns.key('pauses');
  }
  /** SET: the pauses waiting for an event name. */
  pauseIndex(eventName: string): string {
    return this.ns.key('pause-idx', hashPart(eventName));
  }
  /** HASH correlationId -> pauseId: invoke pauses, found by the child's finish. */
  invokes(): string {
    return this.ns.key('invokes');
  }
  /** STRING: a received event, by internal ID. */
  event(internalId: string): string {
    return this.ns.key('event', checked(internalId));
  }
  /** ZSET internalId -> received ms: every event of the shard still kept (listEvents). */
  eventIndex(): string {
    return this.ns.key('event-idx');
  }
  /** ZSET internalId -> received ms: the events of one name still kept. */
  eventNameIndex(eventName: string): string {
    return this.ns.key('event-idx', hashPart(eventName));
  }
  /** HASH runId -> functionId: the runs an event started. */
  eventRuns(internalId: string): string {
    return this.ns.key('event', checked(internalId), 'runs');
  }
  /** HASH appId -> app JSON. */
  apps(): string {
    return this.ns.key('apps');
  }
  /** HASH functionId -> function JSON. */
  functions(): string {
    return this.ns.key('functions');
  }
  /** STRING: a rate-limit key's GCRA state (`<ms>:<rem>`, see gcra_check.lua). */
  rateLimit(limitKey: string): string {
    return this.ns.key('ratelimit', hashPart(limitKey));
  }
  /** STRING expiry ms: a run idempotency key's rate-limit admission (retries are free). */
  rateLimitAdmitted(idemKey: string): string {
    return this.ns.key('ratelimit-admitted', hashPart(idemKey));
  }
  /** STRING runId: the run holding a singleton lock (by the lock's ID, see executor/singleton). */
  singleton(lockId: string): string {
    return this.ns.key('singleton', checked(lockId));
  }
  /** STRING: a counter raised on every registry change. */
  registryVersion(): string {
    return this.ns.key('registry-version');
  }
}

function checked(id: string): string {
  assertKeyPart('run or event ID', id);
  return id;
}

/** A key part for any string (event names may hold ':' or spaces): its SHA-1, hex. */
export function hashPart(value: string): string {
  return createHash('sha1').update(value).digest('hex');
}
