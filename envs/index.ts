/**
 * `ml3/envs`: a Gymnasium-compatible environment API (Env, spaces, registry and `make`,
 * wrappers, vector envs, the env checker, seeded RNG) and this package's environments.
 *
 * @example
 * import { make } from 'ml3/envs';
 * const env = make('classic/MountainCarContinuous-v0');
 * const [obs, info] = env.reset({ seed: 42 });
 */
import './registration.js';

export { type CheckEnvOptions, type CheckEnvReport, checkEnv, deepEqual } from './checkEnv.js';
export {
  checkRenderMode,
  readBoxAction,
  readDiscreteAction,
  resolveParams,
} from './checks/input.js';
export * from './classic/index.js';
export {
  Env,
  type EnvCreator,
  type EnvMetadata,
  type EnvSpec,
  type EnvSpecInput,
  type Info,
  type MakeOptions,
  type RenderMode,
  type RenderOutput,
  type ResetArgs,
  type ResetResult,
  type RgbFrame,
  type StepResult,
} from './core/env.js';
export { envId, parseEnvId } from './core/envId.js';
export * from './core/errors.js';
export { writeFileAtomic } from './core/files.js';
export { hasNodeBuiltins, nodeBuiltin } from './core/nodeBuiltins.js';
export { assertValidSeed, RNG, type RNGState, rngStatesEqual } from './core/rng.js';
export { decodeBinary, encodeBinary, type SavedEnvState } from './core/savedState.js';
export { collectWarnings, setWarningHandler, type WarningHandler, warn } from './core/warnings.js';
export type {
  Batch,
  BatchedAct,
  BatchedObs,
  EnvOf,
  EnvTypeMap,
  EnvTypesOf,
  KnownEnvId,
  TypedMakeOptions,
} from './envTypes.js';
export * from './rapier/index.js';
export { make, register, registry, spec, unregister } from './registry.js';
export * from './render/index.js';
export * from './spaces/index.js';
export * from './vector/index.js';
export * from './wrappers/index.js';
export * as vectorWrappers from './wrappers/vector/index.js';
