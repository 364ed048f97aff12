import type { InngestFunction } from 'inngest';
import { Inngest } from 'inngest';
import { createServer } from 'inngest/node';
import type { AddressInfo } from 'node:net';

/** What a real SDK (inngest 4.24.0, `inngest/node`) answers to an in-band sync PUT. */
export interface InBandSync {
  url: string;
  status: number;
  body: Record<string, unknown>;
}

/**
 * Serves `functions` with the real SDK's `createServer` on a free port, sends the in-band sync
 * PUT (`X-Inngest-Sync-Kind: in_band`, body `{url}`) and returns the SDK's answer.
 */
export async function syncInBand(
  client: Inngest.Any,
  functions: readonly InngestFunction.Like[],
): Promise<InBandSync> {
  const server = createServer({ client, functions });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/api/inngest`;
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-inngest-sync-kind': 'in_band' },
      body: JSON.stringify({ url }),
    });
    return { url, status: res.status, body: (await res.json()) as Record<string, unknown> };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A dev-mode client: in-band sync needs no signature in dev mode. */
export function devClient(id: string): Inngest {
  return new Inngest({ id, isDev: true });
}
