/**
 * The reacher run's data for its dynamics model: real transitions (joint states and actions)
 * as growing plain arrays, added from lockstep rollouts and checked when read from a checkpoint.
 */
import { REACHER_JOINT_STATE } from './task.js';

const S = REACHER_JOINT_STATE;

/** Transitions for the model as growing plain arrays (joint states and actions). */
export interface ReacherModelData {
  states: number[];
  actions: number[];
  nextStates: number[];
}

/** Appends every transition of lockstep rollouts (`envs` episodes of `horizon` steps). */
export function addTransitions(
  data: ReacherModelData,
  r: { states: Float32Array; actions: Float32Array; envs: number; horizon: number },
) {
  for (let g = 0; g < r.envs; g++) {
    for (let t = 0; t < r.horizon; t++) {
      const i = (g * (r.horizon + 1) + t) * S;
      for (let k = 0; k < S; k++) {
        data.states.push(r.states[i + k]!);
        data.nextStates.push(r.states[i + S + k]!);
      }
      const j = (g * r.horizon + t) * 2;
      data.actions.push(r.actions[j]!, r.actions[j + 1]!);
    }
  }
}

/** Model data from checkpoint JSON; throws `RangeError` unless the arrays' lengths match. */
export function modelDataFromJson(json: unknown): ReacherModelData {
  const d = json as ReacherModelData;
  const rows = d?.states?.length / S;
  if (
    !Number.isInteger(rows) ||
    d.nextStates?.length !== rows * S ||
    d.actions?.length !== rows * 2
  )
    throw new RangeError('model data must hold matching states, actions and next states');
  return d;
}
