/**
 * The reacher objective options: fingertip task loss, wrapped joint-0 error, the joint loss to the
 * nearer arm pose, and the file round trip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../agents/index.js';
import { REACHER_DEFAULTS, RNG, reacherFingertip } from '../../envs/index.js';
import {
  AUTHORS_OBJECTIVE,
  jointGoal,
  mirrorJointGoals,
  type ReacherObjective,
  reacherLearnedLoss,
  reacherLossFeatures,
  reacherLossSpec,
  reacherTaskLoss,
  readReacherObjective,
} from '../../ml3/index.js';
import { initLearnedLoss } from '../../ml3/learnedLoss.js';
import { ml3 } from '../scripts/runCli.js';

const FINGERTIP: ReacherObjective = { taskLoss: 'fingertip', wrapAngles: true };
const WRAPPED_JOINT: ReacherObjective = { taskLoss: 'joint', wrapAngles: true };
const NEAREST: ReacherObjective = { taskLoss: 'joint-nearest', wrapAngles: false };

/** Three steps of a rollout [1, 3, 4] and its goal [1, 4], with joint 0 turned by `turns`. */
function rollout(turns: number): { states: tf.Tensor; goals: tf.Tensor } {
  const q = [
    [0.3, -0.4, 1.5, -2],
    [0.9, 0.2, 0.5, 1],
    [1.4, 0.6, 0.1, 0.05],
  ].map(([q0, ...rest]) => [q0! + 2 * Math.PI * turns, ...rest]);
  return { states: tf.tensor3d([q]), goals: tf.tensor2d([[1.2, 0.8, 0, 0]]) };
}

