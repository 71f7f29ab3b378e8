/**
 * # classic/MountainCarContinuous-v0
 *
 * ## Description
 * Gymnasium's `MountainCarContinuous-v0` (Moore, 1990), exactly: an underpowered car in a valley
 * must rock back and forth to build momentum and reach the flag on the right hill. These are the
 * classic analytic equations (not a physical track); `rapier/MountainCarContinuous-v0` simulates
 * a real car.
 *
 * ## Observation space: Box(2,) float32
 * | index | meaning  | unit        | range          |
 * |-------|----------|-------------|----------------|
 * | 0     | position | track units | [−1.2, 0.6]    |
 * | 1     | velocity | units/step  | [−0.07, 0.07]  |
 *
 * ## Action space: Box(−1, 1, (1,), float32)
 * The engine force; values outside [−1, 1] are clipped for the dynamics (Gymnasium's rule) but
 * the reward uses the action as given. NaN/Infinity or a wrong length throw `InvalidAction`.
 *
 * ## Transition dynamics
 * `v ← clip(v + power·clip(a) − 0.0025·cos(3x), ±0.07)`, `x ← clip(x + v, [−1.2, 0.6])`, and
 * `v ← 0` when the car hits the left wall moving left. Arithmetic is float64 within a step and
 * the state is stored as float32 between steps, as in Gymnasium (whose reset state is float64
 * until the first step).
 *
 * ## Reward
 * `100·[terminated] − 0.1·a²` (see {@link mountainCarContinuousReward}).
 *
 * ## Starting state
 * `x ~ U(−0.6, −0.4)`, `v = 0`; `reset({ options: { low, high } })` changes the interval.
 *
 * ## Episode end
 * Terminated when `x ≥ 0.45` and `v ≥ goalVelocity`; truncated at 999 steps by `make`'s TimeLimit.
 *
 * ## Arguments
 * `renderMode` (`rgb_array` 600×400 | `ansi`), `goalVelocity` (default 0), and the
 * {@link MountainCarContinuousParams}.
 *
 * ## Versions
 * v0: Gymnasium v1.x `MountainCarContinuous-v0`.
 */

