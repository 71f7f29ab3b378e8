/**
 * Wrapper base classes, after `gymnasium.Wrapper`, `ObservationWrapper`, `ActionWrapper` and
 * `RewardWrapper`: a wrapper forwards everything to the env it wraps and overrides one thing.
 */

import type { EnvSpec } from '../core/env.js';
import {
  Env,
  type EnvMetadata,
  type RenderMode,
  type RenderOutput,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../core/env.js';
import type { RNG } from '../core/rng.js';
import { expectSavedState, type SavedEnvState } from '../core/savedState.js';
import type { Space } from '../spaces/space.js';

/**
 * Forwards every call and property to `env`; subclasses override what they change. Spaces may be
 * replaced by assigning `observationSpace` / `actionSpace` in the subclass constructor.
 *
 * @typeParam WObs observation type seen through the wrapper
 * @typeParam WAct action type accepted by the wrapper
 * @typeParam Obs observation type of the wrapped env
 * @typeParam Act action type of the wrapped env
 */
export class Wrapper<WObs = unknown, WAct = unknown, Obs = WObs, Act = WAct> extends Env<
  WObs,
  WAct
> {
  /** The wrapped env. */
  readonly env: Env<Obs, Act>;
  private observationSpaceOverride: Space<WObs> | undefined;
  private actionSpaceOverride: Space<WAct> | undefined;
  private metadataOverride: EnvMetadata | undefined;

  constructor(env: Env<Obs, Act>) {
    super();
    if (!(env instanceof Env)) {
      const vector = typeof (env as { numEnvs?: unknown } | undefined)?.numEnvs === 'number';
      throw new TypeError(
        vector
          ? `${new.target.name} wraps a single Env, got a vector env; wrap vector envs with vectorWrappers.${new.target.name} (import { vectorWrappers } from 'ml3/envs'), or wrap each sub-env`
          : `${new.target.name} needs an Env to wrap, got ${String(env)}`,
      );
    }
    this.env = env;
  }

  override get observationSpace(): Space<WObs> {
    return this.observationSpaceOverride ?? (this.env.observationSpace as unknown as Space<WObs>);
  }
  override set observationSpace(space: Space<WObs>) {
    this.observationSpaceOverride = space;
  }

  override get actionSpace(): Space<WAct> {
    return this.actionSpaceOverride ?? (this.env.actionSpace as unknown as Space<WAct>);
  }
  override set actionSpace(space: Space<WAct>) {
    this.actionSpaceOverride = space;
  }

  override get metadata(): EnvMetadata {
    return this.metadataOverride ?? this.env.metadata;
  }
  override set metadata(value: EnvMetadata) {
    this.metadataOverride = value;
  }

  override get renderMode(): RenderMode | undefined {
    return this.env.renderMode;
  }
  override set renderMode(_value: RenderMode | undefined) {
    throw new TypeError('renderMode is fixed by the innermost env at construction');
  }

  override get spec(): EnvSpec | undefined {
    return this.env.spec;
  }
  override set spec(value: EnvSpec | undefined) {
    this.env.spec = value;
  }

  override get npRandom(): RNG {
    return this.env.npRandom;
  }
  override set npRandom(rng: RNG) {
    this.env.npRandom = rng;
  }

  override get npRandomSeed(): number | undefined {
    return this.env.npRandomSeed;
  }

  /** The wrapped env's state with this wrapper's own (the RNG lives in the innermost env). */
  override saveState(): SavedEnvState {
    return { class: this.constructor.name, inner: this.env.saveState(), own: this.saveOwnState() };
  }

  override loadState(state: unknown): void {
    const saved = expectSavedState(state, this.constructor.name);
    this.env.loadState(saved.inner);
    this.loadOwnState(saved.own);
  }

  /** A stateless wrapper has nothing of its own to save; stateful ones override both methods. */
  protected override saveOwnState(): unknown {
    return null;
  }

  protected override loadOwnState(_own: unknown): void {}

  override reset(args?: ResetArgs): ResetResult<WObs> {
    return this.env.reset(args) as unknown as ResetResult<WObs>;
  }

  override step(action: WAct): StepResult<WObs> {
    return this.env.step(action as unknown as Act) as unknown as StepResult<WObs>;
  }

  override render(): RenderOutput {
    return this.env.render();
  }

  override close(): void {
    this.env.close();
  }

  override get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }

  /**
   * The nearest wrapper (this one or one below it) that is an instance of `type`, or undefined.
   * @example const stats = findWrapper(env, RecordEpisodeStatistics)
   */
  findWrapper<W>(type: abstract new (...args: never[]) => W): W | undefined {
    let e: Env<unknown, unknown> = this as Env<unknown, unknown>;
    for (;;) {
      if (e instanceof type) return e as W;
      if (!(e instanceof Wrapper)) return undefined;
      e = e.env;
    }
  }

  override toString(): string {
    return `<${this.constructor.name}${String(this.env)}>`;
  }
}

/** Transforms observations (of `reset` and `step`) with `observation(obs)`. */
export abstract class ObservationWrapper<WObs, Act = unknown, Obs = unknown> extends Wrapper<
  WObs,
  Act,
  Obs,
  Act
> {
  /** Maps an observation of the wrapped env to this wrapper's observation. */
  abstract observation(obs: Obs): WObs;

  override reset(args?: ResetArgs): ResetResult<WObs> {
    const [obs, info] = this.env.reset(args);
    return [this.observation(obs), info];
  }

  override step(action: Act): StepResult<WObs> {
    const [obs, reward, terminated, truncated, info] = this.env.step(action);
    return [this.observation(obs), reward, terminated, truncated, info];
  }
}

/** Transforms actions with `action(act)` before the wrapped env sees them. */
export abstract class ActionWrapper<WAct, Obs = unknown, Act = unknown> extends Wrapper<
  Obs,
  WAct,
  Obs,
  Act
> {
  /** Maps this wrapper's action to an action of the wrapped env. */
  abstract action(act: WAct): Act;

  override step(action: WAct): StepResult<Obs> {
    return this.env.step(this.action(action));
  }
}

/** Transforms rewards with `reward(r)`. */
export abstract class RewardWrapper<Obs = unknown, Act = unknown> extends Wrapper<
  Obs,
  Act,
  Obs,
  Act
> {
  /** Maps a reward of the wrapped env to this wrapper's reward. */
  abstract reward(reward: number): number;

  override step(action: Act): StepResult<Obs> {
    const [obs, reward, terminated, truncated, info] = this.env.step(action);
    return [obs, this.reward(reward), terminated, truncated, info];
  }
}
