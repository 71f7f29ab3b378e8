/** The reacher objective options: fingertip task loss, wrapped joint-0 error, and the file round trip. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../agents/index.js';
import { REACHER_DEFAULTS, reacherFingertip } from '../../envs/index.js';
import {
  AUTHORS_OBJECTIVE,
  type ReacherObjective,
  reacherLossFeatures,
  reacherTaskLoss,
  readReacherObjective,
} from '../../ml3/index.js';
import { ml3 } from '../scripts/runCli.js';

const FINGERTIP: ReacherObjective = { taskLoss: 'fingertip', wrapAngles: true };
const WRAPPED_JOINT: ReacherObjective = { taskLoss: 'joint', wrapAngles: true };

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

  it('is read from a learned-loss file: older files get the authors’, a bad one is a clear error', () => {
    assert.deepEqual(readReacherObjective(undefined), AUTHORS_OBJECTIVE);
    assert.deepEqual(readReacherObjective(FINGERTIP), FINGERTIP);
    assert.throws(
      () => readReacherObjective({ taskLoss: 'cartesian', wrapAngles: true }),
      /context\.objective must be \{ taskLoss: "joint" \| "fingertip", wrapAngles: boolean \}/,
    );
    assert.throws(() => readReacherObjective({ taskLoss: 'joint' }), /wrapAngles: boolean/);

    const out = mkdtempSync(join(tmpdir(), 'ml3-objective-'));
    const tiny = ['--iterations', '2', '--goals', '2', '--horizon', '6', '--random-episodes', '2'];
    const train = ml3(
      ...['reacher', 'train', ...tiny, '--test-goals', '1', '--eval-every', '2'],
      ...['--model-policy-steps', '0', '--planners', 'false', '--refit-every', '5'],
      ...['--task-loss', 'fingertip', '--wrap-angles', 'true', '--out', out, '--name', 'f'],
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const path = join(out, 'reacher', 'f', 'learned-loss.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(doc.context.objective, FINGERTIP);
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...doc, context: { ...doc.context, objective: 'tip' } }));
    const broken = ml3('eval', bad, '--goals', '1', '--no-planners');
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /corrupt reacher learned loss .*context\.objective must be/);
  });
});
