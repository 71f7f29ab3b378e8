import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutoresetMode,
  type Box,
  ClipAction,
  type Env,
  InvalidArgument,
  make,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  RecordVideo,
  RNG,
  SyncVectorEnv,
  UnsupportedOperation,
} from '../../envs/index.js';

/** make() adds TimeLimit, OrderEnforcing and PassiveEnvChecker; this adds the stateful rest. */
function stacked(id: string): Env {
  let e: Env = new RecordEpisodeStatistics(make(id, { maxEpisodeSteps: 7 }));
  e = new ClipAction(e as never) as unknown as Env;
  e = new NormalizeObservation(e as never) as unknown as Env;
  return new NormalizeReward(e, 0.9);
}

function vector(id: string): SyncVectorEnv<Float32Array, Float32Array> {
  return new SyncVectorEnv(
    [0, 1, 2].map(() => () => stacked(id)),
    { autoresetMode: AutoresetMode.NEXT_STEP },
  );
}

/** Steps `n` times with actions from `rng`; returns everything the steps returned. */
function run(envs: SyncVectorEnv<Float32Array, Float32Array>, n: number, rng: RNG): string[] {
  const out: string[] = [];
  const A = (envs.singleActionSpace as Box).size;
  for (let t = 0; t < n; t++) {
    const act = Float32Array.from({ length: 3 * A }, () => rng.uniform(-1.5, 1.5));
    const [o, r, term, trunc, infos] = envs.step(act);
    out.push(
      JSON.stringify(
        [Array.from(o), Array.from(r), Array.from(term), Array.from(trunc), infos.episode ?? null],
        (k, v) => (k === 't' ? undefined : v),
      ),
    );
  }
  return out;
}

describe('saveState / loadState', () => {
  for (const id of [
    'rapier/Reacher-v1',
    'rapier/MountainCarContinuous-v0',
    'classic/MountainCarContinuous-v0',
  ]) {
    it(`${id}: a vector env of wrapped envs resumes bit-exactly from JSON, mid-episode`, () => {
      const a = vector(id);
      a.reset({ seed: 3 });
      run(a, 10, new RNG(1)); // past one 7-step episode: autoreset and statistics are in play
      const saved = JSON.parse(JSON.stringify(a.saveState()));
      const straight = run(a, 12, new RNG(2));
      a.close();
      const b = vector(id);
      b.loadState(saved);
      const resumed = run(b, 12, new RNG(2));
      b.close();
      assert.deepEqual(resumed, straight);
    });
  }

  it('refuses a state of another env, a corrupt world and a malformed field, saying what was wrong', () => {
    const reacher = stacked('rapier/Reacher-v1');
    reacher.reset({ seed: 0 });
    const saved = reacher.saveState();
    const car = stacked('rapier/MountainCarContinuous-v0');
    // The wrappers match, the innermost env does not.
    assert.throws(
      () => car.loadState(saved),
      (e: Error) =>
        e instanceof InvalidArgument && /saved by RapierReacher|cannot be loaded/.test(e.message),
    );
    const corrupt = JSON.parse(JSON.stringify(saved));
    let inner = corrupt;
    while (inner.inner) inner = inner.inner;
    inner.own.sim.world.$bytes = Buffer.from('not a world').toString('base64');
    assert.throws(() => reacher.loadState(corrupt), /corrupt|snapshot/i);
    const badRms = JSON.parse(JSON.stringify(saved));
    badRms.own.returnRms.var = [Number.NaN];
    assert.throws(() => reacher.loadState(JSON.parse(JSON.stringify(badRms))), /finite/);
    assert.throws(() => reacher.loadState({ nope: 1 }), /not a saved env state/);
    reacher.close();
    car.close();
  });

  it('says which envs cannot save their state', () => {
    const env = new RecordVideo(make('rapier/Reacher-v1', { renderMode: 'rgb_array' }), {
      folder: '/tmp/unused-videos',
    });
    assert.throws(
      () => env.saveState(),
      (e: Error) => e instanceof UnsupportedOperation && /RecordVideo/.test(e.message),
    );
    env.close();
  });
});
