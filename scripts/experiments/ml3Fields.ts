/** Config fields every ML3 policy experiment (reacher, mountain car) has, with one wording. */
import type { FieldSpec } from '../run/experiment.js';

/** Schema entries of the shared fields; spread into an experiment's schema. */
export const POLICY_ML3_FIELDS = {
  innerSteps: { type: 'int', doc: 'inner SGD steps per meta-update', min: 1 },
  innerLr: { type: 'number', doc: 'inner SGD learning rate of the policy', min: 0 },
  outerLr: { type: 'number', doc: 'Adam learning rate of the learned loss', min: 0 },
  testSteps: { type: 'int', doc: 'SGD steps at test', min: 0 },
  seed: { type: 'int', doc: 'seed', min: 0 },
  checkpointEvery: { type: 'int', doc: 'iterations between checkpoints', min: 1 },
} as const satisfies Record<string, FieldSpec>;
