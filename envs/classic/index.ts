/** The classic analytic environments (Gymnasium's equations, no physics engine). */
export {
  classicTrackHeight,
  MOUNTAIN_CAR_CONTINUOUS_DEFAULTS,
  type MountainCarContinuousArgs,
  MountainCarContinuousEnv,
  type MountainCarContinuousParams,
  mountainCarContinuousReward,
  mountainCarTerminated,
} from './mountainCarContinuous.js';
export {
  type MountainCarScene,
  renderMountainCarAnsi,
  renderMountainCarFrame,
} from './mountainCarRender.js';
