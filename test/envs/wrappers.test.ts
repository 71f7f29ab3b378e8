import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Box,
  ClipAction,
  collectWarnings,
  Dict,
  Discrete,
  Env,
  EnvCheckError,
  type EpisodeStatistics,
  FlattenObservation,
  NormalizeObservation,
  NormalizeReward,
  OrderEnforcing,
  PassiveEnvChecker,
  RecordEpisodeStatistics,
  RescaleAction,
  ResetNeeded,
  type ResetResult,
  RunningMeanStd,
  type StepResult,
  TimeLimit,
  TransformAction,
  TransformObservation,
  TransformReward,
} from '../../envs/index.js';
import { WalkEnv } from './helpers.js';

/** Records the actions it receives. */
class SpyEnv extends WalkEnv {
  actions: number[][] = [];
  override step(action: ArrayLike<number>) {
    this.actions.push(Array.from(action));
    return super.step([0]);
  }
}

describe('wrappers forward what they do not change', () => {
  it('spaces, metadata, rng, render, close and unwrapped', () => {
    const inner = new WalkEnv();
    const env = new RecordEpisodeStatistics(new TimeLimit(inner, 10));
    assert.equal(env.observationSpace, inner.observationSpace);
    assert.equal(env.metadata, inner.metadata);
    assert.equal(env.unwrapped, inner);
    env.reset({ seed: 4 });
    assert.equal(env.npRandomSeed, 4);
    assert.equal(env.npRandom, inner.npRandom);
    assert.equal(env.render(), inner.render());
    env.close();
    assert.equal(inner.closed, 1);
    assert.equal(env.findWrapper(TimeLimit)?.maxEpisodeSteps, 10);
    assert.equal(env.findWrapper(OrderEnforcing), undefined);
    assert.throws(() => new TimeLimit({} as never, 3), /needs an Env/);
  });
});

describe('TimeLimit', () => {
  it('truncates at the limit, also on a terminal step, and resets its count', () => {
    const env = new TimeLimit(new WalkEnv(3), 3);
    env.reset({ seed: 0 });
    env.step([0]);
    env.step([0]);
    const last = env.step([0]);
    assert.equal(last[2], true, 'terminated');
    assert.equal(last[3], true, 'truncated too: Gymnasium sets both');
    env.reset();
    assert.equal(env.elapsedSteps, 0);
    assert.throws(() => new TimeLimit(new WalkEnv(), 0), /positive integer/);
  });
});

describe('OrderEnforcing', () => {
  it('refuses step and render before reset', () => {
    const env = new OrderEnforcing(new WalkEnv());
    assert.throws(
      () => env.step([0]),
      (e: Error) => e instanceof ResetNeeded && /before calling env.reset\(\)/.test(e.message),
    );
    assert.throws(() => env.render(), ResetNeeded);
    assert.equal(new OrderEnforcing(new WalkEnv(), true).render(), 'pos=0');
    env.reset();
    assert.ok(env.hasReset);
    env.step([0]);
  });
});

