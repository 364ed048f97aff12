import type { ServeConfig } from './serve-config.js';

/** What `durq serve` prints to stderr once it is ready: where it is, how to point an app at it. */
export function banner(cfg: ServeConfig, url: string | null, version: string): string {
  const lines = [
    url === null ? `durq ready (${cfg.role}, no HTTP listener)` : `durq ready at ${url}`,
    `  version:  ${version}`,
    `  role:     ${cfg.role}${cfg.role === 'api' ? ' (serves the API; runs no steps)' : cfg.role === 'worker' ? ' (runs steps; serves no API)' : ''}`,
    `  mode:     ${cfg.production ? 'production (SDK requests signed; event keys and API keys checked)' : 'dev (nothing signed, any event key accepted; give --signing-key and --event-key for production)'}`,
    `  storage:  ${storageLine(cfg)}`,
  ];
  if (cfg.sdkUrls.length > 0)
    lines.push(
      `  apps:     ${cfg.sdkUrls.join(', ')} (synced at start, or retried until they answer; re-synced when they restart)`,
    );
  if (url !== null && cfg.role !== 'worker') {
    lines.push('', 'Point an Inngest SDK app at it with:');
    if (cfg.production)
      lines.push(
        `  INNGEST_BASE_URL=${url}`,
        '  INNGEST_SIGNING_KEY=<the --signing-key>',
        '  INNGEST_EVENT_KEY=<one --event-key>',
      );
    else lines.push('  INNGEST_DEV=1', `  INNGEST_BASE_URL=${url}`);
    lines.push(`and sync it: durq sync <app serve URL> --url ${url}`);
  }
  return lines.join('\n') + '\n';
}

function storageLine(cfg: ServeConfig): string {
  const s = cfg.storage;
  if (s.kind === 'embedded')
    return `embedded redis-server, data in ${s.dataDir} (append-only, kept across restarts)`;
  if (s.kind === 'redis') return `Redis at ${s.url.replace(/\/\/[^@/]*@/, '//***@')}`;
  return `Redis Cluster via ${s.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
}
