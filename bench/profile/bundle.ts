/**
 * The profiled target is bundled to one plain .mjs with esbuild (the compiler tsx uses) instead of
 * run through `node --import tsx`: on Node 20 tsx's loader hooks run in a second thread with its
 * own V8 isolate, so `--prof` writes two isolate logs, and clinic flame (0x) profiles whichever
 * readdir lists first, often the idle loader thread. A bundle also leaves one .cpuprofile, no
 * tsx frames, and real line numbers through its source map (tsx puts each module on line 1).
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** A position mapped back to its source: a file URL and a 1-based line (null if unknown). */
export interface Position {
  url: string;
  line: number | null;
}
export type Resolve = (url: string, line0: number, column0: number) => Position;

/** Bundles `entry` (repo-relative) to `outfile`; packages stay imports from node_modules. */
export async function bundle(root: string, entry: string, outfile: string): Promise<Resolve> {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'external',
    logLevel: 'error',
  });
  const mapUrl = pathToFileURL(outfile + '.map');
  const map = new SourceMap(JSON.parse(readFileSync(mapUrl, 'utf8')));
  const bundleUrl = pathToFileURL(outfile).href;
  return (url, line0, column0) => {
    if (url !== bundleUrl) return { url, line: line0 + 1 };
    const e = map.findEntry(line0, column0);
    if (!('originalSource' in e)) return { url, line: null };
    return { url: new URL(e.originalSource, mapUrl).href, line: e.originalLine + 1 };
  };
}
