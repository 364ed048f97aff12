/**
 * A REAL `inngest` SDK app (the npm package, 4.24.0) served over loopback HTTP in this process, for
 * end-to-end tests: `serve` from `inngest/node` behind a node:http server on 127.0.0.1, every
 * exchange recorded (`requests`). testkit/sdk-app-process.ts runs the same thing in a child.
 *
 * SDK 4.24.0 facts this relies on, checked in node_modules/inngest (types and the TS sources in
 * its source maps: components/Inngest.ts, components/InngestCommHandler.ts, node.ts) and, where
 * it shows on the wire, by test/testkit/sdk-app.test.ts:
 * - Client options: `new Inngest({ id, isDev, signingKey, signingKeyFallback, baseUrl, eventKey,
 *   env, appVersion, checkpointing, … })`. There is no separate API/event URL option: `baseUrl`
 *   sets both (it wins over INNGEST_BASE_URL, INNGEST_API_BASE_URL, INNGEST_EVENT_API_BASE_URL
 *   and a URL in INNGEST_DEV). The mode is `isDev` when it is a boolean, else INNGEST_DEV, else
 *   cloud (the v4 default). Cloud mode verifies `X-Inngest-Signature` on POST, GET and in-band
 *   PUT (401 when it fails; 500 for everything when no key is configured); dev mode verifies
 *   nothing and signs nothing.
 * - `signingKey`, `signingKeyFallback` and `eventKey` are read as `option || env`, so an absent
 *   option lets INNGEST_SIGNING_KEY / _FALLBACK / INNGEST_EVENT_KEY through; an option cannot say
 *   "none" (so those count as interfering when their option is absent, see `interferingEnv`).
 *   `serve` options `serveOrigin` / `servePath` win over INNGEST_SERVE_ORIGIN / INNGEST_SERVE_PATH
 *   / INNGEST_SERVE_HOST.
 * - The comm handler re-reads `process.env` on EVERY request (`{...process.env, ...actions.env}`
 *   then `client.setEnvVars`), so scrubbing the client's env once does not hold. The env vars that
 *   no option overrides (or whose option only adds: `streaming: false` does not beat
 *   INNGEST_STREAMING=true) are therefore refused at start (`UNOVERRIDABLE_SDK_ENV`); one set
 *   after the start still reaches the app (INNGEST_STREAMING=true turns its next reply into a 201:
 *   tested), so a test must not set them while an app runs in its process.
 * - `createServer` from `inngest/node` builds a new comm handler per request and routes only
 *   `servePath` (default `/api/inngest`); `serve` returns a `http.RequestListener` that reads the
 *   body with `req.on('data' | 'end')`. Used here: `serve`, built once, behind our own server.
 * - `createFunction` takes two arguments in v4: `createFunction({ id, triggers: [{ event }] |
 *   { event } | [{ cron }], retries?, … }, async ({ event, step, runId, attempt }) => …)`; the
 *   three-argument v3 form throws. The synced id is `<appId>-<fnId>` and its step URL is the app
 *   URL with `?fnId=<appId>-<fnId>&stepId=step`.
 * - Checkpointing is on by default in v4 but engages only for a discovery call (`stepId=step`)
 *   that carries `ctx.fn_id` and not `disable_immediate_execution` (InngestFunction
 *   `shouldAsyncCheckpoint`); left at the SDK default here (an app under test runs unchanged).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { Inngest, type ClientOptions, type InngestFunction } from 'inngest';
import { serve } from 'inngest/node';
import { recordingListener, type RecordedRequest } from './http-recording.js';

export type { RecordedRequest } from './http-recording.js';

export const SERVE_PATH = '/api/inngest';

/**
 * Where the SDK sends events and API calls when no engine is given: a loopback port that refuses
 * connections, so nothing leaves the machine and a stray `inngest.send` fails at once.
 */
export const UNREACHABLE_BASE_URL = 'http://127.0.0.1:1/';

/** Event key given in cloud mode when none is (the SDK will not send events there without one). */
export const DEFAULT_EVENT_KEY = 'testkit-event-key';

/**
 * Env vars that change what the SDK does and that the options set here cannot override. The
 * signing keys are only listed for the modes that leave the option empty (see `interferingEnv`).
 */
export const UNOVERRIDABLE_SDK_ENV = [
  'INNGEST_STREAMING', // 201 streamed replies; `streaming: false` does not beat it
  'INNGEST_ALLOW_IN_BAND_SYNC', // false turns in-band sync into out-of-band
  'INNGEST_ENABLE_UNAUTHED_SYNC', // false makes an out-of-band PUT need a signature
  'INNGEST_SESSION_PROPAGATION',
  'INNGEST_ENV', // X-Inngest-Env on every reply and event; so are the branch names below
  'BRANCH_NAME',
  'VERCEL_GIT_COMMIT_REF',
  'BRANCH',
  'CF_PAGES_BRANCH',
  'RENDER_GIT_BRANCH',
  'RAILWAY_GIT_BRANCH',
  'VERCEL', // platform detection: X-Inngest-Platform, streaming support
  'NETLIFY',
  'CF_PAGES',
  'RENDER',
  'RAILWAY_ENVIRONMENT',
] as const;

