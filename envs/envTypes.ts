/**
 * Types of the registered envs by id, so `make('rapier/Reacher-v1')` is an
 * `Env<Float64Array, ArrayLike<number>, ReacherStepInfo>` and its options are checked.
 * Register an env of your own and declare its types by augmenting {@link EnvTypeMap}:
 * @example
 * declare module 'ml3/envs' {
 *   interface EnvTypeMap {
 *     'my/Walker-v0': EnvTypesOf<WalkerEnv, WalkerArgs>;
 *   }
 * }
 */
import type {
  MountainCarContinuousArgs,
  MountainCarContinuousEnv,
} from './classic/mountainCarContinuous.js';
import type { Env, Info, MakeOptions } from './core/env.js';
import type {
  RapierMountainCarArgs,
  RapierMountainCarContinuousEnv,
  RapierMountainCarEnv,
} from './rapier/mountainCar.js';
import type { ReacherArgs, ReacherEnv } from './rapier/reacher.js';

/** The observation, action, info and constructor-argument types of an env class. */
export type EnvTypesOf<E, Args = Record<string, never>> =
  E extends Env<infer O, infer A, infer I> ? { obs: O; act: A; info: I; args: Args } : never;

/** The package's ids and their types (augment it for ids you register). */
export interface EnvTypeMap {
  'classic/MountainCarContinuous-v0': EnvTypesOf<
    MountainCarContinuousEnv,
    MountainCarContinuousArgs
  >;
  'rapier/Reacher-v1': EnvTypesOf<ReacherEnv, ReacherArgs>;
  'rapier/MountainCarContinuous-v0': EnvTypesOf<
    RapierMountainCarContinuousEnv,
    RapierMountainCarArgs
  >;
  'rapier/MountainCar-v0': EnvTypesOf<RapierMountainCarEnv, RapierMountainCarArgs>;
}

/** A registered id with known types. */
export type KnownEnvId = keyof EnvTypeMap;

/**
 * `Id` unless it is a known id (then `never`): keeps a known id with a mistyped option from
 * falling through to the untyped overload of `make`.
 */
export type NotKnownEnvId<Id extends string> = Id extends KnownEnvId ? never : Id;

/** The env `make(id)` returns for a known id. */
export type EnvOf<Id extends KnownEnvId> = Env<
  EnvTypeMap[Id]['obs'],
  EnvTypeMap[Id]['act'],
  EnvTypeMap[Id]['info'] & Info
>;

/** `make`'s own options plus the env's constructor arguments, checked by key. */
export type TypedMakeOptions<Id extends KnownEnvId> = Pick<
  MakeOptions,
  'maxEpisodeSteps' | 'disableEnvChecker'
> &
  EnvTypeMap[Id]['args'];

/** A batch of `numEnvs` elements of a single observation or action type (flat row-major). */
export type Batch<T> = T extends number
  ? Int32Array
  : T extends Float64Array
    ? Float64Array
    : T extends Float32Array
      ? Float32Array
      : ArrayLike<number>;

/** Batched observations of a known id's vector env. */
export type BatchedObs<Id extends KnownEnvId> = Batch<EnvTypeMap[Id]['obs']>;

/** What a known id's vector env accepts as batched actions: any flat numeric array. */
export type BatchedAct<Id extends KnownEnvId> = EnvTypeMap[Id]['act'] extends
  | number
  | ArrayLike<number>
  ? ArrayLike<number>
  : never;
