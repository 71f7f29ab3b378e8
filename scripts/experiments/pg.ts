/**
 * `ml3 pg train|eval`: PPO or REINFORCE with a baseline (CleanRL's `ppo_continuous_action`
 * defaults) on any registered env with Box observations and actions. One iteration is one update
 * (`numEnvs × numSteps` env steps); checkpoints hold every sub-env's state, so a resumed run
 * equals a straight one.
 */

import {
  PG_DEFAULTS,
  type PgArgs,
  type PgTrainerState,
  PolicyGradientTrainer,
} from '../../agents/index.js';
import { mean } from '../../envs/core/stats.js';
import { InvalidArgument } from '../../envs/index.js';
import { commandDescription } from '../commands/catalog.js';
import { loadCheckpoint } from '../run/checkpoint.js';
import type { ConfigSchema, Experiment, RunTools, TestCommand } from '../run/experiment.js';
import { CorruptFileError, writeJsonAtomic } from '../run/files.js';
import { openRunOf } from '../run/runDir.js';
import {
  checkEnvId,
  EVAL_SEED,
  evaluatePolicyFile,
  type SelectedPolicy,
  type SelectionConfig,
  selectedPolicyFromJson,
  selectPolicy,
} from './pgEvaluate.js';
import { PG_PRESETS, type PgPresetName } from './pgPresets.js';
import {
  restartBudget,
  restartSeed,
  runEnvSteps,
  stepsBefore,
  updatesOf,
  updatesPerRestart,
} from './pgRestarts.js';

/** Config of a policy-gradient run (flags map 1:1; see {@link PgArgs} for the algorithm's). */
export interface PgConfig extends Omit<PgArgs, 'hidden'>, SelectionConfig {
  /** Registered env id. */
  env: string;
  /** The hyperparameter preset the run started from ({@link PG_PRESETS}). */
  preset: PgPresetName;
  /** Hidden layer sizes, comma-separated. */
  hidden: string;
  /** Episodes of the final evaluation of the mean action. */
  evalEpisodes: number;
  /** Record a GIF of the first evaluation episode. */
  gif: boolean;
  seed: number;
  /** Updates between checkpoints. */
  checkpointEvery: number;
  /**
   * Independent trainings the budget is split into, one after the other, each from fresh weights
   * with a seed of its own (restart 0: the run's seed) on `totalTimesteps / restarts` steps; the
   * selection (`selectEvery`) keeps the best policy over all of them. A seed whose first updates
   * settle into a poor mode (the car's seed 7) gets another draw at the same total budget.
   */
  restarts: number;
}

