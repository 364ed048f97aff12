import type { QueueShard } from '../queue/shard.js';
import { DebounceKeys } from './debounce-keys.js';
import { RunKeys } from './keys.js';
import type { StateContext } from './shard/context.js';
import {
  debounceEvent,
  type DebounceEventInput,
  type DebounceEventResult,
} from './shard/debounceEvent.js';
import { dropDebounce } from './shard/dropDebounce.js';
import {
  fireDebounce,
  type FireDebounceInput,
  type FireDebounceResult,
} from './shard/fireDebounce.js';

/** A debounce window as stored (lua/state/debounceEvent-9.lua writes it). */
export interface DebounceWindow {
  id: string;
  fn: string;
  key: string;
  /** The window's event, stored JSON: the last to arrive, unless an older `ts`. */
  e: string;
  /** That event's `ts`, as sent to the script. */
  ts: string;
  /** When the first and the last event arrived, ms. */
  first: number;
  last: number;
  /** When the window fires, ms: a period after its last event, capped by `deadline`. */
  due: number;
  /** first + timeout, when the function has a timeout. */
  deadline?: number;
  /** The timer item's ID. */
  timer: string;
  /** 1 once fired: its run is being scheduled, new events open a new window. */
  closed?: 1;
}

/** Debounce windows on one queue shard: each operation is one script. */
export class DebounceStore {
  readonly keys: DebounceKeys;
  private readonly ctx: StateContext;

  constructor(shard: QueueShard) {
    this.keys = new DebounceKeys(shard.name);
    this.ctx = { shard: shard.context, keys: new RunKeys(shard.name) };
  }

  /** An event arrives: opens the key's window with its timer, or joins the open one. */
  arrive(input: DebounceEventInput): Promise<DebounceEventResult> {
    return debounceEvent(this.ctx, this.keys, input);
  }
  /** The window's timer fires: closes it when due. */
  fire(input: FireDebounceInput): Promise<FireDebounceResult> {
    return fireDebounce(this.ctx, this.keys, input);
  }
  /** Removes a closed window, once its run is scheduled. */
  drop(windowId: string): Promise<boolean> {
    return dropDebounce(this.ctx, this.keys, windowId);
  }
  /** A stored window, or null. */
  async window(windowId: string): Promise<DebounceWindow | null> {
    const raw = await this.ctx.shard.transport.hget(this.keys.windows(), windowId);
    return raw === null ? null : (JSON.parse(raw) as DebounceWindow);
  }
}
