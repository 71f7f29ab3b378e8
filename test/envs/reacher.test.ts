import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClosedEnvironmentError,
  capsuleMassProperties,
  InvalidAction,
  InvalidArgument,
  make,
  REACHER_DEFAULTS,
  ReacherEnv,
  ResetNeeded,
  type RgbFrame,
  RNG,
  reacherFingertip,
  reacherInverseKinematics,
  reacherMassProperties,
} from '../../envs/index.js';

const P = REACHER_DEFAULTS;
const DT = P.timestep * P.frameSkip;

describe('rapier/Reacher-v1 physics', () => {
  it('uses MuJoCo mass properties (density 1000)', () => {
    const cap = capsuleMassProperties(0.1, 0.01, 1000);
    assert.ok(Math.abs(cap.mass - 0.0356047) < 1e-6, `capsule mass ${cap.mass}`);
    assert.ok(Math.abs(cap.inertia - 3.91757e-5) < 1e-9, `capsule inertia ${cap.inertia}`);
    const [, link1] = reacherMassProperties(P);
    assert.ok(
      Math.abs(link1.mass - (0.0356047 + 0.0041888)) < 1e-6,
      'link 1 carries the fingertip sphere',
    );
  });

  it('a damped joint decays as exp(−t·d/I)', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0 });
    // Joint 1 alone (joint 0 held still by the symmetry of a straight arm is not guaranteed, so
    // compare each joint with the exact model's effective inertia at q1 = 0).
    env.setState([0, 0, 0, 2, 0.1, 0.1]);
    const [m0, m1] = reacherMassProperties(P);
    const I1 = P.armature + m1.inertia + m1.mass * m1.com ** 2;
    for (let t = 1; t <= 50; t++) env.step([0, 0]);
    const v1 = env.getState()[3]!;
    const expected1 = 2 * Math.exp((-50 * DT * P.damping) / I1);
    assert.ok(Math.abs(v1 / expected1 - 1) < 0.01, `joint 1: ${v1} vs ${expected1}`);
    env.setState([0, 0, 3, 0, 0.1, 0.1]);
    const I0 =
      P.armature +
      m0.inertia +
      m0.mass * m0.com ** 2 +
      m1.inertia +
      m1.mass * (P.link0Length + m1.com) ** 2;
    for (let t = 1; t <= 50; t++) env.step([0, 0]);
    const v0 = env.getState()[2]!;
    const expected0 = 3 * Math.exp((-50 * DT * P.damping) / I0);
    assert.ok(Math.abs(v0 / expected0 - 1) < 0.01, `joint 0: ${v0} vs ${expected0}`);
    env.close();
  });

  it("joint 1's limit is soft as MuJoCo's: a hard hit passes ±3 rad and is pushed back", () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0 });
    let worst = 0;
    for (const u of [1, -1, 1]) {
      for (let t = 0; t < 100; t++) {
        env.step([u, u]);
        worst = Math.max(worst, Math.abs(env.getState()[1]!));
      }
    }
    // Under held torque it rests a few mrad past the limit (measured in MuJoCo: 0.002–0.004).
    const resting = Math.abs(env.getState()[1]!) - P.joint1Limit;
    assert.ok(worst > P.joint1Limit + 0.05 && worst < P.joint1Limit + 0.4, `|q1| reached ${worst}`);
    assert.ok(resting > 0 && resting < 0.01, `rests ${resting} rad past the limit`);
    env.close();
  });

  it('joint 0 is not speed-capped: full torque approaches gear/damping', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0 });
    for (let t = 0; t < 250; t++) env.step([1, 0]);
    const v0 = env.getState()[2]!;
    // τ = 200 N·m against damping 1 N·m·s: 200 rad/s at rest, 200·(1 − e^(−t/I)) on the way.
    assert.ok(v0 > 190 && v0 < P.gear / P.damping, `q̇0 = ${v0}`);
    env.close();
  });
});

