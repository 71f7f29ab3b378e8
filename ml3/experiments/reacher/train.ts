/**
 * Meta-training of the ML3 reacher (paper IV.A.2): a learned loss M_φ(s − g, a, d) whose SGD
 * steps should bring a goal-conditioned policy to the goal, meta-trained through K inner steps on
 * real-simulator rollouts (states detached: θ's gradient flows through the actions) and the task
 * loss of the adapted policy rolled out through a probabilistic dynamics ensemble (fitted first on
 * random-babbling episodes and refitted with real rollouts of the adapted policies as training
 * goes), or through the arm's exact twin (`dynamics: 'twin'`, to separate the learned loss's
 * limits from the model's).
 *
 * The optimisation differs from the authors' (SGD 1e-4, one inner step, Adam 1e-2): SGD 1e-3 with
 * two inner steps (as at test) and Adam 1e-3 was the steadiest setting tried through the twin
 * (see the docs). Beyond the paper, each iteration meta-trains on a batch of goals drawn from
 * Reacher's goal distribution (one adapted policy per goal, one batched graph).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  type AdamState,
  DYNAMICS_DEFAULTS,
  DynamicsEnsemble,
  type DynamicsEnsembleJson,
  type FitReport,
  type Params,
  reacherTwin,
  rolloutLockstep,
  type SimulatorTwin,
  tensorsFromJson,
  tensorsToJson,
} from '../../../agents/index.js';
import { median } from '../../../envs/core/stats.js';
import { REACHER_DEFAULTS, ReacherEnv, RNG, type RNGState } from '../../../envs/index.js';
import { initLearnedLoss } from '../../learnedLoss.js';
import { metaGradient } from '../../metaStep.js';
import { type MetaTrainer, type Metrics, restoreParams } from '../metaTrainer.js';
import { metaObjectiveWeights, outerLrAt, type ReacherConfig } from './config.js';
import { reacherInitialPolicy, startingPolicies } from './initialPolicies.js';
import type { ReacherLossContext } from './lossFile.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  validationReacherEpisodes,
} from './metaTest.js';
import { addTransitions, modelDataFromJson, type ReacherModelData } from './modelData.js';
import { type ReacherObjective, reacherLossSpec } from './objective.js';
import {
  jointGoalsTensor,
  REACHER_JOINT_STATE,
  type ReacherDynamics,
  type ReacherEpisode,
  reacherModelTaskLoss,
  reacherPolicyLearnedLoss,
  reacherPolicyLearnedLossGradient,
  rolloutPolicy,
  sampleReacherEpisodes,
} from './task.js';

const S = REACHER_JOINT_STATE;

/** The φ a `selectPhi: 'validation'` run delivers so far, and where it came from. */
export interface ReacherSelectedPhi {
  phi: tf.Tensor[];
  /** The iteration (1-based: after that many meta-updates) whose φ it is. */
  iteration: number;
  /** Its median final fingertip distance on the validation goals (m). */
  validationMedian: number;
}

interface ReacherTrainerJson {
  phi: unknown;
  selected?: { phi: unknown; iteration: number; validationMedian: number } | null;
  /** With `selectPhi: 'average'`: the moving average of φ. */
  averaged?: unknown;
  adam: AdamState;
  model: DynamicsEnsembleJson | null;
  data: ReacherModelData;
  goalRng: RNGState;
  modelRng: RNGState;
}

/** A reacher meta-training run (see the file header). */
export class ReacherMetaTrainer implements MetaTrainer {
  phi: tf.Tensor[];
  readonly adam: Adam;
  /** The policy's initial parameters (the same at every iteration and at test). */
  readonly theta0: Params;
  /** The learned model (with `dynamics: 'ensemble'`; the twin needs no fitting). */
  model?: DynamicsEnsemble;
  private twin?: SimulatorTwin;
  data: ReacherModelData = { states: [], actions: [], nextStates: [] };
  /** Training goals and episode seeds. */
  readonly goalRng: RNG;
  /** Model fitting (splits, bootstrap, minibatches). */
  readonly modelRng: RNG;
  /** One Rapier env per goal, reused. */
  envs: ReacherEnv[] = [];
  /** With `selectPhi: 'validation'`: the best φ on the validation goals so far. */
  selected: ReacherSelectedPhi | null = null;
  /** With `selectPhi: 'average'`: the moving average φ̄ of φ over the meta-updates. */
  averaged: tf.Tensor[] | null = null;