const SCHEMA: ConfigSchema<PgConfig> = {
  env: { type: 'string', doc: 'registered env id (Box observations and actions)' },
  preset: {
    type: 'string',
    doc: 'hyperparameters to start from (flags given override them): cleanrl, zoo-reacher (RL Zoo PPO Reacher), zoo-car (RL Zoo PPO MountainCarContinuous, gSDE), car-gsde (zoo-car on 4 envs, 80k steps, no time-limit bootstrapping), car-mc (car-gsde with 1024-step rollouts, λ 1, gSDE held per episode, tanh-squashed actions, 295k steps in 2 restarts, log-std −1.2 narrowing to −4 once a training return reaches 70, the best policy of evaluations every 4 updates on 20 episodes over both restarts)',
    choices: Object.keys(PG_PRESETS) as PgPresetName[],
  },
  algo: {
    type: 'string',
    doc: 'ppo or reinforce (with a value baseline)',
    choices: ['ppo', 'reinforce'],
  },
  totalTimesteps: { type: 'int', doc: 'env steps in all', min: 1 },
  numEnvs: { type: 'int', doc: 'parallel envs', min: 1 },
  numSteps: { type: 'int', doc: 'steps per env per rollout', min: 1 },
  learningRate: { type: 'number', doc: 'Adam learning rate', min: 0 },
  annealLr: { type: 'boolean', doc: 'anneal the learning rate linearly to 0' },
  gamma: { type: 'number', doc: 'discount γ', min: 0, max: 1 },
  gaeLambda: { type: 'number', doc: 'GAE λ', min: 0, max: 1 },
  numMinibatches: { type: 'int', doc: 'minibatches per epoch (PPO)', min: 1 },
  updateEpochs: { type: 'int', doc: 'epochs per rollout (PPO)', min: 1 },
  normAdv: { type: 'boolean', doc: 'normalise advantages per minibatch' },
  clipCoef: { type: 'number', doc: 'surrogate clipping ε', min: 0 },
  clipVloss: { type: 'boolean', doc: 'clip the value loss' },
  entCoef: { type: 'number', doc: 'entropy bonus coefficient' },
  vfCoef: { type: 'number', doc: 'value loss coefficient', min: 0 },
  maxGradNorm: { type: 'number', doc: 'global gradient-norm clip', min: 0 },
  hidden: { type: 'string', doc: 'hidden layer sizes of actor and critic, e.g. 64,64' },
  sde: { type: 'boolean', doc: 'generalized State-Dependent Exploration (gSDE, as SB3 use_sde)' },
  sdeSampleFreq: {
    type: 'int',
    doc: 'gSDE: new exploration matrix every n steps (-1: once per rollout; 0: per episode)',
    min: -1,
  },
  squash: {
    type: 'boolean',
    doc: "tanh-squash actions onto the action space's bounds (SB3 squash_output)",
  },
  logStdInit: { type: 'number', doc: 'initial log-std of the policy' },
  logStdMin: {
    type: 'number',
    doc: 'floor of the learned log-std after every update (-20: none in practice)',
  },
  logStdEnd: {
    type: 'number',
    doc: 'a ceiling on the learned log-std: --log-std-init until --log-std-decay-start, then falling linearly to this value at the last update (20: no ceiling)',
  },
  logStdDecayStart: {
    type: 'number',
    doc: 'fraction of the updates before the --log-std-end ceiling starts to fall (0: from the first)',
    min: 0,
    max: 0.99,
  },
  logStdDecayTrigger: {
    type: 'string',
    doc: "what the --log-std-end ceiling's fall also waits for: schedule (nothing else) or return (the first update whose mean training return reaches --log-std-decay-return)",
    choices: ['schedule', 'return'],
  },
  logStdDecayReturn: {
    type: 'number',
    doc: 'the training return that starts the ceiling falling with --log-std-decay-trigger return',
  },
  orthoInit: { type: 'boolean', doc: "orthogonal init (CleanRL) or PyTorch's default" },
  clipActions: {
    type: 'boolean',
    doc: 'clip actions to the action space before the env (CleanRL); false: the env charges them as sent',
  },
  normObs: {
    type: 'boolean',
    doc: 'normalise observations (running mean/variance), then clip ±10',
  },
  normReward: {
    type: 'boolean',
    doc: 'normalise rewards by the running return std, then clip ±10',
  },
  bootstrapTruncation: {
    type: 'boolean',
    doc: 'add γ·V(final obs) to the reward at time-limit truncations (SB3; CleanRL: no)',
  },
  evalEpisodes: { type: 'int', doc: 'episodes of the final evaluation', min: 1 },
  selectEvery: {
    type: 'int',
    doc: "updates between evaluations of the mean action during training; the run's policy is the best one they saw, on episodes of their own (RL Zoo --eval-freq, EvalCallback's best model; 0: the last policy)",
    min: 0,
  },
  selectEpisodes: { type: 'int', doc: 'episodes per selection evaluation', min: 1 },
  gif: { type: 'boolean', doc: 'record a GIF of the first evaluation episode' },
  seed: { type: 'int', doc: 'seed of the whole run', min: 0 },
  checkpointEvery: { type: 'int', doc: 'updates between checkpoints', min: 1 },
  restarts: {
    type: 'int',
    doc: 'independent trainings the --total-timesteps budget is split into, one after another, each from fresh weights and a seed of its own (the first: --seed); with --select-every the run keeps the best policy of all of them',
    min: 1,
  },
};

const DEFAULTS: PgConfig = {
  ...PG_DEFAULTS,
  env: 'rapier/Reacher-v1',
  preset: 'cleanrl',
  hidden: PG_DEFAULTS.hidden.join(','),
  evalEpisodes: 20,
  selectEvery: 0,
  selectEpisodes: 5,
  gif: true,
  seed: 0,
  checkpointEvery: 10,
  restarts: 1,
};

/**
 * The trainer's settings from a run config. A config saved before a setting existed gets the
 * setting's default, which is how such runs trained (every added setting defaults to the old
 * behaviour).
 */
function pgArgs(saved: PgConfig): PgArgs {
  const config = { ...DEFAULTS, ...saved };
  if (config.restarts > 1 && updatesPerRestart(config) < 1) {
    throw new InvalidArgument(
      `--total-timesteps (${config.totalTimesteps}) split into --restarts ${config.restarts} leaves less than one update of numEnvs × numSteps = ${config.numEnvs * config.numSteps} steps per restart`,
    );
  }
  const hidden = config.hidden.split(',').map((h) => Number(h.trim()));
  if (hidden.length === 0 || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new InvalidArgument(
      `--hidden must be comma-separated positive integers (e.g. 64,64), got "${config.hidden}"`,
    );
  }
  if (config.numEnvs * config.numSteps < config.numMinibatches) {
    throw new InvalidArgument(
      `--num-minibatches (${config.numMinibatches}) exceeds the batch numEnvs × numSteps (${config.numEnvs * config.numSteps})`,
    );
  }
  const {
    env: _e,
    preset: _p,
    evalEpisodes: _v,
    selectEvery: _se,
    selectEpisodes: _sp,
    gif: _g,
    seed: _s,
    checkpointEvery: _c,
    restarts: _r,
    ...rest
  } = config;
  // Each restart anneals and schedules over its own share of the budget.
  return { ...rest, totalTimesteps: restartBudget(config), hidden };
}

