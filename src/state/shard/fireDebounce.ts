import { unreachable } from '../../core/assert.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import type { DebounceKeys } from '../debounce-keys.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { StateContext } from './context.js';

/** lua/state/fireDebounce-2.lua */
export const fireDebounceScript = defineScript({
  script: LUA_SCRIPTS.fireDebounce,
  keys: ['pointer', 'windows'],
  args: ['windowId', 'now'],
  statuses: ['OK', 'DEBOUNCE_NOT_DUE', 'NOT_FOUND'],
});

export interface FireDebounceInput {
  windowId: string;
  functionId: string;
  key: string;
  now: number;
}

/** Closed (now or by an earlier fire) with its event; open until `dueAt`; or gone. */
export type FireDebounceResult =
  | { status: 'closed'; eventJson: string }
  | { status: 'not-due'; dueAt: number }
  | { status: 'gone' };

export async function fireDebounce(
  ctx: StateContext,
  keys: DebounceKeys,
  input: FireDebounceInput,
): Promise<FireDebounceResult> {
  const reply = (await fireDebounceScript.run(ctx.shard.transport, {
    keys: { pointer: keys.pointer(input.functionId, input.key), windows: keys.windows() },
    args: { windowId: input.windowId, now: input.now },
  })) as [number, string];
  const status = fireDebounceScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'closed', eventJson: reply[1] };
    case 'DEBOUNCE_NOT_DUE':
      return { status: 'not-due', dueAt: Number(reply[1]) };
    case 'NOT_FOUND':
      return { status: 'gone' };
    default:
      return unreachable(status, 'fireDebounce status');
  }
}
