/**
 * A probabilistic dynamics ensemble (PETS-style, as in the ML3 authors' model-based reacher): M
 * MLPs, each predicting the mean and variance of the state change Δ = s′ − s from the normalised
 * (state, action); trained with the Gaussian negative log-likelihood on bootstrap resamples, in
 * minibatches, with early stopping on held-out transitions. The members are one batched network
 * (a leading member dimension), so training and prediction are single graphs, and `predict` is a
 * pure function of the parameters, usable inside differentiable rollouts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RNG } from '../envs/index.js';
import { ensembleCpuDynamics } from './ensembleDynamics.js';
import { type ActivationName, softplus } from './nn/activations.js';
import { readBatchedMlps } from './nn/cpuMlp.js';
import { initMlp, type MlpSpec, mlp, type Params } from './nn/mlp.js';
import { Adam, tensorsFromJson, tensorsToJson } from './nn/optim.js';
import type { CpuDynamics } from './rolloutGradient.js';

/** Settings of a {@link DynamicsEnsemble}. */
export interface DynamicsArgs {
  /** Ensemble members. */
  members: number;
  /** Hidden layer sizes. */
  hidden: number[];
  /** Hidden activation (the authors' model uses tanh). */
  activation: ActivationName;
  /** Floor of the predicted variance. */
  minVariance: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Minibatch size. */
  batchSize: number;
  /** Maximum epochs per `fit`. */
  maxEpochs: number;
  /** Fraction of the transitions held out for early stopping. */
  holdout: number;
  /** Epochs without held-out improvement before stopping. */
  patience: number;
  /**
   * Indices of state entries that are angles: the network sees each as (cos, sin) instead of the
   * raw value (PETS's state preprocessing), so the model does not depend on how many turns a
   * free joint has made and does not extrapolate in the angle.
   */
  angleIndices?: readonly number[];
}

/** The ML3 authors' reacher model: 3 members, hidden 100 and 30, tanh, variance ≥ 1e-3, Adam 1e-3, batch 64. */
export const DYNAMICS_DEFAULTS: Readonly<DynamicsArgs> = Object.freeze({
  members: 3,
  hidden: [100, 30],
  activation: 'tanh',
  minVariance: 1e-3,
  learningRate: 1e-3,
  batchSize: 64,
  maxEpochs: 200,
  holdout: 0.1,
  patience: 10,
});

/** Transitions as flat row-major arrays: states [n × S], actions [n × A], next states [n × S]. */
export interface Transitions {
  states: Float32Array;
  actions: Float32Array;
  nextStates: Float32Array;
}

/** The JSON form of a trained {@link DynamicsEnsemble}. */
export interface DynamicsEnsembleJson {
  stateSize: number;
  actionSize: number;
  args: DynamicsArgs;
  params: unknown;
  normalisation: unknown;
}

/** Summary of one `fit`. */
export interface FitReport {
  epochs: number;
  /** Mean Gaussian NLL on the training resamples in the last epoch. */
  trainNll: number;
  /** Best held-out mean NLL (of the ensemble members' average). */
  holdoutNll: number;
}

/** An ensemble of probabilistic MLPs predicting the state change. */
export class DynamicsEnsemble {
  readonly stateSize: number;
  readonly actionSize: number;
  readonly args: Readonly<DynamicsArgs>;
  readonly spec: MlpSpec;
  /** Width of the network's input: the state (angles as cos and sin) and the action. */
  readonly inputSize: number;
  /** Batched parameters: every tensor has a leading member dimension. */
  params: Params;
  /** Input normalisation (mean and std of [s, a]) and output scale of Δ, set by `fit`. */
  private inMean: tf.Tensor;
  private inStd: tf.Tensor;
  private outStd: tf.Tensor;
  /** {@link cpuDynamics}'s steppers for the current weights (rebuilt when a fit replaces them). */
  private cpuCache?: {
    params: Params;
    inMean: tf.Tensor;
    mean?: CpuDynamics;
    perMember?: CpuDynamics;
  };

