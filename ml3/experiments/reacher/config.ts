/**
 * The settings of a reacher meta-training run (`ReacherConfig`), their defaults, and the learned
 * loss's outer learning-rate schedule.
 */
import type { MetaTrainConfig } from '../metaTrainer.js';
import type { ReacherInitialPolicy } from './initialPolicies.js';
import type { ReacherObjective } from './objective.js';

/** Config of a reacher meta-training run. */
export interface ReacherConfig extends MetaTrainConfig {
  /** Training goals per iteration (batched). */
  goals: number;
  /** Steps per episode (rollout horizon). */
  horizon: number;
  /** Inner SGD steps per meta-update. */
  innerSteps: number;
  /**
   * The outer objective: the task loss after the last inner step (`final`), its mean over every
   * step (`every-step`), or its weighted mean with weights K, K − 1, …, 1 (`early-weighted`: step
   * 1 counts K times as much as step K). With equal weights a loss whose first step costs a little
   * but sets up the next four wins over one whose every step helps, and the learned loss loses to
   * the task loss at K = 1–2 on held-out goals. Measured on 8 seeds, the weighting does not fix
   * K = 1 (docs/ml3.md, "Weighting the first inner steps").
   */
  metaObjective: ReacherMetaObjective;
  /**
   * Where the policies of the inner steps and of the test start: the run's θ₀ for every goal
   * (`fixed`, the authors'), or a fresh θ₀ per episode (`per-episode`; see
   * {@link ReacherInitialPolicy}). Runs saved before this setting existed read as `fixed`.
   */
  initialPolicy: ReacherInitialPolicy;
  /** Inner SGD learning rate of the policy. */
  innerLr: number;
  /** Adam learning rate of the learned loss. */
  outerLr: number;
  /**
   * Iterations over which Adam's rate ramps linearly up to `outerLr` (iteration i uses
   * outerLr · min(1, (i + 1) / outerWarmup); 0: no ramp). Adam's first steps move every weight of
   * the 400-wide M_φ by the full rate in one coherent direction: when the first meta-gradients say
   * "take smaller steps", that drives the softplus output into saturation within a few iterations,
   * where M_φ has no θ-gradient left and the meta-gradient cannot revive it (seed 8).
   */
  outerWarmup: number;
  /**
   * Anneal Adam's rate linearly to 0 over the run (iteration i of N at (1 − i/N) times the warm-up
   * rate, as CleanRL's `--anneal-lr`): the last evaluations then see a φ that has settled instead
   * of one still taking full-size steps on 32-goal meta-gradients.
   */
  outerAnneal: boolean;
  /** What the task loss rolls out through: the learned `ensemble` or the arm's exact `twin`. */
  dynamics: 'ensemble' | 'twin';
  /** Ensemble task-loss rollouts: each member on its own (`members`) or the members' mean. */
  modelRollouts: 'members' | 'mean';
  /**
   * The ensemble sees each joint angle as (cos, sin) (PETS's preprocessing): the arm's dynamics
   * do not depend on how many turns joint 0 has made, and a raw angle would be extrapolated once
   * a spinning policy leaves the range of the data.
   */
  modelAngles: boolean;
  /** Random-action episodes for the first model fit. */
  randomEpisodes: number;
  /** Iterations between real rollouts of the adapted policies (added to the model's data). */
  collectEvery: number;
  /** Iterations between model refits. */
  refitEvery: number;
  /** Epoch limit of a refit (the first fit uses the model's own limit). */
  refitEpochs: number;
  /** Held-out goals of the evaluations during training and of the final test. */
  testGoals: number;
  /** SGD steps of the test (the paper: 2). */
  testSteps: number;
  /** Iterations between held-out evaluations. */
  evalEvery: number;
  /** Adam steps of the gradient planner baseline in the final test (0 skips it). */
  modelPolicySteps: number;
  /** Include the CEM/MPPI planners in the final test. */
  planners: boolean;
  /** The task loss's space and M_φ's distance input (see {@link ReacherObjective}). */
  taskLoss: ReacherObjective['taskLoss'];
  /** Wrap joint 0's error to [−π, π) in M_φ's features and the joint task loss. */
  wrapAngles: boolean;
  /** M_φ's output activation (see {@link ReacherObjective}). */
  lossOutput: NonNullable<ReacherObjective['lossOutput']>;
  /**
   * Which φ the run delivers (the learned-loss file and the final test): the last one (the
   * paper), or the one with the lowest median distance on `validationGoals` goals of their own
   * stream at the evaluations (every `evalEvery` iterations; never the test goals). Meta-training
   * swings (a held-out median of 6 cm at one evaluation and 19 cm three later), so the last φ is
   * partly luck; but a 10-goal validation median is noisy too, and on 5 fresh seeds the selected φ
   * did worse than the last one on 20 held-out goals (docs/ml3.md). Runs saved before this
   * setting existed read as `last`. `average` delivers an exponential moving average of φ over the
   * meta-iterations (Polyak averaging, as in SWA): it leaves training unchanged and smooths over
   * the swings instead of picking one evaluation.
   */
  selectPhi: 'last' | 'validation' | 'average';
  /** Goals of the validation evaluations of `selectPhi: 'validation'`. */
  validationGoals: number;
  /**
   * The decay β of `selectPhi: 'average'`: after every meta-update φ̄ ← β·φ̄ + (1 − β)·φ, from
   * φ̄ = φ₀ (the average spans about 1/(1 − β) iterations).
   */
  phiAverageDecay: number;
}

