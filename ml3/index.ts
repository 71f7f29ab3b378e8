/**
 * `ml3/ml3`: learned losses M_φ, the bi-level meta-train step (Algorithm 1), meta-test
 * (Algorithm 2), learned-loss files, and the task definitions of the model-based experiments
 * (the reacher's policy, learned loss, task loss, real rollouts and held-out test protocol; the
 * mountain car's).
 */
export {
  initLearnedLoss,
  type LearnedLossSpec,
  learnedLossMlp,
  learnedLossValues,
} from './learnedLoss.js';
export {
  type LearnedLossDocument,
  LearnedLossFileError,
  learnedLossShapes,
  loadLearnedLoss,
  saveLearnedLoss,
} from './lossFile.js';
export {
  type AdaptArgs,
  adapt,
  type MetaStepArgs,
  type MetaStepResult,
  metaGradient,
} from './metaStep.js';
export {
  CAR_LOSS,
  CAR_POLICY,
  type CarGoals,
  carLearnedLoss,
  carPolicyActions,
  carRolloutPolicy,
  carTaskLoss,
  carTwinRollout,
  EXTRA_GOAL_SOFTMIN,
  VELOCITY_SCALE,
} from './mountainCarTask.js';
export {
  CAR_INTERMEDIATE_STEPS,
  CAR_INTERMEDIATE_X,
  CAR_PG_TASK,
  initPgLoss,
  initPgPolicies,
  learnedPolicyLoss,
  makePgEnvs,
  normalisedAdvantages,
  type PgLossBase,
  type PgMetaStepResult,
  type PgRollouts,
  type PgTask,
  type PgTestCurve,
  type PgTestMethod,
  pgLossSpec,
  pgMetaStep,
  pgPolicySpec,
  REACHER_PG_TASK,
  reinforceLoss,
  rolloutPgPolicies,
  trainPgPolicies,
} from './policyLoss.js';
export {
  comparePgMethods,
  heldOutPgTasks,
  type PgCompareArgs,
  type PgMethodCurve,
  pgTestMethods,
} from './policyLossTest.js';
export {
  fingertipDistances,
  jointGoal,
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  REACHER_LOSS,
  REACHER_POLICY,
  type ReacherEpisode,
  type ReacherRollouts,
  reacherLearnedLoss,
  reacherLossFeatures,
  reacherPolicyActions,
  reacherTaskLoss,
  rolloutPolicy,
  sampleFingertipGoal,
  sampleReacherEpisodes,
} from './reacherTask.js';
export {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  learnedRewardEvaluator,
  type MethodResult,
  median,
  optimisePoliciesThroughModel,
  planReacherEpisodes,
  type ReacherDynamics,
  type ReacherInnerLoss,
  type ReacherTestOptions,
  reacherModelTaskLoss,
  testReacherLoss,
} from './reacherTest.js';
