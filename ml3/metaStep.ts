/**
 * ML3's bi-level step (Algorithm 1) and meta-test (Algorithm 2).
 *
 *   θ_{k+1} = θ_k − α ∇θ M_φ(θ_k)      (K inner steps, kept differentiable w.r.t. φ)
 *   ∇φ L_T(θ_K)                          (the outer gradient, through the inner updates)
 *   or ∇φ Σ_k c_k L_T(θ_k) / Σ_k c_k      (`taskLossWeights` c: a loss good after every k ≤ K,
 *                                         as learned optimisers are trained on their whole path)
 *
 * Batching: θ and φ may carry leading batch dimensions (tasks, seeds, goals); the inner and task
 * losses return the *sum* over the batch of per-member losses, so each member gets exactly its
 * own gradient from one graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Params, sgdStep } from '../agents/index.js';
import { writtenOutInnerGradients } from './learnedLossGradient.js';

/** Arguments of {@link metaGradient}. */
export interface MetaStepArgs {
  /** Learned-loss parameters φ (what the meta-gradient is taken with respect to). */
  phi: Params;
  /** The optimizee's initial parameters θ₀ (constants w.r.t. φ). */
  theta0: Params;
  /** Inner steps K ≥ 1. */
  innerSteps: number;
  /** Inner learning rate α. */
  innerLr: number;
  /** M_φ evaluated on the optimizee with parameters θ (a scalar: sum over the batch of means). */
  innerLoss: (theta: Params, phi: Params) => tf.Scalar;
  /**
   * ∇θ of `innerLoss`, written out (e.g. `learnedLossInputGradient`): the inner step uses it
   * instead of tfjs's autodiff of `innerLoss` (except under `ML3_MATMUL=tfjs`, the benchmarks'
   * "before"). It must be differentiable once (w.r.t. θ and φ).
   */
  innerGradient?: (theta: Params, phi: Params) => tf.Tensor[];
  /** The task loss L_T of the adapted optimizee (a scalar; may use extra information). */
  taskLoss: (theta: Params) => tf.Scalar;
  /**
   * Relative weights c_1 … c_K of the task loss after each inner step: the outer objective is
   * Σ_k c_k L_T(θ_k) / Σ_k c_k instead of L_T(θ_K) alone (all 1: the mean over the steps). Finite,
   * ≥ 0, one per inner step, not all 0; a step of weight 0 costs no task-loss evaluation.
   */
  taskLossWeights?: readonly number[];
  /**
   * Each inner step's gradient is scaled to a norm of at most this, per member of θ's leading
   * batch dimension ({@link clipPerMember}; differentiated through). Absent or 0: plain SGD.
   */
  innerGradClip?: number;
}

/**
 * Result of {@link metaGradient}: the outer objective (L_T(θ_K), or the mean over the steps),
 * its gradient with respect to φ (kept tensors), and θ_K (kept, detached).
 */
export interface MetaStepResult {
  taskLoss: number;
  grads: tf.Tensor[];
  adapted: tf.Tensor[];
}

/** Whether a written-out gradient is given and used (not under `ML3_MATMUL=tfjs`). */
function useWrittenOut<F>(gradient: F | undefined): gradient is F {
  return gradient !== undefined && writtenOutInnerGradients();
}

/**
 * L_T after K differentiable inner steps on M_φ, and its gradient with respect to φ.
 * The returned tensors are kept; the caller disposes them.
 */