describe('PassiveEnvChecker', () => {
  it('warns once about observations outside the space', () => {
    class Outside extends WalkEnv {
      override observationSpace = new Box(-0.5, 0.5, [1], 'float32');
      override reset(): ResetResult<Float32Array> {
        return [Float32Array.of(2), {}];
      }
    }
    const env = new PassiveEnvChecker(new Outside());
    const { warnings } = collectWarnings(() => {
      env.reset();
      env.reset();
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /not within the observation space/);
  });

  it('throws on a malformed step result and a missing space', () => {
    class FourTuple extends WalkEnv {
      override step(): StepResult<Float32Array> {
        return [Float32Array.of(0), 0, false, {}] as never;
      }
    }
    const env = new PassiveEnvChecker(new FourTuple());
    env.reset();
    assert.throws(
      () => env.step([0] as never),
      (e: Error) =>
        e instanceof EnvCheckError &&
        /must return \[obs, reward, terminated, truncated, info\]/.test(e.message),
    );
    class NoSpace extends WalkEnv {
      override observationSpace = undefined as never;
    }
    assert.throws(() => new PassiveEnvChecker(new NoSpace()), /observationSpace must be a Space/);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('reports return and length at episode end and keeps queues', () => {
    const env = new RecordEpisodeStatistics(new WalkEnv(2), 2);
    for (let ep = 0; ep < 3; ep++) {
      env.reset({ seed: ep });
      const start = (env.unwrapped as WalkEnv).position;
      const [, r1, , , i1] = env.step([0.5]);
      assert.equal(i1.episode, undefined);
      const [, r2, term, , info] = env.step([0.5]);
      assert.ok(term);
      const stats = info.episode as EpisodeStatistics;
      assert.equal(stats.l, 2);
      assert.equal(stats.r, r1 + r2);
      assert.ok(stats.t >= 0);
      assert.ok(Math.abs(r1 - (start + 0.5)) < 1e-6);
    }
    assert.equal(env.episodeCount, 3);
    assert.equal(env.returnQueue.length, 2, 'buffer keeps the last 2');
  });
});

describe('action wrappers', () => {
  it('ClipAction clips into the bounds and widens the space', () => {
    const spy = new SpyEnv();
    const env = new ClipAction(spy);
    env.reset();
    env.step([3]);
    env.step([-0.25]);
    assert.deepEqual(spy.actions, [[1], [-0.25]]);
    assert.equal((env.actionSpace as Box).low[0], -Infinity);
    assert.throws(() => env.step([1, 2]), /action of 1 numbers/);
  });

  it('RescaleAction maps [min, max] affinely onto the env bounds', () => {
    const spy = new SpyEnv();
    const env = new RescaleAction(spy, 0, 10);
    env.reset();
    env.step([0]);
    env.step([5]);
    env.step([10]);
    env.step([12]);
    assert.deepEqual(spy.actions, [[-1], [0], [1], [1]]);
    assert.throws(() => new RescaleAction(new WalkEnv(), 1, 1), /minAction < maxAction/);
  });

  it('TransformAction and TransformReward apply their functions', () => {
    const spy = new SpyEnv();
    const env = new TransformReward(
      new TransformAction(spy, (a: number) => [a / 2]),
      (r) => r * 10,
    );
    env.reset({ seed: 0 });
    const [obs, reward] = env.step(1 as never);
    assert.deepEqual(spy.actions, [[0.5]]);
    assert.ok(Math.abs(reward - 10 * obs[0]!) < 1e-5);
  });
});

describe('observation wrappers', () => {
  it('NormalizeObservation tracks the running mean/var and can be frozen', () => {
    const env = new NormalizeObservation(new WalkEnv(1000));
    env.reset({ seed: 0 });
    const raw: number[] = [(env.unwrapped as WalkEnv).position];
    let last = 0;
    for (let i = 0; i < 200; i++) {
      const [obs] = env.step([Math.sin(i)]);
      raw.push((env.unwrapped as WalkEnv).position);
      last = obs[0]!;
      assert.ok(obs instanceof Float32Array);
    }
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const variance = raw.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length;
    assert.ok(Math.abs(env.obsRms.mean[0]! - mean) < 1e-4);
    assert.ok(Math.abs(env.obsRms.var[0]! - variance) < 1e-3);
    assert.ok(Math.abs(last - (raw.at(-1)! - mean) / Math.sqrt(variance)) < 1e-3);
    env.updateRunningMean = false;
    const count = env.obsRms.count;
    env.step([0]);
    assert.equal(env.obsRms.count, count);
    assert.throws(
      () =>
        new NormalizeObservation(
          new (class extends WalkEnv {
            override observationSpace = new Discrete(2) as never;
          })(),
        ),
      /Box observation space/,
    );
  });

  it('NormalizeReward scales by the std of the discounted return', () => {
    const env = new NormalizeReward(new WalkEnv(1000), 0.9);
    env.reset({ seed: 1 });
    const rms = new RunningMeanStd(1);
    let g = 0;
    for (let i = 0; i < 50; i++) {
      const [, scaled] = env.step([0.1]);
      const r = (env.unwrapped as WalkEnv).position;
      g = g * 0.9 + r;
      rms.update([g]);
      assert.ok(Math.abs(scaled - r / Math.sqrt(rms.var[0]! + 1e-8)) < 1e-9);
    }
  });

  it('FlattenObservation flattens Dict observations', () => {
    class DictEnv extends Env<{ a: number; b: Float32Array }, number> {
      observationSpace = new Dict({ b: new Box(0, 1, [2]), a: new Discrete(3) }) as never;
      actionSpace = new Discrete(2);
      override reset(): ResetResult<{ a: number; b: Float32Array }> {
        return [{ a: 2, b: Float32Array.of(0.5, 0.25) }, {}];
      }
      override step(): StepResult<{ a: number; b: Float32Array }> {
        return [{ a: 0, b: Float32Array.of(1, 1) }, 0, false, false, {}];
      }
    }
    const env = new FlattenObservation(new DictEnv());
    const [obs] = env.reset();
    assert.deepEqual(Array.from(obs), [0, 0, 1, 0.5, 0.25]);
    assert.ok(env.observationSpace.contains(obs));
    const t = new TransformObservation(
      new WalkEnv(),
      (o: Float32Array) => o[0]! * 2,
      new Box(-Infinity, Infinity, [], 'float64') as never,
    );
    const [o] = t.reset({ seed: 0 });
    assert.equal(typeof o, 'number');
  });
});

describe('RecordVideo', () => {
  it('writes a GIF per triggered episode with every frame', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { GifReader } = await import('omggif');
    const { make, RecordVideo, cappedCubicVideoSchedule } = await import('../../envs/index.js');
    assert.deepEqual([0, 1, 2, 7, 8, 27, 1000, 2000, 2001].map(cappedCubicVideoSchedule), [
      true,
      true,
      false,
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    const folder = mkdtempSync(join(tmpdir(), 'ml3-video-'));
    const env = new RecordVideo(
      make('rapier/Reacher-v1', { renderMode: 'rgb_array', maxEpisodeSteps: 5 }),
      {
        folder,
        episodeTrigger: (e) => e !== 1,
      },
    );
    for (let ep = 0; ep < 3; ep++) {
      env.reset({ seed: ep });
      for (let t = 0; t < 5; t++) env.step([0.5, 0.5]);
    }
    env.close();
    assert.deepEqual(
      env.written.map((p) => p.slice(folder.length + 1)),
      ['rl-video-episode-0.gif', 'rl-video-episode-2.gif'],
    );
    const gif = new GifReader(readFileSync(env.written[0]!));
    assert.equal(gif.numFrames(), 6);
    assert.equal(gif.width, 480);
    assert.throws(
      () => new RecordVideo(make('rapier/Reacher-v1'), { folder }),
      /renderMode "rgb_array"/,
    );
  });
});
