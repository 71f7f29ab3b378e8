/** Reading one sub-env's row out of a batched Box observation. */
import { InvalidArgument } from '../core/errors.js';
import { Box, type BoxArray } from '../spaces/box.js';
import type { VectorEnv } from './vectorEnv.js';

/**
 * Row `i` of a batch of Box observations of `env` (sub-env i's observation): a view of the
 * batch, not a copy.
 * @example
 * const [obs] = envs.reset({ seed: 0 });
 * const third = batchRow(envs, obs, 2); // Float64Array(10) for the reacher
 */
export function batchRow<T extends BoxArray>(
  env: Pick<VectorEnv, 'singleObservationSpace' | 'numEnvs'>,
  batch: T,
  i: number,
): T {
  const space = env.singleObservationSpace;
  if (!(space instanceof Box)) {
    throw new InvalidArgument(`batchRow reads Box observations, got ${String(space)}`);
  }
  if (!(Number.isInteger(i) && i >= 0 && i < env.numEnvs)) {
    throw new InvalidArgument(`row ${i} is not a sub-env: expected 0 … ${env.numEnvs - 1}`);
  }
  if (batch?.length !== env.numEnvs * space.size) {
    throw new InvalidArgument(
      `expected a batch of ${env.numEnvs} × ${space.size} values, got ${batch?.length}`,
    );
  }
  return batch.subarray(i * space.size, (i + 1) * space.size) as T;
}
