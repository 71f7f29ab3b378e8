/**
 * The sine experiment's compute in plain JavaScript (float64, products on {@link gemm}): the
 * optimizee f_θ (1 → 100 → 10 → 1) and the learned loss M_φ (2 → 50 → 50 → 1) are so small that
 * tfjs spends its time on per-op bookkeeping (~40 µs per op on the WASM backend, ~1,000 ops per
 * meta-iteration), not arithmetic. Here ML3's meta-gradient is written out in closed form.
 *
 * One inner step θ' = θ − α ∇θ L_M(θ, φ), L_M = mean_i M_φ(f_θ(x_i), y_i), then the task loss
 * L(θ') = mean_i (f_θ'(x_i) − y_i)². With v = ∇θ' L and g_i = ∂M_φ/∂ŷ at sample i,
 *
 *   ∇φ L = −α ∂/∂φ (v · ∇θ L_M) = −α/N Σ_i u_i ∂g_i/∂φ,   u_i = J_θ f(x_i) · v,
 *
 * because ∇θ L_M = 1/N Σ_i g_i ∇θ f(x_i) and only g_i depends on φ. For M = softplus(o),
 * g = σ(o)·s with s = ∂o/∂ŷ, so ∂g/∂φ = σ'(o)·s·∂o/∂φ + σ(o)·∂s/∂φ: the first term is an ordinary
 * backward pass of M, the second the gradient of M's input tangent s (ReLU masks are constant in
 * φ, as tfjs's ReLU gradient treats them). The test checks all of it against tfjs's autodiff of
 * the same step and against finite differences.
 */
import {
  backwardScratch,
  type CpuMlp,
  cpuMlpBackward,
  cpuMlpForward,
  cpuMlpJvp,
  gemm,
  type MlpGrads,
  mlpTape,
  transposeInto,
  zeroGrads,
} from '../../../agents/index.js';
import { learnedLossMlp } from '../../learnedLoss.js';
import { SINE_LOSS, SINE_MODEL, SINE_POINTS } from './task.js';

function clear(g: MlpGrads): void {
  for (const w of g.weights) w.fill(0);
  for (const b of g.biases) b?.fill(0);
}

/** θ ← θ − lr·g (θ may be `out`). */
function sgdInto(
  out: CpuMlp<Float64Array>,
  theta: CpuMlp<Float32Array | Float64Array>,
  g: MlpGrads,
  lr: number,
): void {
  theta.weights.forEach((w, l) => {
    const o = out.weights[l]!;
    const d = g.weights[l]!;
    for (let i = 0; i < w.length; i++) o[i] = w[i]! - lr * d[i]!;
  });
  theta.biases.forEach((b, l) => {
    const o = out.biases[l];
    const d = g.biases[l];
    if (b && o && d) for (let i = 0; i < b.length; i++) o[i] = b[i]! - lr * d[i]!;
  });
}

const LOSS_MLP = learnedLossMlp(SINE_LOSS);
const N = SINE_POINTS;
const HIDDEN = SINE_LOSS.hidden[0]!;

/**
 * Work buffers for one task of {@link SINE_POINTS} points at a time: reused across calls, so the
 * meta-training and evaluation loops allocate nothing per step.
 */
export class SineKernel {
  private readonly fTape = mlpTape(SINE_MODEL, N);
  private readonly fAdaptedTape = mlpTape(SINE_MODEL, N);
  private readonly mTape = mlpTape(LOSS_MLP, N);
  private readonly scratch = backwardScratch(N, Math.max(...SINE_MODEL.sizes, ...LOSS_MLP.sizes));
  private readonly thetaGrad = zeroGrads(SINE_MODEL);
  private readonly outerGrad = zeroGrads(SINE_MODEL);
  /** θ' of the meta-gradient's inner step. */
  private readonly adapted: CpuMlp<Float64Array> = { spec: SINE_MODEL, ...zeroGrads(SINE_MODEL) };
  private readonly features = new Float64Array(2 * N);
  private readonly dOut = new Float64Array(N);
  /** σ(o_i) = ∂M/∂o of the learned loss's output, per point. */
  private readonly sigma = new Float64Array(N);
  /** s_i = ∂o_i/∂ŷ_i. */
  private readonly slope = new Float64Array(N);
  /** M's first and second hidden tangents along ŷ (masked): t1 = m1 ⊙ V1[0]/scale, t2 = m2 ⊙ t1·V2. */
  private readonly t1 = new Float64Array(N * HIDDEN);
  private readonly t2 = new Float64Array(N * HIDDEN);
  /** ∂o/∂(hidden pre-activations): d2 = m2 ⊙ V3ᵀ, d1 = m1 ⊙ d2·V2ᵀ (d1 unmasked here). */
  private readonly d2 = new Float64Array(N * HIDDEN);
  private readonly d1 = new Float64Array(N * HIDDEN);
  private readonly tT = new Float64Array(N * HIDDEN);
  private readonly v2T = new Float64Array(HIDDEN * HIDDEN);
  /** V1[0, j]/scale: ŷ's weight into each first hidden unit, per unit of M's input. */
  private readonly v1Scaled = new Float64Array(HIDDEN);

