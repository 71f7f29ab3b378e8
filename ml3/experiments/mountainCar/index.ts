/** ML3 exploration with extra information on the Rapier mountain car (paper IV.B). */
export {
  type CarLossContext,
  type CarLossFile,
  carInitialPolicy,
  loadCarLossFile,
} from './lossFile.js';
export {
  CAR_TEST_EPISODE_STEPS,
  CAR_TEST_STARTS,
  type CarInnerLoss,
  type CarMethodResult,
  type CarTestEpisode,
  type CarTestOptions,
  carBaselines,
  carMethodResult,
  testCarLoss,
} from './metaTest.js';
export {
  CAR_LOSS,
  CAR_POLICY,
  type CarGoals,
  carLearnedLoss,
  carLearnedLossGradient,
  carModelTaskLoss,
  carPolicyActions,
  carRolloutPolicy,
  carTaskLoss,
  carTwinRollout,
  EXTRA_GOAL_SOFTMIN,
  VELOCITY_SCALE,
} from './task.js';
export {
  type CarVariant,
  carGoals,
  MOUNTAIN_CAR_DEFAULTS,
  type MountainCarConfig,
  MountainCarMetaTrainer,
} from './train.js';
