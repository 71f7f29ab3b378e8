/**
 * # rapier/MountainCarContinuous-v0 and rapier/MountainCar-v0
 *
 * ## Description
 * Gymnasium's mountain-car tasks on a simulated car: a Rapier body of mass 1000 kg on the track
 * y = sin(3x) (m), x ∈ [−1.2, 0.6], under gravity 9.81 m/s², pulled along the track by an engine
 * of 6000 N at full throttle — too weak to climb out of the valley directly, so the car must rock
 * back and forth (see `mountainCarSim.ts` for how the car is simulated). Unlike the classic
 * equations (a velocity update with a `cos 3x` term, clipped to ±0.07 per step, which is not the
 * motion of any physical track), this is the motion of a car on the track: real units, energy
 * conserved apart from the engine and the inelastic walls.
 *
 * ## Observation space: Box(2,) float32
 * | index | meaning  | unit | range                                          |
 * |-------|----------|------|------------------------------------------------|
 * | 0     | position | m    | [−1.2, 0.6]                                    |
 * | 1     | velocity | m/s  | ±`mountainCarSpeedBound(params)` (≈ ±17.3 m/s) |
 *
 * ## Action space
 * Continuous: Box(−1, 1, (1,), float32), the throttle (clamped to [−1, 1] for the dynamics, the
 * reward uses it as given). Discrete: Discrete(3): 0 push left, 1 no push, 2 push right.
 *
 * ## Reward
 * Continuous: `100·[terminated] − 0.1·a²`. Discrete: −1 per step (Gymnasium's MountainCar).
 *
 * ## Starting state
 * x ~ U(−0.6, −0.4), v = 0; `reset({ options: { low, high } })` changes the interval.
 *
 * ## Episode end
 * Terminated when x ≥ goalPosition (0.45 continuous, 0.5 discrete, as Gymnasium) and
 * v ≥ goalVelocity (0); truncated at 999 (continuous) / 200 (discrete) steps by `make`.
 * The left end is an inelastic wall.
 *
 * ## Arguments
 * `renderMode` (`rgb_array` 600×400 | `ansi`), `goalPosition`, `goalVelocity`, and the
 * {@link MountainCarPhysics} (track, mass, engine force, gravity, timestep, substeps).
 *
 * ## Versions
 * v0: first version.
 */

