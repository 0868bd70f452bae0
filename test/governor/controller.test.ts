// The governor's decisions, inputs to outputs, without a clock or a server.
import { describe, expect, it } from 'vitest';
import { type ControlLimits, CUT_COOLDOWN_MS, decide, DUTY_STEP, DUTY_STEP_MAX_MS, initialState, MAX_PAUSE_MS, MIN_BATCH, MIN_DUTY, overBudget, ratePause, replicaHold, type Signals, sizeFor } from '../../src/governor/controller.js';
import { reasonKind } from '../../src/governor/governor.js';
import { baselineOf, quantile, type Sample, signalsOf } from '../../src/governor/probe.js';

// A clock far enough apart for every cut to count, unless a test says otherwise.
let clock = 0;
const later = () => (clock += 10_000);
const limits: ControlLimits = { latencyBudget: 1.5, maxBatchSize: 5000, targetBatchMs: 100, minPauseMs: 0 };
const calm: Signals = { baselineMs: 2, recentMs: 2.2, blocked: 0, extraWaits: 0 };
const slow: Signals = { ...calm, recentMs: 5 };

describe('the governor controller', () => {
  it('starts at the maximum batch size and full duty', () => {
    expect(initialState(limits)).toEqual({ batchSize: 5000, duty: 1 });
  });

  it('sizes batches to the target time: shrinks at once, grows by half at most, within [MIN_BATCH, max]', () => {
    // 5,000 rows in 500 ms: 10 rows/ms, so 1,000 rows take the 100 ms target.
    expect(sizeFor(limits, 5000, 10)).toBe(1000);
    // Much faster now: grows to 1.5× the current size, not to the ideal at once.
    expect(sizeFor(limits, 1000, 100)).toBe(1500);
    expect(sizeFor(limits, 4000, 100)).toBe(5000);
    expect(sizeFor(limits, 1000, 0.01)).toBe(MIN_BATCH);
    // A maximum below MIN_BATCH is still the maximum.
    expect(sizeFor({ ...limits, maxBatchSize: 10 }, 10, 0.01)).toBe(10);
  });

  it('within budget: no pause, full duty, no reason', () => {
    const d = decide(limits, initialState(limits), calm, 1000, 100, later());
    expect(d.pauseMs).toBe(0);
    expect(d.reason).toBeNull();
    expect(d.state.duty).toBe(1);
    expect(d.state.batchSize).toBe(1000);
  });

  it('over the latency budget: halves the duty cycle, and the pause makes batches that share of the time', () => {
    const d = decide(limits, initialState(limits), slow, 1000, 100, later());
    expect(d.reason).toBe('latency 2.5x baseline');
    expect(d.state.duty).toBe(0.5);
    // 100 ms of batch at duty 0.5: 100 ms of pause.
    expect(d.pauseMs).toBe(100);
    const d2 = decide(limits, d.state, slow, 1000, 100, later());
    expect(d2.state.duty).toBe(0.25);
    expect(d2.pauseMs).toBe(300);
  });

  it('back within budget: the duty rises by DUTY_STEP a second, and the reason says it is easing back', () => {
    const over = decide(limits, initialState(limits), slow, 1000, 100, 500_000);
    const under = decide(limits, over.state, calm, 1000, 100, 501_000);
    expect(under.state.duty).toBeCloseTo(0.5 + DUTY_STEP);
    expect(under.reason).toBe('latency 2.5x baseline (easing back)');
    let s = under.state;
    for (let i = 0; i < 50; i++) s = decide(limits, s, calm, 1000, 100, later()).state;
    expect(s.duty).toBe(1);
    expect(decide(limits, s, calm, 1000, 100, later()).reason).toBeNull();
  });

  it('the rise is per second, not per batch: fifty small batches in a second add DUTY_STEP once; a long hold adds at most DUTY_STEP_MAX_MS worth', () => {
    const over = decide(limits, initialState(limits), slow, 100, 20, 600_000);
    let s = over.state;
    for (let i = 1; i <= 50; i++) s = decide(limits, s, calm, 100, 20, 600_000 + i * 20).state;
    expect(s.duty).toBeCloseTo(0.5 + DUTY_STEP);
    const afterHold = decide(limits, s, calm, 100, 20, 600_000 + 1000 + 60_000);
    expect(afterHold.state.duty).toBeCloseTo(0.5 + DUTY_STEP + (DUTY_STEP * DUTY_STEP_MAX_MS) / 1000);
  });

  it('cuts at most once per CUT_COOLDOWN_MS: a window that still shows the old load does not halve it again', () => {
    const first = decide(limits, initialState(limits), slow, 1000, 100, 100_000);
    expect(first.state.duty).toBe(0.5);
    const soon = decide(limits, first.state, slow, 1000, 100, 100_000 + CUT_COOLDOWN_MS - 1);
    expect(soon.state.duty).toBe(0.5);
    expect(soon.reason).toBe('latency 2.5x baseline');
    expect(decide(limits, soon.state, slow, 1000, 100, 100_000 + CUT_COOLDOWN_MS).state.duty).toBe(0.25);
  });

  it('never below MIN_DUTY, never a pause above MAX_PAUSE_MS, never below --batch-delay', () => {
    let s = initialState(limits);
    for (let i = 0; i < 20; i++) s = decide(limits, s, slow, 1000, 100, later()).state;
    expect(s.duty).toBe(MIN_DUTY);
    expect(decide(limits, s, slow, 1000, 100_000, later()).pauseMs).toBe(MAX_PAUSE_MS);
    expect(decide({ ...limits, minPauseMs: 250 }, initialState(limits), calm, 1000, 100, later()).pauseMs).toBe(250);
  });

  it('blocking sessions and WAL/IO waits count as over budget, even with a calm latency', () => {
    expect(overBudget(limits, { ...calm, blocked: 2 })).toBe('blocking 2 sessions');
    expect(overBudget(limits, { ...calm, extraWaits: 1.4 })).toBe('sessions waiting on WAL/IO (1.4)');
    expect(overBudget(limits, { ...calm, extraWaits: 0.6 })).toBeNull();
    // No sample yet: no latency verdict.
    expect(overBudget(limits, { baselineMs: 2, blocked: 0, extraWaits: 0 })).toBeNull();
  });

  it('replica lag: no replica (undefined) never limits; above half the limit slows, above the limit holds', () => {
    const lagged = { ...limits, maxReplicaLagMs: 10_000 };
    expect(replicaHold(lagged, calm)).toBeNull();
    expect(overBudget(lagged, calm)).toBeNull();
    expect(overBudget(lagged, { ...calm, replicaLagMs: 6_000 })).toBe('replica lag 6.0 s');
    expect(replicaHold(lagged, { ...calm, replicaLagMs: 6_000 })).toBeNull();
    expect(replicaHold(lagged, { ...calm, replicaLagMs: 12_000 })).toBe('replica lag 12.0 s');
    expect(replicaHold(limits, { ...calm, replicaLagMs: 12_000 })).toBeNull();
  });

  it('the rate cap: the pause until the rows done are due, with no burst to make up for a slow spell', () => {
    expect(ratePause(undefined, 10_000, 0, 100)).toEqual({ pauseMs: 0, next: 100 });
    // 2,000 rows at 1,000 rows/s from a batch that started at 0, ended at 500: due at 2,000.
    expect(ratePause(1000, 2000, 0, 500)).toEqual({ pauseMs: 1500, next: 2000 });
    // The next batch of 500 ended at 2,300: due at 2,500.
    expect(ratePause(1000, 500, 2000, 2300)).toEqual({ pauseMs: 200, next: 2500 });
    // A batch slower than its share: no pause, and the schedule is behind.
    expect(ratePause(1000, 100, 0, 500)).toEqual({ pauseMs: 0, next: 100 });
    // After a long hold the governor starts the schedule at the batch's own start (9,900), not
    // where it stood (2,500): no catch-up burst.
    expect(ratePause(1000, 500, 9_900, 10_000)).toEqual({ pauseMs: 400, next: 10_400 });
  });

  it('reasons total by kind in the report', () => {
    expect(reasonKind('latency 2.4x baseline (easing back)')).toBe('latency');
    expect(reasonKind('paused by alice@db1 (reindex)')).toBe('paused');
    expect(reasonKind('throttle query returns true')).toBe('throttle query');
    expect(reasonKind('throttle query failing: relation "x" does not exist')).toBe('throttle query failing');
    expect(reasonKind('blocking 1 session')).toBe('blocking sessions');
    expect(reasonKind('sessions waiting on WAL/IO (1.2)')).toBe('WAL/IO waits');
    expect(reasonKind('replica lag 12.0 s')).toBe('replica lag');
  });
});

