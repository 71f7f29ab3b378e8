/**
 * `makeVec`, after Gymnasium's `make_vec`: `numEnvs` copies of a registered env in a
 * `SyncVectorEnv` (default) or an `AsyncVectorEnv` (`vectorizationMode: 'async'`), typed by id.
 */
import type { MakeOptions } from '../core/env.js';
import { InvalidArgument } from '../core/errors.js';
import type {
  BatchedAct,
  BatchedObs,
  KnownEnvId,
  NotKnownEnvId,
  TypedMakeOptions,
} from '../envTypes.js';
import { make } from '../registry.js';
import { AsyncVectorEnv } from './asyncVectorEnv.js';
import type { AsyncVectorEnvOptions } from './asyncVectorEnvOptions.js';
import { SyncVectorEnv, type SyncVectorEnvOptions } from './syncVectorEnv.js';

/** How `makeVec` runs the copies. */
export interface VectorizationOptions extends SyncVectorEnvOptions {
  /** `'sync'` (default): one thread, in order; `'async'`: worker threads (AsyncVectorEnv). */
  vectorizationMode?: 'sync' | 'async';
  /** Worker threads of the async mode (default: available cores − 1). */
  numWorkers?: AsyncVectorEnvOptions['numWorkers'];
}

/**
 * Makes a vector env of `numEnvs` copies of a registered env (Gymnasium's `make_vec`).
 * @param id a registered id (known ids type the batches)
 * @param numEnvs number of copies
 * @param options `make` options for every copy, plus `autoresetMode`, `vectorizationMode`
 * @example
 * const envs = makeVec('rapier/Reacher-v1', 8);                          // SyncVectorEnv
 * const fast = makeVec('rapier/Reacher-v1', 16, { vectorizationMode: 'async' });
 */
export function makeVec<Id extends KnownEnvId>(
  id: Id,
  numEnvs: number,
  options?: TypedMakeOptions<Id> & VectorizationOptions & { vectorizationMode?: 'sync' },
): SyncVectorEnv<BatchedObs<Id>, BatchedAct<Id>>;
export function makeVec<Id extends KnownEnvId>(
  id: Id,
  numEnvs: number,
  options: TypedMakeOptions<Id> & VectorizationOptions & { vectorizationMode: 'async' },
): AsyncVectorEnv<BatchedObs<Id>, BatchedAct<Id>>;
export function makeVec<BObs = unknown, BAct = unknown, Id extends string = string>(
  id: NotKnownEnvId<Id>,
  numEnvs: number,
  options?: MakeOptions & VectorizationOptions,
): SyncVectorEnv<BObs, BAct> | AsyncVectorEnv<BObs, BAct>;
export function makeVec(
  id: string,
  numEnvs: number,
  options: MakeOptions & VectorizationOptions = {},
): SyncVectorEnv | AsyncVectorEnv {
  if (!(Number.isInteger(numEnvs) && numEnvs > 0)) {
    throw new InvalidArgument(`numEnvs must be a positive integer, got ${numEnvs}`);
  }
  const { autoresetMode, vectorizationMode = 'sync', numWorkers, ...makeOptions } = options;
  if (vectorizationMode === 'async') {
    return new AsyncVectorEnv({ id, numEnvs, makeOptions, autoresetMode, numWorkers });
  }
  if (vectorizationMode !== 'sync') {
    throw new InvalidArgument(
      `vectorizationMode must be 'sync' or 'async', got ${String(vectorizationMode)}`,
    );
  }
  if (numWorkers !== undefined) {
    throw new InvalidArgument("numWorkers applies to vectorizationMode: 'async' only");
  }
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => () => make(id, makeOptions)),
    { autoresetMode },
  );
}
