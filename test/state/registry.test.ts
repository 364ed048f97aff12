import { describe, expect, it } from 'vitest';
import { useRedis } from '../../testkit/redis-fixture.js';
import { stateShard } from './fixtures.js';

const app = (ids: string[]) => JSON.stringify({ url: 'http://app', functionIds: ids });
const fns = (ids: string[], tag = '') => ids.map((id) => ({ id, json: `{"id":"${id}${tag}"}` }));

describe('registry: putApp and listFunctions (lua/state/putApp-n.lua, listFunctions-2.lua)', () => {
  const redis = useRedis();

  it('putApp replaces an app’s functions: dropped ones are gone, the version moves', async () => {
    const { store } = stateShard(redis);
    expect((await store.putApp('app1', app(['f1', 'f2']), fns(['f1', 'f2']))).version).toBe(1);
    expect((await store.putApp('app2', app(['g1']), fns(['g1']))).version).toBe(2);
    expect(await store.listFunctions(null)).toEqual({
      version: '2',
      functions: { f1: '{"id":"f1"}', f2: '{"id":"f2"}', g1: '{"id":"g1"}' },
    });

    expect((await store.putApp('app1', app(['f2', 'f3']), fns(['f2', 'f3'], '-v2'))).version).toBe(
      3,
    );
    expect(await store.listFunctions('2')).toEqual({
      version: '3',
      functions: { f2: '{"id":"f2-v2"}', f3: '{"id":"f3-v2"}', g1: '{"id":"g1"}' },
    });
    expect(await store.functionJson('f1')).toBeNull();
    expect(await store.appJson('app1')).toBe(app(['f2', 'f3']));

    // An app registering no function any more removes all of its own, and only those.
    expect((await store.putApp('app1', app([]), [])).version).toBe(4);
    expect((await store.listFunctions('3')).functions).toEqual({ g1: '{"id":"g1"}' });
  });

  it('listFunctions returns nothing new when the caller’s version is current', async () => {
    const { store } = stateShard(redis);
    expect(await store.listFunctions(null)).toEqual({ version: '0', functions: {} });
    expect(await store.listFunctions('0')).toEqual({ version: '0', functions: null });
    const { version: v } = await store.putApp('app1', app(['f1']), fns(['f1']));
    expect(await store.listFunctions(String(v))).toEqual({ version: String(v), functions: null });
    expect(await store.listFunctions('0')).toEqual({
      version: String(v),
      functions: { f1: '{"id":"f1"}' },
    });
  });

  it('putApp of the stored registration writes nothing and keeps the version', async () => {
    const { store } = stateShard(redis);
    expect(await store.putApp('app1', app(['f1', 'f2']), fns(['f1', 'f2']))).toEqual({
      version: 1,
      modified: true,
    });
    expect(await store.putApp('app1', app(['f1', 'f2']), fns(['f1', 'f2']))).toEqual({
      version: 1,
      modified: false,
    });
    // One function's JSON differs: the registration is new.
    expect(
      await store.putApp('app1', app(['f1', 'f2']), fns(['f1']).concat(fns(['f2'], '-v2'))),
    ).toEqual({ version: 2, modified: true });
    // The same JSON per function but one dropped: the app JSON differs.
    expect(await store.putApp('app1', app(['f1']), fns(['f1']))).toEqual({
      version: 3,
      modified: true,
    });
    expect(await store.functionJson('f2')).toBeNull();
    // Another app overwrote a function of the same ID: registering app1 again is a change.
    await store.putApp('app2', app(['f1']), fns(['f1'], '-app2'));
    expect(await store.putApp('app1', app(['f1']), fns(['f1']))).toEqual({
      version: 5,
      modified: true,
    });
  });

  it('the function a run loads is the current registration', async () => {
    const { store } = stateShard(redis);
    await store.putApp('app1', app(['f1']), fns(['f1']));
    await store.putApp('app1', app(['f1']), fns(['f1'], '-v2'));
    expect(await store.functionJson('f1')).toBe('{"id":"f1-v2"}');
    await store.putApp('app1', app([]), []);
    expect(await store.functionJson('f1')).toBeNull();
  });
});
