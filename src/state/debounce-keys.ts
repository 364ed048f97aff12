import { KeyNamespace } from '../redis/key-namespace.js';
import { hashPart } from './keys.js';

/**
 * The Redis keys of debounce windows (reference §11.1), on the account's queue shard under the
 * run state's hash tag, so that one script can open a window and enqueue its timer item.
 */
export class DebounceKeys {
  private readonly ns: KeyNamespace;

  constructor(shard: string) {
    this.ns = new KeyNamespace(shard);
  }

  /** STRING: the ID of the open window of a function's debounce key. */
  pointer(functionId: string, key: string): string {
    return this.ns.key('debounce-ptr', hashPart(`${functionId}\u0000${key}`));
  }
  /** HASH windowId -> window JSON: every window not yet dropped. */
  windows(): string {
    return this.ns.key('debounce-windows');
  }
}
