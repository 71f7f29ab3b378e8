/**
 * `make` and `makeVec` typed by id. The `@ts-expect-error` lines are the type test: `npm test`'s
 * typecheck fails if any of them compiles (an unused expectation is an error). The runtime tests
 * check that the types describe what the envs return.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AsyncVectorEnv,
  batchRow,
  type Env,
  type EnvOf,
  make,
  makeVec,
  type ReacherStepInfo,
  SyncVectorEnv,
} from '../../envs/index.js';

/** Compile-time equality of two types. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

/** Misuses the compiler must reject (never called: only type-checked). */
function misuses(): void {
  const env = make('rapier/Reacher-v1');
  // @ts-expect-error a string is not an action of the reacher
  env.step('left');
  // @ts-expect-error a number is not an action of the reacher (it needs two)
  env.step(0.5);
  const [, , , , info] = env.step([0.1, 0.2]);
  // @ts-expect-error the reacher's info has no such key typed as number
  const wrong: number = info.rewardDistance;
  // @ts-expect-error unknown constructor argument for the reacher
  make('rapier/Reacher-v1', { gaer: 100 });
  // @ts-expect-error renderMode is one of the documented modes
  make('rapier/Reacher-v1', { renderMode: 'human' });
  const car = make('rapier/MountainCar-v0');
  // @ts-expect-error the discrete car takes an integer action, not an array
  car.step([1]);
  const unknownEnv = make('my/Unregistered-v0');
  // @ts-expect-error unknown ids give unknown observations, not any
  const x: number = unknownEnv.reset()[0];
  const vec = makeVec('rapier/Reacher-v1', 4);
  // @ts-expect-error batched actions are numbers
  vec.step('left');
  void [wrong, x];
}

describe('make and makeVec typed by id', () => {
  it('a known id gives its env types, and they are what the env returns', () => {
    const env = make('rapier/Reacher-v1');
    expectType<Equal<typeof env, EnvOf<'rapier/Reacher-v1'>>>(true);
    const [obs] = env.reset({ seed: 0 });
    expectType<Equal<typeof obs, Float64Array>>(true);
    assert.ok(obs instanceof Float64Array);
    const [, reward, , , info] = env.step(Float32Array.of(0.1, -0.2));
    const dist: number = info.rewardDist;
    const typed: ReacherStepInfo = info;
    assert.equal(typeof dist, 'number');
    assert.equal(reward, typed.rewardDist + typed.rewardCtrl);
    const car = make('rapier/MountainCar-v0');
    car.reset({ seed: 0 });
    const [carObs] = car.step(2);
    expectType<Equal<typeof carObs, Float32Array>>(true);
    assert.ok(carObs instanceof Float32Array);
    const untyped: Env<unknown, unknown> = make('classic/MountainCarContinuous-v0' as string);
    assert.ok(untyped);
    for (const e of [env, car, untyped]) e.close();
    void misuses;
  });

  it('makeVec types the batches, runs sync or async, and batchRow reads a sub-env', () => {
    const sync = makeVec('rapier/Reacher-v1', 3);
    assert.ok(sync instanceof SyncVectorEnv);
    const [obs] = sync.reset({ seed: 0 });
    expectType<Equal<typeof obs, Float64Array>>(true);
    const row = batchRow(sync, obs, 2);
    expectType<Equal<typeof row, Float64Array>>(true);
    const single = make('rapier/Reacher-v1');
    assert.deepEqual(row, single.reset({ seed: 2 })[0], 'row 2 is sub-env 2 (seed 0 + 2)');
    assert.throws(() => batchRow(sync, obs, 3), /row 3 is not a sub-env: expected 0 … 2/);
    const parallel = makeVec('rapier/Reacher-v1', 3, { vectorizationMode: 'async', numWorkers: 1 });
    assert.ok(parallel instanceof AsyncVectorEnv);
    assert.deepEqual(parallel.reset({ seed: 0 })[0], obs);
    assert.throws(
      () => makeVec('rapier/Reacher-v1', 2, { vectorizationMode: 'gpu' as 'sync' }),
      /vectorizationMode must be 'sync' or 'async', got gpu/,
    );
    for (const e of [sync, single, parallel]) e.close();
  });
});
