import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunKeys } from '../../../src/state/keys.js';
import { startRedisServer, type RedisServer } from '../../../testkit/redis-server.js';
import { cleanupAll } from '../../helpers/cleanup.js';
import {
  readRunState,
  RunStateWatcher,
  snapshotViolations,
  type RunState,
} from '../../helpers/run-state.js';

/**
 * The checks the fault tests rely on can fail: each planted violation of the exactly-once
 * invariants (written by hand into a real Redis, under a shard of its own) is reported, and a
 * consistent state is not. Without this, a fault test that finds nothing might find nothing
 * because its checker looks at the wrong keys.
 */
describe('run state checks (test/helpers/run-state.ts)', () => {
  const shard = `checks-${process.pid}`;
  const keys = new RunKeys(shard);
  let redis: RedisServer;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
  });
  afterAll(() =>
    cleanupAll(
      () => raw?.disconnect(),
      () => redis?.stop(),
    ),
  );

  async function plant(runId: string, s: { status: string; memo: string[]; stack: string[] }) {
    await raw.hset(keys.meta(runId), {
      status: s.status,
      step_count: String(s.stack.length),
    });
    for (const id of s.memo) await raw.hset(keys.memo(runId), id, `{"data":"${id}"}`);
    if (s.stack.length > 0) await raw.rpush(keys.stack(runId), ...s.stack);
    for (const id of s.stack)
      await raw.hset(keys.steps(runId), id, JSON.stringify({ name: id, op: 'StepRun' }));
  }

  const state = (over: Partial<RunState>): RunState => ({
    runId: 'r',
    meta: { status: 'running', step_count: '2' },
    memo: { a: '1', b: '2' },
    memoExists: true,
    stack: ['a', 'b'],
    steps: {},
    ...over,
  });

  it('accepts a consistent live run and a finalized one', async () => {
    expect(snapshotViolations(state({}))).toEqual([]);
    await plant('ok', { status: 'running', memo: ['a', 'b'], stack: ['a', 'b'] });
    expect(snapshotViolations(await readRunState(raw, 'ok', shard))).toEqual([]);
    await plant('done', { status: 'completed', memo: [], stack: ['a', 'b'] });
    expect(snapshotViolations(await readRunState(raw, 'done', shard))).toEqual([]);
  });

  it('reports a duplicate stack id, a stack id without memo, a memo not in the stack', async () => {
    await plant('dup', { status: 'running', memo: ['a'], stack: ['a', 'a'] });
    expect(snapshotViolations(await readRunState(raw, 'dup', shard)).join('\n')).toMatch(
      /duplicate id/,
    );
    await plant('nomemo', { status: 'running', memo: ['a'], stack: ['a', 'b'] });
    expect(snapshotViolations(await readRunState(raw, 'nomemo', shard)).join('\n')).toMatch(
      /stack id b has no memo/,
    );
    await plant('extra', { status: 'running', memo: ['a', 'b'], stack: ['a'] });
    expect(snapshotViolations(await readRunState(raw, 'extra', shard)).join('\n')).toMatch(
      /memo b is not in the stack/,
    );
    expect(snapshotViolations(state({ meta: { status: 'running', step_count: '3' } }))).toEqual([
      'run r (status running): step_count 3 but the stack holds 2',
    ]);
  });

  it('reports a memo left after finalization', async () => {
    await plant('kept', { status: 'completed', memo: ['a'], stack: ['a'] });
    expect(snapshotViolations(await readRunState(raw, 'kept', shard))).toEqual([
      'run kept (status completed): the memo survived finalization',
    ]);
  });

  it('the watcher reports a memo value that changes and a stack that is rewritten', async () => {
    await plant('w', { status: 'running', memo: ['a'], stack: ['a'] });
    const watcher = new RunStateWatcher(raw, 10, shard);
    watcher.watch('w');
    await new Promise((r) => setTimeout(r, 60));
    await raw.hset(keys.memo('w'), 'a', '{"data":"other"}');
    await raw.multi().del(keys.stack('w')).rpush(keys.stack('w'), 'b').exec();
    await raw.hset(keys.memo('w'), 'b', '{"data":"b"}');
    await raw.hdel(keys.steps('w'), 'a');
    await new Promise((r) => setTimeout(r, 60));
    const found = (await watcher.stop()).join('\n');
    expect(found).toMatch(/memo a changed from \{"data":"a"\} to \{"data":"other"\}/);
    expect(found).toMatch(/stack a became b \(not an append\)/);
    expect(watcher.snapshots).toBeGreaterThan(2);
  });
});
