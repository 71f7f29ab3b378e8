/** ML3 sine regression (paper IV.A.1): task, meta-training, meta-test. */

export { SineKernel } from './cpuSine.js';
export {
  evaluateSineLosses,
  type SineEvalSettings,
  type SineTestOptions,
  type SineTestResult,
  seedMeans,
  sineLearningCurves,
} from './metaTest.js';
export {
  disposeSineTaskSet,
  SINE_LOSS,
  SINE_MODEL,
  SINE_POINTS,
  SINE_TEST_TASKS,
  SINE_TRAIN_TASK,
  type SineTaskDistribution,
  type SineTaskSet,
  sineTaskSet,
} from './task.js';
export { SINE_DEFAULTS, type SineConfig, SineMetaTrainer } from './train.js';
