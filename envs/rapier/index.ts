/** The Rapier-backed environments and their models. */
export {
  type RapierMountainCarArgs,
  RapierMountainCarContinuousEnv,
  RapierMountainCarEnv,
  type RapierMountainCarParams,
} from './mountainCar.js';
export {
  integrateMountainCar,
  MOUNTAIN_CAR_PHYSICS_DEFAULTS,
  type MountainCarPhysics,
  MountainCarSim,
  type MountainCarSimSnapshot,
  mountainCarAcceleration,
  mountainCarSpeedBound,
  SINE_TRACK,
  type Track,
} from './mountainCarSim.js';
export { RAPIER, restoreWorld } from './rapier.js';
export {
  REACHER_STATE_SIZE,
  type ReacherArgs,
  ReacherEnv,
  type ReacherResetOptions,
  type ReacherSnapshot,
  type ReacherStepInfo,
} from './reacher.js';
export {
  type ArmState,
  integrateReacherArm,
  ReacherArmDynamics,
  reacherArmDerivative,
  reacherArmDynamics,
} from './reacherDynamics.js';
export {
  capsuleMassProperties,
  type LinkMassProperties,
  REACHER_DEFAULTS,
  type ReacherParams,
  reacherFingertip,
  reacherInverseKinematics,
  reacherMassProperties,
  reacherReward,
} from './reacherModel.js';
export { type ReacherScene, renderReacherAnsi, renderReacherFrame } from './reacherRender.js';
export { ReacherSim, type ReacherSimSnapshot, wrapAngle } from './reacherSim.js';