export function metaGradient(args: MetaStepArgs): MetaStepResult {
  if (!(Number.isInteger(args.innerSteps) && args.innerSteps >= 1)) {
    throw new RangeError(`innerSteps must be an integer >= 1, got ${args.innerSteps}`);
  }
  const weights = args.taskLossWeights;
  if (weights) checkTaskLossWeights(weights, args.innerSteps);
  // c · L_T, without a product for c = 1 (so that all-1 weights give the plain mean, bit for bit).
  const weighted = (loss: tf.Scalar, c: number) => (c === 1 ? loss : (loss.mul(c) as tf.Scalar));
  let adapted: tf.Tensor[] = [];
  const result = tf.tidy(() => {
    const objective = (...phi: tf.Tensor[]) => {
      let theta: Params = [...args.theta0];
      let pathLoss: tf.Scalar = tf.scalar(0);
      for (let k = 0; k < args.innerSteps; k++) {
        // θ ← θ − α ∇θ M_φ(θ): the gradient is itself differentiated w.r.t. φ below.
        const g = useWrittenOut(args.innerGradient)
          ? args.innerGradient(theta, phi)
          : tf.grads((...th: tf.Tensor[]) => args.innerLoss(th, phi))(theta);
        theta = sgdStep(theta, clipPerMember(g, args.innerGradClip ?? 0), args.innerLr);
        const c = weights?.[k] ?? 0;
        if (c > 0 && k < args.innerSteps - 1) {
          pathLoss = pathLoss.add(weighted(args.taskLoss(theta), c));
        }
      }
      adapted = theta.map((t) => tf.keep(t.clone()));
      // Parameters that cannot change ∇θ M_φ (e.g. the output bias of M_φ) have a zero
      // meta-gradient; tfjs throws on unreachable inputs, so tie every φ in with weight 0.
      const tie = phi.reduce((acc, p) => acc.add(p.sum()), tf.scalar(0)).mul(0);
      const last = weights ? weights[args.innerSteps - 1]! : 1;
      const final = last > 0 ? weighted(args.taskLoss(theta), last) : tf.scalar(0);
      const outer = weights ? pathLoss.add(final).div(weights.reduce((a, c) => a + c, 0)) : final;
      return outer.add(tie) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(objective)(args.phi);
    return { value: value.dataSync()[0]!, grads: grads.map((g) => tf.keep(g)) };
  });
  return { taskLoss: result.value, grads: result.grads, adapted };
}

/** Throws unless `weights` are K finite numbers ≥ 0, not all 0 ({@link MetaStepArgs}). */
function checkTaskLossWeights(weights: readonly number[], innerSteps: number): void {
  if (
    weights.length !== innerSteps ||
    !weights.every((c) => Number.isFinite(c) && c >= 0) ||
    !weights.some((c) => c > 0)
  ) {
    throw new RangeError(
      `taskLossWeights must be ${innerSteps} finite weights >= 0 (one per inner step), not all 0; got [${weights.join(', ')}]`,
    );
  }
}

/**
 * The L2 norm of each member's gradient over all its tensors ([members]; every tensor carries
 * the members along its leading dimension), as √(Σg² + 10⁻¹²) so that a zero gradient has a
 * finite derivative.
 */
function memberNormTensor(grads: readonly tf.Tensor[]): tf.Tensor1D {
  const members = grads[0]!.shape[0]!;
  const squares = tf.addN(grads.map((g) => g.square().reshape([members, -1]).sum(1)));
  return squares.add(1e-12).sqrt() as tf.Tensor1D;
}

/**
 * Scales each member's gradient to a norm of at most `maxNorm` (a trust region per policy: one
 * member's large step does not shrink another's). Built from differentiable ops, so a
 * meta-gradient flows through it. `maxNorm` 0 (or less) means no clip: `grads` come back as given.
 */
export function clipPerMember(grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  if (!(maxNorm > 0)) return [...grads];
  return tf.tidy(() => {
    const scale = tf.minimum(
      tf.scalar(1),
      tf.scalar(maxNorm).div(memberNormTensor(grads).add(1e-6)),
    );
    return grads.map((g) => g.mul(scale.reshape([g.shape[0]!, ...g.shape.slice(1).map(() => 1)])));
  });
}

/** Each member's gradient norm, as {@link clipPerMember} measures it. */
export function memberNorms(grads: readonly tf.Tensor[]): number[] {
  return tf.tidy(() => Array.from(memberNormTensor(grads).dataSync()));
}

/** Arguments of {@link adapt}. */
export interface AdaptArgs {
  /** Initial parameters (not disposed). */
  theta0: Params;
  /** Plain SGD steps. */
  steps: number;
  lr: number;
  /** The loss to descend (a learned loss with φ fixed, or a hand-written one); scalar sum over the batch. */
  loss: (theta: Params) => tf.Scalar;
  /**
   * ∇θ of `loss`, written out: used instead of tfjs's autodiff of `loss` when given (except under
   * `ML3_MATMUL=tfjs`).
   */
  gradient?: (theta: Params) => tf.Tensor[];
  /**
   * Called before each step and after the last with the current parameters: to record a metric,
   * or to collect the data the next step learns on (e.g. a real rollout of the current policy).
   */
  observe?: (step: number, theta: Params) => void;
  /**
   * The parameter update from the gradients (default: plain SGD, θ − lr·g, as Algorithm 2);
   * baselines pass another optimiser's step (e.g. `Adam.step`). Returns new tensors.
   */
  update?: (theta: Params, grads: tf.Tensor[]) => tf.Tensor[];
}

/**
 * Algorithm 2 (meta-test): trains parameters with plain SGD (or `update`) on a fixed loss;
 * returns the final parameters (kept; the caller disposes them).
 */
export function adapt(args: AdaptArgs): tf.Tensor[] {
  let theta = args.theta0.map((t) => tf.keep(t.clone()));
  const update = args.update ?? ((th: Params, g: tf.Tensor[]) => sgdStep(th, g, args.lr));
  for (let k = 0; k < args.steps; k++) {
    args.observe?.(k, theta);
    const next = tf.tidy(() => {
      const g = useWrittenOut(args.gradient)
        ? args.gradient(theta)
        : tf.grads((...th: tf.Tensor[]) => args.loss(th))(theta);
      return update(theta, g).map((t) => tf.keep(t));
    });
    for (const t of theta) t.dispose();
    theta = next;
  }
  args.observe?.(args.steps, theta);
  return theta;
}
