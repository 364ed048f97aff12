/**
 * Runs every cleanup step in order even when some fail (a failed close must not leave a child
 * process or a redis-server running), then throws the failures together.
 */
export async function cleanupAll(...steps: (() => Promise<unknown> | unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
}
