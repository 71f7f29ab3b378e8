/**
 * `ml3/ml3`: learned losses M_φ, the bi-level meta-train step (Algorithm 1), meta-test
 * (Algorithm 2) and learned-loss files.
 */
export {
  initLearnedLoss,
  type LearnedLossSpec,
  learnedLossMlp,
  learnedLossValues,
} from './learnedLoss.js';
export {
  type LearnedLossDocument,
  LearnedLossFileError,
  learnedLossShapes,
  loadLearnedLoss,
  saveLearnedLoss,
} from './lossFile.js';
export {
  type AdaptArgs,
  adapt,
  type MetaStepArgs,
  type MetaStepResult,
  metaGradient,
} from './metaStep.js';