describe('rapier/Reacher-v1 API', () => {
  it('has Reacher-v5 spaces, limits and observation layout', () => {
    const env = make('rapier/Reacher-v1');
    assert.equal(env.spec?.maxEpisodeSteps, 50);
    assert.equal(env.spec?.rewardThreshold, -3.75);
    const [obs, info] = env.reset({ seed: 1 });
    assert.deepEqual(info, {});
    assert.ok(obs instanceof Float64Array && obs.length === 10);
    const raw = env.unwrapped as ReacherEnv;
    const [q0, q1, v0, v1, gx, gy] = raw.getState();
    assert.ok(
      Math.abs(q0!) <= 0.1 &&
        Math.abs(q1!) <= 0.1 &&
        Math.abs(v0!) <= 0.005 &&
        Math.abs(v1!) <= 0.005,
    );
    assert.ok(Math.hypot(gx!, gy!) < 0.2);
    const [fx, fy] = reacherFingertip(q0!, q1!, P);
    const expected = [
      Math.cos(q0!),
      Math.cos(q1!),
      Math.sin(q0!),
      Math.sin(q1!),
      gx,
      gy,
      v0,
      v1,
      fx - gx!,
      fy - gy!,
    ];
    for (const [i, v] of expected.entries()) assert.ok(Math.abs(obs[i]! - v!) < 1e-12, `obs[${i}]`);
  });

  it('rewards −distance − ‖a‖² with the unclipped action and clamps the dynamics', () => {
    const a = new ReacherEnv();
    const b = new ReacherEnv();
    a.reset({ seed: 3 });
    b.reset({ seed: 3 });
    const [oa, ra, term, trunc, info] = a.step([5, -1e9]);
    const [ob] = b.step([1, -1]);
    assert.deepEqual(oa, ob, 'huge finite actions act as ±1');
    const dist = Math.hypot(oa[8]!, oa[9]!);
    assert.ok(Math.abs((info.rewardDist as number) + dist) < 1e-15);
    assert.equal(info.rewardCtrl, -(25 + 1e18));
    assert.equal(ra, (info.rewardDist as number) + (info.rewardCtrl as number));
    assert.equal(term, false);
    assert.equal(trunc, false);
  });

  it('places chosen goals and arm states through reset options', () => {
    const env = new ReacherEnv();
    const [obs] = env.reset({
      seed: 0,
      options: { goal: [0.05, -0.1], qpos: [1, -0.5], qvel: [0.2, 0] },
    });
    assert.deepEqual([obs[4], obs[5]], [0.05, -0.1]);
    const wanted = [1, -0.5, 0.2, 0, 0.05, -0.1];
    assert.deepEqual(Array.from(env.getState()), wanted);
    const [obs2] = env.reset({ seed: 0, options: { goal: [0.05, -0.1] } });
    const [obs3] = new ReacherEnv().reset({ seed: 0 });
    assert.deepEqual(
      obs2.subarray(0, 4),
      obs3.subarray(0, 4),
      'options do not shift the RNG stream',
    );
    assert.throws(
      () => env.reset({ options: { goal: [0, Number.NaN] } }),
      /goal must be two finite numbers/,
    );
    assert.throws(() => env.reset({ options: { qpos: [0, 3.5] } }), /q1 within ±3 rad/);
    assert.throws(
      () => env.reset({ options: { target: [0, 0] } }),
      /unknown reset option "target"; allowed: goal, qpos, qvel/,
    );
  });

  it('inverse kinematics puts the fingertip on reachable targets', () => {
    const rng = new RNG(0);
    for (let i = 0; i < 50; i++) {
      const r = rng.uniform(0.03, 0.2);
      const a = rng.uniform(-Math.PI, Math.PI);
      for (const elbow of ['down', 'up'] as const) {
        const [q0, q1] = reacherInverseKinematics([r * Math.cos(a), r * Math.sin(a)], P, elbow);
        const [x, y] = reacherFingertip(q0, q1, P);
        assert.ok(Math.hypot(x - r * Math.cos(a), y - r * Math.sin(a)) < 1e-12);
        assert.ok(elbow === 'down' ? q1 >= 0 : q1 <= 0);
      }
    }
    assert.throws(() => reacherInverseKinematics([0.3, 0], P), /out of reach/);
    assert.throws(() => reacherInverseKinematics([0, 0], P), /out of reach/);
  });

  it('snapshot/restore round-trips bit for bit, also into another env', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 5 });
    for (let t = 0; t < 10; t++) env.step([0.5, -0.3]);
    const snap = env.snapshot();
    const actions = Array.from({ length: 30 }, (_, t) => [Math.sin(t), Math.cos(t)]);
    const run = (e: ReacherEnv) => actions.map((a) => Array.from(e.step(a)[0]));
    const first = run(env);
    env.restore(snap);
    assert.deepEqual(run(env), first);
    const other = new ReacherEnv();
    other.restore(snap);
    assert.deepEqual(run(other), first);
    assert.throws(
      () => env.restore({ sim: { world: 5, joints: [] }, goal: [0, 0] } as never),
      /not a Reacher snapshot/,
    );
    env.close();
    other.close();
  });

  it('equal states set with setState step identically', () => {
    const a = new ReacherEnv();
    const b = new ReacherEnv();
    a.reset({ seed: 1 });
    for (let t = 0; t < 7; t++) a.step([0.2, 0.9]);
    const state = a.getState();
    b.reset({ seed: 99 });
    b.step([1, 1]);
    a.setState(state);
    b.setState(state);
    for (let t = 0; t < 5; t++) assert.deepEqual(a.step([-0.4, 0.1])[0], b.step([-0.4, 0.1])[0]);
    assert.throws(() => a.setState([0, 0, 0]), /state must be \[q0, q1/);
  });

  it('restores thousands of snapshots without leaking WASM memory', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0 });
    const snap = env.snapshot();
    const cycle = (n: number) => {
      for (let i = 0; i < n; i++) {
        env.restore(snap);
        env.step([0.1, 0.1]);
      }
    };
    cycle(20000); // warm-up: the JS heap and WASM memory reach their working size
    const rssBefore = process.memoryUsage().rss;
    cycle(40000);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.log(`reacher restores: RSS grew ${grownMb.toFixed(1)} MB over 40k restores`);
    // A leaked world is ~1 kB: 40k leaks add 30-80 MB.
    assert.ok(grownMb < 20, `RSS grew ${grownMb.toFixed(1)} MB over 40k restores`);
    env.close();
  });

  it('rejects bad actions, steps before reset and use after close', () => {
    const env = new ReacherEnv();
    assert.throws(() => env.step([0, 0]), ResetNeeded);
    env.reset({ seed: 0 });
    assert.throws(
      () => env.step([0]),
      (e: Error) => e instanceof InvalidAction && /2 element\(s\)/.test(e.message),
    );
    assert.throws(() => env.step([0, Number.NaN]), /finite numbers/);
    assert.throws(() => env.step([Infinity, 0]), InvalidAction);
    assert.throws(() => new ReacherEnv({ frameSkip: 0 }), InvalidArgument);
    assert.throws(() => new ReacherEnv({ gear: Number.NaN }), InvalidArgument);
    env.close();
    env.close();
    assert.throws(() => env.step([0, 0]), ClosedEnvironmentError);
  });

  it('100k seeded random steps stay finite', () => {
    const env = new ReacherEnv();
    env.reset({ seed: 0 });
    env.actionSpace.seed(0);
    for (let t = 0; t < 100_000; t++) {
      const [obs] = env.step(env.actionSpace.sample());
      for (let i = 0; i < 10; i++)
        if (!Number.isFinite(obs[i]!)) assert.fail(`non-finite obs at step ${t}`);
      if (t % 50 === 49) env.reset();
    }
    env.close();
  });

  it('renders 480×480 frames and ansi text', () => {
    const env = make('rapier/Reacher-v1', { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const frame = env.render() as RgbFrame;
    assert.equal(frame.width, 480);
    assert.equal(frame.height, 480);
    const red = frame.data.filter(
      (_, i) => i % 3 === 0 && frame.data[i] === 230 && frame.data[i + 1] === 25,
    ).length;
    assert.ok(red > 20, 'the target is drawn');
    const text = make('rapier/Reacher-v1', { renderMode: 'ansi' });
    text.reset({ seed: 0 });
    assert.match(text.render() as string, /distance \d\.\d{3}/);
  });
});
