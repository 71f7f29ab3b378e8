/**
 * `ml3/agents`: TensorFlow.js backend selection, derivative-free policy search (CEM with linear
 * policies); networks, the model-based stack and the policy-gradient agent arrive with their issues.
 */

export {
  ActorCritic,
  type ActorCriticOptions,
  minibatchObjective,
  orthogonal,
  SDE_EPSILON,
} from './actorCritic.js';
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  BackendUnavailableError,
  selectBackend,
} from './backend.js';
export {
  CEM_DEFAULTS,
  type CemArgs,
  type CemState,
  type CemUpdate,
  CrossEntropyMethod,
} from './cem.js';
export {
  DYNAMICS_DEFAULTS,
  type DynamicsArgs,
  DynamicsEnsemble,
  type DynamicsEnsembleJson,
  type FitReport,
  type Transitions,
} from './dynamics.js';
export { type FeedbackPolicySpec, policyActions, policyActor } from './feedbackPolicy.js';
export { LinearPolicy } from './linearPolicy.js';
export { type LockstepArgs, type LockstepRollouts, rolloutLockstep } from './lockstepRollouts.js';
export { type ModelRolloutArgs, type Rollout, rolloutThroughModel } from './modelRollout.js';
export * from './nn/index.js';
export {
  evaluatePolicy,
  PgPolicy,
  type PgPolicyFile,
  type PolicyEvaluation,
} from './pgPolicy.js';
export {
  type PgTrainerState,
  PolicyGradientTrainer,
  trainPolicyGradient,
} from './pgTrainer.js';
export {
  CemPlanner,
  ModelEvaluator,
  MPPI_DEFAULTS,
  type MppiArgs,
  MppiPlanner,
  PLANNER_DEFAULTS,
  type Planner,
  type PlannerArgs,
  type RewardFn,
  type SequenceEvaluator,
  SimulatorEvaluator,
  type SnapshotEnv,
  type TrajectoryScore,
} from './planners.js';
export {
  gae,
  gaussianLogProb,
  globalNormClip,
  OBS_CLIP,
  PG_DEFAULTS,
  type PgArgs,
  type PgMetrics,
  type PgWrapperOptions,
  ppoClipLoss,
  ppoLosses,
  REWARD_CLIP,
  wrapForPolicyGradient,
} from './ppo.js';
export {
  type Minibatch,
  type MinibatchDiagnostics,
  PpoGradient,
  policyLogStd,
} from './ppoGradient.js';
export { reacherRewardTensor } from './rewards.js';
export {
  type CpuDynamics,
  type RolloutLossArgs,
  rolloutLoss,
  rolloutLossInJs,
  twinDynamics,
} from './rolloutGradient.js';
export { mountainCarTwin, reacherTwin, type ScalarStep, SimulatorTwin } from './simulatorTwin.js';
export { type SquashBounds, squashActions, squashBounds } from './squash.js';
