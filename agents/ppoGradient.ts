/**
 * PPO's (and REINFORCE's) minibatch objective and its exact gradient in plain JavaScript: the
 * same function as `minibatchObjective` in `actorCritic.ts` (tested against tfjs's gradient of it), run
 * as one batched forward pass, the closed-form derivatives of the Gaussian log-density, the
 * clipped surrogate and the value loss, and one backward pass per network — no tfjs op, no
 * allocation per minibatch.
 */

import { type ActorCritic, SDE_EPSILON } from './actorCritic.js';
import {
  backwardScratch,
  type CpuMlp,
  cpuMlpBackward,
  cpuMlpForward,
  type MlpGrads,
  mlpTape,
} from './nn/cpuMlp.js';
import type { PgArgs } from './ppo.js';

/** One minibatch, row-major: obs [M × O], act [M × A], the rest [M]. */
export interface Minibatch {
  obs: Float32Array;
  act: Float32Array;
  oldLogp: Float32Array;
  /** Raw advantages (normalised inside when `normAdv`). */
  adv: Float64Array;
  ret: Float64Array;
  oldV: Float64Array;
}

/** Mean diagnostics of one minibatch. */
export interface MinibatchDiagnostics {
  pg: number;
  v: number;
  ent: number;
  kl: number;
  clip: number;
}

/** Every diagnostic divided by `n` (sums to means). */
export function meanDiagnostics(d: MinibatchDiagnostics, n: number): MinibatchDiagnostics {
  return { pg: d.pg / n, v: d.v / n, ent: d.ent / n, kl: d.kl / n, clip: d.clip / n };
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The per-row log-std of the policy's Gaussian into `out` ([rows × A]): the parameter itself, or
 * with gSDE ½·log(Σ_i latent_i² σ_ij² + ε) from the actor's last hidden layer. With gSDE,
 * `sigma2` (as long as the log-std) receives σ_ij² = e^(2ℓ_ij), computed once per call.
 */
export function policyLogStd(
  agent: ActorCritic,
  latent: ArrayLike<number>,
  rows: number,
  out: Float64Array,
  sigma2: Float64Array = new Float64Array(agent.logStd.length),
): void {
  const A = agent.actorSpec.sizes.at(-1)!;
  const ls = agent.logStd;
  if (!agent.options.sde) {
    for (let r = 0; r < rows; r++) for (let j = 0; j < A; j++) out[r * A + j] = ls[j]!;
    return;
  }
  const H = ls.length / A;
  for (let i = 0; i < ls.length; i++) sigma2[i] = Math.exp(2 * ls[i]!);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < A; j++) {
      let v = SDE_EPSILON;
      for (let i = 0; i < H; i++) {
        const h = latent[r * H + i]!;
        v += h * h * sigma2[i * A + j]!;
      }
      out[r * A + j] = 0.5 * Math.log(v);
    }
  }
}

/** Gradient views into `grad` at the places `net`'s weights occupy in `theta`. */
function gradViews(net: CpuMlp, grad: Float64Array, theta: Float32Array): MlpGrads {
  const view = (w: Float32Array) => {
    const start = (w.byteOffset - theta.byteOffset) / Float32Array.BYTES_PER_ELEMENT;
    return grad.subarray(start, start + w.length);
  };
  return { weights: net.weights.map(view), biases: net.biases.map((b) => b && view(b)) };
}

/** Evaluates the objective and its gradient for minibatches of up to `rows` rows. */
export class PpoGradient {
  /** dL/dθ in the layout of the agent's `theta`, written by {@link PpoGradient.compute}. */
  readonly grad: Float64Array;
  private readonly actorTape;
  private readonly criticTape;
  private readonly actorGrads: MlpGrads;
  private readonly criticGrads: MlpGrads;
  private readonly logStdGrad: Float64Array;
  private readonly rowLogStd: Float64Array;
  /** z = (a − μ)/σ per row and action, from the log-density to its derivatives. */
  private readonly z: Float64Array;
  /** gSDE's σ² = e^(2ℓ), once per minibatch. */
  private readonly sigma2: Float64Array;
  private readonly dMean: Float64Array;
  private readonly dValue: Float64Array;
  private readonly adv: Float64Array;
  private readonly scratch: Float64Array[];

  constructor(
    private readonly agent: ActorCritic,
    rows: number,
  ) {
    const A = agent.actorSpec.sizes.at(-1)!;
    this.grad = new Float64Array(agent.theta.length);
    this.actorTape = mlpTape(agent.actorSpec, rows);
    this.criticTape = mlpTape(agent.criticSpec, rows);
    this.actorGrads = gradViews(agent.actor, this.grad, agent.theta);
    this.criticGrads = gradViews(agent.critic, this.grad, agent.theta);
    this.logStdGrad = this.grad.subarray(this.grad.length - agent.logStd.length);
    this.rowLogStd = new Float64Array(rows * A);
    this.z = new Float64Array(rows * A);
    this.sigma2 = new Float64Array(agent.logStd.length);
    this.dMean = new Float64Array(rows * A);
    this.dValue = new Float64Array(rows);
    this.adv = new Float64Array(rows);
    const widest = Math.max(...agent.actorSpec.sizes, ...agent.criticSpec.sizes);
    this.scratch = backwardScratch(rows, widest);
  }