import { checkRenderMode, readBoxAction, resolveParams } from '../checks/input.js';
import {
  Env,
  type EnvMetadata,
  type Info,
  type RenderOutput,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../core/env.js';
import { InvalidArgument, ResetNeeded } from '../core/errors.js';
import { savedNumber } from '../core/savedState.js';
import { Box } from '../spaces/box.js';
import { renderMountainCarAnsi, renderMountainCarFrame } from './mountainCarRender.js';

/** Physical constants of the classic car. */
export interface MountainCarContinuousParams {
  /** Smallest engine force. */
  minAction: number;
  /** Largest engine force. */
  maxAction: number;
  /** Left wall position. */
  minPosition: number;
  /** Right end of the track. */
  maxPosition: number;
  /** Speed limit (|v| is clipped to it). */
  maxSpeed: number;
  /** Position at which the goal is reached. */
  goalPosition: number;
  /** Minimum velocity at the goal for termination. */
  goalVelocity: number;
  /** Engine power: velocity change per unit force per step. */
  power: number;
  /** Gravity coefficient of the `−g·cos(3x)` term. */
  gravity: number;
}

/** Gymnasium's constants. */
export const MOUNTAIN_CAR_CONTINUOUS_DEFAULTS: Readonly<MountainCarContinuousParams> =
  Object.freeze({
    minAction: -1,
    maxAction: 1,
    minPosition: -1.2,
    maxPosition: 0.6,
    maxSpeed: 0.07,
    goalPosition: 0.45,
    goalVelocity: 0,
    power: 0.0015,
    gravity: 0.0025,
  });

/** Whether the car has reached the goal: `x ≥ goalPosition` and `v ≥ goalVelocity`. */
export function mountainCarTerminated(
  position: number,
  velocity: number,
  goalPosition: number,
  goalVelocity: number,
): boolean {
  return position >= goalPosition && velocity >= goalVelocity;
}

/** The continuous car's reward: `100·[terminated] − 0.1·a²`, with the action as given (unclipped). */
export function mountainCarContinuousReward(action: number, terminated: boolean): number {
  return (terminated ? 100 : 0) - action ** 2 * 0.1;
}

/** The classic track's height, used only for drawing: `0.45·sin(3x) + 0.55`. */
export function classicTrackHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/**
 * Reads `options.low` / `options.high` of a mountain-car reset (defaults −0.6, −0.4); both must
 * lie on the track `[track[0], track[1]]`, so the first observation is in the observation space.
 * @internal shared by the classic and Rapier cars
 */
export function startBounds(
  options: Record<string, unknown> | undefined,
  env: string,
  track: readonly [number, number],
): [number, number] {
  const allowed = ['low', 'high'];
  for (const key of Object.keys(options ?? {})) {
    if (!allowed.includes(key))
      throw new InvalidArgument(`${env}: unknown reset option "${key}"; allowed: low, high`);
  }
  const low = options?.low ?? -0.6;
  const high = options?.high ?? -0.4;
  if (
    typeof low !== 'number' ||
    typeof high !== 'number' ||
    !Number.isFinite(low) ||
    !Number.isFinite(high) ||
    low > high
  ) {
    throw new InvalidArgument(
      `${env}: reset options low/high must be finite numbers with low <= high, got ${String(low)}, ${String(high)}`,
    );
  }
  if (low < track[0] || high > track[1]) {
    throw new InvalidArgument(
      `${env}: reset options low/high must lie within [${track[0]}, ${track[1]}], got ${low}, ${high}`,
    );
  }
  return [low, high];
}

/** Constructor arguments. */
export interface MountainCarContinuousArgs extends Partial<MountainCarContinuousParams> {
  renderMode?: 'rgb_array' | 'ansi';
}

const METADATA: EnvMetadata = Object.freeze({
  renderModes: Object.freeze(['rgb_array', 'ansi']),
  renderFps: 30,
});

/** The exact Gymnasium `MountainCarContinuous-v0` (see the file header for the full spec). */
export class MountainCarContinuousEnv extends Env<Float32Array, ArrayLike<number>> {
  readonly observationSpace: Box<'float32'>;
  readonly actionSpace: Box<'float32'>;
  /** The resolved constants. */
  readonly params: Readonly<MountainCarContinuousParams>;
  private position = 0;
  private velocity = 0;
  private hasState = false;

  constructor(args: MountainCarContinuousArgs = {}) {
    super();
    const { renderMode, ...params } = args;
    this.metadata = METADATA;
    this.renderMode = checkRenderMode(renderMode, METADATA, 'MountainCarContinuous');
    this.params = Object.freeze(
      resolveParams(MOUNTAIN_CAR_CONTINUOUS_DEFAULTS, params, 'MountainCarContinuous'),
    );
    const p = this.params;
    this.observationSpace = new Box(
      [p.minPosition, -p.maxSpeed],
      [p.maxPosition, p.maxSpeed],
      [2],
      'float32',
    );
    this.actionSpace = new Box(p.minAction, p.maxAction, [1], 'float32');
  }

  override reset({ seed, options }: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(seed);
    this.assertOpen('MountainCarContinuous');
    const p = this.params;
    const [low, high] = startBounds(options, 'MountainCarContinuous', [
      p.minPosition,
      p.maxPosition,
    ]);
    this.position = this.npRandom.uniform(low, high);
    this.velocity = 0;
    this.hasState = true;
    return [this.observation(), {}];
  }

  override step(action: ArrayLike<number>): StepResult<Float32Array> {
    this.assertOpen('MountainCarContinuous');
    if (!this.hasState) throw new ResetNeeded('MountainCarContinuous: call reset() before step()');
    const a = readBoxAction(this.actionSpace, action, 'MountainCarContinuous')[0]!;
    const p = this.params;
    const force = Math.min(Math.max(a, p.minAction), p.maxAction);
    let position = this.position;
    let velocity = this.velocity + force * p.power - p.gravity * Math.cos(3 * position);
    velocity = Math.min(Math.max(velocity, -p.maxSpeed), p.maxSpeed);
    position = Math.min(Math.max(position + velocity, p.minPosition), p.maxPosition);
    if (position === p.minPosition && velocity < 0) velocity = 0;
    const terminated = mountainCarTerminated(position, velocity, p.goalPosition, p.goalVelocity);
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    return [
      this.observation(),
      mountainCarContinuousReward(a, terminated),
      terminated,
      false,
      {} as Info,
    ];
  }

  protected override saveOwnState(): unknown {
    return this.hasState ? { position: this.position, velocity: this.velocity } : null;
  }

  protected override loadOwnState(own: unknown): void {
    if (own === null) this.hasState = false;
    else {
      const s = own as Record<string, unknown>;
      this.setState([
        savedNumber(s, 'position', 'MountainCarContinuous'),
        savedNumber(s, 'velocity', 'MountainCarContinuous'),
      ]);
    }
  }

  /** The state `[position, velocity]` (float64 copy). */
  getState(): Float64Array {
    return Float64Array.of(this.position, this.velocity);
  }

  /** Places the car at `[position, velocity]` (for planners and tests). */
  setState(state: ArrayLike<number>): void {
    const [x, v] = [state[0], state[1]];
    const p = this.params;
    if (
      state.length !== 2 ||
      !Number.isFinite(x) ||
      !Number.isFinite(v) ||
      x! < p.minPosition ||
      x! > p.maxPosition
    ) {
      throw new InvalidArgument(
        `MountainCarContinuous: state must be [position in [${p.minPosition}, ${p.maxPosition}], finite velocity]`,
      );
    }
    this.position = x!;
    this.velocity = v!;
    this.hasState = true;
  }

  private observation(): Float32Array {
    return Float32Array.of(this.position, this.velocity);
  }

  override render(): RenderOutput {
    this.assertOpen('MountainCarContinuous');
    if (this.renderMode === undefined) return undefined;
    if (!this.hasState)
      throw new ResetNeeded('MountainCarContinuous: call reset() before render()');
    const scene = {
      position: this.position,
      height: classicTrackHeight,
      minPosition: this.params.minPosition,
      maxPosition: this.params.maxPosition,
      goalPosition: this.params.goalPosition,
    };
    return this.renderMode === 'rgb_array'
      ? renderMountainCarFrame(scene)
      : renderMountainCarAnsi(scene, this.velocity);
  }
}