  /** A fresh run; with an ensemble, `fitInitialModel` must run before the first step. */
  private constructor(readonly config: ReacherConfig) {
    this.phi = initLearnedLoss(
      reacherLossSpec(this.objective()),
      new RNG(RNG.deriveSeed(config.seed, 'reacher/phi')),
    );
    this.modelRng = new RNG(RNG.deriveSeed(config.seed, 'reacher/model'));
    this.adam = new Adam(this.phi, config.outerLr);
    this.theta0 = reacherInitialPolicy(config.seed);
    this.model =
      config.dynamics === 'ensemble'
        ? new DynamicsEnsemble(S, 2, this.modelRng, {
            ...DYNAMICS_DEFAULTS,
            ...(config.modelAngles ? { angleIndices: [0, 1] } : {}),
          })
        : undefined;
    this.goalRng = new RNG(RNG.deriveSeed(config.seed, 'reacher/train-goals'));
    if (config.selectPhi === 'average') {
      const beta = config.phiAverageDecay;
      if (!(beta >= 0 && beta < 1))
        throw new RangeError(`phiAverageDecay must be in [0, 1), got ${beta}`);
      this.averaged = this.phi.map((p) => tf.keep(p.clone()));
    }
  }

  /** A fresh run: with an ensemble, random babbling and the first model fit (reported to `log`). */
  static create(
    config: ReacherConfig,
    log: (message: string) => void = () => {},
  ): ReacherMetaTrainer {
    const trainer = new ReacherMetaTrainer(config);
    if (trainer.model) {
      trainer.babble();
      const report = trainer.fitModel();
      log(
        `dynamics model: ${trainer.data.states.length / S} random transitions, ${report.epochs} epochs, held-out NLL ${report.holdoutNll.toFixed(3)}`,
      );
    }
    return trainer;
  }

