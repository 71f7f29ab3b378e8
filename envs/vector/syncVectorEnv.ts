/**
 * `SyncVectorEnv`: steps `numEnvs` envs one after another in this thread, after
 * `gymnasium.vector.SyncVectorEnv` (same autoreset modes, seeding and info batching).
 */
import type { Env, EnvSpec, Info, RenderOutput } from '../core/env.js';
import {
  ClosedEnvironmentError,
  InvalidArgument,
  ResetNeeded,
  UnsupportedOperation,
} from '../core/errors.js';
import { assertValidSeed } from '../core/rng.js';
import { expectSavedState, type SavedEnvState } from '../core/savedState.js';
import {
  batchSpace,
  concatenate,
  createEmptyArray,
  iterate,
  writeBatchItem,
} from '../spaces/batch.js';
import { Box } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import { flatdim, flatten, unflatten } from '../spaces/utils.js';
import { type ActionShape, readBatchedActions } from './batchedActions.js';
import { addInfo } from './infos.js';
import {
  AutoresetMode,
  type VectorEnv,
  type VectorEnvMetadata,
  type VectorResetArgs,
  type VectorStepResult,
} from './vectorEnv.js';

/** Options of {@link SyncVectorEnv}. */
export interface SyncVectorEnvOptions {
  /** Autoreset mode (default NEXT_STEP, as Gymnasium). */
  autoresetMode?: AutoresetMode;
}

/**
 * Resolves `reset`'s seed argument to one seed (or undefined) per env.
 * @internal shared with the parallel vector env
 */
export function perEnvSeeds(
  seed: VectorResetArgs['seed'],
  numEnvs: number,
): (number | undefined)[] {
  if (seed === undefined) return new Array<undefined>(numEnvs).fill(undefined);
  if (typeof seed === 'number') {
    assertValidSeed(seed);
    return Array.from({ length: numEnvs }, (_, i) => seed + i);
  }
  if (!Array.isArray(seed) || seed.length !== numEnvs) {
    throw new InvalidArgument(
      `reset seed must be an integer or a list of ${numEnvs} seeds, got ${String(seed)}`,
    );
  }
  seed.forEach((s, i) => {
    if (s !== undefined) assertValidSeed(s, `seed of env ${i}`);
  });
  return [...seed];
}

/**
 * Resolves `options.resetMask` into one flag per env (all true without a mask).
 * @internal shared with the parallel vector env
 */
export function resetMaskOf(options: VectorResetArgs['options'], numEnvs: number): boolean[] {
  const mask = options?.resetMask;
  if (mask === undefined) return new Array<boolean>(numEnvs).fill(true);
  if (mask.length !== numEnvs) {
    throw new InvalidArgument(
      `options.resetMask must have ${numEnvs} entries (one per env), got ${mask.length}`,
    );
  }
  const flags = Array.from(mask, Boolean);
  if (!flags.some(Boolean)) throw new InvalidArgument('options.resetMask selects no env to reset');
  return flags;
}

/**
 * Vectorises envs in the current thread.
 *
 * @example
 * const envs = new SyncVectorEnv(Array.from({ length: 16 }, () => () => make('classic/MountainCarContinuous-v0')));
 * let [obs] = envs.reset({ seed: 0 });           // env i seeded with 0 + i
 * const [next, rewards, terminations, truncations, infos] = envs.step(envs.actionSpace.sample());
 */
