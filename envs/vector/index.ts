/** Vector envs after `gymnasium.vector`. */
export { AsyncVectorEnv } from './asyncVectorEnv.js';
export type { AsyncVectorEnvOptions, EnvFactory } from './asyncVectorEnvOptions.js';
export { batchRow } from './batchRow.js';
export { addInfo } from './infos.js';
export { makeVec, type VectorizationOptions } from './makeVec.js';
export { SyncVectorEnv, type SyncVectorEnvOptions } from './syncVectorEnv.js';
export {
  AutoresetMode,
  type VectorEnv,
  type VectorEnvMetadata,
  type VectorResetArgs,
  type VectorStepResult,
} from './vectorEnv.js';
