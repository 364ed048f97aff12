/**
 * The child process of testkit/sdk-app-process.ts: one real `inngest` SDK app (startSdkApp) serving
 * the functions of a module, until it is killed.
 *
 * argv[2]: JSON `ChildConfig`. The module must be ESM (a `.ts`/`.js` file in a `"type": "module"`
 * package, or `.mts`/`.mjs`) and export `functions(inngest): InngestFunction.Any[]`, and may export
 * `appId: string` (the config's appId wins).
 * stdout: once listening, one line `READY_PREFIX{"port":…,"url":"…","pid":…}`. The app's own output
 * goes to stdout/stderr as usual.
 * Exit codes: 0 after SIGTERM/SIGINT (graceful stop), 2 bad config or module, 3 port in use.
 * The environment is taken as given (`allowSdkEnv`): the parent scrubbed it.
 */
import { pathToFileURL } from 'node:url';
import type { Inngest, InngestFunction } from 'inngest';
import { startSdkApp } from './sdk-app.js';

export const READY_PREFIX = 'SDK_APP_CHILD_READY ';
export const EXIT_BAD_CONFIG = 2;
export const EXIT_PORT_IN_USE = 3;

export interface ChildConfig {
  module: string;
  port: number;
  appId?: string;
  signingKey?: string;
  signingKeyFallback?: string;
  eventApiUrl?: string;
  eventKey?: string;
  configFromEnv?: boolean;
}

interface FunctionsModule {
  functions?: (inngest: Inngest) => InngestFunction.Any[];
  appId?: unknown;
}

async function main(): Promise<void> {
  let config: ChildConfig;
  let mod: FunctionsModule;
  try {
    config = JSON.parse(process.argv[2] ?? '') as ChildConfig;
    mod = (await import(pathToFileURL(config.module).href)) as FunctionsModule;
    if (typeof mod.functions !== 'function')
      throw new Error(`${config.module} exports no functions(inngest)`);
  } catch (err) {
    console.error('sdk-app-child: bad config or module:', err);
    process.exit(EXIT_BAD_CONFIG);
  }
  const appId = config.appId ?? (typeof mod.appId === 'string' ? mod.appId : undefined);
  const app = await startSdkApp({
    functions: mod.functions,
    port: config.port,
    allowSdkEnv: true,
    ...(appId === undefined ? {} : { appId }),
    ...pick(config, [
      'signingKey',
      'signingKeyFallback',
      'eventApiUrl',
      'eventKey',
      'configFromEnv',
    ]),
  }).catch((err: Error) => {
    console.error('sdk-app-child:', err.message);
    process.exit(/in use/.test(err.message) ? EXIT_PORT_IN_USE : 1);
  });
  const stop = () => void app.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(
    READY_PREFIX + JSON.stringify({ port: app.port, url: app.url, pid: process.pid }) + '\n',
  );
}

function pick<K extends keyof ChildConfig>(config: ChildConfig, keys: K[]): Partial<ChildConfig> {
  const out: Partial<ChildConfig> = {};
  for (const key of keys) if (config[key] !== undefined) out[key] = config[key];
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
