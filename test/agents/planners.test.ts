import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CemPlanner,
  MPPI_DEFAULTS,
  MppiPlanner,
  PLANNER_DEFAULTS,
  SimulatorEvaluator,
} from '../../agents/planners.js';
import { ReacherEnv, RNG } from '../../envs/index.js';

describe('CEM-MPC on the simulator', () => {
  it('evaluates sequences from a snapshot and leaves the env where it was', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 1 });
    const before = Array.from(env.getState());
    const ev = new SimulatorEvaluator(env, 2);
    const scores = ev.evaluate([new Float64Array(10).fill(1), new Float64Array(10)]);
    assert.deepEqual(Array.from(env.getState()), before);
    assert.ok(scores[0]! < scores[1]!, 'full torque pays the control cost');
    assert.throws(() => new SimulatorEvaluator({} as never, 2), /snapshot\(\) and restore\(\)/);
    env.close();
  });

  it('MPPI brings the reacher to a goal within 3 cm with the true reward', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0, options: { goal: [-0.15, 0.05] } });
    const planner = new MppiPlanner(env.actionSpace, MPPI_DEFAULTS);
    const ev = new SimulatorEvaluator(env, 2);
    const rng = new RNG(0);
    for (let t = 0; t < 50; t++) env.step(planner.act(ev, rng));
    const [fx, fy] = env.fingertip();
    const d = Math.hypot(fx + 0.15, fy - 0.05);
    assert.ok(d < 0.03, `final distance ${d}`);
    assert.throws(
      () => new MppiPlanner(env.actionSpace, { ...MPPI_DEFAULTS, temperature: 0 }),
      /temperature > 0/,
    );
    env.close();
  });

  it('a trajectory score sees every simulated state and action', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 2 });
    const seen: number[] = [];
    const ev = new SimulatorEvaluator(env, 2, 1, {
      stateSize: 1,
      stateOf: (e) => [(e as ReacherEnv).getState()[0]!],
      score: (states, actions, P, H) => {
        seen.push(states.length, actions.length, P, H);
        return Array.from({ length: P }, (_, p) => -Math.abs(states[p * (H + 1) + H]!));
      },
    });
    const scores = ev.evaluate([new Float64Array(6).fill(1), new Float64Array(6).fill(-1)]);
    assert.deepEqual(seen, [2 * 4, 2 * 3 * 2, 2, 3]);
    assert.equal(scores.length, 2);
    env.close();
  });

  it('brings the reacher to a held-out goal within 2 cm with the true reward', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0, options: { goal: [-0.15, 0.05] } });
    const planner = new CemPlanner(env.actionSpace, PLANNER_DEFAULTS);
    const ev = new SimulatorEvaluator(env, 2);
    const rng = new RNG(0);
    for (let t = 0; t < 50; t++) env.step(planner.act(ev, rng));
    const [fx, fy] = env.fingertip();
    const d = Math.hypot(fx + 0.15, fy - 0.05);
    assert.ok(d < 0.02, `final distance ${d}`);
    env.close();
  });
});

describe('CEM-MPC through a learned model', () => {
  it('plans the reacher to a goal with an ensemble fitted on random transitions', async () => {
    const {
      selectBackend,
      DynamicsEnsemble,
      DYNAMICS_DEFAULTS,
      ModelEvaluator,
      reacherRewardTensor,
    } = await import('../../agents/index.js');
    const { REACHER_DEFAULTS } = await import('../../envs/index.js');
    await selectBackend('wasm');
    const env = new ReacherEnv();
    const rng = new RNG(0);
    const n = 3000;
    const states = new Float32Array(n * 6);
    const actions = new Float32Array(n * 2);
    const nextStates = new Float32Array(n * 6);
    env.reset({ seed: 0 });
    for (let i = 0; i < n; i++) {
      if (i % 50 === 0) env.reset();
      states.set(env.getState(), i * 6);
      const a = [rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)];
      actions.set(a, i * 2);
      env.step(a);
      nextStates.set(env.getState(), i * 6);
    }
    const model = new DynamicsEnsemble(6, 2, new RNG(1), {
      ...DYNAMICS_DEFAULTS,
      hidden: [64, 64],
      maxEpochs: 30,
    });
    model.fit({ states, actions, nextStates }, new RNG(2));
    env.reset({ seed: 3, options: { goal: [-0.15, 0.05] } });
    const planner = new CemPlanner(env.actionSpace, PLANNER_DEFAULTS);
    const reward = reacherRewardTensor(REACHER_DEFAULTS);
    for (let t = 0; t < 50; t++)
      env.step(planner.act(new ModelEvaluator(model, reward, env.getState()), rng));
    const [fx, fy] = env.fingertip();
    const d = Math.hypot(fx + 0.15, fy - 0.05);
    assert.ok(d < 0.04, `final distance ${d}`);
    model.dispose();
    env.close();
  });
});
