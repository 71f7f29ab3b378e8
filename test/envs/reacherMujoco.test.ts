/**
 * rapier/Reacher-v1 against real MuJoCo: replays trajectories recorded with MuJoCo 2.2.2 from
 * Reacher-v5's model (test/envs/fixtures/mujoco: the MJCF, the C generator, how to regenerate)
 * through the env and through the twin, and compares every step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  integrateReacherArm,
  make,
  REACHER_DEFAULTS,
  type ReacherEnv,
  reacherArmDynamics,
} from '../../envs/index.js';
import fixture from './fixtures/mujoco/reacherMujoco.json' with { type: 'json' };

interface Worst {
  angle: number;
  velocity: number;
  fingertip: number;
  reward: number;
  observation: number;
}

/** The targets over 50 steps; the measured errors are ~1e-13, printed below. */
const TARGET = { angle: 0.01, fingertip: 0.001, reward: 1e-3 };
/** Float64 rounding after 100 RK4 steps, with room: what "the same dynamics" means here. */
const ROUNDING = 1e-9;

function replay(): Map<string, Worst> {
  const byKind = new Map<string, Worst>();
  const env = make('rapier/Reacher-v1');
  const arm = env.unwrapped as ReacherEnv;
  for (const episode of fixture.episodes) {
    env.reset({ seed: 0, options: { goal: episode.target } });
    arm.setState([...episode.qpos, ...episode.qvel, ...episode.target]);
    const w = byKind.get(episode.kind) ?? {
      angle: 0,
      velocity: 0,
      fingertip: 0,
      reward: 0,
      observation: 0,
    };
    for (const step of episode.steps) {
      const [obs, reward] = env.step(step.action);
      const s = arm.getState();
      const [fx, fy] = arm.fingertip();
      const [gx, gy] = episode.target as [number, number];
      const [q0, q1] = step.qpos as [number, number];
      const [v0, v1] = step.qvel as [number, number];
      const [tx, ty] = step.fingertip as [number, number];
      // Gymnasium's observation from MuJoCo's data: cos/sin qpos, target, qvel, xpos difference.
      const expected = [
        Math.cos(q0),
        Math.cos(q1),
        Math.sin(q0),
        Math.sin(q1),
        gx,
        gy,
        v0,
        v1,
        tx - gx,
        ty - gy,
      ];
      w.angle = Math.max(w.angle, Math.abs(s[0]! - q0), Math.abs(s[1]! - q1));
      w.velocity = Math.max(w.velocity, Math.abs(s[2]! - v0), Math.abs(s[3]! - v1));
      w.fingertip = Math.max(w.fingertip, Math.hypot(fx - tx, fy - ty));
      w.reward = Math.max(w.reward, Math.abs(reward - step.reward));
      for (let i = 0; i < 10; i++)
        w.observation = Math.max(w.observation, Math.abs(obs[i]! - expected[i]!));
    }
    byKind.set(episode.kind, w);
  }
  env.close();
  return byKind;
}

describe('rapier/Reacher-v1 against MuJoCo 2.2.2 (Reacher-v5 model)', () => {
  it('the fixture covers every class the issue names, with limit hits and full speed', () => {
    const kinds = new Set(fixture.episodes.map((e) => e.kind));
    for (const kind of [
      'random actions in [-1, 1]',
      'random actions in [-0.3, 0.3]',
      'constant full torque',
      'spin-up into the joint-1 limit',
      'zero action from high velocity',
    ]) {
      assert.ok(kinds.has(kind), kind);
    }
    const steps = fixture.episodes.flatMap((e) => e.steps);
    const overshoot = Math.max(...steps.map((s) => Math.abs(s.qpos[1]!))) - 3;
    const speed = Math.max(...steps.map((s) => Math.abs(s.qvel[0]!)));
    assert.ok(overshoot > 0.2, `MuJoCo's soft limit lets q1 pass ±3 (by ${overshoot})`);
    assert.ok(speed > 120, `joint 0 reaches ${speed} rad/s (Rapier alone caps it at 78.5)`);
  });

  it('every step matches in angles, velocities, fingertip, reward and observation', () => {
    const byKind = replay();
    for (const [kind, w] of byKind) {
      console.log(
        `reacher vs MuJoCo, ${kind}: angle ${w.angle.toExponential(1)} rad, velocity ${w.velocity.toExponential(1)} rad/s, fingertip ${w.fingertip.toExponential(1)} m, reward ${w.reward.toExponential(1)}, observation ${w.observation.toExponential(1)}`,
      );
      assert.ok(w.angle <= TARGET.angle && w.angle < ROUNDING, `${kind}: angle ${w.angle}`);
      assert.ok(w.velocity < 1e3 * ROUNDING, `${kind}: velocity ${w.velocity}`);
      assert.ok(w.fingertip <= TARGET.fingertip && w.fingertip < ROUNDING, `${kind}: fingertip`);
      assert.ok(w.reward <= TARGET.reward && w.reward < ROUNDING, `${kind}: reward ${w.reward}`);
      assert.ok(w.observation < 1e3 * ROUNDING, `${kind}: observation ${w.observation}`);
    }
  });

  it("the twin's equations (integrateReacherArm) are the same trajectories", () => {
    let worst = 0;
    for (const episode of fixture.episodes) {
      let s = [...episode.qpos, ...episode.qvel];
      for (const step of episode.steps) {
        s = integrateReacherArm(s, step.action, REACHER_DEFAULTS);
        worst = Math.max(worst, ...s.map((v, i) => Math.abs(v - [...step.qpos, ...step.qvel][i]!)));
      }
    }
    assert.ok(worst < 1e3 * ROUNDING, `worst state error ${worst}`);
  });

  it("uses MuJoCo's dof_invweight0 for the limit's regulariser", () => {
    const ours = reacherArmDynamics(REACHER_DEFAULTS).invweight0;
    assert.ok(Math.abs(ours - fixture.dofInvweight0[1]!) < 1e-12, `${ours}`);
  });
});
