import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidAction,
  InvalidArgument,
  MountainCarContinuousEnv,
  make,
  ResetNeeded,
  type RgbFrame,
  RNG,
} from '../../envs/index.js';

/** Gymnasium's step written out by hand: float64 arithmetic, float32 state between steps. */
function referenceStep(x: number, v: number, a: number): [number, number, number, boolean] {
  const force = Math.min(Math.max(a, -1), 1);
  let v1 = v + force * 0.0015 - 0.0025 * Math.cos(3 * x);
  if (v1 > 0.07) v1 = 0.07;
  if (v1 < -0.07) v1 = -0.07;
  let x1 = x + v1;
  if (x1 > 0.6) x1 = 0.6;
  if (x1 < -1.2) x1 = -1.2;
  if (x1 === -1.2 && v1 < 0) v1 = 0;
  const done = x1 >= 0.45 && v1 >= 0;
  const reward = (done ? 100 : 0) - a * a * 0.1;
  return [Math.fround(x1), Math.fround(v1), reward, done];
}

describe('classic/MountainCarContinuous-v0', () => {
  it('matches the hand-computed trajectory bit for bit', () => {
    const env = new MountainCarContinuousEnv();
    const [obs0] = env.reset({ seed: 42 });
    // Gymnasium draws x0 = U(−0.6, −0.4) with the env RNG and keeps it float64 until the first step.
    const x0 = new RNG(42).uniform(-0.6, -0.4);
    assert.deepEqual(Array.from(obs0), [Math.fround(x0), 0]);
    let [x, v] = [x0, 0];
    const actions = new RNG(7);
    for (let t = 0; t < 300; t++) {
      const a = Math.fround(actions.uniform(-1.5, 1.5));
      const [obs, reward, terminated, truncated, info] = env.step(Float32Array.of(a));
      const [x1, v1, r, done] = referenceStep(x, v, a);
      [x, v] = [x1, v1];
      assert.ok(Object.is(obs[0], x1) && Object.is(obs[1], v1), `step ${t}: ${obs} vs ${[x1, v1]}`);
      assert.equal(reward, r);
      assert.equal(terminated, done);
      assert.equal(truncated, false);
      assert.deepEqual(info, {});
    }
  });

  it('a swing policy reaches the goal with reward 100 − 0.1·a²; full throttle from rest does not', () => {
    const env = make('classic/MountainCarContinuous-v0');
    let [obs] = env.reset({ seed: 0 });
    let steps = 0;
    let last: ReturnType<typeof env.step> | undefined;
    while (steps < 999) {
      last = env.step([obs[1]! >= 0 ? 1 : -1]);
      obs = last[0];
      steps++;
      if (last[2] || last[3]) break;
    }
    assert.ok(last![2], 'terminated');
    assert.ok(obs[0]! >= 0.45);
    assert.ok(Math.abs(last![1] - 99.9) < 1e-12);
    assert.ok(steps < 200, `took ${steps} steps`);

    const push = new MountainCarContinuousEnv();
    push.reset({ options: { low: -0.5236, high: -0.5236 } });
    let maxX = -Infinity;
    for (let t = 0; t < 999; t++) maxX = Math.max(maxX, push.step([1])[0][0]!);
    assert.ok(maxX < 0.45, `full throttle reached ${maxX}`);
  });

  it('uses the unclipped action in the reward, the clipped one in the dynamics', () => {
    const a = new MountainCarContinuousEnv();
    const b = new MountainCarContinuousEnv();
    a.reset({ seed: 1 });
    b.reset({ seed: 1 });
    const [oa, ra] = a.step([3]);
    const [ob] = b.step([1]);
    assert.deepEqual(oa, ob);
    assert.ok(Math.abs(ra + 0.9) < 1e-12);
  });

  it('stops at the left wall', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 0 });
    env.setState([-1.19, -0.05]);
    const [obs] = env.step([-1]);
    assert.equal(obs[0], Math.fround(-1.2));
    assert.equal(obs[1], 0);
  });

  it('honours reset options and rejects bad ones', () => {
    const env = new MountainCarContinuousEnv();
    for (let i = 0; i < 20; i++) {
      const [obs] = env.reset({ options: { low: 0.1, high: 0.2 } });
      assert.ok(obs[0]! >= Math.fround(0.1) && obs[0]! <= Math.fround(0.2));
    }
    assert.throws(() => env.reset({ options: { low: 1, high: 0 } }), InvalidArgument);
    assert.throws(() => env.reset({ options: { lo: 0 } }), /unknown reset option "lo"/);
  });

  it('rejects bad actions and step before reset with clear errors', () => {
    const env = make('classic/MountainCarContinuous-v0');
    assert.throws(() => env.step([0]), ResetNeeded);
    assert.throws(() => new MountainCarContinuousEnv().step([0]), ResetNeeded);
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step([Number.NaN]),
      (e: Error) => e instanceof InvalidAction && /finite numbers/.test(e.message),
    );
    assert.throws(() => env.step([Infinity]), InvalidAction);
    assert.throws(
      () => env.step([0, 0]),
      /must have 1 element\(s\) for Box\(-1, 1, \(1,\), float32\), got 2/,
    );
    assert.throws(() => env.step(0.5 as never), /typed array or an array/);
    assert.throws(() => env.step(['1'] as never), InvalidAction);
  });

  it('renders 600×400 frames and ansi text', () => {
    const env = make('classic/MountainCarContinuous-v0', { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const frame = env.render() as RgbFrame;
    assert.equal(frame.width, 600);
    assert.equal(frame.height, 400);
    assert.equal(frame.data.length, 600 * 400 * 3);
    const dark = frame.data.filter((v) => v < 50).length;
    assert.ok(dark > 1000, 'track and car are drawn');
    const text = make('classic/MountainCarContinuous-v0', { renderMode: 'ansi' });
    text.reset({ seed: 0 });
    const s = text.render() as string;
    assert.match(s, /o/);
    assert.match(s, /F/);
    assert.match(s, /position -0\.\d{4}/);
    assert.equal(new MountainCarContinuousEnv().render(), undefined);
  });
});
