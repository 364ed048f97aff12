/**
 * Vitest globalSetup (vitest.config.ts): compiles the product once per `vitest run`, for the tests
 * that start the built `durq` CLI as a child process (testkit/durq-serve-process.ts).
 *
 * Not dist/: test/package/pack.test.ts runs `npm pack`, whose prepack does `rm -rf dist && tsc`,
 * while other test files run. So the build goes to `.build/test-cli/` (gitignored) with
 * `tsc -p tsconfig.build.json --outDir .build/test-cli`, incremental (its tsbuildinfo lives inside
 * the output folder, so deleting the folder forces a full build): a few seconds when nothing
 * changed. The entry is `.build/test-cli/src/cli/main.js`; from there Node finds the repository's
 * package.json ("type": "module") and node_modules by walking up, as dist/ does.
 *
 * Tests get the entry's path from `durqMain()` (test/helpers/durq-cli.ts, which injects
 * CLI_BUILD_KEY); the setup runs for every `vitest run`, `npx vitest run <one file>` included.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

/** The key under which the build's outcome is provided to tests. */
export const CLI_BUILD_KEY = 'durqCliBuild';

/** The built CLI's entry, or why there is none (tsc's output). */
export type CliBuild = { main: string } | { error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    [CLI_BUILD_KEY]: CliBuild;
  }
}

const ROOT = dirname(import.meta.dirname);
export const CLI_BUILD_DIR = join(ROOT, '.build', 'test-cli');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const BUILD_TIMEOUT_MS = 180_000;

/** Compiles src/ into CLI_BUILD_DIR; a type error counts as a failed build. */
export async function buildCli(): Promise<CliBuild> {
  const args = [
    TSC,
    '-p',
    join(ROOT, 'tsconfig.build.json'),
    '--outDir',
    CLI_BUILD_DIR,
    '--incremental',
    '--tsBuildInfoFile',
    join(CLI_BUILD_DIR, 'tsbuildinfo'),
  ];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: BUILD_TIMEOUT_MS });
  } catch (err) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = err as Error & { stdout?: string; stderr?: string };
    return { error: `tsc failed building ${CLI_BUILD_DIR}:\n${stdout}${stderr || message}` };
  }
  const main = join(CLI_BUILD_DIR, 'src', 'cli', 'main.js');
  return existsSync(main) ? { main } : { error: `tsc wrote no ${main}` };
}

/**
 * The globalSetup: builds once and provides the outcome. A failed build does not stop the run
 * (tests that need no CLI go on); the tests that need it fail with tsc's output (see durqMain).
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide(CLI_BUILD_KEY, await buildCli());
}
