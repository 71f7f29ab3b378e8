/**
 * `Env`, the Gymnasium environment interface in TypeScript (after `gymnasium.Env`).
 *
 * `reset` and `step` are synchronous: physics is synchronous and a Promise per step would cost
 * more than a cheap env's whole step.
 */
import type { Space } from '../spaces/space.js';
import { ClosedEnvironmentError, UnsupportedOperation } from './errors.js';
import { assertValidSeed, RNG, type RNGState } from './rng.js';
import { expectSavedState, type SavedEnvState, savedNumber } from './savedState.js';

/** Extra information returned by `reset` and `step`. */
export type Info = Record<string, unknown>;

/**
 * `[obs, reward, terminated, truncated, info]`, as Gymnasium's `step`; `I` types the keys an env
 * documents (e.g. the reacher's `rewardDist`), wrappers may add others.
 */
export type StepResult<Obs, I extends Info = Info> = [
  obs: Obs,
  reward: number,
  terminated: boolean,
  truncated: boolean,
  info: I,
];

/** `[obs, info]`, as Gymnasium's `reset`. */
export type ResetResult<Obs> = [obs: Obs, info: Info];

/** Arguments of `reset`. */
export interface ResetArgs {
  /** Reseeds the env's RNG (`npRandom`); omit to keep the current generator. */
  seed?: number;
  /** Env-specific options (e.g. `low`/`high` of the start distribution). */
  options?: Record<string, unknown>;
}

/** The render modes this package's envs use; envs may declare others. */
export type RenderMode = 'rgb_array' | 'ansi' | 'human' | (string & {});

/** An RGB image: `data` holds `height × width × 3` bytes, row-major, top row first. */
export interface RgbFrame {
  readonly height: number;
  readonly width: number;
  readonly data: Uint8Array;
}

/** What `render()` returns: a frame (`rgb_array`), text (`ansi`) or nothing (`human`). */
export type RenderOutput = RgbFrame | string | undefined;

/** Static facts about an env, as Gymnasium's `metadata` dict. */
export interface EnvMetadata {
  /** Render modes the env supports. */
  readonly renderModes: readonly RenderMode[];
  /** Frames per second of rendered episodes (for videos/GIFs). */
  readonly renderFps?: number;
  readonly [key: string]: unknown;
}

const NO_METADATA: EnvMetadata = Object.freeze({ renderModes: Object.freeze([]) });

/**
 * The base class of every environment and wrapper.
 *
 * Subclasses set `observationSpace`, `actionSpace` and `metadata`, implement `reset` (calling
 * `this.seedRng(seed)` first, as Gymnasium envs call `super().reset(seed=seed)`), `step`,
 * optionally `render` and `close`, and draw all randomness from `this.npRandom`.
 *
 * @example
 * const env = make('classic/MountainCarContinuous-v0');
 * let [obs] = env.reset({ seed: 0 });
 * for (let t = 0; t < 100; t++) {
 *   const [next, reward, terminated, truncated] = env.step(env.actionSpace.sample());
 *   if (terminated || truncated) [obs] = env.reset(); else obs = next;
 * }
 * env.close();
 */
export abstract class Env<Obs = unknown, Act = unknown, I extends Info = Info> {
  /** The space observations live in. */
  abstract observationSpace: Space<Obs>;
  /** The space actions live in. */
  abstract actionSpace: Space<Act>;

  private metadataValue: EnvMetadata = NO_METADATA;
  private renderModeValue: RenderMode | undefined = undefined;
  private specValue: EnvSpec | undefined = undefined;
  private rng: RNG | undefined = undefined;
  private rngSeed: number | undefined = undefined;
  private closedValue = false;

  /** Render modes and fps. */
  get metadata(): EnvMetadata {
    return this.metadataValue;
  }
  set metadata(value: EnvMetadata) {
    this.metadataValue = value;
  }

  /** The render mode fixed at construction, or `undefined`. */
  get renderMode(): RenderMode | undefined {
    return this.renderModeValue;
  }
  set renderMode(value: RenderMode | undefined) {
    this.renderModeValue = value;
  }

  /** The registry spec this env was made from (set by `make`), or `undefined`. */
  get spec(): EnvSpec | undefined {
    return this.specValue;
  }
  set spec(value: EnvSpec | undefined) {
    this.specValue = value;
  }

  /**
   * The env's generator. Seeded by `reset({ seed })`; if used before any seeded reset it is
   * created from OS entropy (Gymnasium's rule), and `npRandomSeed` then tells that seed.
   */
  get npRandom(): RNG {
    if (this.rng === undefined) {
      this.rng = new RNG();
      this.rngSeed = this.rng.seed;
    }
    return this.rng;
  }
  set npRandom(rng: RNG) {
    this.rng = rng;
    this.rngSeed = -1; // Gymnasium: -1 when the generator was set directly
  }

  /** The seed of `npRandom` (-1 if it was assigned directly, `undefined` before first use). */
  get npRandomSeed(): number | undefined {
    if (this.rng === undefined) return undefined;
    return this.rngSeed;
  }

  /**
   * Gymnasium's base `reset`: an explicit seed reseeds the env's RNG; no seed leaves it alone.
   * Call it first in every `reset`. Throws `InvalidSeed` for a negative or non-integer seed.
   */
  protected seedRng(seed: number | undefined): void {
    if (seed === undefined) return;
    assertValidSeed(seed);
    this.rng = new RNG(seed);
    this.rngSeed = seed;
  }

