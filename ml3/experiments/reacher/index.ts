/** ML3 reward learning for model-based RL on the Rapier reacher (paper IV.A.2). */
export {
  learnedRewardEvaluator,
  optimisePoliciesThroughModel,
  type PlannerBaseline,
  plannerBaselines,
  planReacherEpisodes,
} from './baselines.js';
export {
  metaObjectiveWeights,
  outerLrAt,
  REACHER_META_OBJECTIVES,
  REACHER_ML3_DEFAULTS,
  type ReacherConfig,
  type ReacherMetaObjective,
} from './config.js';
export { jointGoal, mirrorJointGoals, sampleFingertipGoal } from './goals.js';
export {
  episodeInitialPolicies,
  REACHER_INITIAL_POLICIES,
  type ReacherInitialPolicy,
  reacherInitialPolicy,
  SMALL_OUTPUT_SCALE,
  startingPolicies,
} from './initialPolicies.js';
export {
  loadReacherLossFile,
  parseReacherLossFile,
  type ReacherLossContext,
  type ReacherLossFile,
  readReacherObjective,
} from './lossFile.js';
export {
  adaptReacherPolicies,
  FLAT_LOSS_SHIFT,
  heldOutReacherEpisodes,
  type MethodResult,
  type ReacherInnerLoss,
  type ReacherLossUnderTest,
  type ReacherTestOptions,
  testReacherLoss,
  validationReacherEpisodes,
} from './metaTest.js';
export type { ReacherModelData } from './modelData.js';
export {
  AUTHORS_OBJECTIVE,
  REACHER_LOSS,
  REACHER_LOSS_OUTPUTS,
  REACHER_TASK_LOSSES,
  type ReacherObjective,
  reacherLossSpec,
} from './objective.js';
export {
  lrGrid,
  type PairedStepComparison,
  pairedComparison,
  reacherStepCurves,
  STEP_CURVE_DEFAULTS,
  type StepCurve,
  type StepCurveOptions,
  type StepCurvePoint,
  selectionReacherEpisodes,
} from './stepCurve.js';
export {
  type RunStepCurves,
  type StepCurveSeedOptions,
  type StepCurveSeedPoint,
  type StepCurveSeedRow,
  type StepCurvesOverSeeds,
  stepCurvesOverSeeds,
} from './stepCurveSeeds.js';
export {
  fingertipDistances,
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  REACHER_POLICY,
  type ReacherDynamics,
  type ReacherEpisode,
  type ReacherRollouts,
  reacherLearnedLoss,
  reacherLossFeatures,
  reacherModelTaskLoss,
  reacherPolicyActions,
  reacherPolicyLearnedLoss,
  reacherPolicyLearnedLossGradient,
  reacherStartStates,
  reacherTaskLoss,
  rolloutPolicy,
  sampleReacherEpisodes,
} from './task.js';
export { ReacherMetaTrainer, type ReacherSelectedPhi } from './train.js';
