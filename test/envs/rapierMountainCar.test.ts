import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClosedEnvironmentError,
  InvalidAction,
  InvalidArgument,
  MOUNTAIN_CAR_PHYSICS_DEFAULTS,
  make,
  RapierMountainCarContinuousEnv,
  RapierMountainCarEnv,
  ResetNeeded,
  type RgbFrame,
  type Track,
} from '../../envs/index.js';

const P = MOUNTAIN_CAR_PHYSICS_DEFAULTS;

/**
 * The exact bead-on-wire car on y = sin(3x), written out independently of the library: Lagrangian
 * T = ½m(1 + h′²)ẋ², V = mgh, traction F·u along the tangent; RK4 at 50 µs; inelastic wall at −1.2.
 */
function exactTimeToGoal(
  x0: number,
  policy: (x: number, v: number) => number,
  goal = 0.45,
): number {
  const accel = (x: number, v: number, u: number) => {
    const s = 3 * Math.cos(3 * x);
    const c = -9 * Math.sin(3 * x);
    return (
      ((P.engineForce / P.mass) * u * Math.sqrt(1 + s * s) - P.gravity * s - s * c * v * v) /
      (1 + s * s)
    );
  };
  let x = x0;
  let v = 0;
  const h = P.timestep / 400;
  for (let t = 1; t <= 999; t++) {
    const u = policy(x, v);
    for (let i = 0; i < 400; i++) {
      const k1 = [v, accel(x, v, u)];
      const k2 = [v + (h / 2) * k1[1]!, accel(x + (h / 2) * k1[0]!, v + (h / 2) * k1[1]!, u)];
      const k3 = [v + (h / 2) * k2[1]!, accel(x + (h / 2) * k2[0]!, v + (h / 2) * k2[1]!, u)];
      const k4 = [v + h * k3[1]!, accel(x + h * k3[0]!, v + h * k3[1]!, u)];
      x += (h / 6) * (k1[0]! + 2 * k2[0]! + 2 * k3[0]! + k4[0]!);
      v += (h / 6) * (k1[1]! + 2 * k2[1]! + 2 * k3[1]! + k4[1]!);
      if (x < -1.2) [x, v] = [-1.2, Math.max(v, 0)];
    }
    if (x >= goal && v >= 0) return t;
  }
  return Number.POSITIVE_INFINITY;
}

const swing = (_x: number, v: number) => (v >= 0 ? 1 : -1);

function envTimeToGoal(env: RapierMountainCarContinuousEnv, x0: number): number {
  let [obs] = env.reset({ options: { low: x0, high: x0 } });
  for (let t = 1; t <= 999; t++) {
    const [next, , terminated] = env.step([swing(obs[0]!, obs[1]!)]);
    obs = next;
    if (terminated) return t;
  }
  return Number.POSITIVE_INFINITY;
}

describe('rapier/MountainCarContinuous-v0 physics', () => {
  it('a bang-bang swing reaches the goal within 2% of the exact bead-on-wire time', () => {
    const env = new RapierMountainCarContinuousEnv();
    const rows: string[] = [];
    for (const x0 of [-0.6, -0.55, -0.5, -0.45, -0.4]) {
      const exact = exactTimeToGoal(x0, swing);
      const sim = envTimeToGoal(env, x0);
      rows.push(`x0 ${x0}: env ${sim} steps, exact ${exact}`);
      assert.ok(Number.isFinite(exact), 'the swing solves the task');
      assert.ok(Math.abs(sim - exact) <= 0.02 * exact, rows.at(-1));
    }
    console.log(`rapier car time to goal: ${rows.join('; ')}`);
    env.close();
  });

  it('is underpowered: full throttle from rest at the valley floor never reaches the goal', () => {
    const env = new RapierMountainCarContinuousEnv();
    const floor = -Math.PI / 6; // sin(3x) = −1
    env.reset({ options: { low: floor, high: floor } });
    let maxX = -Infinity;
    for (let t = 0; t < 999; t++) {
      const [obs, , terminated] = env.step([1]);
      maxX = Math.max(maxX, obs[0]!);
      assert.equal(terminated, false);
    }
    assert.ok(maxX < 0, `full throttle reached x = ${maxX}`);
    env.close();
  });

  it('the left wall stops the car inelastically at −1.2', () => {
    const env = new RapierMountainCarContinuousEnv();
    env.reset({ seed: 0 });
    env.setState([-1.0, -6]);
    let hit = false;
    for (let t = 0; t < 20; t++) {
      const [obs] = env.step([-1]);
      assert.ok(env.observationSpace.contains(obs));
      assert.ok(obs[0]! >= Math.fround(-1.2), `x = ${obs[0]}`);
      if (obs[0]! < -1.199) {
        hit = true;
        assert.ok(Math.abs(obs[1]!) < 0.1, `no bounce: v = ${obs[1]} after hitting at 6 m/s`);
        break;
      }
    }
    assert.ok(hit);
    env.close();
  });

  it('follows exact kinematics on a flat custom track', () => {
    const flat: Track = { height: () => 0, slope: () => 0, curvature: () => 0 };
    const env = new RapierMountainCarContinuousEnv({ track: flat, engineForce: 1000 });
    env.reset({ options: { low: -1, high: -1 } });
    for (let t = 0; t < 20; t++) env.step([1]);
    const [x, v] = env.getState();
    const time = 20 * P.timestep;
    assert.ok(Math.abs(v! - time) < 1e-4, `v ${v}`); // a = 1 m/s²
    assert.ok(Math.abs(x! - (-1 + 0.5 * time * time)) < 1e-3, `x ${x}`);
    env.close();
  });
});

