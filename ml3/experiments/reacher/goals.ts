/**
 * Reacher goals: fingertip targets drawn as Reacher-v5 draws them, and the joint-space poses that
 * reach them (the two inverse-kinematics solutions, elbow bent either way).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  REACHER_DEFAULTS,
  type ReacherParams,
  type RNG,
  reacherInverseKinematics,
} from '../../../envs/index.js';

/** A fingertip target drawn as Reacher-v5 draws it: uniform in the disk of radius 0.2, rejection-sampled. */
export function sampleFingertipGoal(rng: RNG): [number, number] {
  let goal: [number, number];
  do goal = [rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)];
  while (Math.hypot(goal[0], goal[1]) >= 0.2);
  return goal;
}

/**
 * The joint-space goal [q0*, q1*, 0, 0] of a fingertip target: of the two inverse-kinematics
 * solutions, the one nearest the arm's rest pose q = 0. Targets closer to the base than the
 * joint limit allows are pushed out to the nearest reachable radius.
 */
export function jointGoal(
  target: readonly [number, number],
  p: ReacherParams = REACHER_DEFAULTS,
): number[] {
  const a = p.link0Length;
  const b = p.fingertipOffset;
  const rMin = Math.sqrt(a * a + b * b + 2 * a * b * Math.cos(p.joint1Limit)) * 1.0001;
  const r = Math.hypot(target[0], target[1]);
  const t: [number, number] =
    r >= rMin
      ? [target[0], target[1]]
      : r > 0
        ? [(target[0] * rMin) / r, (target[1] * rMin) / r]
        : [rMin, 0];
  const down = reacherInverseKinematics(t, p, 'down');
  const up = reacherInverseKinematics(t, p, 'up');
  const norm = (q: number[]) => Math.hypot(q[0]!, q[1]!);
  const q = norm(down) <= norm(up) ? down : up;
  return [q[0], q[1], 0, 0];
}

/** The whole turns to take off angles x to bring them into [−π, π): floor((x + π) / 2π). */
export function wholeTurns(x: tf.Tensor): tf.Tensor {
  return x
    .add(Math.PI)
    .div(2 * Math.PI)
    .floor();
}

/**
 * The other inverse-kinematics solution of joint goals [..., 4]: the elbow bent the other way
 * (q1 → −q1) and joint 0 turned so that the fingertip stays on the target,
 * q0 → q0 + 2·atan2(b sin q1, a + b cos q1) (a: upper link, b: elbow to fingertip), wrapped to
 * [−π, π).
 */
export function mirrorJointGoals(goals: tf.Tensor, p: ReacherParams = REACHER_DEFAULTS): tf.Tensor {
  const rank = goals.rank;
  const begin = new Array<number>(rank).fill(0);
  const size = [...goals.shape.slice(0, -1), 1];
  const at = (i: number) => goals.slice([...begin.slice(0, -1), i], size);
  const q0 = at(0);
  const q1 = at(1);
  const turn = tf.atan2(
    q1.sin().mul(p.fingertipOffset),
    q1.cos().mul(p.fingertipOffset).add(p.link0Length),
  );
  const rest = goals.slice(
    [...begin.slice(0, -1), 2],
    [...goals.shape.slice(0, -1), goals.shape[rank - 1]! - 2],
  );
  // Wrapped to [−π, π) like the first solution's angle (atan2), so neither is whole turns away.
  const mirrored = q0.add(turn.mul(2));
  return tf.concat([mirrored.sub(wholeTurns(mirrored).mul(2 * Math.PI)), q1.neg(), rest], -1);
}
