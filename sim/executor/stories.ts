import type { Random } from '../../src/internal.js';
import {
  FAN_STEPS,
  KEYED_STEPS,
  LIMITED_STEPS,
  SIM_RETRIES,
  type BodyOutcome,
  type SimEventData,
} from './functions.js';

/**
 * The executor workload: one story per triggered run, with the events around it, generated from
 * the seed. Each story says how its run must end (`expect`); faults that change that (a no-retry
 * answer, a cancel during a step) are recorded on the story as they happen.
 */
export type StoryKind =
  | 'chain'
  | 'fan'
  | 'race'
  | 'sleep'
  | 'wait'
  | 'parent'
  | 'send'
  | 'cancellable'
  | 'fragile'
  | 'keyed'
  | 'limited'
  | 'throttled'
  | 'prioritized';

export type Terminal = 'completed' | 'failed' | 'cancelled';

/** When a story's side event goes out, relative to its run. */
export type SideTiming =
  /** Before the trigger: it must not touch the run. */
  | 'before'
  /** Once the run's wait (or cancelOn) pause exists, plus `delayMs`. */
  | 'during'
  /** Once the run has ended: it must change nothing. */
  | 'after';

export interface SideEvent {
  name: 'sim/approve' | 'sim/cancel';
  timing: SideTiming;
  delayMs: number;
  /** false: the key does not match the run's, so it must not resume it. */
  matching: boolean;
}

export interface Story {
  id: number;
  kind: StoryKind;
  arrivalMs: number;
  event: { id: string; name: string; data: SimEventData };
  side: SideEvent[];
  /** How the run must end, as planned (before faults). */
  expect: Terminal;
  /** wait stories: the value the wait must return. */
  approval?: 'approved' | 'timed-out';
  /** Delivered twice (same event ID): still one run. */
  twice: boolean;
}

const KINDS: [StoryKind, number][] = [
  ['chain', 20],
  ['fan', 12],
  ['race', 8],
  ['sleep', 10],
  ['wait', 15],
  ['parent', 10],
  ['send', 8],
  ['cancellable', 10],
  ['fragile', 7],
  ['keyed', 10],
  ['limited', 8],
  ['throttled', 10],
  ['prioritized', 6],
];

/** Throttled stories arrive in bursts: their arrival snaps to this grid (plus < 300 ms). */
const THROTTLE_BURST_GRID_MS = 20_000;
/** `priority.run` values: a delay, none, a head start, and one past the clamp. */
const PRIORITIES = [-20, 0, 30, 900] as const;

/** ‰ of stories whose trigger is delivered twice, when that fault is on. */
export function generateStories(
  random: Random,
  count: number,
  spanMs: number,
  twicePerMille: number,
): Story[] {
  const stories: Story[] = [];
  const total = KINDS.reduce((s, [, w]) => s + w, 0);
  for (let id = 0; id < count; id++) {
    let r = random.int(total);
    const kind = KINDS.find(([, w]) => (r -= w) < 0)![0];
    stories.push(story(random, id, kind, random.int(spanMs), random.int(1000) < twicePerMille));
  }
  return stories.sort((a, b) => a.arrivalMs - b.arrivalMs || a.id - b.id);
}

/** What a kind adds to a story: its plan, side events and expected end. */
interface Shaped {
  side: SideEvent[];
  expect: Terminal;
  approval?: Story['approval'];
}

function story(
  random: Random,
  id: number,
  kind: StoryKind,
  arrivalMs: number,
  twice: boolean,
): Story {
  const data: SimEventData = { story: id, key: `k${id}`, plan: {} };
  const shaped = shape(random, kind, data);
  const arrival =
    kind === 'throttled'
      ? arrivalMs - (arrivalMs % THROTTLE_BURST_GRID_MS) + random.int(300)
      : arrivalMs;
  return {
    id,
    kind,
    arrivalMs: arrival,
    event: { id: `story-${id}`, name: `sim/${kind}`, data },
    ...shaped,
    twice,
  };
}

