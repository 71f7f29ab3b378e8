/**
 * The Rapier mountain car, without the task: a car of mass m on a track y = h(x) under gravity,
 * driven by a traction force along the track.
 *
 * Measured here (DESIGN.md): a ball or wheel on polyline or heightfield terrain bounces at the
 * segment joints and never climbs smoothly. So the car is a Rapier body on a prismatic rail along
 * x, whose limits at the track's ends are inelastic walls, and every substep applies the force
 * that makes its x-motion the bead-on-wire equation of the track:
 *
 *     (1 + h′²)·ẍ = (F/m)·u·√(1 + h′²) − g·h′ − h′·h″·ẋ²
 *
 * (traction F·u along the tangent, gravity's along-track component, and the centripetal term of
 * the curved track). The force is evaluated at the substep's predicted midpoint, which halves the
 * integration error of Rapier's symplectic Euler step (measured against the exact ODE).
 */
import type {
  PrismaticImpulseJoint,
  RigidBody,
  World,
} from '@dimforge/rapier2d-deterministic-compat';
import { InvalidArgument } from '../core/errors.js';
import { RAPIER, restoreWorld, stepWorld } from './rapier.js';

/** A track y = h(x) with its first and second derivatives. */
export interface Track {
  /** h(x) (m). */
  height(x: number): number;
  /** h′(x). */
  slope(x: number): number;
  /** h″(x) (1/m). */
  curvature(x: number): number;
}

/** The default track, y = sin(3x). */
export const SINE_TRACK: Track = Object.freeze({
  height: (x: number) => Math.sin(3 * x),
  slope: (x: number) => 3 * Math.cos(3 * x),
  curvature: (x: number) => -9 * Math.sin(3 * x),
});

/** Physical parameters of the Rapier mountain car. */
export interface MountainCarPhysics {
  /** The track. */
  track: Track;
  /** Left wall (m). */
  minPosition: number;
  /** Right wall (m). */
  maxPosition: number;
  /** Car mass (kg). */
  mass: number;
  /** Traction force at full throttle (N). */
  engineForce: number;
  /** Gravitational acceleration (m/s²). */
  gravity: number;
  /** Seconds per env step. */
  timestep: number;
  /** Rapier steps per env step (the along-track force is re-evaluated at each). */
  substeps: number;
}

/** Defaults: an underpowered car (full throttle from the valley floor climbs to x ≈ −0.33 only). */
export const MOUNTAIN_CAR_PHYSICS_DEFAULTS: Readonly<MountainCarPhysics> = Object.freeze({
  track: SINE_TRACK,
  minPosition: -1.2,
  maxPosition: 0.6,
  mass: 1000,
  engineForce: 6000,
  gravity: 9.81,
  timestep: 0.02,
  substeps: 15,
});

/**
 * ẍ of the bead-on-wire car (see the file header): the one definition of the car's dynamics,
 * used by the simulation and by model-based code that wants the same equations.
 */
export function mountainCarAcceleration(
  x: number,
  v: number,
  u: number,
  p: Readonly<MountainCarPhysics>,
): number {
  const s = p.track.slope(x);
  const stretch = 1 + s * s;
  return (
    ((p.engineForce / p.mass) * u * Math.sqrt(stretch) -
      p.gravity * s -
      s * p.track.curvature(x) * v * v) /
    stretch
  );
}

/**
 * One env step of the car's equation in plain float64 arithmetic, with the sim's integrator:
 * `substeps` symplectic Euler substeps with the force at the predicted midpoint, and inelastic
 * walls (the position stops, the velocity into the wall is removed). The Rapier sim integrates
 * the same way in float32; this is what differentiable twins and tests compare against.
 * @returns `[x, v]` after the step (the throttle is clamped to [−1, 1]).
 */
export function integrateMountainCar(
  x: number,
  v: number,
  u: number,
  p: Readonly<MountainCarPhysics>,
  substeps = p.substeps,
): [number, number] {
  const throttle = Math.min(Math.max(u, -1), 1);
  const h = p.timestep / substeps;
  for (let i = 0; i < substeps; i++) {
    const a0 = mountainCarAcceleration(x, v, throttle, p);
    const a = mountainCarAcceleration(x + 0.5 * h * v, v + 0.5 * h * a0, throttle, p);
    v += h * a;
    x += h * v;
    if (x < p.minPosition) {
      x = p.minPosition;
      v = Math.max(v, 0);
    } else if (x > p.maxPosition) {
      x = p.maxPosition;
      v = Math.min(v, 0);
    }
  }
  return [x, v];
}

/**
 * The largest |ẋ| the car can reach: kinetic energy is bounded by the track's height range plus
 * one pass of engine work along the whole track (a car that turns back has lost its speed).
 */