  constructor(
    stateSize: number,
    actionSize: number,
    rng: RNG,
    args: Readonly<DynamicsArgs> = DYNAMICS_DEFAULTS,
  ) {
    this.stateSize = stateSize;
    this.actionSize = actionSize;
    this.args = args;
    const angles = args.angleIndices ?? [];
    if (!angles.every((i) => Number.isInteger(i) && i >= 0 && i < stateSize)) {
      throw new RangeError(
        `angleIndices must be state indices in [0, ${stateSize}), got [${angles}]`,
      );
    }
    this.inputSize = stateSize + angles.length + actionSize;
    this.spec = {
      sizes: [this.inputSize, ...args.hidden, 2 * stateSize],
      activation: args.activation,
      outputActivation: 'identity',
      bias: true,
    };
    this.params = initMlp(this.spec, rng, { scheme: 'torch', batch: args.members });
    this.inMean = tf.zeros([this.inputSize]);
    this.inStd = tf.ones([this.inputSize]);
    this.outStd = tf.ones([stateSize]);
  }

  /**
   * Per-member mean and variance of Δ for inputs [M, B, S + A] (or [B, S + A], shared by all
   * members): [M, B, S] each. Pure in `params`, so it can sit inside a differentiable rollout.
   */
  predictDelta(
    params: readonly tf.Tensor[],
    states: tf.Tensor,
    actions: tf.Tensor,
  ): { mean: tf.Tensor; variance: tf.Tensor } {
    const out = this.rawOutput(params, states, actions);
    const S = this.stateSize;
    const mean = out.slice([0, 0, 0], [-1, -1, S]).mul(this.outStd);
    const rawVar = out.slice([0, 0, S], [-1, -1, S]);
    const variance = softplus(rawVar).add(this.args.minVariance).mul(this.outStd.square());
    return { mean, variance };
  }

  /**
   * Only the per-member mean of Δ, [M, B, S]: what model rollouts need, without the variance
   * head's ops (a rollout runs this once per step, differentiated twice in ML3's meta-gradient).
   */
  predictDeltaMean(params: readonly tf.Tensor[], states: tf.Tensor, actions: tf.Tensor): tf.Tensor {
    const out = this.rawOutput(params, states, actions);
    return out.slice([0, 0, 0], [-1, -1, this.stateSize]).mul(this.outStd);
  }

  /** The networks' normalised raw output [M, B, 2S] (means, then pre-softplus variances). */
  private rawOutput(
    params: readonly tf.Tensor[],
    states: tf.Tensor,
    actions: tf.Tensor,
  ): tf.Tensor {
    const x = this.features(states, actions).sub(this.inMean).div(this.inStd);
    const input = x.rank === 2 ? x.expandDims(0).tile([this.args.members, 1, 1]) : x;
    return mlp(params, input, this.spec);
  }

  /** The network's raw input for states [.., S] and actions [.., A]: [.., inputSize]. */
  private features(states: tf.Tensor, actions: tf.Tensor): tf.Tensor {
    const angles = this.args.angleIndices ?? [];
    if (angles.length === 0) return tf.concat([states, actions], -1);
    const S = this.stateSize;
    const columns = tf.split(states, S, -1);
    const parts = columns.map((c, i) =>
      angles.includes(i) ? tf.concat([c.cos(), c.sin()], -1) : c,
    );
    return tf.concat([...parts, actions], -1);
  }

  /**
   * The ensemble's prediction of the next state for [B, S] states and [B, A] actions: the mixture
   * mean and variance over members (law of total variance).
   */
  predict(states: tf.Tensor, actions: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
    return tf.tidy(() => {
      const { mean, variance } = this.predictDelta(this.params, states, actions);
      const m = mean.mean(0);
      const v = variance.mean(0).add(mean.sub(m).square().mean(0));
      return { mean: states.add(m), variance: v };
    });
  }

  /**
   * The next state under the ensemble's mean prediction, s + mean over members of E[Δ], for [B, S]
   * states and [B, A] actions: [B, S]. Differentiable in the states and actions (no tidy: it is
   * meant to sit inside a rollout that is differentiated).
   */
  nextStateMean(states: tf.Tensor, actions: tf.Tensor): tf.Tensor {
    return states.add(this.predictDeltaMean(this.params, states, actions).mean(0));
  }

