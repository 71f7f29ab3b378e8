/**
 * Differentiable rollouts through a learned dynamics model: policy → action → ensemble → next
 * state, for a batch of G rollouts (goals) at once. Every step is a tensor op, so a loss on the
 * rollout has a gradient with respect to the policy's parameters (and ML3 differentiates that
 * once more with respect to the learned loss that produced those parameters).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgument } from '../envs/index.js';
import type { DynamicsEnsemble } from './dynamics.js';

/** Arguments of {@link rolloutThroughModel}. */
export interface ModelRolloutArgs {
  /** The dynamics model (its mean prediction is used; its parameters are constants here). */
  model: DynamicsEnsemble;
  /**
   * Actions for the states at step t (closes over the policy's parameters): [G, A] for [G, S], or
   * with `perMember`, [G, M, A] for [G, M, S].
   */
  act: (states: tf.Tensor, t: number) => tf.Tensor;
  /** Start states [G, S]. */
  start: tf.Tensor;
  /** Steps H ≥ 1. */
  horizon: number;
  /**
   * Roll each ensemble member out on its own (trajectory sampling, "TS-∞" in PETS) instead of
   * following the members' mean: a loss averaged over the members' rollouts penalises plans that
   * only one member believes in, which makes the model harder to exploit.
   */
  perMember?: boolean;
}

/**
 * A batch of rollouts: states [G, H + 1, S] (the start first) and actions [G, H, A]; with
 * `perMember`, [G, M, H + 1, S] and [G, M, H, A].
 */
export interface Rollout {
  states: tf.Tensor;
  actions: tf.Tensor;
}

/**
 * Rolls G start states forward H steps through the model's mean prediction under `act`. Call it
 * inside `tf.tidy` / `tf.grads`; it does not dispose anything itself.
 */
export function rolloutThroughModel(args: ModelRolloutArgs): Rollout {
  const { model, start, horizon } = args;
  if (!(Number.isInteger(horizon) && horizon >= 1)) {
    throw new InvalidArgument(`horizon must be an integer >= 1, got ${horizon}`);
  }
  if (start.rank !== 2 || start.shape[1] !== model.stateSize) {
    throw new InvalidArgument(
      `start states must be [G, ${model.stateSize}], got [${start.shape.join(', ')}]`,
    );
  }
  const G = start.shape[0]!;
  const M = model.args.members;
  const expected = args.perMember ? [G, M, model.actionSize] : [G, model.actionSize];
  let s = args.perMember ? start.expandDims(1).tile([1, M, 1]) : start;
  const states: tf.Tensor[] = [s];
  const actions: tf.Tensor[] = [];
  for (let t = 0; t < horizon; t++) {
    const a = args.act(s, t);
    if (a.shape.join() !== expected.join()) {
      throw new InvalidArgument(
        `act must return [${expected.join(', ')}] actions, got [${a.shape.join(', ')}]`,
      );
    }
    if (args.perMember) {
      // Member m advances its own states: [G, M, ·] → [M, G, ·] for the batched members.
      const sm = s.transpose([1, 0, 2]);
      const delta = model.predictDeltaMean(model.params, sm, a.transpose([1, 0, 2]));
      s = sm.add(delta).transpose([1, 0, 2]);
    } else {
      s = model.nextStateMean(s, a);
    }
    actions.push(a);
    states.push(s);
  }
  const axis = args.perMember ? 2 : 1;
  return { states: tf.stack(states, axis), actions: tf.stack(actions, axis) };
}