export class SyncVectorEnv<BObs = unknown, BAct = unknown> implements VectorEnv<BObs, BAct> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<unknown>;
  readonly singleActionSpace: Space<unknown>;
  readonly observationSpace: Space<BObs>;
  readonly actionSpace: Space<BAct>;
  readonly metadata: VectorEnvMetadata;
  /** The numeric action layout checked on every step (Box and Discrete spaces; else none). */
  private readonly actionShape: ActionShape | undefined;
  /** The sub-envs (read-only use: stepping them directly desynchronises the vector env). */
  readonly envs: readonly Env[];
  private readonly autoresetEnvs: Uint8Array;
  private readonly endedEnvs: Uint8Array;
  private observations: BObs;
  private closed = false;

  /**
   * @param envFns one factory per sub-env
   * @param options autoreset mode
   */
  constructor(envFns: readonly (() => Env)[], options: SyncVectorEnvOptions = {}) {
    if (
      !Array.isArray(envFns) ||
      envFns.length === 0 ||
      envFns.some((f) => typeof f !== 'function')
    ) {
      throw new InvalidArgument(
        'SyncVectorEnv needs a non-empty list of functions that each return an Env',
      );
    }
    const mode = options.autoresetMode ?? AutoresetMode.NEXT_STEP;
    if (!Object.values(AutoresetMode).includes(mode)) {
      throw new InvalidArgument(
        `autoresetMode must be one of ${Object.values(AutoresetMode).join(', ')}, got ${String(mode)}`,
      );
    }
    this.envs = envFns.map((f) => f());
    this.numEnvs = this.envs.length;
    const first = this.envs[0]!;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    const single = first.actionSpace;
    this.actionShape =
      single instanceof Box
        ? { kind: 'box', size: single.size }
        : single instanceof Discrete
          ? { kind: 'discrete', size: 1 }
          : undefined;
    this.envs.forEach((env, i) => {
      if (
        !env.observationSpace.equals(first.observationSpace) ||
        !env.actionSpace.equals(first.actionSpace)
      ) {
        this.close();
        throw new InvalidArgument(
          `sub-env ${i} has other spaces than sub-env 0: all sub-envs must share their spaces`,
        );
      }
    });
    this.observationSpace = batchSpace(first.observationSpace, this.numEnvs) as Space<BObs>;
    this.actionSpace = batchSpace(first.actionSpace, this.numEnvs) as Space<BAct>;
    this.metadata = { ...first.metadata, autoresetMode: mode };
    this.autoresetEnvs = new Uint8Array(this.numEnvs);
    this.endedEnvs = new Uint8Array(this.numEnvs);
    this.observations = createEmptyArray(first.observationSpace, this.numEnvs) as BObs;
  }

  /** Render mode of the sub-envs. */
  get renderMode(): string | undefined {
    return this.envs[0]!.renderMode;
  }

  /** Spec of the sub-envs. */
  get spec(): EnvSpec | undefined {
    return this.envs[0]!.spec;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedEnvironmentError('this vector env was closed; make a new one');
  }

  reset(args: VectorResetArgs = {}): [BObs, Info] {
    this.assertOpen();
    const seeds = perEnvSeeds(args.seed, this.numEnvs);
    const mask = resetMaskOf(args.options, this.numEnvs);
    const { resetMask: _, ...options } = args.options ?? {};
    // A partial reset keeps the other envs' observations: start from a copy of the last batch.
    const obs =
      args.options?.resetMask === undefined
        ? (createEmptyArray(this.singleObservationSpace, this.numEnvs) as BObs)
        : this.copyObservations();
    const infos: Info = {};
    for (let i = 0; i < this.numEnvs; i++) {
      if (!mask[i]) continue;
      const [o, info] = this.envs[i]!.reset({ seed: seeds[i], options });
      writeBatchItem(this.singleObservationSpace, obs, i, o);
      addInfo(infos, info, i, this.numEnvs);
      this.autoresetEnvs[i] = 0;
      this.endedEnvs[i] = 0;
    }
    this.observations = obs;
    return [obs, infos];
  }

  private copyObservations(): BObs {
    const items = iterate(this.singleObservationSpace, this.observations, this.numEnvs);
    return concatenate(this.singleObservationSpace, items) as BObs;
  }

  step(actions: BAct): VectorStepResult<BObs> {
    this.assertOpen();
    // The check AsyncVectorEnv makes too: numbers only, before any sub-env steps.
    if (this.actionShape) readBatchedActions(actions, this.numEnvs, this.actionShape);
    const perEnv = iterate(this.singleActionSpace, actions, this.numEnvs);
    const n = this.numEnvs;
    const obs = createEmptyArray(this.singleObservationSpace, n) as BObs;
    const rewards = new Float64Array(n);
    const terminations = new Uint8Array(n);
    const truncations = new Uint8Array(n);
    const infos: Info = {};
    const mode = this.metadata.autoresetMode;
    // Check before stepping any env, so a refused call leaves every env untouched.
    const ended = this.endedEnvs.indexOf(1);
    if (ended >= 0) {
      throw new ResetNeeded(
        `sub-env ${ended} ended its episode and autoreset is disabled: reset it with reset({ options: { resetMask } }) first`,
      );
    }
    for (let i = 0; i < n; i++) {
      const env = this.envs[i]!;
      let o: unknown;
      let info: Info;
      if (mode === AutoresetMode.NEXT_STEP && this.autoresetEnvs[i]) {
        [o, info] = env.reset();
      } else {
        let r: number;
        let term: boolean;
        let trunc: boolean;
        [o, r, term, trunc, info] = env.step(perEnv[i]);
        rewards[i] = r;
        terminations[i] = term ? 1 : 0;
        truncations[i] = trunc ? 1 : 0;
        if (mode === AutoresetMode.SAME_STEP && (term || trunc)) {
          const finalObs = o;
          const finalInfo = info;
          [o, info] = env.reset();
          addInfo(infos, { finalObs, finalInfo }, i, n);
        }
      }
      writeBatchItem(this.singleObservationSpace, obs, i, o);
      addInfo(infos, info, i, n);
      const ended = terminations[i]! | truncations[i]!;
      this.autoresetEnvs[i] = ended;
      this.endedEnvs[i] = mode === AutoresetMode.DISABLED ? ended : 0;
    }
    this.observations = obs;
    return [obs, rewards, terminations, truncations, infos];
  }

  /**
   * Every sub-env's {@link Env.saveState} plus the autoreset flags and the last observations, so a
   * checkpointed training run continues bit-exactly after {@link SyncVectorEnv.loadState}.
   * @throws UnsupportedOperation when a sub-env cannot save its state
   */
  saveState(): SavedEnvState {
    this.assertOpen();
    if (!this.singleObservationSpace.isFlattenable) {
      throw new UnsupportedOperation(
        `SyncVectorEnv cannot save observations of ${String(this.singleObservationSpace)} (not flattenable)`,
      );
    }
    return {
      class: 'SyncVectorEnv',
      envs: this.envs.map((e) => e.saveState()),
      autoresetEnvs: Array.from(this.autoresetEnvs),
      endedEnvs: Array.from(this.endedEnvs),
      observations: iterate(this.singleObservationSpace, this.observations, this.numEnvs).map((o) =>
        Array.from(flatten(this.singleObservationSpace, o)),
      ),
    };
  }

  /** Returns to a state from {@link SyncVectorEnv.saveState} (same sub-envs, same wrappers). */
  loadState(state: unknown): void {
    this.assertOpen();
    const saved = expectSavedState(state, 'SyncVectorEnv');
    const n = this.numEnvs;
    const list = (key: string) => {
      const v = saved[key];
      if (!Array.isArray(v) || v.length !== n) {
        throw new InvalidArgument(
          `SyncVectorEnv state field "${key}" must have one entry per sub-env (${n})`,
        );
      }
      return v as unknown[];
    };
    const flags = (key: string) => {
      const v = list(key);
      if (v.some((x) => x !== 0 && x !== 1))
        throw new InvalidArgument(`SyncVectorEnv state field "${key}" must hold 0/1 flags`);
      return Uint8Array.from(v as number[]);
    };
    const envStates = list('envs');
    const autoreset = flags('autoresetEnvs');
    const ended = flags('endedEnvs');
    const single = this.singleObservationSpace;
    const items = list('observations').map((o, i) => {
      if (!Array.isArray(o) || o.length !== flatdim(single))
        throw new InvalidArgument(`SyncVectorEnv state: observation ${i} has the wrong size`);
      return unflatten(single, o as number[]);
    });
    const obs = concatenate(single, items) as BObs;
    for (const [i, s] of envStates.entries()) this.envs[i]!.loadState(s);
    this.autoresetEnvs.set(autoreset);
    this.endedEnvs.set(ended);
    this.observations = obs;
  }

  render(): RenderOutput[] | undefined {
    this.assertOpen();
    if (this.renderMode === undefined) return undefined;
    return this.envs.map((e) => e.render());
  }

  /** Calls method `name` on every sub-env (the unwrapped env if a wrapper lacks it); returns the results. */
  call(name: string, ...args: unknown[]): unknown[] {
    this.assertOpen();
    return this.envs.map((env) => {
      const target = name in env ? env : env.unwrapped;
      const member = (target as unknown as Record<string, unknown>)[name];
      if (typeof member !== 'function') return member;
      return (member as (...a: unknown[]) => unknown).apply(target, args);
    });
  }

  /** Property `name` of every sub-env. */
  getAttr(name: string): unknown[] {
    return this.call(name);
  }

  /** Sets property `name` on every sub-env: one value for all, or a list with one per env. */
  setAttr(name: string, values: unknown): void {
    this.assertOpen();
    const list = Array.isArray(values) ? values : new Array(this.numEnvs).fill(values);
    if (list.length !== this.numEnvs) {
      throw new InvalidArgument(
        `setAttr needs one value or ${this.numEnvs} values, got ${list.length}`,
      );
    }
    this.envs.forEach((env, i) => {
      (env.unwrapped as unknown as Record<string, unknown>)[name] = list[i];
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const env of this.envs ?? []) env.close();
  }
}
