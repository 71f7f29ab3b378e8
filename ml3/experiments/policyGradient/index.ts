/** Model-free ML3: learned policy losses trained through a policy-gradient step (our design). */
export {
  learnedPolicyLoss,
  type PgLossBase,
  type PgRolloutTensors,
  policyLogProb,
  ppoPolicyLoss,
  reinforceLoss,
  rolloutTensors,
} from './losses.js';
export {
  comparePgMethods,
  heldOutPgTasks,
  loadPgLossFile,
  type PgCompareArgs,
  type PgLossContext,
  type PgLossFile,
  type PgMethodCurve,
  type PgTestCurve,
  type PgTestMethod,
  pgTestMethods,
  trainPgPolicies,
} from './metaTest.js';
export {
  CAR_INTERMEDIATE_STEPS,
  CAR_INTERMEDIATE_X,
  CAR_PG_TASK,
  initPgLoss,
  initPgPolicies,
  makePgEnvs,
  normalisedAdvantages,
  type PgRollouts,
  type PgTask,
  pgLossSpec,
  pgPolicySpec,
  REACHER_PG_TASK,
  rolloutPgPolicies,
} from './task.js';
export {
  PG_ML3_DEFAULTS,
  type PgMetaStepResult,
  type PgMl3Config,
  PgMl3MetaTrainer,
  pgMetaStep,
  pgTaskOf,
} from './train.js';
