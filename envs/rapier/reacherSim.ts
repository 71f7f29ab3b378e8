/**
 * The reacher arm's simulation, without the task: two links in a gravity-free plane, stepped with
 * joint torques. The env, planners and batch rollouts share it.
 *
 * Who does what:
 * - the arm's motion is integrated at the joint level by {@link ReacherArmDynamics}, as MuJoCo
 *   integrates Reacher-v5 (RK4 of the reduced-coordinate dynamics with the joint armature, and the
 *   joint-1 limit as MuJoCo's soft constraint), in float64;
 * - the Rapier world holds the links as kinematic bodies with their colliders (two capsules and
 *   the fingertip ball), moved to the integrated joint state every physics step, so its poses,
 *   velocities, contacts with bodies a user adds to `rapierWorld`, and world snapshots are the
 *   arm's.
 *
 * Why Rapier does not integrate the links itself (measured with rapier2d 0.20, see
 * docs/environments.md): it clamps a body's angular velocity to π/4 per world step (78.5 rad/s at
 * the 0.01 s physics step, while Reacher-v5's joint 0 reaches 126 rad/s under full torque), it
 * advances rotations by atan(ω·h) instead of ω·h (0.46 instead of 0.5 rad in a step), and it has
 * neither joint armature (10⁴ times the links' inertia here, so it sets the arm's dynamics) nor
 * MuJoCo's soft joint limits; the arm drifted from MuJoCo by up to 3 rad at full torque.
 */
import type { RigidBody, World } from '@dimforge/rapier2d-deterministic-compat';
import { InvalidArgument } from '../core/errors.js';
import { RAPIER, restoreWorld, stepWorld } from './rapier.js';
import { type ReacherArmDynamics, reacherArmDynamics } from './reacherDynamics.js';
import type { ReacherParams } from './reacherModel.js';

/** Wraps an angle to (−π, π]. */
export function wrapAngle(x: number): number {
  return x - 2 * Math.PI * Math.round(x / (2 * Math.PI));
}

/** A bit-exact copy of a {@link ReacherSim}'s state (see `snapshot`/`restore`). */
export interface ReacherSimSnapshot {
  /** Rapier's serialised world (the links and anything a user added). */
  readonly world: Uint8Array;
  /** `[q0, q1, q̇0, q̇1, xposQ0, xposQ1]` (float64; the world holds float32 poses). */
  readonly joints: readonly number[];
}

interface Handles {
  link0: number;
  link1: number;
}

/**
 * The arm: joint coordinates `q0` (link 0's angle from +x, continuous), `q1` (link 1 relative to
 * link 0; MuJoCo's soft limit lets it pass ±joint1Limit by up to ~0.3 rad on hard hits), and their
 * velocities `v0`, `v1`. Call `free()` when done: WASM memory is not garbage-collected.
 */
export class ReacherSim {
  readonly params: Readonly<ReacherParams>;
  /** The equations of motion this sim integrates (shared with `integrateReacherArm`). */
  readonly dynamics: ReacherArmDynamics;
  private world: World;
  private link0: RigidBody;
  private link1: RigidBody;
  private readonly handles: Handles;
  /** Link 1's origin (joint 1), reused by every physics step. */
  private readonly joint1Position = { x: 0, y: 0 };
  /** [q0, q1, q̇0, q̇1, xposQ0, xposQ1]. */
  private readonly joints = new Float64Array(6);
  private freed = false;

  constructor(params: Readonly<ReacherParams>) {
    this.params = params;
    this.dynamics = reacherArmDynamics(params);
    const p = params;
    const world = new RAPIER.World({ x: 0, y: 0 });
    world.timestep = p.timestep;
    const kinematic = () => RAPIER.RigidBodyDesc.kinematicPositionBased();
    this.link0 = world.createRigidBody(kinematic());
    this.link1 = world.createRigidBody(kinematic());
    // Capsules lie along the links from their proximal joints (Rapier's capsule is along y).
    const capsule = (length: number) =>
      RAPIER.ColliderDesc.capsule(length / 2, p.linkRadius)
        .setTranslation(length / 2, 0)
        .setRotation(Math.PI / 2);
    world.createCollider(capsule(p.link0Length), this.link0);
    world.createCollider(capsule(p.link1Length), this.link1);
    world.createCollider(
      RAPIER.ColliderDesc.ball(p.linkRadius).setTranslation(p.fingertipOffset, 0),
      this.link1,
    );
    this.world = world;
    this.handles = { link0: this.link0.handle, link1: this.link1.handle };
    this.setJointState(0, 0, 0, 0);
  }

