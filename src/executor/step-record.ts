import type { Opcode } from '../driver/opcodes.js';
import type { StepRecord } from '../state/run.js';

/** The step record of an op: its user-facing name, opcode and times. */
export function stepRecordOf(
  op: Opcode,
  startedAt: number,
  endedAt: number,
  attempts: number,
  failed = false,
): StepRecord {
  const record: StepRecord = {
    id: op.id,
    name: op.displayName ?? op.userland?.id ?? op.name ?? op.id,
    op: op.op,
    startedAt,
    endedAt,
    attempts,
  };
  if (failed) record.failed = true;
  return record;
}
