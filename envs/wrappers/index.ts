/** Wrappers after `gymnasium.wrappers`. */
export { NormalizeObservation, NormalizeReward } from './normalize.js';
export { OrderEnforcing } from './orderEnforcing.js';
export { PassiveEnvChecker } from './passiveEnvChecker.js';
export { type EpisodeStatistics, RecordEpisodeStatistics } from './recordEpisodeStatistics.js';
export { cappedCubicVideoSchedule, RecordVideo, type RecordVideoOptions } from './recordVideo.js';
export { RunningMeanStd, type RunningMeanStdState } from './runningMeanStd.js';
export { TimeLimit } from './timeLimit.js';
export {
  ClipAction,
  FlattenObservation,
  RescaleAction,
  TransformAction,
  TransformObservation,
  TransformReward,
} from './transform.js';
export { ActionWrapper, ObservationWrapper, RewardWrapper, Wrapper } from './wrapper.js';
