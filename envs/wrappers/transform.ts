/**
 * Function wrappers after Gymnasium's `TransformObservation`, `TransformAction`,
 * `TransformReward`, and the action/observation wrappers built on the same idea: `ClipAction`,
 * `RescaleAction`, `FlattenObservation`.
 */
import type { Env } from '../core/env.js';
import { InvalidAction, InvalidArgument } from '../core/errors.js';
import { allocArray, Box, type BoxArray, type BoxDtype } from '../spaces/box.js';
import { isNumericArrayLike, type Space } from '../spaces/space.js';
import { flatten, flattenSpace } from '../spaces/utils.js';
import { ActionWrapper, ObservationWrapper, RewardWrapper } from './wrapper.js';

/** Applies `fn` to every observation; pass the new `observationSpace` when it changes. */
export class TransformObservation<WObs, Act, Obs> extends ObservationWrapper<WObs, Act, Obs> {
  private readonly fn: (obs: Obs) => WObs;

  constructor(env: Env<Obs, Act>, fn: (obs: Obs) => WObs, observationSpace?: Space<WObs>) {
    super(env);
    this.fn = fn;
    if (observationSpace) this.observationSpace = observationSpace;
  }

  override observation(obs: Obs): WObs {
    return this.fn(obs);
  }
}

/** Applies `fn` to every action before the env sees it; pass the new `actionSpace` when it changes. */
export class TransformAction<WAct, Obs, Act> extends ActionWrapper<WAct, Obs, Act> {
  private readonly fn: (act: WAct) => Act;

  constructor(env: Env<Obs, Act>, fn: (act: WAct) => Act, actionSpace?: Space<WAct>) {
    super(env);
    this.fn = fn;
    if (actionSpace) this.actionSpace = actionSpace;
  }

  override action(act: WAct): Act {
    return this.fn(act);
  }
}

/** Applies `fn` to every reward. */
export class TransformReward<Obs, Act> extends RewardWrapper<Obs, Act> {
  private readonly fn: (reward: number) => number;

  constructor(env: Env<Obs, Act>, fn: (reward: number) => number) {
    super(env);
    this.fn = fn;
  }

  override reward(reward: number): number {
    return this.fn(reward);
  }
}

function requireBoxActions(env: Env, wrapper: string): Box<BoxDtype> {
  const space = env.actionSpace;
  if (!(space instanceof Box)) {
    throw new InvalidArgument(`${wrapper} needs a Box action space, got ${String(space)}`);
  }
  return space;
}

function readAction(action: unknown, size: number, wrapper: string): ArrayLike<number> {
  if (!isNumericArrayLike(action) || action.length !== size) {
    throw new InvalidAction(
      `${wrapper} expects an action of ${size} numbers, got ${String(action)}`,
    );
  }
  return action;
}

/** Clips Box actions into the env's bounds; the wrapper's action space is unbounded. */
export class ClipAction<Obs> extends ActionWrapper<ArrayLike<number>, Obs, ArrayLike<number>> {
  private readonly inner: Box<BoxDtype>;

  constructor(env: Env<Obs, ArrayLike<number>>) {
    super(env);
    this.inner = requireBoxActions(env, 'ClipAction');
    this.actionSpace = new Box(-Infinity, Infinity, this.inner.shape, this.inner.dtype);
  }

  override action(act: ArrayLike<number>): BoxArray {
    const a = readAction(act, this.inner.size, 'ClipAction');
    const out = allocArray(this.inner.dtype, a.length);
    for (let i = 0; i < a.length; i++)
      out[i] = Math.min(Math.max(a[i]!, this.inner.low[i]!), this.inner.high[i]!);
    return out;
  }
}

/**
 * Maps actions from `[minAction, maxAction]` affinely onto the env's Box bounds (and clips to
 * them, as Gymnasium v1). The env's bounds must be finite.
 */
export class RescaleAction<Obs> extends ActionWrapper<ArrayLike<number>, Obs, ArrayLike<number>> {
  private readonly inner: Box<BoxDtype>;
  private readonly outer: Box<BoxDtype>;

  constructor(
    env: Env<Obs, ArrayLike<number>>,
    minAction: number | ArrayLike<number>,
    maxAction: number | ArrayLike<number>,
  ) {
    super(env);
    this.inner = requireBoxActions(env, 'RescaleAction');
    if (!this.inner.isBounded()) {
      throw new InvalidArgument(
        `RescaleAction needs a bounded action space, got ${String(this.inner)}`,
      );
    }
    this.outer = new Box(minAction, maxAction, this.inner.shape, this.inner.dtype);
    if (this.outer.low.some((v, i) => !(v < this.outer.high[i]!))) {
      throw new InvalidArgument('RescaleAction needs minAction < maxAction for every element');
    }
    this.actionSpace = this.outer;
  }

  override action(act: ArrayLike<number>): BoxArray {
    const a = readAction(act, this.inner.size, 'RescaleAction');
    const { low, high } = this.inner;
    const out = allocArray(this.inner.dtype, a.length);
    for (let i = 0; i < a.length; i++) {
      const lo = low[i]!;
      const hi = high[i]!;
      const v =
        lo +
        ((hi - lo) * (a[i]! - this.outer.low[i]!)) / (this.outer.high[i]! - this.outer.low[i]!);
      out[i] = Math.min(Math.max(v, lo), hi);
    }
    return out;
  }
}

/** Flattens observations into a Box (see `flattenSpace`). */
export class FlattenObservation<Act> extends ObservationWrapper<BoxArray, Act, unknown> {
  constructor(env: Env<unknown, Act>) {
    super(env);
    this.observationSpace = flattenSpace(env.observationSpace);
  }

  override observation(obs: unknown): BoxArray {
    return flatten(this.env.observationSpace, obs);
  }
}
