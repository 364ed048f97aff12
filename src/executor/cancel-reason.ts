/**
 * Why a run was cancelled, as its metadata records it (`cancel_reason`) and getRun shows it:
 * - `start-timeout`: it had not started within `timeouts.start` of its creation (reference §11.7);
 * - `finish-timeout`: it had not ended within `timeouts.finish` of its first start;
 * - `cancel-on`: an event matched one of its `cancelOn` entries (reference §10.1);
 * - `api`: a cancel request (Engine.cancel, `DELETE /v1/runs/:id`);
 * - `cancel-item`: a `cancel` queue item without a timeout of its own;
 * - `singleton`: a newer run of its singleton key (mode `cancel`) took its place (§11.5).
 */
export type CancelReason =
  'start-timeout' | 'finish-timeout' | 'cancel-on' | 'api' | 'cancel-item' | 'singleton';
