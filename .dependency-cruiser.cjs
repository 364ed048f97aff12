/**
 * The import rules CI checks (npm run lint runs `depcruise`), from ../shared/design/ARCHITECTURE.md
 * "Layers": inside src/, a layer imports only layers below it; the product never imports the
 * harness; the harness reaches the product through its entries; no circular import anywhere.
 * test/dependency-rules.test.ts plants a violation of each kind and expects this config to fail.
 */
const LAYERS = ['core', 'redis', 'queue', 'state', 'driver', 'executor', 'server', 'cli'];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ (layer ${i}) may not import a higher layer: ${LAYERS.slice(i + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle anywhere in the repository (type-only imports count).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'layers-not-entries',
      comment: 'A layer never imports the package entries (src/index.ts, src/internal.ts).',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/(index|internal)\\.ts$' },
    },
    {
      name: 'product-not-harness',
      comment: 'src/ never imports the simulator, benchmarks, tests, properties, testkit or tools.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(sim|bench|test|properties|testkit|tools)/' },
    },
    {
      name: 'harness-through-entries',
      comment:
        'sim/, bench/, properties/ and testkit/ reach the product through src/index.ts (durq) ' +
        'or src/internal.ts (durq/internal), never a deep path.',
      severity: 'error',
      from: { path: '^(sim|bench|properties|testkit)/' },
      to: { path: '^src/', pathNot: '^src/(index|internal)\\.ts$' },
    },
    {
      name: 'testkit-stands-alone',
      comment: 'testkit/ is shared by the others, so it imports none of them.',
      severity: 'error',
      from: { path: '^testkit/' },
      to: { path: '^(sim|bench|test|properties|tools)/' },
    },
    {
      name: 'ioredis-only-in-redis-layer',
      comment: 'Layers above src/redis/ reach Redis through the RedisTransport interface.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/redis/' },
      to: { path: 'node_modules/ioredis/' },
    },
    {
      name: 'resolvable',
      comment:
        'Every import resolves (BullMQ is installed on demand by the bench; the packaging ' +
        "test's program imports durq by name from the package it installs).",
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^(bullmq(/|$)|durq$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|reports|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
