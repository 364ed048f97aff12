import { describe, expect, it } from 'vitest';
import { QUEUE_SCRIPTS } from '../../src/queue/shard/scripts.js';
import { STATE_SCRIPTS } from '../../src/state/scripts.js';
import { PUBLISHING } from '../../sim/sim-transport.js';
import { HASH_DUMPS } from '../../sim/trace-reply.js';

/**
 * What a seed's replay on another Redis server relies on, checked on every script's source (its
 * includes inlined). Redis seeds its hash function at start-up, so a set's or a large hash's own
 * order differs from server to server; and the simulator delivers a script's wake-ups only when
 * it knows the script may publish them.
 */
const scripts = [...Object.values(QUEUE_SCRIPTS), ...Object.values(STATE_SCRIPTS)].map((s) => ({
  name: s.name,
  source: s.script.source,
}));

/** Commands whose reply order, or result, depends on the server rather than on the data. */
const UNORDERED = ['HKEYS', 'HVALS', 'SRANDMEMBER', 'SPOP', 'RANDOMKEY', 'SCAN', 'SSCAN', 'HSCAN'];

/**
 * Code lines where a script's order depends on the server: a set's members used without being
 * sorted right away, or a sort by Lua's `<` (which compares by the server's locale, strcoll)
 * rather than byte order (sorted_members.lua's byte_less).
 */
export function serverOrderedLines(source: string): string[] {
  const lines = source.split('\n').map((l) => l.replace(/--.*$/, ''));
  const hits: string[] = [];
  lines.forEach((code, i) => {
    const sorts = /table\.sort\(/.test(code);
    if (sorts && !/table\.sort\(\w+, byte_less\)/.test(code)) hits.push(`${i + 1}: ${code.trim()}`);
    if (!/redis\.call\('SMEMBERS'/.test(code)) return;
    const assigned = /^\s*local\s+(\w+)\s*=\s*redis\.call\('SMEMBERS'[^)]*\)\s*$/.exec(code);
    const sorted = assigned && lines[i + 1]?.trim() === `table.sort(${assigned[1]}, byte_less)`;
    if (!sorted) hits.push(`${i + 1}: ${code.trim()}`);
  });
  return hits;
}

/** Whether a script may PUBLISH (itself or through an include). */
const publishes = (source: string) => /redis\.call\('PUBLISH'/.test(source.replace(/--.*$/gm, ''));

describe('what a replay on another server relies on', () => {
  it.each(scripts.map((s) => [s.name, s] as const))(
    '%s: sorts every set it reads, by bytes, and uses no server-ordered command',
    (_name, { source }) => {
      expect(serverOrderedLines(source)).toEqual([]);
      for (const cmd of UNORDERED) expect(source).not.toContain(`redis.call('${cmd}'`);
    },
  );

  it('a whole hash (HGETALL) reaches the trace only from the scripts whose replies it sorts', () => {
    const dumping = scripts.filter((s) => s.source.includes("redis.call('HGETALL'"));
    expect(dumping.map((s) => s.name).sort()).toEqual(Object.keys(HASH_DUMPS).sort());
  });

  it('the simulator collects the wake-ups of exactly the scripts that may publish them', () => {
    const publishing = scripts.filter((s) => publishes(s.source)).map((s) => s.name);
    expect(publishing.sort()).toEqual([...PUBLISHING].sort());
  });

  it('the order check can fail: it flags members used in the set order, and locale sorts', () => {
    const planted = [
      "for _, id in ipairs(redis.call('SMEMBERS', KEYS[5])) do",
      "local ids = redis.call('SMEMBERS', KEYS[1])",
      'for _, id in ipairs(ids) do end',
      "local byLocale = redis.call('SMEMBERS', KEYS[2])",
      'table.sort(byLocale)',
      "local byBytes = redis.call('SMEMBERS', KEYS[3])",
      'table.sort(byBytes, byte_less)',
      "-- redis.call('SMEMBERS', x) in a comment is fine",
    ].join('\n');
    expect(serverOrderedLines(planted)).toEqual([
      "1: for _, id in ipairs(redis.call('SMEMBERS', KEYS[5])) do",
      "2: local ids = redis.call('SMEMBERS', KEYS[1])",
      "4: local byLocale = redis.call('SMEMBERS', KEYS[2])",
      '5: table.sort(byLocale)',
    ]);
  });
});
