import { appendBatchScript } from './shard/appendBatch.js';
import { closeBatchScript } from './shard/closeBatch.js';
import { commitStepScript } from './shard/commitStep.js';
import { createRunScript } from './shard/createRun.js';
import { debounceEventScript } from './shard/debounceEvent.js';
import { dropDebounceScript } from './shard/dropDebounce.js';
import { deleteBatchScript } from './shard/deleteBatch.js';
import { eventPageScript } from './shard/eventPage.js';
import { eventRunsScript } from './shard/eventRuns.js';
import { finishRunScript } from './shard/finishRun.js';
import { fireDebounceScript } from './shard/fireDebounce.js';
import { ingestEventsScript } from './shard/ingestEvents.js';
import { listFunctionsScript } from './shard/listFunctions.js';
import { loadRunScript } from './shard/loadRun.js';
import { pauseCandidatesScript } from './shard/pauseCandidates.js';
import { putAppScript } from './shard/putApp.js';
import { rateLimitScript } from './shard/rateLimit.js';
import { readEventsScript } from './shard/readEvents.js';
import { readRunScript } from './shard/readRun.js';
import { resumePauseScript } from './shard/resumePause.js';
import { runItemsScript } from './shard/runItems.js';
import { skipRunScript } from './shard/skipRun.js';
import { startRunScript } from './shard/startRun.js';

/** Every run-state script's spec, by script name (a test checks this covers lua/state/). */
export const STATE_SCRIPTS = {
  createRun: createRunScript,
  loadRun: loadRunScript,
  commitStep: commitStepScript,
  resumePause: resumePauseScript,
  finishRun: finishRunScript,
  putApp: putAppScript,
  pauseCandidates: pauseCandidatesScript,
  readRun: readRunScript,
  listFunctions: listFunctionsScript,
  eventRuns: eventRunsScript,
  ingestEvents: ingestEventsScript,
  eventPage: eventPageScript,
  readEvents: readEventsScript,
  runItems: runItemsScript,
  rateLimit: rateLimitScript,
  skipRun: skipRunScript,
  debounceEvent: debounceEventScript,
  fireDebounce: fireDebounceScript,
  dropDebounce: dropDebounceScript,
  appendBatch: appendBatchScript,
  closeBatch: closeBatchScript,
  deleteBatch: deleteBatchScript,
  startRun: startRunScript,
} as const;