describe('rapier/MountainCarContinuous-v0 and rapier/MountainCar-v0 API', () => {
  it('have the Gymnasium interface: spaces, rewards, limits', () => {
    const cont = make('rapier/MountainCarContinuous-v0');
    assert.equal(cont.spec?.maxEpisodeSteps, 999);
    const [obs] = cont.reset({ seed: 1 });
    assert.ok(obs instanceof Float32Array && obs[0]! >= -0.6 && obs[0]! <= -0.4 && obs[1] === 0);
    const [, r] = cont.step([2]);
    assert.ok(Math.abs(r + 0.4) < 1e-12, 'reward uses the unclipped action');
    const disc = make('rapier/MountainCar-v0');
    assert.equal(disc.spec?.maxEpisodeSteps, 200);
    disc.reset({ seed: 1 });
    const [, rd, , , info] = disc.step(2);
    assert.equal(rd, -1);
    assert.deepEqual(info, {});
  });

  it('the discrete car pushes left / not / right and a swing solves it within 200 steps', () => {
    const states = [0, 1, 2].map((a) => {
      const env = new RapierMountainCarEnv();
      env.reset({ options: { low: -0.5, high: -0.5 } });
      env.step(a);
      return env.getState()[1]!;
    });
    assert.ok(states[0]! < states[1]! && states[1]! < states[2]!, `velocities ${states}`);
    const env = make('rapier/MountainCar-v0');
    let [obs] = env.reset({ seed: 0 });
    let steps = 0;
    for (;;) {
      const [next, , terminated, truncated] = env.step(obs[1]! >= 0 ? 2 : 0);
      obs = next;
      steps++;
      if (terminated || truncated) {
        assert.ok(terminated, `truncated after ${steps} steps`);
        assert.ok(obs[0]! >= 0.5, 'the discrete goal is 0.5, as Gymnasium');
        break;
      }
    }
  });

  it('snapshot/restore replays bit for bit', () => {
    const env = new RapierMountainCarContinuousEnv();
    env.reset({ seed: 2 });
    for (let t = 0; t < 5; t++) env.step([1]);
    const snap = env.snapshot();
    const run = () => Array.from({ length: 40 }, (_, t) => Array.from(env.step([Math.sin(t)])[0]));
    const first = run();
    env.restore(snap);
    assert.deepEqual(run(), first);
  });

  it("leaves performance.now the real clock around Rapier's steps", () => {
    // Rapier's steps run with a constant clock lent to its profiler (envs/rapier/rapier.ts).
    const env = new RapierMountainCarContinuousEnv();
    env.reset({ seed: 0 });
    const before = performance.now();
    for (let t = 0; t < 200; t++) env.step([1]);
    const after = performance.now();
    assert.ok(after > before && before > 0, `the clock ran: ${before} → ${after}`);
    // Against the wall clock: 200 steps do not freeze or rewind it.
    const wall = Date.now();
    while (Date.now() === wall);
    assert.ok(performance.now() > after);
  });

  it('rejects bad actions and arguments with clear errors', () => {
    const cont = new RapierMountainCarContinuousEnv();
    assert.throws(() => cont.step([0]), ResetNeeded);
    cont.reset({ seed: 0 });
    assert.throws(() => cont.step([Number.NaN]), InvalidAction);
    assert.throws(() => cont.step([0, 1]), /1 element\(s\)/);
    const disc = new RapierMountainCarEnv();
    disc.reset({ seed: 0 });
    assert.throws(() => disc.step(3), /integer in \[0, 2\]/);
    assert.throws(() => disc.step(1.5), InvalidAction);
    assert.throws(
      () => new RapierMountainCarEnv({ substeps: 0 }),
      /substeps must be a positive integer/,
    );
    assert.throws(() => new RapierMountainCarEnv({ mass: -1 }), /mass must be positive/);
    assert.throws(
      () => new RapierMountainCarEnv({ track: { height: 1 } as never }),
      /track must have/,
    );
    assert.throws(() => cont.reset({ options: { low: -2, high: -1 } }), InvalidArgument);
    assert.throws(() => cont.setState([0.7, 0]), /position in \[-1.2, 0.6\]/);
    cont.close();
    cont.close();
    assert.throws(() => cont.step([0]), ClosedEnvironmentError);
  });

  it('renders frames and ansi text', () => {
    const env = make('rapier/MountainCarContinuous-v0', { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const frame = env.render() as RgbFrame;
    assert.equal(frame.width * frame.height, 600 * 400);
    const text = make('rapier/MountainCar-v0', { renderMode: 'ansi' });
    text.reset({ seed: 0 });
    assert.match(text.render() as string, /velocity/);
  });
});