  /**
   * The env's whole state as JSON data — simulation, episode bookkeeping and RNG — so a training
   * run can checkpoint mid-episode and, after {@link Env.loadState} on an env made the same way,
   * continue bit-exactly. Wrappers nest their own state around the wrapped env's.
   * @throws UnsupportedOperation for envs that do not implement it
   */
  saveState(): SavedEnvState {
    return {
      class: this.constructor.name,
      rng: this.rng?.getState() ?? null,
      rngSeed: this.rngSeed ?? null,
      own: this.saveOwnState(),
    };
  }

  /**
   * Returns to a state from {@link Env.saveState}.
   * @throws InvalidArgument when the state is malformed or was saved by another kind of env
   */
  loadState(state: unknown): void {
    const saved = expectSavedState(state, this.constructor.name);
    if (saved.rng === null) {
      this.rng = undefined;
      this.rngSeed = undefined;
    } else {
      this.rng = RNG.fromState(saved.rng as RNGState);
      this.rngSeed = savedNumber(saved, 'rngSeed', this.constructor.name);
    }
    this.loadOwnState(saved.own);
  }

  /** The subclass's part of {@link Env.saveState} (JSON data). */
  protected saveOwnState(): unknown {
    throw new UnsupportedOperation(
      `${this.constructor.name} cannot save its state (it does not implement saveOwnState/loadOwnState)`,
    );
  }

  /** Restores the subclass's part of a saved state. */
  protected loadOwnState(_own: unknown): void {
    throw new UnsupportedOperation(`${this.constructor.name} cannot load a saved state`);
  }

  /** Starts a new episode; returns the first observation and info. */
  abstract reset(args?: ResetArgs): ResetResult<Obs>;

  /** Applies one action; returns `[obs, reward, terminated, truncated, info]`. */
  abstract step(action: Act): StepResult<Obs, I>;

  /** Renders in the mode fixed at construction (`renderMode`); `undefined` when it is unset. */
  render(): RenderOutput {
    return undefined;
  }

  /**
   * Frees resources (WASM worlds, handles) and marks the env closed: `reset`, `step` and
   * `render` then throw `ClosedEnvironmentError` (for the envs of this package; an env of your
   * own gets that by calling {@link Env.assertOpen} first in them). Safe to call more than
   * once. Subclasses that free resources override it and call `super.close()`.
   */
  close(): void {
    this.closedValue = true;
  }

  /** Whether `close()` was called. */
  protected get isClosed(): boolean {
    return this.closedValue;
  }

  /** Throws `ClosedEnvironmentError` after `close()`; `name` names the env in the message. */
  protected assertOpen(name: string = this.constructor.name): void {
    if (this.closedValue)
      throw new ClosedEnvironmentError(`${name}: the env was closed; make a new one`);
  }

  /** The innermost env, below all wrappers. */
  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }

  /** `<ClassName<id>>`, as Gymnasium prints envs. */
  toString(): string {
    return this.spec
      ? `<${this.constructor.name}<${this.spec.id}>>`
      : `<${this.constructor.name} instance>`;
  }
}

/** Builds an env from keyword arguments (the registered defaults merged with `make`'s). */
// biome-ignore lint/suspicious/noExplicitAny: creators build envs of any observation/action type
export type EnvCreator = (kwargs: Record<string, any>) => Env<any, any>;

/** What `register` takes. */
export interface EnvSpecInput {
  /** `[namespace/]Name[-vN]`. */
  id: string;
  /** Builds the env from kwargs. */
  entryPoint: EnvCreator;
  /** Return at which the task counts as solved. */
  rewardThreshold?: number;
  /** Whether the env is nondeterministic even with a seed. */
  nondeterministic?: boolean;
  /** Episode length limit applied by `TimeLimit` (none if omitted). */
  maxEpisodeSteps?: number;
  /** Whether `make` adds `OrderEnforcing` (default true). */
  orderEnforce?: boolean;
  /** Whether `make` leaves out `PassiveEnvChecker` (default false). */
  disableEnvChecker?: boolean;
  /** Default keyword arguments of the entry point. */
  kwargs?: Record<string, unknown>;
}

/** A registered environment, as Gymnasium's `EnvSpec`. */
export interface EnvSpec
  extends Readonly<Required<Omit<EnvSpecInput, 'rewardThreshold' | 'maxEpisodeSteps'>>> {
  readonly rewardThreshold: number | undefined;
  readonly maxEpisodeSteps: number | undefined;
  /** Namespace part of the id, if any. */
  readonly namespace: string | undefined;
  /** Name part of the id. */
  readonly name: string;
  /** Version part of the id, if any. */
  readonly version: number | undefined;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

/** Options of `make` that are not env kwargs. */
export interface MakeOptions {
  /** Overrides the registered episode step limit (TimeLimit). */
  maxEpisodeSteps?: number;
  /** Leaves out the PassiveEnvChecker wrapper. */
  disableEnvChecker?: boolean;
  /** Any other key is passed to the env's constructor (e.g. `renderMode`). */
  [kwarg: string]: unknown;
}
