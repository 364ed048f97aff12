import type { Engine } from '../executor/engine.js';

/** What the HTTP server asks of the engine: its public API (src/executor/engine.ts). */
export type ServerEngine = Pick<
  Engine,
  | 'send'
  | 'registerApp'
  | 'registerConfig'
  | 'getRun'
  | 'runsOf'
  | 'cancel'
  | 'listEvents'
  | 'getEvent'
  | 'runData'
  | 'jobsOf'
  | 'health'
  | 'queueDepth'
>;
