import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CrossEntropyMethod, LinearPolicy } from '../../agents/index.js';
import { Box, Discrete, make, RNG } from '../../envs/index.js';

describe('CrossEntropyMethod', () => {
  it('maximises a concave function and shrinks its std', () => {
    const target = [1.5, -2, 0.25];
    const cem = new CrossEntropyMethod(3, {
      populationSize: 40,
      eliteFraction: 0.2,
      initStd: 2,
      minStd: 1e-4,
      smoothing: 1,
    });
    const rng = new RNG(0);
    for (let i = 0; i < 40; i++) {
      const pop = cem.ask(rng);
      cem.tell(
        pop,
        pop.map((x) => -x.reduce((a, v, j) => a + (v - target[j]!) ** 2, 0)),
      );
    }
    cem.getMean().forEach((v, j) => {
      assert.ok(Math.abs(v - target[j]!) < 1e-2, `coordinate ${j}: ${v}`);
    });
    assert.ok(cem.getState().std.every((s) => s < 0.01));
  });

  it('round-trips its state and rejects bad settings', () => {
    const a = new CrossEntropyMethod(2);
    a.tell(
      a.ask(new RNG(1)),
      new Array(32).fill(0).map((_, i) => i),
    );
    const b = new CrossEntropyMethod(2);
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    assert.deepEqual(b.ask(new RNG(2)), a.ask(new RNG(2)));
    assert.throws(() => b.setState({ mean: [0], std: [1] }), /2 finite means/);
    assert.throws(
      () =>
        new CrossEntropyMethod(2, {
          populationSize: 1,
          eliteFraction: 0.2,
          initStd: 1,
          minStd: 0,
          smoothing: 1,
        }),
      /populationSize/,
    );
  });
});

describe('LinearPolicy', () => {
  it('maps observations to clipped Box actions and argmax Discrete actions', () => {
    const obs = new Box([-2, -1], [2, 1], [2]);
    const cont = new LinearPolicy(obs, new Box(-1, 1, [1]));
    assert.equal(cont.numParams, 3);
    // u = 10·(x/2) + 0·v + 0 → clipped
    assert.deepEqual(Array.from(cont.act([10, 0, 0], [0.1, 0]) as Float32Array), [
      Math.fround(0.5),
    ]);
    assert.deepEqual(Array.from(cont.act([10, 0, 0], [2, 0]) as Float32Array), [1]);
    const disc = new LinearPolicy(obs, new Discrete(3));
    assert.equal(disc.numParams, 9);
    assert.equal(disc.act([0, 0, 0, 0, 0, 1, 0, 0, 0], [0, 0]), 1);
    assert.throws(
      () => new LinearPolicy(new Discrete(2), new Discrete(2)),
      /Box observation space/,
    );
  });

  it('solves the classic mountain car with the bang-bang weights', () => {
    const env = make('classic/MountainCarContinuous-v0');
    const policy = new LinearPolicy(env.observationSpace, env.actionSpace);
    const result = policy.episode(env, [0, 1000, 0], 0); // u = sign(v)
    assert.ok(result.terminated && result.return > 90, JSON.stringify(result));
  });
});
