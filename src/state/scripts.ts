import { commitStepScript } from './shard/commitStep.js';
import { createRunScript } from './shard/createRun.js';
import { eventPageScript } from './shard/eventPage.js';
import { eventRunsScript } from './shard/eventRuns.js';
import { finishRunScript } from './shard/finishRun.js';
import { ingestEventsScript } from './shard/ingestEvents.js';
import { listFunctionsScript } from './shard/listFunctions.js';
import { loadRunScript } from './shard/loadRun.js';
import { pauseCandidatesScript } from './shard/pauseCandidates.js';
import { putAppScript } from './shard/putApp.js';
import { readEventsScript } from './shard/readEvents.js';
import { readRunScript } from './shard/readRun.js';
import { resumePauseScript } from './shard/resumePause.js';
import { runItemsScript } from './shard/runItems.js';
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
  startRun: startRunScript,
} as const;
