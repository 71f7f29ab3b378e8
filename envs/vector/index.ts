/** Vector envs after `gymnasium.vector`. */
export { AsyncVectorEnv, type AsyncVectorEnvOptions } from './asyncVectorEnv.js';
export { addInfo } from './infos.js';
export { makeVec, SyncVectorEnv, type SyncVectorEnvOptions } from './syncVectorEnv.js';
export {
  AutoresetMode,
  type VectorEnv,
  type VectorEnvMetadata,
  type VectorResetArgs,
  type VectorStepResult,
} from './vectorEnv.js';
