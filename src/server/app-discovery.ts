import type { Clock } from '../core/clock.js';
import type { ServerEngine } from './server-engine.js';

export interface AppDiscoveryOptions {
  urls: readonly string[];
  engine: Pick<ServerEngine, 'registerApp'>;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
  /** How often a synced app is synced again, ms (default 5000). */
  pollMs?: number;
  /** First wait after a failed sync, ms (default 500), doubled up to pollMs. */
  firstRetryMs?: number;
}

/**
 * `--sdk-url` (as Inngest's dev server does with `-u`): syncs each app at start, retrying with
 * back-off until it answers, then syncs it again every pollMs. A sync that changes nothing
 * writes nothing (the registry compares), so an app that restarted with new functions is
 * current within pollMs, however quickly it came back.
 */
export function startAppDiscovery(opts: AppDiscoveryOptions): {
  /** Settles once every app had its first sync attempt (whether it succeeded or not). */
  firstAttempts: Promise<void>;
  /** Stops the polling; a sync in flight finishes on its own (its result is dropped). */
  stop(): Promise<void>;
} {
  const ac = new AbortController();
  const firsts = opts.urls.map(
    (url) => new Promise<void>((attempted) => void watch(url, opts, ac.signal, attempted)),
  );
  return {
    firstAttempts: Promise.all(firsts).then(() => undefined),
    async stop() {
      ac.abort();
    },
  };
}

async function watch(
  url: string,
  opts: AppDiscoveryOptions,
  signal: AbortSignal,
  attempted: () => void,
): Promise<void> {
  const pollMs = opts.pollMs ?? 5_000;
  const firstRetryMs = opts.firstRetryMs ?? 500;
  let retryMs = firstRetryMs;
  let failing = false;
  let synced = false;
  while (!signal.aborted) {
    try {
      const app = await opts.engine.registerApp(url);
      if (signal.aborted) return;
      if (!synced || failing || app.modified)
        opts.log('info', 'app synced', { url, app: app.appId, functions: app.functions.length });
      synced = true;
      failing = false;
      retryMs = firstRetryMs;
      attempted();
      await opts.clock.sleep(pollMs, signal);
    } catch (err) {
      attempted();
      if (signal.aborted) return;
      if (!failing)
        opts.log('warn', 'app sync failed; retrying with back-off', {
          url,
          error: (err as Error).message,
        });
      failing = true;
      await opts.clock.sleep(retryMs, signal);
      retryMs = Math.min(pollMs, retryMs * 2);
    }
  }
}
