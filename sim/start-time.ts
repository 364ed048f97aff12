/** The virtual instant every run starts at (ms since the epoch); trace times are relative to it. */
export const START_MS = 1_700_000_000_000;