describe('reacher objective', () => {
  it('the fingertip task loss is 10·final + mean distance of the fingertips, plus the speed term', async () => {
    await selectBackend('wasm');
    const { states, goals } = rollout(0);
    const q = states.arraySync() as number[][][];
    const [gx, gy] = reacherFingertip(1.2, 0.8, REACHER_DEFAULTS);
    const dist = q[0]!.map(([q0, q1]) => {
      const [x, y] = reacherFingertip(q0!, q1!, REACHER_DEFAULTS);
      return Math.hypot(x - gx, y - gy);
    });
    const speed = q[0]!.map(([, , v0, v1]) => Math.hypot(v0!, v1!));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const expected = 10 * dist[2]! + mean(dist) + 1e-4 * mean(speed);
    const got = reacherTaskLoss(states, goals, FINGERTIP).arraySync() as number[];
    assert.ok(Math.abs(got[0]! - expected) < 1e-5, `${got[0]} vs ${expected}`);
    // M_φ's distance input: the final fingertip distance in arm lengths.
    const features = reacherLossFeatures(states, tf.zeros([1, 2, 2]), goals, FINGERTIP);
    const d = (features.arraySync() as number[][][])[0]!.map((row) => row[6]!);
    const reach = REACHER_DEFAULTS.link0Length + REACHER_DEFAULTS.fingertipOffset;
    for (const v of d) assert.ok(Math.abs(v - dist[2]! / reach) < 1e-5);
  });

  it('wrapped angles make the features and the joint task loss blind to whole turns of joint 0; raw ones do not', async () => {
    await selectBackend('wasm');
    const actions = tf.tensor3d([
      [
        [0.5, -0.5],
        [0.1, 0.2],
      ],
    ]);
    const values = (o: ReacherObjective, turns: number) => {
      const { states, goals } = rollout(turns);
      return {
        features: (reacherLossFeatures(states, actions, goals, o).arraySync() as number[][][])[0]!,
        loss: (reacherTaskLoss(states, goals, o).arraySync() as number[])[0]!,
      };
    };
    for (const o of [WRAPPED_JOINT, FINGERTIP]) {
      const base = values(o, 0);
      for (const turns of [-3, 1, 5]) {
        const turned = values(o, turns);
        assert.ok(
          Math.abs(turned.loss - base.loss) < 1e-4,
          `${o.taskLoss}: loss at ${turns} turns`,
        );
        for (const [t, row] of turned.features.entries()) {
          for (const [i, v] of row.entries()) {
            assert.ok(Math.abs(v - base.features[t]![i]!) < 1e-4, `feature ${i} at ${turns} turns`);
          }
        }
      }
    }
    // The joint-0 error stays in [−π, π) once wrapped.
    for (const row of values(WRAPPED_JOINT, 5).features) assert.ok(Math.abs(row[0]!) <= Math.PI);
    const raw = values(AUTHORS_OBJECTIVE, 1);
    assert.ok(
      Math.abs(raw.loss - values(AUTHORS_OBJECTIVE, 0).loss) > 1,
      'raw angles see the turn',
    );
    // The wrap's gradient is the identity: the task loss still pulls joint 0 towards the goal.
    const { states, goals } = rollout(2);
    const grad = tf.grad((s: tf.Tensor) => reacherTaskLoss(s, goals, WRAPPED_JOINT).sum())(states);
    const g = (grad.arraySync() as number[][][])[0]![2]!;
    assert.ok(g[0]! > 0, 'final q0 = 1.4 (+2 turns) past q0* = 1.2: the loss grows with q0');
  });

  it('joint-nearest measures each step against the nearer of the two arm poses that reach the target', async () => {
    await selectBackend('wasm');
    for (const target of [
      [0.05, 0.03],
      [-0.1, 0.15],
      [0.02, -0.19],
      [-0.16, -0.05],
    ] as [number, number][]) {
      const g = jointGoal(target);
      const m = (mirrorJointGoals(tf.tensor2d([g])).arraySync() as number[][])[0]!;
      // The other pose: elbow bent the other way, joint 0 in [−π, π), fingertip on the target.
      assert.ok(Math.abs(m[1]! + g[1]!) < 1e-6 && Math.abs(m[0]!) <= Math.PI);
      const [x, y] = reacherFingertip(m[0]!, m[1]!, REACHER_DEFAULTS);
      assert.ok(Math.hypot(x - target[0], y - target[1]) < 1e-5, `${target}: mirror misses`);
      assert.deepEqual(m.slice(2), [0, 0]);
    }
    // A rollout that starts near the goal's pose and ends near the mirrored one.
    const g = jointGoal([0.05, 0.03]);
    const m = (mirrorJointGoals(tf.tensor2d([g])).arraySync() as number[][])[0]!;
    const q = [
      [g[0]! + 0.1, g[1]! - 0.2, 0.5, -1],
      [0.4, 0.1, 2, 1],
      [m[0]! - 0.3, m[1]! + 0.1, 0.2, 0.1],
    ];
    const nearer = ([q0, q1]: number[]) =>
      Math.min(Math.hypot(q0! - g[0]!, q1! - g[1]!), Math.hypot(q0! - m[0]!, q1! - m[1]!));
    const dist = q.map(nearer);
    const speed = q.map(([, , v0, v1]) => Math.hypot(v0!, v1!));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const states = tf.tensor3d([q]);
    const goals = tf.tensor2d([g]);
    const loss = (reacherTaskLoss(states, goals, NEAREST).arraySync() as number[])[0]!;
    assert.ok(Math.abs(loss - (10 * dist[2]! + mean(dist) + 1e-4 * mean(speed))) < 1e-4);
    // The authors' joint loss sees only the first pose: the last step is ~5 rad from it.
    const joint = (reacherTaskLoss(states, goals).arraySync() as number[])[0]!;
    assert.ok(joint > loss + 40, `${joint} vs ${loss}`);
    // M_φ's error state follows the nearer pose; d is the final distance to it.
    const f = (
      reacherLossFeatures(states, tf.zeros([1, 2, 2]), goals, NEAREST).arraySync() as number[][][]
    )[0]!;
    assert.ok(Math.abs(f[0]![0]! - 0.1) < 1e-5 && Math.abs(f[0]![1]! + 0.2) < 1e-5);
    for (const row of f) assert.ok(Math.abs(row[6]! - Math.hypot(0.3, 0.1, 0.2, 0.1)) < 1e-5);
    // The gradient pulls the last step towards the mirrored pose, not through the joint limit.
    const grad = tf.grad((s: tf.Tensor) => reacherTaskLoss(s, goals, NEAREST).sum())(states);
    const last = (grad.arraySync() as number[][][])[0]![2]!;
    assert.ok(last[0]! < 0 && last[1]! > 0, `gradient ${last}`);
  });

  it('an identity output keeps the θ-gradient where a softplus output has saturated', async () => {
    await selectBackend('cpu');
    const { states, goals } = rollout(0);
    const actions = tf.tensor3d([
      [
        [0.3, -0.5],
        [0.1, 0.9],
      ],
    ]);
    const gradients = (objective: ReacherObjective, outputBias: number) => {
      const phi = initLearnedLoss(reacherLossSpec(objective), new RNG(3));
      const last = phi[phi.length - 1]!;
      phi[phi.length - 1] = last.add(outputBias);
      const f = (a: tf.Tensor) => reacherLearnedLoss(phi, states, a, goals, objective).sum();
      const { value, grad } = tf.valueAndGrad(f)(actions);
      return { value: value.dataSync()[0]!, grad: Array.from(grad.dataSync()) };
    };
    const identity = { ...NEAREST, lossOutput: 'identity' } as const;
    assert.equal(reacherLossSpec(NEAREST).outputActivation, 'softplus');
    assert.equal(reacherLossSpec(identity).outputActivation, 'identity');
    const live = gradients(identity, 0);
    // A bias shift moves the identity loss's value and leaves its gradient as it was …
    const shifted = gradients(identity, -40);
    assert.ok(Math.abs(shifted.value - (live.value - 40)) < 1e-3, `${shifted.value}`);
    assert.ok(live.grad.some((g) => Math.abs(g) > 1e-4));
    for (let i = 0; i < live.grad.length; i++)
      assert.ok(Math.abs(shifted.grad[i]! - live.grad[i]!) < 1e-6);
    // … where it saturates the softplus: a value of ~0 and no gradient left.
    const saturated = gradients(NEAREST, -40);
    assert.ok(saturated.value >= 0 && saturated.value < 1e-12, `${saturated.value}`);
    for (const g of saturated.grad) assert.ok(Math.abs(g) < 1e-15);
  });

  it('is read from a learned-loss file (a run of the reach preset): older files get the authors’, a bad one is a clear error', () => {
    assert.deepEqual(readReacherObjective(undefined), AUTHORS_OBJECTIVE);
    assert.deepEqual(readReacherObjective(FINGERTIP), FINGERTIP);
    assert.deepEqual(readReacherObjective(NEAREST), NEAREST);
    assert.throws(
      () => readReacherObjective({ taskLoss: 'cartesian', wrapAngles: true }),
      /context\.objective must be \{ taskLoss: "joint" \| "fingertip" \| "joint-nearest", wrapAngles: boolean, lossOutput\?: "softplus" \| "identity" \}/,
    );
    assert.throws(() => readReacherObjective({ taskLoss: 'joint' }), /wrapAngles: boolean/);
    const identity = { ...NEAREST, lossOutput: 'identity' } as const;
    assert.deepEqual(readReacherObjective(identity), identity);
    assert.throws(
      () => readReacherObjective({ ...NEAREST, lossOutput: 'relu' }),
      /lossOutput\?: "softplus" \| "identity" \}, got .*relu/,
    );

    const out = mkdtempSync(join(tmpdir(), 'ml3-objective-'));
    const tiny = ['--iterations', '2', '--goals', '2', '--horizon', '6', '--random-episodes', '2'];
    const train = ml3(
      ...['reacher', 'train', ...tiny, '--test-goals', '1', '--eval-every', '2'],
      ...['--model-policy-steps', '0', '--planners', 'false', '--refit-every', '5'],
      ...['--task-loss', 'fingertip', '--wrap-angles', 'true', '--out', out, '--name', 'f'],
      ...['--preset', 'reach', '--quiet'],
    );
    assert.equal(train.code, 0, train.stderr);
    // The preset's values are in the run's config, under the flags given (goals, task loss).
    const config = JSON.parse(
      readFileSync(join(out, 'reacher', 'f', 'config.json'), 'utf8'),
    ).config;
    assert.equal(config.preset, 'reach');
    for (const [key, value] of Object.entries({
      innerSteps: 5,
      testSteps: 5,
      metaObjective: 'every-step',
      lossOutput: 'identity',
      initialPolicy: 'per-episode',
      goals: 2,
      taskLoss: 'fingertip',
    }))
      assert.equal(config[key], value, key);
    const path = join(out, 'reacher', 'f', 'learned-loss.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(doc.context.objective, { ...FINGERTIP, lossOutput: 'identity' });
    assert.equal(doc.context.initialPolicy, 'per-episode');
    assert.equal(doc.spec.outputActivation, 'identity');
    const judged = ml3('eval', path, '--goals', '1', '--no-planners', '--model-policy-steps', '0');
    assert.equal(judged.code, 0, judged.stderr);
    // The paper's test steps both losses at the learned loss's rate, and says so.
    assert.match(
      judged.stdout,
      /both SGD rows step at the learned loss's rate 0\.001, the paper's protocol; each loss at its own best rate per K: --curve true/,
    );
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...doc, context: { ...doc.context, objective: 'tip' } }));
    const broken = ml3('eval', bad, '--goals', '1', '--no-planners');
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /corrupt reacher learned loss .*context\.objective must be/);
  });
});
