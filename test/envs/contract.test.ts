/** The contract every registered env id must keep (runs over the whole registry). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEnv, deepEqual, type Env, make, registry } from '../../envs/index.js';

function rollout(env: Env, seed: number, steps: number) {
  const out: unknown[] = [];
  const [obs] = env.reset({ seed });
  out.push(obs);
  env.actionSpace.seed(seed);
  for (let t = 0; t < steps; t++) {
    const result = env.step(env.actionSpace.sample());
    assert.ok(env.observationSpace.contains(result[0]), `obs in space at step ${t}`);
    out.push(result.slice(0, 4));
    if (result[2] || result[3]) env.reset();
  }
  return out;
}

for (const id of [...registry.keys()].filter((k) => !k.startsWith('test/'))) {
  describe(`contract: ${id}`, () => {
    it('passes checkEnv', () => {
      const env = make(id);
      const report = checkEnv(env.unwrapped);
      assert.ok(report.passed.includes('close'));
    });

    it('repeats seeded resets and whole trajectories bit for bit', () => {
      const a = make(id);
      const b = make(id);
      assert.ok(deepEqual(rollout(a, 3, 120), rollout(b, 3, 120)));
      assert.ok(
        !deepEqual(a.reset({ seed: 3 })[0], a.reset({ seed: 4 })[0]),
        'another seed, another start',
      );
      a.close();
      b.close();
    });

    it('truncates at its step limit', () => {
      const limit = registry.get(id)!.maxEpisodeSteps;
      assert.ok(limit !== undefined, 'every package env has a step limit');
      const env = make(id);
      env.reset({ seed: 0 });
      env.actionSpace.seed(0);
      for (let t = 1; t <= limit; t++) {
        const [, , terminated, truncated] = env.step(env.actionSpace.sample());
        if (terminated) return; // ended by the task before the limit: nothing to truncate
        assert.equal(truncated, t === limit, `truncated at step ${t}`);
      }
      const short = make(id, { maxEpisodeSteps: 3 });
      short.reset({ seed: 0 });
      const flags = [0, 1, 2].map(() => short.step(short.actionSpace.sample())[3]);
      assert.deepEqual(flags, [false, false, true]);
    });
  });
}
