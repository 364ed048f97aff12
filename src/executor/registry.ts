import type { HttpDriver } from '../driver/driver.js';
import type { RunStore } from '../state/run-store.js';
import { parseAppConfig, type AppDefinition, type FunctionDefinition } from './function-config.js';

/** A registered app, and whether its stored registration changed (`/fn/register`'s `modified`). */
export type Registration = AppDefinition & { modified: boolean };

/**
 * The registered apps and their functions, kept in Redis (on the account's shard) and shared
 * by every process. A process keeps a copy and refreshes it when the registry version moved (one
 * round trip per event batch, no data unless something changed).
 */
export class Registry {
  private version: string | null = null;
  private byId = new Map<string, FunctionDefinition>();

  constructor(
    private readonly store: RunStore,
    private readonly driver: HttpDriver,
  ) {}

  /**
   * Syncs an app in band (a PUT to its URL; signed in signed mode), checks every FunctionConfig
   * and replaces the app's functions atomically. A bad config registers nothing.
   */
  async registerApp(url: string): Promise<Registration> {
    const raw = await this.driver.syncInBand(url);
    return await this.registerConfig(raw, url);
  }

  /**
   * Registers an app from its sync body (in band, or the out-of-band `/fn/register`). A bad
   * config throws InvalidFunctionConfigError before anything is written. `modified` is false
   * when the stored app and functions were already these (nothing is written then).
   */
  async registerConfig(raw: unknown, url: string): Promise<Registration> {
    const app = parseAppConfig(raw, url);
    const appJson = JSON.stringify({
      appId: app.appId,
      url: app.url,
      functionIds: app.functions.map((f) => f.id),
      framework: app.framework,
      sdk: app.sdk,
    });
    const { modified } = await this.store.putApp(
      app.appId,
      appJson,
      app.functions.map((f) => ({ id: f.id, json: JSON.stringify(f) })),
    );
    return { ...app, modified };
  }

  /** Every registered function, current as of this call. */
  async functions(): Promise<FunctionDefinition[]> {
    await this.refresh();
    return [...this.byId.values()];
  }

  /** A function by composite ID, current as of this call; null when none is registered. */
  async get(functionId: string): Promise<FunctionDefinition | null> {
    await this.refresh();
    return this.byId.get(functionId) ?? null;
  }

  /** A function as of this copy's last read, with no round trip (null when it holds none). */
  cached(functionId: string): FunctionDefinition | null {
    return this.byId.get(functionId) ?? null;
  }

  /** The registry version this copy holds (null before the first read). */
  get knownVersion(): string | null {
    return this.version;
  }

  /** Every function as of a read made elsewhere (ingestEvents); no round trip. */
  functionsFrom(version: string, functions: Record<string, string> | null): FunctionDefinition[] {
    this.apply(version, functions);
    return [...this.byId.values()];
  }

  private async refresh(): Promise<void> {
    const r = await this.store.listFunctions(this.version);
    this.apply(r.version, r.functions);
  }

  private apply(version: string, functions: Record<string, string> | null): void {
    if (functions === null) return;
    const next = new Map<string, FunctionDefinition>();
    for (const [id, json] of Object.entries(functions))
      next.set(id, JSON.parse(json) as FunctionDefinition);
    this.byId = next;
    this.version = version;
  }
}