  /**
   * The ensemble's mean prediction as plain-JavaScript {@link CpuDynamics} (float64) for
   * `rolloutLoss`: s′ = s + mean over members of E[Δ] ({@link nextStateMean}), or with
   * `perMember` each member stepping its own copy of every rollout (as `rolloutThroughModel`'s
   * `perMember`: copy m of a rollout is member m's; `ensembleDynamics.ts`). Reads the current
   * weights and normalisation once, and is kept until a fit replaces them.
   */
  cpuDynamics(perMember: boolean): CpuDynamics {
    const cached = this.cpuCache;
    if (cached?.params === this.params && cached.inMean === this.inMean) {
      const hit = perMember ? cached.perMember : cached.mean;
      if (hit) return hit;
    } else this.cpuCache = { params: this.params, inMean: this.inMean };
    const made = ensembleCpuDynamics(
      {
        stateSize: this.stateSize,
        actionSize: this.actionSize,
        spec: this.spec,
        nets: readBatchedMlps(this.params, this.spec),
        inMean: this.inMean.dataSync(),
        inStd: this.inStd.dataSync(),
        outStd: this.outStd.dataSync(),
        angleIndices: this.args.angleIndices ?? [],
      },
      perMember,
    );
    this.cpuCache![perMember ? 'perMember' : 'mean'] = made;
    return made;
  }

  /** The trained ensemble as JSON (sizes, settings, weights and normalisation). */
  toJSON(): DynamicsEnsembleJson {
    return {
      stateSize: this.stateSize,
      actionSize: this.actionSize,
      args: { ...this.args },
      params: tensorsToJson(this.params),
      normalisation: tensorsToJson([this.inMean, this.inStd, this.outStd]),
    };
  }

  /** Rebuilds an ensemble from {@link DynamicsEnsemble.toJSON}; throws `RangeError` on malformed input. */
  static fromJSON(json: DynamicsEnsembleJson, rng: RNG): DynamicsEnsemble {
    if (
      !json ||
      !Number.isInteger(json.stateSize) ||
      !Number.isInteger(json.actionSize) ||
      typeof json.args !== 'object'
    ) {
      throw new RangeError('dynamics model JSON needs stateSize, actionSize and args');
    }
    const model = new DynamicsEnsemble(json.stateSize, json.actionSize, rng, json.args);
    const params = tensorsFromJson(
      json.params,
      model.params.map((p) => p.shape),
    );
    const S = json.stateSize;
    const norm = tensorsFromJson(json.normalisation, [[model.inputSize], [model.inputSize], [S]]);
    model.dispose();
    model.params = params;
    [model.inMean, model.inStd, model.outStd] = norm as [tf.Tensor, tf.Tensor, tf.Tensor];
    return model;
  }

  /** Mean Gaussian NLL per member of targets Δ [M, B, S]: [M]. */
  private nll(
    params: readonly tf.Tensor[],
    states: tf.Tensor,
    actions: tf.Tensor,
    deltas: tf.Tensor,
  ): tf.Tensor {
    const { mean, variance } = this.predictDelta(params, states, actions);
    return deltas.sub(mean).square().div(variance).add(variance.log()).mul(0.5).mean([1, 2]);
  }

  /**
   * Fits the ensemble to transitions: normalisation from the data, a held-out split for early
   * stopping, a bootstrap resample per member, minibatch Adam on the Gaussian NLL. Keeps the
   * parameters of the best held-out epoch. Starts from the current weights, so a refit on grown
   * data can take fewer epochs (`maxEpochs`, default `args.maxEpochs`).
   */
  fit(data: Transitions, rng: RNG, options: { maxEpochs?: number } = {}): FitReport {
    const S = this.stateSize;
    const A = this.actionSize;
    const n = data.states.length / S;
    if (
      !Number.isInteger(n) ||
      data.actions.length !== n * A ||
      data.nextStates.length !== n * S ||
      n < 2
    ) {
      throw new RangeError(
        `transitions must hold n ≥ 2 rows of ${S} states, ${A} actions and ${S} next states`,
      );
    }
    const M = this.args.members;
    const order = rng.permutation(n);
    const nHold = Math.max(1, Math.floor(n * this.args.holdout));
    const hold = order.subarray(0, nHold);
    const train = order.subarray(nHold);
    this.normaliseFrom(data, train);
    // A bootstrap resample of the training split per member.
    const boot = Array.from({ length: M }, () =>
      Int32Array.from({ length: train.length }, () => train[rng.integers(train.length)]!),
    );
    const held = {
      s: tf.tensor2d(gatherRows(hold, data.states, S), [nHold, S]),
      a: tf.tensor2d(gatherRows(hold, data.actions, A), [nHold, A]),
      d: tf.tensor3d(deltaRows(hold, data, S), [1, nHold, S]),
    };
    const adam = new Adam(this.params, this.args.learningRate);
    let best = Number.POSITIVE_INFINITY;
    let bestParams = this.params.map((p) => tf.keep(p.clone()));
    let sinceBest = 0;
    let epochs = 0;
    let trainNll = Number.NaN;
    const B = Math.min(this.args.batchSize, train.length);
    const maxEpochs = options.maxEpochs ?? this.args.maxEpochs;
    for (let epoch = 0; epoch < maxEpochs; epoch++) {
      epochs = epoch + 1;
      const perms = boot.map((b) => {
        const p = rng.permutation(b.length);
        return Int32Array.from(p, (i) => b[i]!);
      });
      trainNll = this.trainEpoch(data, perms, B, adam);
      const holdNll = tf.tidy(
        () =>
          this.nll(this.params, held.s, held.a, held.d.tile([M, 1, 1]))
            .mean()
            .dataSync()[0]!,
      );
      if (holdNll < best - 1e-6) {
        best = holdNll;
        sinceBest = 0;
        for (const t of bestParams) t.dispose();
        bestParams = this.params.map((p) => tf.keep(p.clone()));
      } else if (++sinceBest >= this.args.patience) {
        break;
      }
    }
    for (const t of this.params) t.dispose();
    this.params = bestParams;
    adam.dispose();
    for (const t of [held.s, held.a, held.d]) t.dispose();
    return { epochs, trainNll, holdoutNll: best };
  }

