import { request } from 'undici';
import type { Clock } from '../core/clock.js';
import type { ServerEngine } from './server-engine.js';

export interface AppDiscoveryOptions {
  urls: readonly string[];
  engine: Pick<ServerEngine, 'registerApp'>;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
  /** How often a synced app is checked for a restart, ms (default 5000). */
  pollMs?: number;
  /** Back-off of a failing sync: first and longest wait, ms (default 500 and 30 000). */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * `--sdk-url` (as Inngest's dev server does with `-u`): syncs each app at start, retrying with
 * back-off until it answers; then checks it every pollMs, and syncs it again when it comes
 * back after being unreachable (a restarted app may have changed its functions).
 */
export function startAppDiscovery(opts: AppDiscoveryOptions): {
  /** Settles once every app had its first sync attempt (whether it succeeded or not). */
  firstAttempts: Promise<void>;
  stop(): Promise<void>;
} {
  const ac = new AbortController();
  const firsts: Promise<void>[] = [];
  const loops = opts.urls.map((url) => {
    let attempted!: () => void;
    firsts.push(new Promise<void>((done) => (attempted = done)));
    return watch(url, opts, ac.signal, attempted);
  });
  return {
    firstAttempts: Promise.all(firsts).then(() => undefined),
    async stop() {
      ac.abort();
      await Promise.all(loops);
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
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  let retryMs = firstRetryMs;
  let warned = false;
  while (!signal.aborted) {
    try {
      const app = await opts.engine.registerApp(url);
      opts.log('info', 'app synced', { url, app: app.appId, functions: app.functions.length });
      warned = false;
      retryMs = firstRetryMs;
    } catch (err) {
      attempted();
      if (signal.aborted) return;
      if (!warned)
        opts.log('warn', 'app sync failed; retrying with back-off', {
          url,
          error: (err as Error).message,
        });
      warned = true;
      await opts.clock.sleep(retryMs, signal);
      retryMs = Math.min(maxRetryMs, retryMs * 2);
      continue;
    }
    attempted();
    // Synced: wait until the app stops answering, then until it is back, then sync again.
    while (!signal.aborted && (await reachable(url, signal)))
      await opts.clock.sleep(pollMs, signal);
    if (signal.aborted) return;
    opts.log('info', 'app unreachable; it will be synced again when it is back', { url });
    while (!signal.aborted && !(await reachable(url, signal))) {
      await opts.clock.sleep(retryMs, signal);
      retryMs = Math.min(maxRetryMs, retryMs * 2);
    }
    retryMs = firstRetryMs;
  }
}

/** Any HTTP answer counts (a cloud-mode app answers an unsigned GET with 401). */
async function reachable(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await request(url, { method: 'GET', signal, headersTimeout: 5_000 });
    await res.body.dump();
    return true;
  } catch {
    return false;
  }
}