function shape(random: Random, kind: StoryKind, data: SimEventData): Shaped {
  const { plan } = data;
  const succeed = (...steps: string[]): Shaped => {
    for (const s of steps) plan[s] = recovering(random);
    return { side: [], expect: 'completed' };
  };
  switch (kind) {
    case 'chain': {
      data.len = 1 + random.int(3);
      for (let i = 1; i <= data.len; i++) plan[`s${i}`] = recovering(random);
      if (random.int(10) !== 0) return { side: [], expect: 'completed' };
      plan[`s${data.len}`] = failing(random);
      return { side: [], expect: 'failed' };
    }
    case 'fan':
      return succeed(...FAN_STEPS, 'join');
    case 'race':
      return succeed('r1', 'r2', 'after');
    case 'sleep':
    case 'send':
      return succeed('s1', 's2');
    case 'parent':
      data.childPlan = { c1: recovering(random) };
      return succeed('s1', 's2');
    case 'wait':
      return waitStory(random);
    case 'cancellable': {
      succeed('s1', 's2');
      const timing = (['before', 'during', 'after'] as const)[random.int(3)]!;
      const side: SideEvent[] = [
        { name: 'sim/cancel', timing, delayMs: random.int(5000), matching: true },
      ];
      return { side, expect: timing === 'during' ? 'cancelled' : 'completed' };
    }
    case 'fragile':
      plan['s1'] = failing(random);
      return { side: [], expect: 'failed' };
    default:
      return flowShape(random, kind, data, succeed);
  }
}

/** The flow-control stories: a few tenants and groups share keys; priorities vary. */
function flowShape(
  random: Random,
  kind: 'keyed' | 'limited' | 'throttled' | 'prioritized',
  data: SimEventData,
  succeed: (...steps: string[]) => Shaped,
): Shaped {
  switch (kind) {
    case 'keyed':
      data.tenant = `t${random.int(3)}`;
      data.group = `g${random.int(2)}`;
      return succeed(...KEYED_STEPS, 'k3');
    case 'limited':
      return succeed(...LIMITED_STEPS, 'l4');
    case 'throttled':
      data.tenant = `t${random.int(2)}`;
      return succeed('s1', 's2');
    case 'prioritized':
      data.priority = PRIORITIES[random.int(PRIORITIES.length)]!;
      return succeed('s1', 's2');
  }
}

/**
 * A wait's events: 0 a matching one before the trigger (must not resume it); 1 a matching one
 * during the wait; 2 a non-matching one during; 3 a non-matching, then a matching one, during.
 * Each matching one during the wait is sent twice: the second must find the pause consumed.
 */
function waitStory(random: Random): Shaped {
  const mode = random.int(4);
  const side: SideEvent[] = [];
  if (mode === 0) side.push({ name: 'sim/approve', timing: 'before', delayMs: 0, matching: true });
  if (mode >= 2)
    side.push({
      name: 'sim/approve',
      timing: 'during',
      delayMs: random.int(2000),
      matching: false,
    });
  if (mode === 1 || mode === 3) {
    const delayMs = random.int(3000);
    side.push({ name: 'sim/approve', timing: 'during', delayMs, matching: true });
    // a second approval close behind (while the run still runs): the wait is consumed, so it
    // must change nothing
    side.push({
      name: 'sim/approve',
      timing: 'during',
      delayMs: delayMs + random.int(20),
      matching: true,
    });
  }
  return {
    side,
    expect: 'completed',
    approval: mode === 1 || mode === 3 ? 'approved' : 'timed-out',
  };
}

/** Errors on the first 0–2 attempts, then returns: the step succeeds within its retries. */
function recovering(random: Random): BodyOutcome[] {
  const errors = [0, 0, 0, 1, 2][random.int(5)]!;
  return Array.from({ length: errors }, () => 'error' as const);
}

/**
 * A step that must fail the run: NonRetriableError from attempt i on (every later attempt too,
 * so a fault on attempt i cannot turn it into a success), or an error on every attempt.
 */
function failing(random: Random): BodyOutcome[] {
  const attempts = SIM_RETRIES + 1;
  if (random.int(2) === 0) return Array.from({ length: attempts }, () => 'error' as const);
  const i = random.int(3);
  return Array.from({ length: attempts }, (_, a) => (a < i ? 'error' : 'fatal'));
}
