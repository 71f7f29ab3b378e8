/**
 * The reacher arm's Rapier simulation, without the task: two links on revolute joints in a
 * gravity-free plane, stepped with joint torques. The env, planners and batch rollouts share it.
 *
 * How MuJoCo's joint `armature` (a rotor inertia reflected at each joint, 1 kg·m² here, ~10⁴ times
 * the links' own inertia) is reproduced, since Rapier has no armature:
 * - joint 0 connects link 0 to the fixed base, so its rotor turns exactly with link 0: the
 *   armature is added to link 0's rotational inertia, the torque is applied to link 0, and the
 *   joint damping is a ForceBased velocity motor with target 0 (an exact implicit damper);
 * - joint 1's rotor cannot be a body inertia (that would couple it into joint 0). Its velocity
 *   is integrated here, implicitly in the damping, `(A₁ + dt·d)·v' = A₁·v + dt·τ₁` with A₁ the
 *   armature plus link 1's inertia about the joint, and drives link 1 through a stiff Rapier
 *   velocity motor whose target is the step's mean velocity (v + v')/2, so the joint angle is
 *   integrated with the trapezoidal rule. The joint limit is an inelastic stop of that rotor.
 * The links' coupling terms neglected by this emulation are ~4·10⁻⁴ of the armature; the tests
 * compare the whole arm against the exact reduced-coordinate dynamics.
 */
import type {
  RevoluteImpulseJoint,
  RigidBody,
  World,
} from '@dimforge/rapier2d-deterministic-compat';
import { InvalidArgument } from '../core/errors.js';
import { RAPIER, restoreWorld } from './rapier.js';
import { type ReacherParams, reacherMassProperties } from './reacherModel.js';

/** Wraps an angle to (−π, π]. */
export function wrapAngle(x: number): number {
  return x - 2 * Math.PI * Math.round(x / (2 * Math.PI));
}

/** A bit-exact copy of a {@link ReacherSim}'s state (see `snapshot`/`restore`). */
export interface ReacherSimSnapshot {
  /** Rapier's serialised world. */
  readonly world: Uint8Array;
  /** Continuous joint-0 angle (the world only knows it modulo 2π). */
  readonly q0: number;
  /** Joint-1 rotor velocity. */
  readonly v1: number;
}

/**
 * Damping factor of joint 1's velocity motor: stiff enough that link 1 follows the rotor to
 * within 10⁻³ of the target in one step (measured; the links weigh grams).
 */
const ROTOR_STIFFNESS = 1e6;

interface Handles {
  link0: number;
  link1: number;
  joint0: number;
  joint1: number;
}

/**
 * The arm in a Rapier world. Joint coordinates: `q0` (link 0's angle from +x, continuous), `q1`
 * (link 1 relative to link 0, within ±joint1Limit), velocities `v0`, `v1`.
 * Call `free()` when done: WASM memory is not garbage-collected.
 */
export class ReacherSim {
  readonly params: Readonly<ReacherParams>;
  private world!: World;
  private link0!: RigidBody;
  private link1!: RigidBody;
  private joint1!: RevoluteImpulseJoint;
  private handles!: Handles;
  private q0Continuous = 0;
  private rotorV1 = 0;
  private torque0 = 0;
  private torque1 = 0;
  /** Joint 1's rotor inertia: armature plus link 1's inertia about the joint. */
  private readonly rotorInertia1: number;
  private readonly massProps: ReturnType<typeof reacherMassProperties>;
  private freed = false;

  constructor(params: Readonly<ReacherParams>) {
    this.params = params;
    this.massProps = reacherMassProperties(params);
    const l1 = this.massProps[1];
    this.rotorInertia1 = params.armature + l1.inertia + l1.mass * l1.com * l1.com;
    this.setJointState(0, 0, 0, 0);
  }

  /**
   * Puts the arm in a joint state, in a freshly built world, so the result depends only on the
   * state (not on solver caches from earlier steps).
   */
  setJointState(q0: number, q1: number, v0: number, v1: number): void {
    for (const [name, v] of [
      ['q0', q0],
      ['q1', q1],
      ['v0', v0],
      ['v1', v1],
    ] as const) {
      if (!Number.isFinite(v))
        throw new InvalidArgument(`Reacher state ${name} must be finite, got ${v}`);
    }
    if (Math.abs(q1) > this.params.joint1Limit) {
      throw new InvalidArgument(
        `Reacher q1 must be within ±${this.params.joint1Limit} rad (joint limit), got ${q1}`,
      );
    }
    this.assertLive();
    if (this.world) this.world.free();
    const p = this.params;
    const [m0, m1] = this.massProps;
    const world = new RAPIER.World({ x: 0, y: 0 });
    this.configure(world);
    const base = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    // Body origins sit at the links' proximal joints; Rapier's linvel is the centre of mass's.
    const phi1 = q0 + q1;
    const jx = p.link0Length * Math.cos(q0);
    const jy = p.link0Length * Math.sin(q0);
    const w1 = v0 + v1;
    const link0 = world.createRigidBody(
      RAPIER.RigidBodyDesc.dynamic()
        .setRotation(q0)
        .setAngvel(v0)
        .setLinvel(-v0 * m0.com * Math.sin(q0), v0 * m0.com * Math.cos(q0))
        .setCanSleep(false)
        .setAdditionalMassProperties(m0.mass, { x: m0.com, y: 0 }, m0.inertia + p.armature),
    );
    const link1 = world.createRigidBody(
      RAPIER.RigidBodyDesc.dynamic()
        .setTranslation(jx, jy)
        .setRotation(phi1)
        .setAngvel(w1)
        .setLinvel(-v0 * jy - w1 * m1.com * Math.sin(phi1), v0 * jx + w1 * m1.com * Math.cos(phi1))
        .setCanSleep(false)
        .setAdditionalMassProperties(m1.mass, { x: m1.com, y: 0 }, m1.inertia),
    );
    const joint0 = world.createImpulseJoint(
      RAPIER.JointData.revolute({ x: 0, y: 0 }, { x: 0, y: 0 }),
      base,
      link0,
      true,
    ) as RevoluteImpulseJoint;
    joint0.setContactsEnabled(false);
    joint0.configureMotorModel(RAPIER.MotorModel.ForceBased);
    joint0.configureMotorVelocity(0, p.damping); // an exact implicit damper
    const joint1 = world.createImpulseJoint(
      RAPIER.JointData.revolute({ x: p.link0Length, y: 0 }, { x: 0, y: 0 }),
      link0,
      link1,
      true,
    ) as RevoluteImpulseJoint;
    joint1.setContactsEnabled(false);
    joint1.setLimits(-p.joint1Limit, p.joint1Limit);
    joint1.configureMotorModel(RAPIER.MotorModel.ForceBased);
    this.world = world;
    this.link0 = link0;
    this.link1 = link1;
    this.joint1 = joint1;
    this.handles = {
      link0: link0.handle,
      link1: link1.handle,
      joint0: joint0.handle,
      joint1: joint1.handle,
    };
    this.q0Continuous = q0;
    this.rotorV1 = v1;
    this.torque0 = Number.NaN; // forces the torque to be written on the next step
  }

