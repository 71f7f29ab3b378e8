/**
 * Wrappers of vector envs after `gymnasium.wrappers.vector`, under the same names as the single-env
 * wrappers: import them as `vectorWrappers` from `ml3/envs`.
 * @example
 * import { makeVec, vectorWrappers } from 'ml3/envs';
 * const envs = new vectorWrappers.RecordEpisodeStatistics(makeVec('rapier/Reacher-v1', 8));
 */
export { ClipAction } from './clipAction.js';
export { NormalizeObservation, NormalizeReward } from './normalize.js';
export { RecordEpisodeStatistics } from './recordEpisodeStatistics.js';
export { isVectorEnv, VectorWrapper } from './vectorWrapper.js';