  constructor() {
    const { activation, outputActivation, bias, hidden } = SINE_LOSS;
    // The closed form below is written for this shape of M_φ.
    if (
      activation !== 'relu' ||
      outputActivation !== 'softplus' ||
      bias ||
      hidden.length !== 2 ||
      hidden[1] !== HIDDEN
    )
      throw new Error(
        'SineKernel expects M_φ: 2 equal ReLU hidden layers, softplus output, no biases',
      );
  }

  /**
   * M_φ on (ŷ, y), then σ(o), s = ∂o/∂ŷ, the tangents t1, t2 and d2 (into this kernel's
   * buffers); writes dOut_i = scale·∂M_i/∂ŷ_i.
   */
  private learnedSlope(
    phi: CpuMlp<Float32Array | Float64Array>,
    yPred: Float64Array,
    y: ArrayLike<number>,
    scale: number,
  ): void {
    const [s0, s1] = SINE_LOSS.inputScale as [number, number];
    for (let i = 0; i < N; i++) {
      this.features[2 * i] = yPred[i]! / s0;
      this.features[2 * i + 1] = y[i]! / s1;
    }
    const m = cpuMlpForward(phi, this.features, N, this.mTape);
    const [a1, a2] = this.mTape.outputs as [Float64Array, Float64Array];
    const [v1, v2, v3] = this.mTape.w as [Float64Array, Float64Array, Float64Array];
    // Buffers as locals and V1[0]/scale once per unit: the same values as dividing per point,
    // without a property load, a modulo and a division per element (this loop was 15% of sine).
    const { t1, t2, d2, v1Scaled } = this;
    for (let j = 0; j < HIDDEN; j++) v1Scaled[j] = v1[j]! / s0;
    for (let i = 0, at = 0; i < N; i++)
      for (let j = 0; j < HIDDEN; j++, at++) {
        t1[at] = a1[at]! > 0 ? v1Scaled[j]! : 0;
        d2[at] = a2[at]! > 0 ? v3[j]! : 0;
      }
    gemm(t2, t1, v2, N, HIDDEN, HIDDEN, false);
    for (let i = 0, at = 0; i < N; i++) {
      let s = 0;
      for (let k = 0; k < HIDDEN; k++, at++) {
        if (!(a2[at]! > 0)) t2[at] = 0;
        s += t2[at]! * v3[k]!;
      }
      this.slope[i] = s;
      this.sigma[i] = -Math.expm1(-m[i]!); // σ(o) = 1 − e^(−softplus(o))
      this.dOut[i] = scale * this.sigma[i]! * s;
    }
  }

