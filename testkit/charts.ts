import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Chart.js's browser bundle, inlined so that report pages work offline. */
export function chartJs(): string {
  // The UMD bundle is not in the package's exports map: find it beside the resolved entry.
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** Text made safe to put into HTML. */
export const escape = (s: string): string =>
  s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] as string);
