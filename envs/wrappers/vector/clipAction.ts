/**
 * Vector `ClipAction`, after `gymnasium.wrappers.vector.ClipAction`: clips every sub-env's action
 * to its Box bounds, so the wrapper accepts any finite batch (`Box(−∞, ∞)`).
 */
import { InvalidArgument } from '../../core/errors.js';
import { batchSpace } from '../../spaces/batch.js';
import { allocArray, Box } from '../../spaces/box.js';
import type { Space } from '../../spaces/space.js';
import type { VectorEnv, VectorStepResult } from '../../vector/vectorEnv.js';
import { VectorWrapper } from './vectorWrapper.js';

/** Clips batched Box actions to the sub-envs' bounds (see the file header). */
export class ClipAction<BObs> extends VectorWrapper<BObs, ArrayLike<number>> {
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly dtype: Box['dtype'];

  /** @param env a vector env whose sub-envs have a Box action space */
  constructor(env: VectorEnv<BObs, ArrayLike<number>>) {
    super(env);
    const single = env.singleActionSpace;
    if (!(single instanceof Box)) {
      throw new InvalidArgument(
        `ClipAction (vector) needs a Box action space, got ${String(single)}`,
      );
    }
    const n = this.numEnvs;
    this.low = new Float64Array(n * single.size);
    this.high = new Float64Array(n * single.size);
    for (let i = 0; i < n; i++) {
      this.low.set(single.low, i * single.size);
      this.high.set(single.high, i * single.size);
    }
    this.dtype = single.dtype;
    this.singleActionSpace = new Box(-Infinity, Infinity, single.shape, single.dtype);
    this.actionSpace = batchSpace(this.singleActionSpace, n) as Space<ArrayLike<number>>;
  }

  override step(actions: ArrayLike<number>): VectorStepResult<BObs> {
    if (actions?.length !== this.low.length) {
      throw new InvalidArgument(
        `ClipAction (vector): expected ${this.low.length} action values (${this.numEnvs} envs × ${this.low.length / this.numEnvs}), got ${actions?.length}`,
      );
    }
    const clipped = allocArray(this.dtype, this.low.length);
    for (let i = 0; i < clipped.length; i++)
      clipped[i] = Math.min(Math.max(actions[i]!, this.low[i]!), this.high[i]!);
    return this.env.step(clipped);
  }
}
