import type { Dumper } from '../workloads/noisy-model.js';
import { startChild, stopChild, type BenchChild, type ChildMessage } from './child.js';

/**
 * Starts a producer child (`file`, given `args`) that waits for 'go', sends its items and
 * reports them; returns the Dumper that triggers it, and a stop function.
 */
export async function startDumper(
  file: string,
  args: unknown,
): Promise<{ dump: Dumper; stop: () => Promise<void> }> {
  let onMessage: (m: ChildMessage) => void = () => {};
  const child: BenchChild = startChild(file, args, (m) => onMessage(m));
  await child.ready;
  const dump: Dumper = (onSent) =>
    new Promise<void>((resolve) => {
      onMessage = (m) => {
        if (m.type === 'sent') onSent(m.from, m.to, m.t);
        if (m.type === 'dumped') resolve();
      };
      child.proc.send('go');
    });
  return { dump, stop: () => stopChild(child) };
}
