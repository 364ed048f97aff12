import { inject } from 'vitest';
import { CLI_BUILD_KEY } from '../../testkit/cli-build.js';

/** The built CLI's entry (`.build/test-cli/src/cli/main.js`, see testkit/cli-build.ts). */
export function durqMain(): string {
  const build = inject(CLI_BUILD_KEY);
  if (!build) throw new Error('no CLI build: vitest.config.ts must list testkit/cli-build.ts');
  if ('error' in build) throw new Error(build.error);
  return build.main;
}