describe('the probe statistics', () => {
  const sample = (xactMs: number, waits = 0, at = 0): Sample => ({ at, xactMs, rttMs: 0.1, waits, blocked: 0 });

  it('judges the window and the baseline by the same 95th percentile, so one stall in 20 does not count', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.75)).toBe(4);
    const base = baselineOf([...Array(19).fill(2), 50].map((x) => sample(x)));
    expect(base.xactMs).toBe(2);
    const s = signalsOf(base, [...Array(17).fill(2), 3, 3, 40].map((x) => sample(x, 1)));
    expect(s.recentMs).toBe(3);
    expect(s.extraWaits).toBe(1);
    expect(s.replicaLagMs).toBeUndefined();
    expect(signalsOf(base, []).recentMs).toBeUndefined();
  });

  it("judges the batches' own cost: busy samples against idle ones, once there are enough of each", () => {
    const base = baselineOf(Array(20).fill(sample(1)));
    const busy = (xactMs: number): Sample => ({ ...sample(xactMs), busy: true });
    const window = [...Array(6).fill(busy(4)), ...Array(4).fill(sample(1))];
    // Too few idle samples: the baseline is the reference; busy ones are judged alone.
    expect(signalsOf(base, window, Array(9).fill(sample(3)))).toMatchObject({ baselineMs: 1, recentMs: 4 });
    // The server got slower on its own (the pauses show it too): the idle samples are the reference.
    expect(signalsOf(base, window, Array(10).fill(sample(3)))).toMatchObject({ baselineMs: 3, recentMs: 4 });
    // Too few busy samples: the whole window is judged.
    expect(signalsOf(base, [...Array(4).fill(busy(4)), ...Array(16).fill(sample(1))]).recentMs).toBe(4);
    expect(signalsOf(base, [...Array(1).fill(busy(4)), ...Array(19).fill(sample(1))]).recentMs).toBe(1);
  });
});
