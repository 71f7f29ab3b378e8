/**
 * Adam with global-norm gradient clipping (torch's clip_grad_norm_ then torch.optim.Adam) on a
 * flat Float32Array of parameters in plain JavaScript: the optimiser of the plain-JS PPO trainer.
 * Same update as {@link ClippedAdam} (tfjs); its JSON state has {@link Adam}'s per-tensor layout.
 */
import { type AdamState, checkAdamState } from './optim.js';

export class FlatClippedAdam {
  /** Learning rate (may be changed between steps, e.g. annealed). */
  lr: number;
  private stepCount = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  /**
   * @param theta the parameters, updated in place by {@link FlatClippedAdam.step}
   * @param shapes the tensors `theta` concatenates (for the JSON state)
   */
  constructor(
    private readonly theta: Float32Array,
    private readonly shapes: readonly (readonly number[])[],
    lr: number,
    readonly maxGradNorm: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.lr = lr;
    this.m = new Float64Array(theta.length);
    this.v = new Float64Array(theta.length);
  }

  /** Clips `grad`'s global norm to `maxGradNorm` and takes one Adam step on `theta`. */
  step(grad: Float64Array): void {
    this.stepCount += 1;
    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
    const scale = Math.min(1, this.maxGradNorm / (Math.sqrt(sq) + 1e-6));
    const { beta1, beta2, eps, m, v, theta } = this;
    const c1 = 1 - beta1 ** this.stepCount;
    const c2 = 1 - beta2 ** this.stepCount;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i]! * scale;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      theta[i] = theta[i]! - (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
  }

  /** The state in {@link Adam}'s per-tensor layout. */
  getState(): AdamState {
    const dump = (flat: Float64Array) => {
      let o = 0;
      return this.shapes.map((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from(flat.subarray(o, o + n));
        o += n;
        return { shape: [...shape], values };
      });
    };
    return { step: this.stepCount, m: dump(this.m), v: dump(this.v) };
  }

  /** Restores {@link FlatClippedAdam.getState}; throws `RangeError` on a malformed state. */
  setState(state: AdamState): void {
    checkAdamState(state, this.shapes);
    this.m.set(state.m.flatMap((e) => e.values));
    this.v.set(state.v.flatMap((e) => e.values));
    this.stepCount = state.step;
  }
}