export function mountainCarSpeedBound(p: Readonly<MountainCarPhysics>): number {
  const n = 2000;
  let length = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let prevX = p.minPosition;
  let prevY = p.track.height(prevX);
  for (let i = 0; i <= n; i++) {
    const x = p.minPosition + ((p.maxPosition - p.minPosition) * i) / n;
    const y = p.track.height(x);
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
    length += Math.hypot(x - prevX, y - prevY);
    prevX = x;
    prevY = y;
  }
  // 1% margin for the polyline's short arclength and the integrator.
  return 1.01 * Math.sqrt(2 * (p.gravity * (hi - lo) + (p.engineForce / p.mass) * length));
}

/** A bit-exact copy of a {@link MountainCarSim}'s state. */
export interface MountainCarSimSnapshot {
  readonly world: Uint8Array;
}

/** The car in a Rapier world. Call `free()` when done (WASM memory is not garbage-collected). */
export class MountainCarSim {
  readonly params: Readonly<MountainCarPhysics>;
  private world!: World;
  private car!: RigidBody;
  private carHandle = 0;
  private freed = false;
  private readonly force = { x: 0, y: 0 };

  constructor(params: Readonly<MountainCarPhysics>) {
    this.params = params;
    this.setState((params.minPosition + params.maxPosition) / 2, 0);
  }

  /** Puts the car at position `x` with velocity `v`, in a freshly built world. */
  setState(x: number, v: number): void {
    this.assertLive();
    const p = this.params;
    if (!Number.isFinite(x) || !Number.isFinite(v) || x < p.minPosition || x > p.maxPosition) {
      throw new InvalidArgument(
        `mountain car state must be a position in [${p.minPosition}, ${p.maxPosition}] and a finite velocity, got ${x}, ${v}`,
      );
    }
    if (this.world) this.world.free();
    const world = new RAPIER.World({ x: 0, y: 0 });
    this.configure(world);
    const base = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    const car = world.createRigidBody(
      RAPIER.RigidBodyDesc.dynamic()
        .setTranslation(x, 0)
        .setLinvel(v, 0)
        .setCanSleep(false)
        .setAdditionalMassProperties(p.mass, { x: 0, y: 0 }, p.mass),
    );
    // The rail: x only; its limits are the walls (a limit constraint has no restitution).
    const rail = world.createImpulseJoint(
      RAPIER.JointData.prismatic({ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 0 }),
      base,
      car,
      true,
    ) as PrismaticImpulseJoint;
    rail.setLimits(p.minPosition, p.maxPosition);
    rail.setContactsEnabled(false);
    this.world = world;
    this.car = car;
    this.carHandle = car.handle;
  }

  /**
   * The underlying Rapier world, for inspection and benchmarks. Do not free or restructure it;
   * it is replaced by `setState` and `restore`.
   */
  get rapierWorld(): World {
    this.assertLive();
    return this.world;
  }

  /** Car position x (m). */
  get x(): number {
    return this.car.translation().x;
  }

  /** Car velocity ẋ (m/s). */
  get v(): number {
    return this.car.linvel().x;
  }

  /** Advances one env step with throttle `u` (clamped to [−1, 1]). */
  step(u: number): void {
    this.assertLive();
    const p = this.params;
    const throttle = Math.min(Math.max(u, -1), 1);
    const h = p.timestep / p.substeps;
    for (let i = 0; i < p.substeps; i++) {
      const x = this.car.translation().x;
      const v = this.car.linvel().x;
      const a0 = mountainCarAcceleration(x, v, throttle, p);
      const a = mountainCarAcceleration(x + 0.5 * h * v, v + 0.5 * h * a0, throttle, p);
      this.force.x = p.mass * a;
      this.car.resetForces(false);
      this.car.addForce(this.force, true);
      stepWorld(this.world);
    }
  }

  /** A bit-exact copy of the current state. */
  snapshot(): MountainCarSimSnapshot {
    this.assertLive();
    return { world: this.world.takeSnapshot() };
  }

  /** Returns to a snapshot bit-exactly; the replaced world is freed. */
  restore(snapshot: MountainCarSimSnapshot): void {
    this.assertLive();
    if (!(snapshot?.world instanceof Uint8Array)) {
      throw new InvalidArgument(
        'not a mountain car snapshot: expected { world: Uint8Array } from snapshot()',
      );
    }
    const world = restoreWorld(snapshot.world, 'mountain car');
    this.world.free();
    this.world = world;
    this.configure(world);
    this.car = world.getRigidBody(this.carHandle);
  }

  private configure(world: World): void {
    world.timestep = this.params.timestep / this.params.substeps;
    world.numSolverIterations = 1; // one body on one joint: one iteration solves it exactly
  }

  /** Frees the WASM world; later calls throw. Safe to call twice. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.world.free();
  }

  private assertLive(): void {
    if (this.freed)
      throw new InvalidArgument(
        'this mountain car simulation was freed (env closed); make a new one',
      );
  }
}