export interface StartSdkAppOptions {
  /** Builds the app's functions with the app's client (`inngest.createFunction(…)`). */
  functions: (inngest: Inngest) => InngestFunction.Any[];
  /** The client id (default `sdkapp`); synced function ids are `<appId>-<fnId>`. */
  appId?: string;
  /** Cloud (signed) mode when set, else dev mode (no verification, unsigned replies). */
  signingKey?: string;
  signingKeyFallback?: string;
  /**
   * The engine's base URL, used by the SDK for `inngest.send` / `step.sendEvent`
   * (`<base>e/<eventKey>`) and for any API call (`/fn/register`, checkpoints). Default
   * `UNREACHABLE_BASE_URL`.
   */
  eventApiUrl?: string;
  /**
   * The event key (path segment of `<base>e/<key>`). Default: none in dev mode (the SDK then sends
   * `NO_EVENT_KEY_SET`), `DEFAULT_EVENT_KEY` in cloud mode (where the SDK refuses to send without).
   */
  eventKey?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /**
   * Let the `UNOVERRIDABLE_SDK_ENV` vars reach the SDK instead of refusing to start: for a caller
   * that set the environment on purpose (the child process of sdk-app-process.ts does).
   */
  allowSdkEnv?: boolean;
  /**
   * Build the client as a deployed app does, `new Inngest({ id })`, so that the mode, base URL and
   * keys come from INNGEST_DEV, INNGEST_BASE_URL, INNGEST_SIGNING_KEY(_FALLBACK) and
   * INNGEST_EVENT_KEY; the key and URL options above must then be absent. Implies `allowSdkEnv`.
   */
  configFromEnv?: boolean;
}

export interface SdkApp {
  /** e.g. `http://127.0.0.1:PORT/api/inngest`. */
  readonly url: string;
  readonly port: number;
  readonly appId: string;
  readonly client: Inngest;
  /** Every request the app received, in order of arrival (see RecordedRequest). */
  readonly requests: RecordedRequest[];
  /** Closes the server and every open connection; idempotent. */
  stop(): Promise<void>;
}

/** The env vars set in `env` that would reach the SDK despite these options. */
export function interferingEnv(
  opts: Pick<StartSdkAppOptions, 'signingKey' | 'signingKeyFallback' | 'eventKey'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const names: string[] = [...UNOVERRIDABLE_SDK_ENV];
  if (opts.signingKey === undefined) names.push('INNGEST_SIGNING_KEY');
  if (opts.signingKeyFallback === undefined) names.push('INNGEST_SIGNING_KEY_FALLBACK');
  if (opts.eventKey === undefined && opts.signingKey === undefined) names.push('INNGEST_EVENT_KEY');
  return names.filter((name) => env[name] !== undefined);
}

export async function startSdkApp(opts: StartSdkAppOptions): Promise<SdkApp> {
  if (!opts.allowSdkEnv && !opts.configFromEnv) {
    const found = interferingEnv(opts);
    if (found.length > 0)
      throw new Error(
        `startSdkApp: ${found.join(', ')} set in the environment; the inngest SDK reads ` +
          'them per request and no client option overrides them. Unset them, or use ' +
          'startSdkAppProcess (its child gets a clean environment).',
      );
  }
  if (opts.signingKeyFallback !== undefined && opts.signingKey === undefined)
    throw new Error('startSdkApp: signingKeyFallback needs signingKey (cloud mode)');
  const appId = opts.appId ?? 'sdkapp';
  const client = new Inngest({ id: appId, ...clientOptions(opts) });
  const functions = opts.functions(client);
  const requests: RecordedRequest[] = [];
  // The serve handler needs the origin, known once listening; until then everything is a 404.
  const route: { handler?: RequestListener } = {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== SERVE_PATH || !route.handler) {
      res.writeHead(404).end();
      return;
    }
    route.handler(req, res);
  });
  server.on('clientError', (_err, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const port = await listen(server, opts.port ?? 0);
  const origin = `http://127.0.0.1:${port}`;
  route.handler = recordingListener(
    serve({ client, functions, serveOrigin: origin, servePath: SERVE_PATH }),
    requests,
  );
  let stopped: Promise<void> | undefined;
  return {
    url: origin + SERVE_PATH,
    port,
    appId,
    client,
    requests,
    stop: () => (stopped ??= close(server)),
  };
}

/** The client's mode, base URL and keys: from the options, or none (the SDK reads its env). */
function clientOptions(opts: StartSdkAppOptions): Partial<ClientOptions> {
  if (opts.configFromEnv) {
    const given = CONFIG_OPTIONS.filter((key) => opts[key] !== undefined);
    if (given.length > 0)
      throw new Error(`startSdkApp: configFromEnv excludes the options ${given.join(', ')}`);
    return {};
  }
  return {
    isDev: opts.signingKey === undefined,
    baseUrl: opts.eventApiUrl ?? UNREACHABLE_BASE_URL,
    ...eventKeyOption(opts),
    ...(opts.signingKey === undefined ? {} : { signingKey: opts.signingKey }),
    ...(opts.signingKeyFallback === undefined
      ? {}
      : { signingKeyFallback: opts.signingKeyFallback }),
  };
}

const CONFIG_OPTIONS = ['signingKey', 'signingKeyFallback', 'eventApiUrl', 'eventKey'] as const;

function eventKeyOption(opts: StartSdkAppOptions): { eventKey?: string } {
  if (opts.eventKey !== undefined) return { eventKey: opts.eventKey };
  return opts.signingKey === undefined ? {} : { eventKey: DEFAULT_EVENT_KEY };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `startSdkApp: port ${port} on 127.0.0.1 is in use`
            : `startSdkApp: cannot listen on 127.0.0.1:${port}: ${err.message}`,
          { cause: err },
        ),
      );
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
