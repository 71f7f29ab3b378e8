import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTransitions, modelDataFromJson } from '../../ml3/experiments/reacher/modelData.js';

describe('reacher model data', () => {
  it('appends each step of lockstep rollouts as (state, action, next state)', () => {
    // 2 envs × 2 steps; joint states [q0, q1, q̇0, q̇1] numbered so every slot is recognisable.
    const states = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const actions = Float32Array.from({ length: 2 * 2 * 2 }, (_, i) => 100 + i);
    const data = { states: [], actions: [], nextStates: [] };
    addTransitions(data, { states, actions, envs: 2, horizon: 2 });
    assert.deepEqual(data.states, [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.deepEqual(data.nextStates, [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]);
    assert.deepEqual(data.actions, [100, 101, 102, 103, 104, 105, 106, 107]);
    assert.equal(modelDataFromJson(data), data);
  });

  it('rejects checkpoint data whose arrays do not match', () => {
    const message = /model data must hold matching states, actions and next states/;
    assert.throws(() => modelDataFromJson(undefined), message);
    assert.throws(
      () => modelDataFromJson({ states: [0, 0, 0, 0], actions: [0], nextStates: [0, 0, 0, 0] }),
      message,
    );
    assert.throws(
      () => modelDataFromJson({ states: [0, 0, 0], actions: [], nextStates: [0, 0, 0] }),
      message,
    );
  });
});
