import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CemPlanner, PLANNER_DEFAULTS, SimulatorEvaluator } from '../../agents/planners.js';
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
