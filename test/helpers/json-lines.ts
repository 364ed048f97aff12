import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** Appends one JSON line to `file` (what a fixture app records for the test to count). */
export function appendJsonLine(file: string, value: unknown): void {
  appendFileSync(file, JSON.stringify(value) + '\n');
}

/** The JSON lines written so far (none when the file does not exist yet). */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}