  /** Sets the input and output normalisation from the rows `train` of the data. */
  private normaliseFrom(data: Transitions, train: ArrayLike<number>): void {
    const S = this.stateSize;
    const A = this.actionSize;
    const inputs = tf.tidy(() =>
      this.features(
        tf.tensor2d(gatherRows(train, data.states, S), [train.length, S]),
        tf.tensor2d(gatherRows(train, data.actions, A), [train.length, A]),
      ),
    );
    const moments = tf.moments(inputs, 0);
    const deltaStd = tf.tidy(() =>
      tf
        .moments(tf.tensor2d(deltaRows(train, data, S), [train.length, S]), 0)
        .variance.sqrt()
        .add(1e-6),
    );
    for (const t of [this.inMean, this.inStd, this.outStd]) t.dispose();
    this.inMean = moments.mean;
    this.inStd = tf.tidy(() => moments.variance.sqrt().add(1e-6));
    this.outStd = deltaStd;
    inputs.dispose();
    moments.variance.dispose();
  }

  /**
   * One epoch of minibatch Adam over each member's permuted bootstrap rows (`perms`, batch B);
   * returns the mean training NLL per member.
   */
  private trainEpoch(data: Transitions, perms: Int32Array[], B: number, adam: Adam): number {
    const S = this.stateSize;
    const A = this.actionSize;
    const M = perms.length;
    const n = perms[0]!.length;
    const stack = (idx: Int32Array[], src: (i: Int32Array) => Float32Array, width: number) =>
      tf.tensor3d(Float32Array.from(idx.flatMap((i) => Array.from(src(i)))), [M, B, width]);
    let sum = 0;
    let batches = 0;
    for (let start = 0; start + B <= n; start += B) {
      const idx = perms.map((p) => p.subarray(start, start + B));
      const grads = tf.tidy(() => {
        const s = stack(idx, (i) => gatherRows(i, data.states, S), S);
        const a = stack(idx, (i) => gatherRows(i, data.actions, A), A);
        const d = stack(idx, (i) => deltaRows(i, data, S), S);
        let loss = 0;
        const g = tf.grads((...p: tf.Tensor[]) => {
          const l = this.nll(p, s, a, d).sum() as tf.Scalar;
          loss = l.dataSync()[0]! / M;
          return l;
        })(this.params);
        sum += loss;
        return g.map((t) => tf.keep(t));
      });
      batches += 1;
      const next = adam.step(this.params, grads);
      for (const t of [...this.params, ...grads]) t.dispose();
      this.params = next;
    }
    return sum / Math.max(1, batches);
  }

  dispose(): void {
    for (const t of [...this.params, this.inMean, this.inStd, this.outStd]) t.dispose();
  }
}

/** Rows `idx` of a row-major [n, width] array, concatenated. */
function gatherRows(idx: ArrayLike<number>, src: Float32Array, width: number): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let k = 0; k < idx.length; k++)
    out.set(src.subarray(idx[k]! * width, (idx[k]! + 1) * width), k * width);
  return out;
}

/** The state changes s′ − s of rows `idx`. */
function deltaRows(idx: ArrayLike<number>, data: Transitions, S: number): Float32Array {
  const s = gatherRows(idx, data.states, S);
  const s2 = gatherRows(idx, data.nextStates, S);
  return s2.map((v, i) => v - s[i]!);
}
