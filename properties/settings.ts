/**
 * Property runs: a fixed count in CI (reproducible by seed), raised for long local runs with
 * DURQ_PROPERTY_RUNS (e.g. DURQ_PROPERTY_RUNS=2000 npm test -- properties). A failure prints its
 * seed and path; replay it with DURQ_PROPERTY_SEED and DURQ_PROPERTY_PATH.
 */
export function propertyParams(ciRuns: number): {
  numRuns: number;
  seed?: number;
  path?: string;
} {
  const runs = Number(process.env['DURQ_PROPERTY_RUNS'] ?? ciRuns);
  const seed = process.env['DURQ_PROPERTY_SEED'];
  const path = process.env['DURQ_PROPERTY_PATH'];
  return {
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : ciRuns,
    // A fixed default seed keeps CI reproducible; set DURQ_PROPERTY_SEED to explore others.
    seed: seed !== undefined ? Number(seed) : 20261124,
    ...(path !== undefined ? { path } : {}),
  };
}
