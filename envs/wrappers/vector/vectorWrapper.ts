/**
 * `VectorWrapper`, after `gymnasium.vector.VectorWrapper`: wraps a {@link VectorEnv} and forwards
 * everything to it; subclasses override what they change.
 */
import type { EnvSpec, Info, RenderOutput } from '../../core/env.js';
import { InvalidArgument } from '../../core/errors.js';
import type { Space } from '../../spaces/space.js';
import type {
  VectorEnv,
  VectorEnvMetadata,
  VectorResetArgs,
  VectorStepResult,
} from '../../vector/vectorEnv.js';

/** Whether `x` looks like a vector env (batched spaces and `numEnvs`). */
export function isVectorEnv(x: unknown): x is VectorEnv {
  const env = x as Partial<VectorEnv> | undefined;
  return (
    typeof env === 'object' &&
    env !== null &&
    Number.isInteger(env.numEnvs) &&
    env.singleObservationSpace !== undefined &&
    typeof env.step === 'function' &&
    typeof env.reset === 'function'
  );
}

/** Forwards every call to the wrapped vector env. */
export class VectorWrapper<BObs = unknown, BAct = unknown, WObs = BObs, WAct = BAct>
  implements VectorEnv<WObs, WAct>
{
  /** The wrapped vector env. */
  readonly env: VectorEnv<BObs, BAct>;
  readonly numEnvs: number;
  singleObservationSpace: Space<unknown>;
  singleActionSpace: Space<unknown>;
  observationSpace: Space<WObs>;
  actionSpace: Space<WAct>;

  /** @throws InvalidArgument when `env` is not a vector env (wrap single envs with `ml3/envs` wrappers). */
  constructor(env: VectorEnv<BObs, BAct>) {
    if (!isVectorEnv(env)) {
      throw new InvalidArgument(
        `${new.target.name} (vector) wraps a vector env (SyncVectorEnv, AsyncVectorEnv, makeVec), got ${String(env)}; for a single env use the wrapper of the same name from the single-env wrappers`,
      );
    }
    this.env = env;
    this.numEnvs = env.numEnvs;
    this.singleObservationSpace = env.singleObservationSpace;
    this.singleActionSpace = env.singleActionSpace;
    this.observationSpace = env.observationSpace as unknown as Space<WObs>;
    this.actionSpace = env.actionSpace as unknown as Space<WAct>;
  }

  get metadata(): VectorEnvMetadata {
    return this.env.metadata;
  }

  get renderMode(): string | undefined {
    return this.env.renderMode;
  }

  get spec(): EnvSpec | undefined {
    return this.env.spec;
  }

  reset(args?: VectorResetArgs): [WObs, Info] {
    return this.env.reset(args) as unknown as [WObs, Info];
  }

  step(actions: WAct): VectorStepResult<WObs> {
    return this.env.step(actions as unknown as BAct) as unknown as VectorStepResult<WObs>;
  }

  render(): RenderOutput[] | undefined {
    return this.env.render();
  }

  close(): void {
    this.env.close();
  }
}