  private configure(world: World): void {
    world.timestep = this.params.timestep;
    world.numSolverIterations = this.params.solverIterations;
    world.numInternalPgsIterations = this.params.pgsIterations;
  }

  private assertLive(): void {
    if (this.freed)
      throw new InvalidArgument('this Reacher simulation was freed (env closed); make a new one');
  }

  /**
   * The underlying Rapier world, for inspection and benchmarks. Do not free or restructure it;
   * it is replaced by `setJointState` and `restore`.
   */
  get rapierWorld(): World {
    this.assertLive();
    return this.world;
  }

  /** Joint 0 angle (continuous, not wrapped). */
  get q0(): number {
    return this.q0Continuous;
  }

  /** Joint 1 angle. */
  get q1(): number {
    return wrapAngle(this.link1.rotation() - this.link0.rotation());
  }

  /** Joint 0 velocity. */
  get v0(): number {
    return this.link0.angvel();
  }

  /** Joint 1 velocity (its rotor's). */
  get v1(): number {
    return this.rotorV1;
  }

  /**
   * Advances `frameSkip` physics steps with motor commands `u0`, `u1` (clamped to [−1, 1], as
   * MuJoCo's ctrllimited; torque = gear · u).
   */
  step(u0: number, u1: number): void {
    this.assertLive();
    const p = this.params;
    const tau0 = p.gear * Math.min(Math.max(u0, -1), 1);
    this.torque1 = p.gear * Math.min(Math.max(u1, -1), 1);
    if (tau0 !== this.torque0) {
      // User torques persist in Rapier until reset: rewrite only when the command changes.
      this.link0.resetTorques(false);
      this.link0.addTorque(tau0, true);
      this.torque0 = tau0;
    }
    for (let i = 0; i < p.frameSkip; i++) this.physicsStep();
  }

  private physicsStep(): void {
    const p = this.params;
    const dt = p.timestep;
    const a = this.rotorInertia1;
    const rot0 = this.link0.rotation();
    const q1 = wrapAngle(this.link1.rotation() - rot0);
    const v = this.rotorV1;
    let next = (a * v + dt * this.torque1) / (a + dt * p.damping);
    let target = 0.5 * (v + next);
    const reach = q1 + dt * target;
    if (reach > p.joint1Limit || reach < -p.joint1Limit) {
      // Inelastic stop at the limit: move exactly onto it and stop the rotor.
      const limit = reach > 0 ? p.joint1Limit : -p.joint1Limit;
      target = (limit - q1) / dt;
      next = 0;
    }
    this.joint1.configureMotorVelocity(target, ROTOR_STIFFNESS);
    this.world.step();
    this.rotorV1 = next;
    // Track joint 0 continuously: one physics step turns it by less than π (|v0| ≤ gear/damping).
    const turned = this.link0.rotation();
    this.q0Continuous += wrapAngle(turned - wrapAngle(this.q0Continuous));
  }

  /** A bit-exact copy of the current state (Rapier world snapshot plus the rotor state). */
  snapshot(): ReacherSimSnapshot {
    this.assertLive();
    return { world: this.world.takeSnapshot(), q0: this.q0Continuous, v1: this.rotorV1 };
  }

  /** Returns to a snapshot bit-exactly; the replaced world is freed. */
  restore(snapshot: ReacherSimSnapshot): void {
    this.assertLive();
    if (
      !(snapshot?.world instanceof Uint8Array) ||
      !Number.isFinite(snapshot.q0) ||
      !Number.isFinite(snapshot.v1)
    ) {
      throw new InvalidArgument(
        'not a Reacher snapshot: expected { world: Uint8Array, q0, v1 } from snapshot()',
      );
    }
    const world = restoreWorld(snapshot.world, 'Reacher');
    this.world.free();
    this.world = world;
    this.configure(world);
    this.link0 = world.getRigidBody(this.handles.link0);
    this.link1 = world.getRigidBody(this.handles.link1);
    this.joint1 = world.getImpulseJoint(this.handles.joint1) as RevoluteImpulseJoint;
    this.q0Continuous = snapshot.q0;
    this.rotorV1 = snapshot.v1;
    this.torque0 = this.link0.userTorque();
  }

  /** Frees the WASM world; later calls throw. Safe to call twice. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.world.free();
  }
}
