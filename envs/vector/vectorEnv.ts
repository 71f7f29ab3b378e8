/**
 * The vector-env interface, after `gymnasium.vector.VectorEnv`: `numEnvs` copies of an env
 * stepped together with batched observations, rewards, flags and infos.
 */
import type { EnvMetadata, EnvSpec, Info, RenderOutput } from '../core/env.js';
import type { Space } from '../spaces/space.js';

/** When a sub-env whose episode ended is reset (Gymnasium's `AutoresetMode`). */
export const AutoresetMode = {
  /** The step after an episode ends resets that env, ignoring its action (Gymnasium's default). */
  NEXT_STEP: 'NextStep',
  /** The ending step resets at once and reports `finalObs` / `finalInfo` in the infos. */
  SAME_STEP: 'SameStep',
  /** No automatic reset: reset ended envs with `reset({ options: { resetMask } })`. */
  DISABLED: 'Disabled',
} as const;

/** One of {@link AutoresetMode}'s values. */
export type AutoresetMode = (typeof AutoresetMode)[keyof typeof AutoresetMode];

/** Arguments of a vector env's `reset`. */
export interface VectorResetArgs {
  /** An int seeds env i with `seed + i`; a list gives each env its seed (`undefined`: none). */
  seed?: number | readonly (number | undefined)[];
  /** Passed to every reset env; `resetMask` (one flag per env) resets only the flagged envs. */
  options?: Record<string, unknown> & { resetMask?: ArrayLike<boolean | number> };
}

/** `[observations, rewards, terminations, truncations, infos]` of a vector step. */
export type VectorStepResult<BObs> = [
  observations: BObs,
  rewards: Float64Array,
  terminations: Uint8Array,
  truncations: Uint8Array,
  infos: Info,
];

/** Metadata of a vector env: the sub-envs' render facts plus the autoreset mode. */
export interface VectorEnvMetadata extends EnvMetadata {
  readonly autoresetMode: AutoresetMode;
}

/** What every vector env provides (sync and, later, parallel implementations). */
export interface VectorEnv<BObs = unknown, BAct = unknown> {
  /** Number of sub-envs. */
  readonly numEnvs: number;
  /** Observation space of one sub-env. */
  readonly singleObservationSpace: Space<unknown>;
  /** Action space of one sub-env. */
  readonly singleActionSpace: Space<unknown>;
  /** Batched observation space (`batchSpace(single, numEnvs)`). */
  readonly observationSpace: Space<BObs>;
  /** Batched action space. */
  readonly actionSpace: Space<BAct>;
  readonly metadata: VectorEnvMetadata;
  readonly renderMode: string | undefined;
  readonly spec: EnvSpec | undefined;
  /** Resets all (or the masked) sub-envs; returns batched observations and infos. */
  reset(args?: VectorResetArgs): [BObs, Info];
  /** Steps every sub-env with its slice of `actions`. */
  step(actions: BAct): VectorStepResult<BObs>;
  /** The sub-envs' renders. */
  render(): RenderOutput[] | undefined;
  /** Closes every sub-env; safe to call twice. */
  close(): void;
}
