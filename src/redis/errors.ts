import { DurqError } from '../core/errors.js';

/** A Lua script could not be read or flattened (bad file name, unknown include, include cycle). */
export class ScriptLoadError extends DurqError {
  override name = 'ScriptLoadError';

  constructor(message: string) {
    super('SCRIPT_LOAD_FAILED', message);
  }
}

/** A script call was refused before it reached Redis (wrong number of KEYS, SHA mismatch). */
export class ScriptCallError extends DurqError {
  override name = 'ScriptCallError';
  readonly script: string;

  constructor(script: string, message: string) {
    super('SCRIPT_CALL_REFUSED', `${script}: ${message}`);
    this.script = script;
  }
}

/** A script raised an error inside Redis (a Lua `error()`, or a command it ran failed). */
export class ScriptError extends DurqError {
  override name = 'ScriptError';
  readonly script: string;

  constructor(script: string, message: string, cause: unknown) {
    super('SCRIPT_FAILED', `script '${script}' failed in Redis: ${message}`, { cause });
    this.script = script;
  }
}