import {
  checkRenderMode,
  readBoxAction,
  readDiscreteAction,
  resolveParams,
} from '../checks/input.js';
import {
  mountainCarContinuousReward,
  mountainCarTerminated,
  startBounds,
} from '../classic/mountainCarContinuous.js';
import { renderMountainCarAnsi, renderMountainCarFrame } from '../classic/mountainCarRender.js';
import type { EnvMetadata, RenderOutput, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { InvalidArgument } from '../core/errors.js';
import { Box } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import {
  MOUNTAIN_CAR_PHYSICS_DEFAULTS,
  type MountainCarPhysics,
  MountainCarSim,
  type MountainCarSimSnapshot,
  mountainCarSpeedBound,
} from './mountainCarSim.js';
import { SimulatedEnv } from './simulatedEnv.js';

/** Task and physics parameters of the Rapier mountain cars. */
export interface RapierMountainCarParams extends MountainCarPhysics {
  /** Position at which the goal is reached (m). */
  goalPosition: number;
  /** Minimum velocity at the goal (m/s). */
  goalVelocity: number;
}

/** Constructor arguments. */
export interface RapierMountainCarArgs extends Partial<RapierMountainCarParams> {
  renderMode?: 'rgb_array' | 'ansi';
}

const METADATA: EnvMetadata = Object.freeze({
  renderModes: Object.freeze(['rgb_array', 'ansi']),
  renderFps: 50,
});

/** Shared body of the continuous and discrete Rapier cars. */
abstract class RapierMountainCarBase<Act> extends SimulatedEnv<Float32Array, Act> {
  readonly observationSpace: Box<'float32'>;
  abstract override readonly actionSpace: Space<Act>;
  /** The resolved parameters. */
  readonly params: Readonly<RapierMountainCarParams>;
  protected readonly sim: MountainCarSim;

  protected constructor(args: RapierMountainCarArgs, defaultGoal: number, name: string) {
    super(name);
    const { renderMode, ...params } = args;
    this.metadata = METADATA;
    this.renderMode = checkRenderMode(renderMode, METADATA, name);
    this.params = Object.freeze(
      resolveParams(
        { ...MOUNTAIN_CAR_PHYSICS_DEFAULTS, goalPosition: defaultGoal, goalVelocity: 0 },
        params,
        name,
      ),
    );
    const p = this.params;
    if (!(Number.isInteger(p.substeps) && p.substeps > 0)) {
      throw new InvalidArgument(`${name}: substeps must be a positive integer, got ${p.substeps}`);
    }
    for (const key of ['mass', 'timestep', 'gravity'] as const) {
      if (!(p[key] > 0))
        throw new InvalidArgument(`${name}: ${key} must be positive, got ${p[key]}`);
    }
    if (!(p.minPosition < p.maxPosition)) {
      throw new InvalidArgument(
        `${name}: minPosition must be < maxPosition, got ${p.minPosition}, ${p.maxPosition}`,
      );
    }
    if (
      typeof p.track?.height !== 'function' ||
      typeof p.track.slope !== 'function' ||
      typeof p.track.curvature !== 'function'
    ) {
      throw new InvalidArgument(
        `${name}: track must have height(x), slope(x) and curvature(x) functions`,
      );
    }
    const vmax = mountainCarSpeedBound(p);
    this.observationSpace = new Box([p.minPosition, -vmax], [p.maxPosition, vmax], [2], 'float32');
    this.sim = new MountainCarSim(p);
  }

  override reset({ seed, options }: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(seed);
    this.assertOpen();
    const p = this.params;
    const [low, high] = startBounds(options, this.name, [p.minPosition, p.maxPosition]);
    this.sim.setState(this.npRandom.uniform(low, high), 0);
    this.markStarted();
    return [this.observation(), {}];
  }

  /** Applies throttle `u` and returns the step's result with the task's reward. */
  protected advance(u: number, reward: (terminated: boolean) => number): StepResult<Float32Array> {
    this.assertStarted('step()');
    this.sim.step(u);
    const x = this.sim.x;
    const v = this.sim.v;
    const terminated = mountainCarTerminated(
      x,
      v,
      this.params.goalPosition,
      this.params.goalVelocity,
    );
    return [Float32Array.of(x, v), reward(terminated), terminated, false, {}];
  }

  private observation(): Float32Array {
    return Float32Array.of(this.sim.x, this.sim.v);
  }

  /** The state `[position, velocity]` (float64 copy of Rapier's float32 state). */
  getState(): Float64Array {
    this.assertStarted();
    return Float64Array.of(this.sim.x, this.sim.v);
  }

  /** Places the car at `[position, velocity]` (in a freshly built world). */
  setState(state: ArrayLike<number>): void {
    this.assertOpen();
    if (state?.length !== 2)
      throw new InvalidArgument(`${this.name}: state must be [position, velocity]`);
    this.sim.setState(state[0]!, state[1]!);
    this.markStarted();
  }

  /** A bit-exact copy of the state. */
  snapshot(): MountainCarSimSnapshot {
    this.assertStarted();
    return this.sim.snapshot();
  }

  /** Returns to a snapshot bit-exactly (frees the replaced Rapier world). */
  restore(snapshot: MountainCarSimSnapshot): void {
    this.assertOpen();
    this.sim.restore(snapshot);
    this.markStarted();
  }

  override render(): RenderOutput {
    if (this.renderMode === undefined) return undefined;
    this.assertStarted();
    const p = this.params;
    const scene = {
      position: this.sim.x,
      height: (x: number) => p.track.height(x),
      minPosition: p.minPosition,
      maxPosition: p.maxPosition,
      goalPosition: p.goalPosition,
    };
    return this.renderMode === 'rgb_array'
      ? renderMountainCarFrame(scene)
      : renderMountainCarAnsi(scene, this.sim.v);
  }
}

/** `rapier/MountainCarContinuous-v0` (see the file header). */
export class RapierMountainCarContinuousEnv extends RapierMountainCarBase<ArrayLike<number>> {
  readonly actionSpace = new Box(-1, 1, [1], 'float32');

  constructor(args: RapierMountainCarArgs = {}) {
    super(args, 0.45, 'RapierMountainCarContinuous');
  }

  override step(action: ArrayLike<number>): StepResult<Float32Array> {
    this.assertOpen();
    const a = readBoxAction(this.actionSpace, action, this.name)[0]!;
    return this.advance(a, (terminated) => mountainCarContinuousReward(a, terminated));
  }
}

/** `rapier/MountainCar-v0`: Discrete(3) actions, −1 per step (see the file header). */
export class RapierMountainCarEnv extends RapierMountainCarBase<number> {
  readonly actionSpace = new Discrete(3);

  constructor(args: RapierMountainCarArgs = {}) {
    super(args, 0.5, 'RapierMountainCar');
  }

  override step(action: number): StepResult<Float32Array> {
    this.assertOpen();
    const a = readDiscreteAction(this.actionSpace, action, this.name);
    return this.advance(a - 1, () => -1);
  }
}
