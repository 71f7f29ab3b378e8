/**
 * Task rewards as tensor functions, for planning and learning through models: the same
 * definitions as the envs' reward functions, batched.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ReacherParams } from '../envs/index.js';

/**
 * Reacher-v5's reward on the state layout of `ReacherEnv.getState()` ([q0, q1, q̇0, q̇1, goalX,
 * goalY]): −‖fingertip(s′) − goal‖·distWeight − ‖a‖²·controlWeight, for [P, 6] states and [P, 2]
 * actions → [P] (the env's `reacherReward`, batched).
 */
export function reacherRewardTensor(
  p: ReacherParams,
): (states: tf.Tensor, actions: tf.Tensor, nextStates: tf.Tensor) => tf.Tensor {
  return (_states, actions, next) => {
    const q0 = next.slice([0, 0], [-1, 1]);
    const q01 = q0.add(next.slice([0, 1], [-1, 1]));
    const fx = q0.cos().mul(p.link0Length).add(q01.cos().mul(p.fingertipOffset));
    const fy = q0.sin().mul(p.link0Length).add(q01.sin().mul(p.fingertipOffset));
    const dx = fx.sub(next.slice([0, 4], [-1, 1]));
    const dy = fy.sub(next.slice([0, 5], [-1, 1]));
    const dist = dx.square().add(dy.square()).sqrt().squeeze([1]);
    const ctrl = actions.square().sum(1);
    return dist.mul(-p.rewardDistWeight).sub(ctrl.mul(p.rewardControlWeight));
  };
}