  /**
   * Writes dL/dθ of L = policy loss − entCoef·entropy + vfCoef·value loss on `rows` rows of `mb`
   * into `grad` and returns the minibatch's diagnostics.
   */
  compute(args: Readonly<PgArgs>, mb: Minibatch, rows: number): MinibatchDiagnostics {
    const { agent } = this;
    const A = agent.actorSpec.sizes.at(-1)!;
    const M = rows;
    this.grad.fill(0);
    const mean = cpuMlpForward(agent.actor, mb.obs, M, this.actorTape);
    const value = cpuMlpForward(agent.critic, mb.obs, M, this.criticTape);
    const layers = agent.actorSpec.sizes.length - 1;
    const latent = this.actorTape.outputs[layers - 2] ?? this.actorTape.input;
    policyLogStd(agent, latent, M, this.rowLogStd, this.sigma2);
    const adv = this.adv;
    for (let k = 0; k < M; k++) adv[k] = mb.adv[k]!;
    if (args.normAdv && M > 1) {
      // torch's Tensor.std(): the unbiased estimate, as CleanRL and SB3 normalise.
      let mu = 0;
      for (let k = 0; k < M; k++) mu += adv[k]!;
      mu /= M;
      let ss = 0;
      for (let k = 0; k < M; k++) ss += (adv[k]! - mu) ** 2;
      const sd = Math.sqrt(ss / (M - 1));
      for (let k = 0; k < M; k++) adv[k] = (adv[k]! - mu) / (sd + 1e-8);
    }
    const eps = args.clipCoef;
    const sums = { pg: 0, v: 0, ent: 0, kl: 0, clip: 0 };
    const sde = agent.options.sde;
    const ls = agent.logStd;
    const H = ls.length / A;
    for (let k = 0; k < M; k++) {
      let logp = 0;
      for (let j = 0; j < A; j++) {
        const l = this.rowLogStd[k * A + j]!;
        const z = (mb.act[k * A + j]! - mean[k * A + j]!) * Math.exp(-l);
        this.z[k * A + j] = z;
        logp += -0.5 * z * z - l - HALF_LOG_2PI;
        sums.ent += l + 0.5 + HALF_LOG_2PI;
      }
      // dL/d(log π) of this row.
      let dLogp: number;
      if (args.algo === 'ppo') {
        const logRatio = logp - mb.oldLogp[k]!;
        const ratio = Math.exp(logRatio);
        const clipped = Math.min(Math.max(ratio, 1 - eps), 1 + eps);
        const pg1 = -adv[k]! * ratio;
        const pg2 = -adv[k]! * clipped;
        sums.pg += Math.max(pg1, pg2);
        // max(·,·) sends the gradient to its first argument on ties (tfjs, and torch's total);
        // the clipped branch passes it only inside [1 − ε, 1 + ε].
        const through = pg1 >= pg2 || (ratio >= 1 - eps && ratio <= 1 + eps);
        dLogp = through ? (-adv[k]! * ratio) / M : 0;
        sums.kl += ratio - 1 - logRatio;
        sums.clip += Math.abs(ratio - 1) > eps ? 1 : 0;
      } else {
        sums.pg -= logp * adv[k]!;
        dLogp = -adv[k]! / M;
      }
      // Through μ: ∂log π/∂μ_j = z_j/σ_j. Through the log-std: ∂log π/∂log σ_j = z_j² − 1, and
      // the entropy bonus adds −entCoef/M per log σ_j.
      for (let j = 0; j < A; j++) {
        const l = this.rowLogStd[k * A + j]!;
        const inv = Math.exp(-l);
        const z = this.z[k * A + j]!;
        this.dMean[k * A + j] = dLogp * z * inv;
        const dLogStd = dLogp * (z * z - 1) - args.entCoef / M;
        if (!sde) {
          this.logStdGrad[j] += dLogStd;
        } else {
          // log σ_j(s) = ½ log(Σ_i h_i² e^(2ℓ_ij) + ε): ∂/∂ℓ_ij = h_i² e^(2ℓ_ij) / σ_j².
          const invVar = Math.exp(-2 * l);
          for (let i = 0; i < H; i++) {
            const h = latent[k * H + i]!;
            this.logStdGrad[i * A + j] += dLogStd * h * h * this.sigma2[i * A + j]! * invVar;
          }
        }
      }
      // Value loss: ½·mean of (V − R)², or CleanRL's max of it and the clipped one.
      const v = value[k]!;
      const ret = mb.ret[k]!;
      let dV = (v - ret) / M;
      if (args.algo === 'ppo' && args.clipVloss) {
        const oldV = mb.oldV[k]!;
        const delta = Math.min(Math.max(v - oldV, -eps), eps);
        const vClipped = oldV + delta;
        const unclipped = (v - ret) ** 2;
        const clippedLoss = (vClipped - ret) ** 2;
        sums.v += 0.5 * Math.max(unclipped, clippedLoss);
        if (unclipped < clippedLoss) {
          const inside = v - oldV >= -eps && v - oldV <= eps;
          dV = inside ? (vClipped - ret) / M : 0;
        }
      } else {
        sums.v += 0.5 * (v - ret) ** 2;
      }
      this.dValue[k] = args.vfCoef * dV;
    }
    cpuMlpBackward(agent.actor, this.actorTape, this.dMean, this.actorGrads, this.scratch);
    cpuMlpBackward(agent.critic, this.criticTape, this.dValue, this.criticGrads, this.scratch);
    return meanDiagnostics(sums, M);
  }
}