export interface PgRunState {
  /** The trainer of the current restart. */
  trainer: PolicyGradientTrainer;
  /** Which restart `trainer` is (0 without restarts). */
  restart: number;
  /** Mean episodic return of the last updates that ended episodes (for the summary). */
  recentReturns: number[];
  /** The best policy of the selection so far (`selectEvery` > 0). */
  best?: SelectedPolicy;
}

interface EvalOptions {
  episodes: number;
  seed: number;
  gif: boolean;
  policy: 'best' | 'last';
}

const evalCommand: TestCommand<EvalOptions> = {
  commandName: 'eval',
  description: "replay a run's policy (its mean action) on seeded episodes; optionally write a GIF",
  schema: {
    episodes: { type: 'int', doc: 'evaluation episodes', min: 1 },
    seed: { type: 'int', doc: 'seed of the first episode', min: 0 },
    gif: { type: 'boolean', doc: 'write a GIF of the first episode into the run media folder' },
    policy: {
      type: 'string',
      doc: "best: the run's policy (the selection's best with --select-every, else the last); last: the policy of the last update",
      choices: ['best', 'last'],
    },
  },
  defaults: { episodes: 20, seed: EVAL_SEED, gif: true, policy: 'best' },
  async run(runPath, options) {
    const { run, config, backend } = openRunOf<PgConfig>(runPath, 'pg');
    const checkpoint = loadCheckpoint(run, 'pg', { ...config }, backend);
    let state: PgRunState;
    try {
      state = restoreState(checkpoint.state, config);
    } catch (err) {
      throw new CorruptFileError(`corrupt pg checkpoint in ${runPath}: ${(err as Error).message}`);
    }
    const best = options.policy === 'best' ? state.best : undefined;
    const file = best?.policy ?? state.trainer.exportPolicy();
    const envSteps = runEnvSteps(state, config);
    state.trainer.dispose();
    const policyUpdate = best?.update ?? checkpoint.iteration;
    const result = evaluatePolicyFile(
      file,
      options.episodes,
      options.seed,
      options.gif ? run.file('media', `eval-seed${options.seed}`) : undefined,
    );
    return {
      run: runPath,
      env: config.env,
      update: checkpoint.iteration,
      envSteps,
      policyUpdate,
      ...result,
    };
  },
};

/** A run's state from its checkpoint JSON; throws `CorruptFileError` on malformed input. */
function restoreState(json: unknown, config: PgConfig): PgRunState {
  const s = json as {
    trainer: PgTrainerState;
    recentReturns: number[];
    best?: unknown;
    restart?: number;
  };
  checkEnvId(config.env);
  if (!Array.isArray(s?.recentReturns) || s.recentReturns.some((r) => !Number.isFinite(r)))
    throw new CorruptFileError('corrupt pg checkpoint state: recentReturns must be finite numbers');
  // Checkpoints written before restarts existed have none: restart 0.
  const restart = s.restart ?? 0;
  if (!Number.isInteger(restart) || restart < 0 || restart >= (config.restarts ?? 1))
    throw new CorruptFileError(
      `corrupt pg checkpoint state: restart must be an integer in [0, ${config.restarts ?? 1}), got ${s.restart}`,
    );
  try {
    const trainer = PolicyGradientTrainer.fromJSON(
      s.trainer,
      config.env,
      pgArgs(config),
      restartSeed(config, restart),
    );
    const base = { trainer, restart, recentReturns: s.recentReturns };
    if (s.best === undefined) return base;
    try {
      return { ...base, best: selectedPolicyFromJson(s.best) };
    } catch (err) {
      trainer.dispose();
      throw err;
    }
  } catch (err) {
    throw new CorruptFileError(`corrupt pg checkpoint state: ${(err as Error).message}`);
  }
}