/** The reacher's outer objectives ({@link ReacherConfig.metaObjective}; the CLI's choices). */
export const REACHER_META_OBJECTIVES = ['final', 'every-step', 'early-weighted'] as const;

/** One of {@link REACHER_META_OBJECTIVES}. */
export type ReacherMetaObjective = (typeof REACHER_META_OBJECTIVES)[number];

/**
 * The relative weights of the task loss after inner steps 1 … K under an outer objective (the
 * `taskLossWeights` of `metaGradient`; undefined: the last step's alone).
 */
export function metaObjectiveWeights(
  objective: ReacherMetaObjective,
  innerSteps: number,
): number[] | undefined {
  if (objective === 'final') return undefined;
  return Array.from({ length: innerSteps }, (_, k) =>
    objective === 'every-step' ? 1 : innerSteps - k,
  );
}

/** The defaults (300 iterations; the authors ran 3000). */
export const REACHER_ML3_DEFAULTS: Readonly<ReacherConfig> = Object.freeze({
  iterations: 300,
  goals: 8,
  horizon: 50,
  innerSteps: 2,
  metaObjective: 'final',
  initialPolicy: 'fixed',
  innerLr: 1e-3,
  outerLr: 1e-3,
  outerWarmup: 0,
  outerAnneal: false,
  dynamics: 'ensemble',
  modelRollouts: 'members',
  modelAngles: false,
  randomEpisodes: 10,
  collectEvery: 10,
  refitEvery: 100,
  refitEpochs: 30,
  testGoals: 10,
  testSteps: 2,
  evalEvery: 25,
  modelPolicySteps: 100,
  planners: true,
  taskLoss: 'joint',
  wrapAngles: false,
  lossOutput: 'softplus',
  selectPhi: 'last',
  validationGoals: 10,
  phiAverageDecay: 0.98,
  seed: 0,
  checkpointEvery: 50,
});

/**
 * The learned loss's Adam rate at an iteration (0-based): `outerLr` after the warm-up ramp, times
 * 1 − iteration/iterations when annealed.
 */
export function outerLrAt(
  config: Pick<ReacherConfig, 'outerLr' | 'outerWarmup' | 'iterations'> &
    Partial<Pick<ReacherConfig, 'outerAnneal'>>,
  iteration: number,
): number {
  // Runs recorded before the ramp or the annealing existed have neither field: constant.
  const warmup = config.outerWarmup ?? 0;
  const ramp = warmup > 1 ? Math.min(1, (iteration + 1) / warmup) : 1;
  const anneal = config.outerAnneal ? 1 - iteration / config.iterations : 1;
  return config.outerLr * ramp * anneal;
}
