/**
 * `ml3/ml3`: learned losses M_φ, the bi-level meta-train step (Algorithm 1), meta-test
 * (Algorithm 2), learned-loss files, and the paper's experiments, one folder each under
 * `experiments/` (task, meta-training, meta-test): sine regression, shaped sine, the model-based
 * reacher, the mountain car with extra information, and model-free ML3 (policy gradient).
 */

export {
  type ExtraInformation,
  extraVariants,
  type MetaTrainConfig,
  type MetaTrainer,
  type Metrics,
  restoreParams,
  variantLabel,
} from './experiments/metaTrainer.js';
export * from './experiments/mountainCar/index.js';
export * from './experiments/policyGradient/index.js';
export * from './experiments/reacher/index.js';
export * from './experiments/shapedSine/index.js';
export * from './experiments/sine/index.js';
export {
  initLearnedLoss,
  type LearnedLossSpec,
  learnedLossMlp,
  learnedLossValues,
} from './learnedLoss.js';
export {
  gradientThroughActions,
  type InputGradientOptions,
  learnedLossInputGradient,
  writtenOutInnerGradients,
} from './learnedLossGradient.js';
export {
  type LearnedLossDocument,
  LearnedLossFileError,
  learnedLossShapes,
  loadLearnedLoss,
  type ParsedLearnedLoss,
  parseLearnedLoss,
  saveLearnedLoss,
  trainingConfig,
} from './lossFile.js';
export {
  type AdaptArgs,
  adapt,
  clipPerMember,
  type MetaStepArgs,
  type MetaStepResult,
  memberNorms,
  metaGradient,
} from './metaStep.js';