/** The policy-gradient experiment (PPO / REINFORCE). */
export const pgExperiment: Experiment<PgConfig, PgRunState> = {
  name: 'pg',
  description: commandDescription('pg'),
  schema: SCHEMA,
  defaults: DEFAULTS,
  presets: PG_PRESETS,
  usesTensorflow: false,
  progressMetric: 'charts/episodic_return',
  iterations: updatesOf,
  checkpointEvery: (c) => c.checkpointEvery,
  init(config) {
    checkEnvId(config.env);
    return {
      trainer: new PolicyGradientTrainer(config.env, pgArgs(config), config.seed),
      restart: 0,
      recentReturns: [],
    };
  },
  step(state, iteration, saved) {
    // A config saved before the selection or the restarts existed has neither: their defaults.
    const config = { ...DEFAULTS, ...saved };
    const perRestart = updatesPerRestart(config);
    const restart = Math.floor(iteration / perRestart);
    if (restart !== state.restart) {
      state.trainer.dispose();
      state.trainer = new PolicyGradientTrainer(
        config.env,
        pgArgs(config),
        restartSeed(config, restart),
      );
      state.restart = restart;
    }
    const metrics = state.trainer.update();
    if (config.restarts > 1) {
      metrics.global_step = stepsBefore(config, restart) + (metrics.global_step as number);
      metrics['charts/restart'] = restart;
    }
    const r = metrics['charts/episodic_return'];
    if (r !== undefined) state.recentReturns = [...state.recentReturns, r].slice(-10);
    // Due every selectEvery updates of a restart and after its last; recorded as the run's update.
    const { best, meanReturn } = selectPolicy(
      state.trainer,
      state.best,
      iteration - restart * perRestart,
      perRestart,
      config,
      restart * perRestart,
    );
    state.best = best;
    if (meanReturn !== undefined) metrics['eval/select_return'] = meanReturn;
    return metrics;
  },
  save: (state) => ({
    trainer: state.trainer.toJSON(),
    recentReturns: state.recentReturns,
    ...(state.restart > 0 ? { restart: state.restart } : {}),
    ...(state.best ? { best: state.best } : {}),
  }),
  load: restoreState,
  summarize(state, config, tools: RunTools) {
    const last = state.trainer.exportPolicy();
    const file = state.best?.policy ?? last;
    writeJsonAtomic(tools.run.file('policy.json'), file);
    const evaluation = evaluatePolicyFile(
      file,
      config.evalEpisodes,
      EVAL_SEED,
      config.gif ? tools.run.file('media') : undefined,
    );
    // With a selection, the last policy's evaluation on the same episodes, for comparison.
    const restarts = config.restarts ?? 1;
    const selection = state.best && {
      selectedUpdate: state.best.update,
      ...(restarts > 1
        ? { selectedRestart: Math.floor((state.best.update - 1) / updatesPerRestart(config)) }
        : {}),
      selectReturn: state.best.meanReturn,
      lastPolicy: 'last-policy.json',
      lastPolicyEvaluation: evaluatePolicyFile(last, config.evalEpisodes, EVAL_SEED),
    };
    if (selection) {
      writeJsonAtomic(tools.run.file('last-policy.json'), last);
      tools.log(
        `selected policy: update ${selection.selectedUpdate} of ${updatesOf(config)} (selection return ${selection.selectReturn.toFixed(2)} over ${config.selectEpisodes} episodes); the last policy scores ${selection.lastPolicyEvaluation.meanReturn.toFixed(2)} on the evaluation's episodes`,
      );
    }
    const recent = state.recentReturns;
    const trainingReturn = recent.length ? mean(recent) : null;
    tools.log(
      `${config.env} (${config.algo}): training return (last ${recent.length} updates) ${trainingReturn?.toFixed(2)}; mean-action return ${evaluation.meanReturn.toFixed(2)} ± ${evaluation.stdReturn.toFixed(2)} over ${config.evalEpisodes} episodes`,
    );
    return {
      env: config.env,
      algo: config.algo,
      envSteps: runEnvSteps(state, config),
      trainingReturnLast10Updates: trainingReturn,
      evaluation,
      policy: 'policy.json',
      ...selection,
    };
  },
  dispose: (state) => state.trainer.dispose(),
  plots: [
    {
      file: 'episodic_return',
      title:
        'Policy gradient: episodic return (training episodes; the selection evaluates the mean action)',
      x: 'global_step',
      xTitle: 'env steps',
      yTitle: 'episodic return',
      series: [
        { field: 'charts/episodic_return', label: 'mean episodic return per update' },
        { field: 'eval/select_return', label: 'mean action on the selection episodes' },
      ],
    },
    {
      file: 'losses',
      title: 'Policy gradient: losses',
      x: 'global_step',
      xTitle: 'env steps',
      yTitle: 'loss',
      series: [
        { field: 'losses/policy_loss', label: 'policy loss' },
        { field: 'losses/value_loss', label: 'value loss' },
        { field: 'losses/approx_kl', label: 'approx KL' },
      ],
    },
  ],
  test: evalCommand,
};
