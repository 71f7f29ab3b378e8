import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutoresetMode,
  ClipAction,
  type Env,
  make,
  makeVec,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  RNG,
  RunningMeanStd,
  vectorWrappers,
} from '../../envs/index.js';

const ID = 'rapier/Reacher-v1';
const N = 3;

/** The action of env i at step t of its episode k: the same whatever runs the env. */
function actionOf(i: number, k: number, t: number): Float32Array {
  return Float32Array.of(Math.sin(1.3 * t + i + 7 * k), Math.cos(0.7 * t - i + 3 * k));
}

describe('vector wrappers (gymnasium.wrappers.vector)', () => {
  for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
    it(`RecordEpisodeStatistics equals the single-env wrapper on every sub-env (${mode})`, () => {
      const vec = new vectorWrappers.RecordEpisodeStatistics(
        makeVec(ID, N, { autoresetMode: mode, maxEpisodeSteps: 20 }),
      );
      vec.reset({ seed: 10 });
      const episode = new Array(N).fill(0);
      const t = new Array(N).fill(0);
      const resetting = new Array(N).fill(false);
      const vectorStats: { r: number; l: number }[][] = Array.from({ length: N }, () => []);
      for (let step = 0; step < 75; step++) {
        const actions = new Float32Array(2 * N);
        for (let i = 0; i < N; i++) actions.set(actionOf(i, episode[i], t[i]), 2 * i);
        const [, , term, trunc, infos] = vec.step(actions);
        for (let i = 0; i < N; i++) {
          if (resetting[i]) {
            // NextStep: this step was the reset; the action was ignored.
            resetting[i] = false;
            t[i] = 0;
            continue;
          }
          t[i] += 1;
          if (term[i] || trunc[i]) {
            const stats = infos.episode as { r: Float64Array; l: Int32Array };
            assert.equal((infos._episode as Uint8Array)[i], 1);
            vectorStats[i]!.push({ r: stats.r[i]!, l: stats.l[i]! });
            episode[i] += 1;
            if (mode === AutoresetMode.NEXT_STEP) resetting[i] = true;
            else t[i] = 0;
          }
        }
      }
      for (let i = 0; i < N; i++) {
        const env = new RecordEpisodeStatistics(make(ID, { maxEpisodeSteps: 20 }));
        env.reset({ seed: 10 + i });
        const stats: { r: number; l: number }[] = [];
        for (let k = 0; stats.length < vectorStats[i]!.length; ) {
          for (let s = 0; ; s++) {
            const [, , term, trunc, info] = env.step(actionOf(i, k, s));
            if (term || trunc) {
              const e = info.episode as { r: number; l: number };
              stats.push({ r: e.r, l: e.l });
              k += 1;
              env.reset();
              break;
            }
          }
        }
        assert.deepEqual(vectorStats[i], stats, `sub-env ${i}`);
        assert.ok(stats.length >= 3);
      }
      assert.equal(vec.episodeCount, vectorStats.flat().length);
      assert.equal(vec.returnQueue.length, vec.episodeCount);
      vec.close();
    });
  }

  it('NormalizeObservation: one sub-env equals the single-env wrapper; many pool their rows', () => {
    const single = new NormalizeObservation(make(ID));
    const vec1 = new vectorWrappers.NormalizeObservation(makeVec(ID, 1));
    let [a] = single.reset({ seed: 3 });
    let [b] = vec1.reset({ seed: 3 });
    for (let t = 0; t < 30; t++) {
      assert.deepEqual(Array.from(b), Array.from(a), `step ${t}`);
      a = single.step(actionOf(0, 0, t))[0];
      b = vec1.step(actionOf(0, 0, t))[0];
    }
    const vec = new vectorWrappers.NormalizeObservation(makeVec(ID, N));
    const raw = makeVec(ID, N);
    const rms = new RunningMeanStd(10);
    const [first] = raw.reset({ seed: 4 });
    rms.update(first as Float64Array, N);
    vec.reset({ seed: 4 });
    for (let t = 0; t < 10; t++) {
      const actions = Float32Array.from({ length: 2 * N }, (_, j) => Math.sin(t + j));
      rms.update(raw.step(actions)[0] as Float64Array, N);
      vec.step(actions);
    }
    for (let j = 0; j < 10; j++) {
      assert.ok(Math.abs(vec.obsRms.mean[j]! - rms.mean[j]!) < 1e-12);
      assert.ok(Math.abs(vec.obsRms.var[j]! - rms.var[j]!) < 1e-12);
    }
    assert.equal(vec.observationSpace.shape?.join(), `${N},10`);
    for (const env of [single, vec1, vec, raw]) env.close();
  });

  it('NormalizeReward with one sub-env equals the single-env wrapper', () => {
    const single = new NormalizeReward(make(ID, { maxEpisodeSteps: 15 }), 0.9);
    const vec = new vectorWrappers.NormalizeReward(
      makeVec(ID, 1, { maxEpisodeSteps: 15, autoresetMode: AutoresetMode.SAME_STEP }),
      0.9,
    );
    single.reset({ seed: 1 });
    vec.reset({ seed: 1 });
    for (let t = 0; t < 40; t++) {
      const action = actionOf(0, 0, t);
      const [, r, term, trunc] = single.step(action);
      const [, rv] = vec.step(Float32Array.from(action));
      assert.equal(rv[0], r, `step ${t}`);
      if (term || trunc) single.reset();
    }
    single.close();
    vec.close();
  });

  it('ClipAction clips each sub-env to its bounds and checks the batch length', () => {
    const clipped = new vectorWrappers.ClipAction(makeVec(ID, N));
    const plain = makeVec(ID, N);
    clipped.reset({ seed: 2 });
    plain.reset({ seed: 2 });
    const rng = new RNG(0);
    for (let t = 0; t < 10; t++) {
      const wild = Array.from({ length: 2 * N }, () => rng.uniform(-3, 3));
      const [oc, rc] = clipped.step(wild);
      const [op, rp] = plain.step(Float32Array.from(wild, (x) => Math.min(Math.max(x, -1), 1)));
      assert.deepEqual(oc, op);
      // The reward's control cost sees the clipped action: the single-env ClipAction's rule.
      assert.deepEqual(rc, rp);
    }
    assert.throws(() => clipped.step([0, 0]), /expected 6 action values \(3 envs × 2\), got 2/);
    clipped.close();
    plain.close();
  });

  it('single-env and vector wrappers refuse each other with a pointer to the right one', () => {
    const vec = makeVec(ID, 2);
    assert.throws(
      () => new RecordEpisodeStatistics(vec as unknown as Env),
      /wraps a single Env, got a vector env; wrap vector envs with vectorWrappers\.RecordEpisodeStatistics/,
    );
    assert.throws(
      () => new ClipAction(vec as unknown as Env<unknown, Float32Array>),
      /vectorWrappers\.ClipAction/,
    );
    const env = make(ID);
    assert.throws(
      () => new vectorWrappers.NormalizeReward(env as never),
      /NormalizeReward \(vector\) wraps a vector env/,
    );
    vec.close();
    env.close();
  });
});