  /** dOut_i = scale·∂/∂ŷ_i (ŷ_i − y_i)²; returns the mean squared error. */
  private squaredErrorSlope(yPred: Float64Array, y: ArrayLike<number>, scale: number): number {
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const e = yPred[i]! - y[i]!;
      sum += e * e;
      this.dOut[i] = scale * 2 * e;
    }
    return sum / N;
  }

  /**
   * One step of ML3's sine meta-training for one task: adds ∇φ L(θ') to `phiGrad` and returns
   * L(θ'), the MSE of θ' = θ₀ − α ∇θ mean M_φ (see the file header).
   */
  metaGradient(
    theta0: CpuMlp<Float32Array | Float64Array>,
    phi: CpuMlp<Float32Array | Float64Array>,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    lr: number,
    phiGrad: MlpGrads,
  ): number {
    const y0 = cpuMlpForward(theta0, x, N, this.fTape);
    this.learnedSlope(phi, y0, y, 1 / N);
    clear(this.thetaGrad);
    cpuMlpBackward(theta0, this.fTape, this.dOut, this.thetaGrad, this.scratch);
    sgdInto(this.adapted, theta0, this.thetaGrad, lr);
    const y1 = cpuMlpForward(this.adapted, x, N, this.fAdaptedTape);
    const loss = this.squaredErrorSlope(y1, y, 1 / N);
    clear(this.outerGrad);
    cpuMlpBackward(this.adapted, this.fAdaptedTape, this.dOut, this.outerGrad, this.scratch);
    // u_i = J_θ f(x_i)·v; c_i = −α u_i / N weighs each point's ∂g_i/∂φ.
    const u = cpuMlpJvp(theta0, this.fTape, this.outerGrad, this.scratch);
    // ∂g_i/∂φ = σ'(o_i)·s_i·∂o_i/∂φ + σ(o_i)·∂s_i/∂φ, weighted by c_i: w_i and r_i below. With
    // d2 = m2 ⊙ V3 and d1 = m1 ⊙ d2·V2ᵀ (∂o/∂ of each hidden pre-activation):
    //   ∂o/∂V3 = a2, ∂o/∂V2 = a1ᵀ·d2, ∂o/∂V1 = zᵀ·d1;  ∂s/∂V3 = t2, ∂s/∂V2 = t1ᵀ·d2, ∂s/∂V1[0] = d1/scale.
    // Both V2 terms share d2, so ∇V2 = Σ_i (w_i a1_i + r_i t1_i)ᵀ·d2_i is one product.
    const [s0] = SINE_LOSS.inputScale as [number];
    const [a1, a2] = this.mTape.outputs as [Float64Array, Float64Array];
    const [g1, g2, g3] = phiGrad.weights as [Float64Array, Float64Array, Float64Array];
    transposeInto(this.v2T, this.mTape.w[1]!, HIDDEN, HIDDEN);
    gemm(this.d1, this.d2, this.v2T, N, HIDDEN, HIDDEN, false);
    const { t1, t2, d1 } = this;
    for (let i = 0, at = 0; i < N; i++) {
      const c = (-lr * u[i]!) / N;
      const sigma = this.sigma[i]!;
      const w = c * sigma * (1 - sigma) * this.slope[i]!;
      const r = c * sigma;
      const z0 = w * this.features[2 * i]! + r / s0;
      const z1 = w * this.features[2 * i + 1]!;
      for (let k = 0; k < HIDDEN; k++, at++) {
        g3[k] += w * a2[at]! + r * t2[at]!;
        const d1k = a1[at]! > 0 ? d1[at]! : 0;
        g1[k] += z0 * d1k;
        g1[HIDDEN + k] += z1 * d1k;
        t1[at] = w * a1[at]! + r * t1[at]!; // e_i, the left factor of ∇V2
      }
    }
    transposeInto(this.tT, this.t1, N, HIDDEN);
    gemm(g2, this.tT, this.d2, HIDDEN, HIDDEN, N, true);
    return loss;
  }

  /**
   * One plain SGD step of θ (in place) on the MSE (`phi` null) or on mean M_φ; returns the MSE
   * of θ before the step.
   */
  sgdStep(
    theta: CpuMlp<Float64Array>,
    phi: CpuMlp<Float32Array | Float64Array> | null,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    lr: number,
  ): number {
    const yPred = cpuMlpForward(theta, x, N, this.fTape);
    const mse = this.squaredErrorSlope(yPred, y, 1 / N);
    if (phi) this.learnedSlope(phi, yPred, y, 1 / N);
    clear(this.thetaGrad);
    cpuMlpBackward(theta, this.fTape, this.dOut, this.thetaGrad, this.scratch);
    sgdInto(theta, theta, this.thetaGrad, lr);
    return mse;
  }

  /** The MSE of θ on (x, y). */
  mse(
    theta: CpuMlp<Float32Array | Float64Array>,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
  ): number {
    return this.squaredErrorSlope(cpuMlpForward(theta, x, N, this.fTape), y, 1 / N);
  }
}
