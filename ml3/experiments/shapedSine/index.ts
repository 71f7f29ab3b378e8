/** ML3 loss shaping with extra information on y = sin(θx) (paper IV.B): task, meta-training, meta-test. */
export { lossLandscape, oneStepTheta } from './metaTest.js';
export {
  SHAPED_SINE_LOSS,
  shapedSineLearnedLoss,
  shapedSineLearnedLossPerTheta,
  shapedSineTaskLoss,
  shapedSineTestInputs,
} from './task.js';
export { SHAPED_SINE_DEFAULTS, type ShapedSineConfig, ShapedSineMetaTrainer } from './train.js';