  /** Rebuilds a run from {@link ReacherMetaTrainer.toJSON}; throws on malformed input. */
  static fromJSON(json: unknown, config: ReacherConfig): ReacherMetaTrainer {
    const s = json as ReacherTrainerJson;
    const trainer = new ReacherMetaTrainer(config);
    try {
      trainer.goalRng.setState(s.goalRng);
      trainer.modelRng.setState(s.modelRng);
      trainer.phi = restoreParams(trainer.phi, trainer.adam, s);
      if (trainer.model) {
        if (!s.model) throw new RangeError('the checkpoint has no dynamics model');
        const model = DynamicsEnsemble.fromJSON(s.model, new RNG(0));
        trainer.model.dispose();
        trainer.model = model;
      }
      trainer.data = modelDataFromJson(s.data);
      if (s.selected) {
        const { iteration, validationMedian } = s.selected;
        if (!Number.isInteger(iteration) || !(iteration >= 1) || !Number.isFinite(validationMedian))
          throw new RangeError(
            'the selected learned loss needs an iteration ≥ 1 and a finite median',
          );
        trainer.selected = {
          phi: tensorsFromJson(
            s.selected.phi,
            trainer.phi.map((p) => p.shape),
          ),
          iteration,
          validationMedian,
        };
      }
      if (trainer.averaged) {
        if (s.averaged == null)
          throw new RangeError("the checkpoint has no averaged learned loss (selectPhi 'average')");
        const averaged = tensorsFromJson(
          s.averaged,
          trainer.phi.map((p) => p.shape),
        );
        for (const t of trainer.averaged) t.dispose();
        trainer.averaged = averaged;
      }
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /** Random-babbling episodes (uniform actions) for the first model fit. */
  private babble(): void {
    const rng = new RNG(RNG.deriveSeed(this.config.seed, 'reacher/babble'));
    const episodes = sampleReacherEpisodes(rng, this.config.randomEpisodes);
    while (this.envs.length < episodes.length) this.envs.push(new ReacherEnv());
    const r = rolloutLockstep({
      envs: this.envs.slice(0, episodes.length),
      resets: episodes.map((e) => ({ seed: e.seed, options: { goal: e.target } })),
      horizon: this.config.horizon,
      stateSize: S,
      actionSize: 2,
      stateOf: (env) => env.getState(),
      act: () => Float32Array.from({ length: 2 * episodes.length }, () => rng.uniform(-1, 1)),
    });
    addTransitions(this.data, r);
  }

  /** Fits the ensemble on all transitions collected so far. */
  private fitModel(maxEpochs?: number): FitReport {
    if (!this.model) throw new Error('fitModel: this run has no learned model');
    return this.model.fit(
      {
        states: Float32Array.from(this.data.states),
        actions: Float32Array.from(this.data.actions),
        nextStates: Float32Array.from(this.data.nextStates),
      },
      this.modelRng,
      { maxEpochs },
    );
  }

  /** M_φ's features and the task loss of this run. */
  objective(): ReacherObjective {
    const { taskLoss, wrapAngles, lossOutput } = this.config;
    return { taskLoss, wrapAngles, lossOutput };
  }

  /** What the task loss rolls out through in this run. */
  dynamics(): ReacherDynamics {
    if (!this.model) {
      this.twin ??= reacherTwin(REACHER_DEFAULTS);
      return { kind: 'twin', twin: this.twin };
    }
    return {
      kind: 'ensemble',
      model: this.model,
      perMember: this.config.modelRollouts === 'members',
    };
  }

  /**
   * The held-out evaluation: the median final fingertip distance after the test steps on the
   * learned loss, and how far those steps moved the policy (median ‖θ_K − θ₀‖; below
   * `FLAT_LOSS_SHIFT` the learned loss is flat at θ₀ and the run cannot recover).
   */
  heldOutEvaluation(phi: tf.Tensor[] = this.phi): {
    median: number;
    parameterShift: number;
  } {
    return this.evaluateOn(heldOutReacherEpisodes(this.config.testGoals, this.config.seed), phi);
  }

  /** The same evaluation on the validation goals (a stream of their own, never the test's). */
  validationEvaluation(): { median: number; parameterShift: number } {
    const { config } = this;
    return this.evaluateOn(validationReacherEpisodes(config.validationGoals, config.seed));
  }

  private evaluateOn(
    episodes: ReacherEpisode[],
    phi: tf.Tensor[] = this.phi,
  ): { median: number; parameterShift: number } {
    const { config } = this;
    const { theta, rollouts, parameterShift } = adaptReacherPolicies({
      theta0: this.theta0,
      initialPolicy: config.initialPolicy,
      episodes,
      envs: this.envs,
      loss: { kind: 'learned', phi, objective: this.objective() },
      steps: config.testSteps,
      lr: config.innerLr,
      horizon: config.horizon,
    });
    for (const t of theta) t.dispose();
    return { median: median(rollouts.finalDistance), parameterShift };
  }

  /**
   * With `selectPhi: 'validation'`, keeps φ when its validation median (m) is the lowest yet
   * (`done`: the iteration, 1-based).
   */
  private select(done: number, validationMedian: number): void {
    if (this.selected && !(validationMedian < this.selected.validationMedian)) return;
    for (const t of this.selected?.phi ?? []) t.dispose();
    this.selected = {
      phi: this.phi.map((p) => tf.keep(p.clone())),
      iteration: done,
      validationMedian,
    };
  }

  /** φ̄ ← β·φ̄ + (1 − β)·φ after a meta-update (`selectPhi: 'average'`). */
  private updateAverage(): void {
    if (!this.averaged) return;
    const beta = this.config.phiAverageDecay;
    const previous = this.averaged;
    this.averaged = tf.tidy(() =>
      previous.map((a, i) => tf.keep(a.mul(beta).add(this.phi[i]!.mul(1 - beta)))),
    );
    for (const t of previous) t.dispose();
  }

  /**
   * The φ the run delivers: the selected one (`selectPhi: 'validation'`), the moving average
   * (`'average'`), else the last.
   */
  deliveredPhi(): tf.Tensor[] {
    return this.selected?.phi ?? this.averaged ?? this.phi;
  }

  step(iteration: number): Metrics {
    const { config } = this;
    const G = config.goals;
    const H = config.horizon;
    const episodes = sampleReacherEpisodes(this.goalRng, G);
    const goals = jointGoalsTensor(episodes);
    const theta0 = startingPolicies(this.theta0, episodes, config.initialPolicy);
    // States the inner step learns on: real rollouts of the current (pre-step) policies.
    const realStates = (theta: readonly tf.Tensor[]) =>
      tf.tensor3d(rolloutPolicy(this.envs, theta as Params, episodes, goals, H).states, [
        G,
        H + 1,
        S,
      ]);
    const first = realStates(theta0);
    const start = tf.tidy(() => first.slice([0, 0, 0], [G, 1, S]).reshape([G, S]));
    const objective = this.objective();
    let k = 0;
    // Step k > 0 learns on a real rollout of θ_k (its values; the states are detached anyway).
    const innerStates = (theta: readonly tf.Tensor[]) => (k++ === 0 ? first : realStates(theta));
    const { taskLoss, grads, adapted } = metaGradient({
      phi: this.phi,
      theta0,
      innerSteps: config.innerSteps,
      innerLr: config.innerLr,
      taskLossWeights: metaObjectiveWeights(config.metaObjective, config.innerSteps),
      innerLoss: (theta, phi) =>
        reacherPolicyLearnedLoss(
          phi,
          theta,
          innerStates(theta),
          goals,
          objective,
        ).sum() as tf.Scalar,
      innerGradient: (theta, phi) =>
        reacherPolicyLearnedLossGradient(phi, theta, innerStates(theta), goals, objective),
      taskLoss: (theta) =>
        reacherModelTaskLoss(this.dynamics(), theta, start, goals, H, objective).div(
          G,
        ) as tf.Scalar,
    });
    this.adam.lr = outerLrAt(config, iteration);
    const next = this.adam.step(this.phi, grads);
    for (const t of [...this.phi, ...grads, ...theta0, first, start]) t.dispose();
    this.phi = next;
    this.updateAverage();
    const metrics: Metrics = { 'meta/task_loss': taskLoss };
    const done = iteration + 1;
    if (done % config.collectEvery === 0) {
      // Real rollouts of the adapted policies: a training metric and new data for the model.
      const r = rolloutPolicy(this.envs, adapted, episodes, goals, H);
      if (this.model) addTransitions(this.data, r);
      metrics['train/final_distance_cm'] = (100 * r.finalDistance.reduce((a, b) => a + b, 0)) / G;
    }
    for (const t of [...adapted, goals]) t.dispose();
    if (this.model && done % config.refitEvery === 0 && done < config.iterations) {
      metrics['model/holdout_nll'] = this.fitModel(config.refitEpochs).holdoutNll;
    }
    if (done % config.evalEvery === 0 || done === config.iterations) {
      const evaluation = this.heldOutEvaluation();
      metrics['test/median_distance_cm'] = 100 * evaluation.median;
      metrics['test/parameter_shift'] = evaluation.parameterShift;
      if (this.averaged) {
        // The φ̄ the run delivers, on the same goals (the rows above keep measuring the last φ).
        const average = this.heldOutEvaluation(this.averaged);
        metrics['average/median_distance_cm'] = 100 * average.median;
        metrics['average/parameter_shift'] = average.parameterShift;
      }
      if (config.selectPhi === 'validation') {
        const validation = this.validationEvaluation();
        this.select(done, validation.median);
        metrics['validation/median_distance_cm'] = 100 * validation.median;
        metrics['validation/selected_iteration'] = this.selected!.iteration;
      }
    }
    return metrics;
  }

  /** The test context saved in the learned-loss file. */
  lossContext(): ReacherLossContext {
    const { config } = this;
    return {
      theta0: tensorsToJson(this.theta0),
      dynamics: this.model?.toJSON() ?? 'twin',
      perMember: config.modelRollouts === 'members',
      horizon: config.horizon,
      innerLr: config.innerLr,
      testSteps: config.testSteps,
      objective: this.objective(),
      initialPolicy: config.initialPolicy,
    };
  }

  toJSON(): ReacherTrainerJson {
    return {
      phi: tensorsToJson(this.phi),
      selected: this.selected && {
        phi: tensorsToJson(this.selected.phi),
        iteration: this.selected.iteration,
        validationMedian: this.selected.validationMedian,
      },
      ...(this.averaged ? { averaged: tensorsToJson(this.averaged) } : {}),
      adam: this.adam.getState(),
      model: this.model?.toJSON() ?? null,
      data: this.data,
      goalRng: this.goalRng.getState(),
      modelRng: this.modelRng.getState(),
    };
  }

  dispose(): void {
    this.adam.dispose();
    for (const t of [
      ...this.phi,
      ...this.theta0,
      ...(this.selected?.phi ?? []),
      ...(this.averaged ?? []),
    ])
      t.dispose();
    this.selected = null;
    this.averaged = null;
    this.model?.dispose();
    for (const env of this.envs) env.close();
    this.envs = [];
  }
}