  /** Puts the arm in a joint state (any finite values; the world's links are moved there). */
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
    this.assertLive();
    this.joints.set([q0, q1, v0, v1, q0, q1]);
    const { link0, link1 } = this;
    const l = this.params.link0Length;
    link0.setTranslation({ x: 0, y: 0 }, true);
    link0.setRotation(q0, true);
    link0.setAngvel(v0, true);
    link1.setTranslation({ x: l * Math.cos(q0), y: l * Math.sin(q0) }, true);
    link1.setRotation(q0 + q1, true);
    link1.setAngvel(v0 + v1, true);
  }

  private assertLive(): void {
    if (this.freed)
      throw new InvalidArgument('this Reacher simulation was freed (env closed); make a new one');
  }

  /**
   * The underlying Rapier world, for inspection, scene queries and bodies of your own (the arm's
   * links are kinematic: they push what they touch and are not pushed back). Do not remove the
   * links; the world is replaced by `restore`.
   */
  get rapierWorld(): World {
    this.assertLive();
    return this.world;
  }

  /** Joint 0 angle (continuous, not wrapped). */
  get q0(): number {
    return this.joints[0]!;
  }

  /** Joint 1 angle. */
  get q1(): number {
    return this.joints[1]!;
  }

  /** Joint 0 velocity. */
  get v0(): number {
    return this.joints[2]!;
  }

  /** Joint 1 velocity. */
  get v1(): number {
    return this.joints[3]!;
  }

  /**
   * Joint 0 angle where MuJoCo last computed the kinematics: after a step, the RK4 integrator's
   * last stage (see {@link ReacherArmDynamics.lastStageAngles}); after `setJointState`, `q0`.
   * Gymnasium's Reacher-v5 reads its fingertip from there (`data.xpos`).
   */
  get xposQ0(): number {
    return this.joints[4]!;
  }

  /** Joint 1 angle where MuJoCo last computed the kinematics (see `xposQ0`). */
  get xposQ1(): number {
    return this.joints[5]!;
  }

  /**
   * Advances `frameSkip` physics steps with motor commands `u0`, `u1` (clamped to [−1, 1], as
   * MuJoCo's ctrllimited; torque = gear · u).
   */
  step(u0: number, u1: number): void {
    this.assertLive();
    const { joints, link0, link1, dynamics } = this;
    const l = this.params.link0Length;
    for (let i = 0; i < dynamics.frameSkip; i++) {
      dynamics.physicsStep(joints, u0, u1);
      const q0 = joints[0]!;
      link0.setNextKinematicRotation(q0);
      this.joint1Position.x = l * Math.cos(q0);
      this.joint1Position.y = l * Math.sin(q0);
      link1.setNextKinematicTranslation(this.joint1Position);
      link1.setNextKinematicRotation(q0 + joints[1]!);
      stepWorld(this.world);
    }
    joints[4] = dynamics.lastStageAngles[0]!;
    joints[5] = dynamics.lastStageAngles[1]!;
  }

  /** A bit-exact copy of the current state (Rapier world snapshot plus the joint state). */
  snapshot(): ReacherSimSnapshot {
    this.assertLive();
    return { world: this.world.takeSnapshot(), joints: Array.from(this.joints) };
  }

  /** Returns to a snapshot bit-exactly; the replaced world is freed. */
  restore(snapshot: ReacherSimSnapshot): void {
    this.assertLive();
    const joints = snapshot?.joints;
    if (
      !(snapshot?.world instanceof Uint8Array) ||
      !Array.isArray(joints) ||
      joints.length !== 6 ||
      !joints.every(Number.isFinite)
    ) {
      throw new InvalidArgument(
        'not a Reacher snapshot: expected { world: Uint8Array, joints: [q0, q1, q̇0, q̇1, xposQ0, xposQ1] } from snapshot()',
      );
    }
    const world = restoreWorld(snapshot.world, 'Reacher');
    this.world.free();
    this.world = world;
    world.timestep = this.params.timestep;
    this.link0 = world.getRigidBody(this.handles.link0);
    this.link1 = world.getRigidBody(this.handles.link1);
    this.joints.set(joints);
  }

  /** Frees the WASM world; later calls throw. Safe to call twice. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.world.free();
  }
}
