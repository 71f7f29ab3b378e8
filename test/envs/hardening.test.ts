/** Inputs that used to be accepted with a wrong answer, now errors that say what is allowed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AsyncVectorEnv,
  ClosedEnvironmentError,
  InvalidAction,
  InvalidArgument,
  make,
  registry,
  SyncVectorEnv,
} from '../../envs/index.js';

describe('every env: the same checks (one shared implementation)', () => {
  for (const id of registry.keys()) {
    it(`${id}: reset, step and render after close() are errors; close() twice is fine`, () => {
      const env = make(id, { renderMode: 'rgb_array' });
      env.reset({ seed: 0 });
      env.close();
      env.close();
      assert.throws(() => env.reset(), ClosedEnvironmentError);
      assert.throws(() => env.step(env.actionSpace.sample()), ClosedEnvironmentError);
      assert.throws(() => env.unwrapped.render(), ClosedEnvironmentError);
    });
  }

  for (const id of ['classic/MountainCarContinuous-v0', 'rapier/MountainCarContinuous-v0']) {
    it(`${id}: reset options low/high off the track are refused`, () => {
      const env = make(id);
      assert.throws(
        () => env.reset({ options: { low: 5, high: 6 } }),
        (e: Error) =>
          e instanceof InvalidArgument && /must lie within \[-1\.2, 0\.6\]/.test(e.message),
      );
      const [obs] = env.reset({ seed: 0, options: { low: -1.2, high: 0.6 } });
      assert.ok(env.observationSpace.contains(obs));
      env.close();
    });
  }
});

describe('rapier/Reacher-v1 at the edges', () => {
  it('refuses goals out of the fingertip reach and accepts any reachable one', () => {
    const env = make('rapier/Reacher-v1');
    assert.throws(
      () => env.reset({ options: { goal: [5, 5] } }),
      (e: Error) =>
        e instanceof InvalidArgument && /out of the fingertip's reach \(0\.210 m\)/.test(e.message),
    );
    env.reset({ seed: 0, options: { goal: [0.21, 0] } });
    env.reset({ seed: 0, options: { goal: [0, 0] } });
    env.close();
  });

  it('refuses an action whose control cost overflows; huge finite costs stay finite', () => {
    const env = make('rapier/Reacher-v1');
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step([1e308, 1e308]),
      (e: Error) => e instanceof InvalidAction && /control cost ‖a‖² infinite/.test(e.message),
    );
    const [, reward] = env.step([1e6, 0]);
    assert.ok(Number.isFinite(reward) && reward < -1e11, String(reward));
    env.close();
  });
});

describe('vector envs: the same action check, Sync and Async', () => {
  const bad = [
    ['1', '-1', '0.5', '0'],
    [true, false, null, ' '],
    [
      [0, 0],
      [0, '1'],
    ],
  ];
  it('both refuse strings, booleans and null (nothing coerced, no sub-env stepped)', () => {
    const sync = new SyncVectorEnv([
      () => make('rapier/Reacher-v1'),
      () => make('rapier/Reacher-v1'),
    ]);
    const parallel = new AsyncVectorEnv({ id: 'rapier/Reacher-v1', numEnvs: 2 });
    try {
      for (const envs of [sync, parallel]) {
        const [before] = envs.reset({ seed: 0 });
        for (const actions of bad) {
          assert.throws(
            () => envs.step(actions as never),
            (e: Error) => e instanceof InvalidAction && /must be a finite number/.test(e.message),
            `${envs.constructor.name} ${JSON.stringify(actions)}`,
          );
        }
        // Nothing stepped: a valid step from here equals a step right after the reset.
        const [after] = envs.step(new Float32Array(4) as never);
        envs.reset({ seed: 0 });
        const [again] = envs.step(new Float32Array(4) as never);
        assert.deepEqual(after, again);
        assert.ok(before);
      }
    } finally {
      sync.close();
      parallel.close();
    }
  });
});
