/**
 * The actor-critic of CleanRL's agent (tanh MLPs, a learned log-std, optionally gSDE) with its
 * parameters in one Float32Array for the plain-JS trainer, and its tfjs form: `forward` and
 * `minibatchObjective`, the differentiable reference the plain-JS gradient is tested against.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RNG } from '../envs/index.js';
import type { CpuMlp } from './nn/cpuMlp.js';
import { type MlpSpec, mlp, paramCount } from './nn/mlp.js';
import { detach } from './nn/ops.js';
import { gaussianLogProb, type PgArgs, ppoLosses } from './ppo.js';

/** Orthogonal [rows, cols] matrix times `gain` (Gram–Schmidt on Gaussian draws), as torch's orthogonal_. */
export function orthogonal(rows: number, cols: number, gain: number, rng: RNG): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // m orthonormal vectors of length n
  const vs: Float64Array[] = [];
  while (vs.length < m) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const u of vs) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i]! * u[i]!;
      for (let i = 0; i < n; i++) v[i] = v[i]! - d * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm < 1e-8) continue;
    vs.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      out[r * cols + c] = gain * (rows >= cols ? vs[c]![r]! : vs[r]![c]!);
  }
  return out;
}

/** How an {@link ActorCritic} explores and starts. */
export interface ActorCriticOptions {
  /**
   * generalized State-Dependent Exploration (Raffin et al. 2022, SB3's `use_sde`, full_std): the
   * action noise is latent(s)·E with E [hidden × act] drawn from N(0, exp(logStd)²) per env, so
   * the log-std is a [hidden × act] matrix and the policy's std depends on the state.
   */
  sde: boolean;
  /** Initial log-std (CleanRL 0; RL Zoo's car −3.29). */
  logStdInit: number;
  /** CleanRL's orthogonal init (gains √2, 0.01 actor head, 1 critic head) or PyTorch's default. */
  orthoInit: boolean;
}

/** gSDE's variance floor (SB3's `epsilon`): var_j = Σ_i latent_i² σ_ij² + this. */
export const SDE_EPSILON = 1e-6;

/**
 * The actor-critic of CleanRL's agent: tanh MLPs and a learned log-std ([act], or [hidden × act]
 * with gSDE). Parameters live in one Float32Array (`theta`, the plain-JS trainer's working copy)
 * with per-tensor views; `tensors()` and `forward` give the same network in tfjs, the
 * differentiable reference the plain-JS gradient is tested against.
 */
export class ActorCritic {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly options: Readonly<ActorCriticOptions>;
  /** Shapes of [actor W, b, …, critic W, b, …, logStd]. */
  readonly shapes: number[][];
  /** Every parameter, flat, in the order of `shapes`. */
  readonly theta: Float32Array;
  /** One view into `theta` per entry of `shapes`. */
  readonly views: Float32Array[];
  /** The actor and critic on views into `theta` (they see every update). */
  readonly actor: CpuMlp;
  readonly critic: CpuMlp;

  constructor(
    obsSize: number,
    actSize: number,
    hidden: readonly number[],
    rng: RNG,
    options: Partial<ActorCriticOptions> = {},
  ) {
    this.options = { sde: false, logStdInit: 0, orthoInit: true, ...options };
    const spec = (out: number): MlpSpec => ({
      sizes: [obsSize, ...hidden, out],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    });
    this.actorSpec = spec(actSize);
    this.criticSpec = spec(1);
    const layerShapes = (s: MlpSpec) =>
      s.sizes.slice(0, -1).flatMap((fanIn, l) => [[fanIn, s.sizes[l + 1]!], [s.sizes[l + 1]!]]);
    const logStdShape = this.options.sde ? [hidden.at(-1) ?? obsSize, actSize] : [actSize];
    this.shapes = [...layerShapes(this.actorSpec), ...layerShapes(this.criticSpec), logStdShape];
    const sizes = this.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    this.theta = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    this.views = sizes.map((n) => {
      const v = this.theta.subarray(offset, offset + n);
      offset += n;
      return v;
    });
    const fill = (s: MlpSpec, first: number, outGain: number) => {
      for (let l = 0; l + 1 < s.sizes.length; l++) {
        const [fanIn, fanOut] = [s.sizes[l]!, s.sizes[l + 1]!];
        if (this.options.orthoInit) {
          const gain = l === s.sizes.length - 2 ? outGain : Math.SQRT2;
          this.views[first + 2 * l]!.set(orthogonal(fanIn, fanOut, gain, rng));
        } else {
          // torch.nn.Linear's default: weights and biases U(±1/√fan_in).
          const bound = 1 / Math.sqrt(fanIn);
          for (const k of [first + 2 * l, first + 2 * l + 1]) {
            const v = this.views[k]!;
            for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-bound, bound);
          }
        }
      }
    };
    const a = paramCount(this.actorSpec);
    fill(this.actorSpec, 0, 0.01);
    fill(this.criticSpec, a, 1);
    this.logStd.fill(this.options.logStdInit);
    const net = (s: MlpSpec, first: number): CpuMlp => ({
      spec: s,
      weights: s.sizes.slice(1).map((_, l) => this.views[first + 2 * l]!),
      biases: s.sizes.slice(1).map((_, l) => this.views[first + 2 * l + 1]!),
    });
    this.actor = net(this.actorSpec, 0);
    this.critic = net(this.criticSpec, a);
  }

  /** The log-std parameter ([act], or [hidden × act] row-major with gSDE), a view into `theta`. */
  get logStd(): Float32Array {
    return this.views[this.views.length - 1]!;
  }

  /** The parameters as new tfjs tensors (the caller disposes them). */
  tensors(): tf.Tensor[] {
    return this.views.map((v, i) => tf.tensor(v, this.shapes[i]));
  }

  /** Copies parameter values (in the order of `shapes`) into `theta`. */
  setParameters(values: readonly ArrayLike<number>[]): void {
    if (values.length !== this.views.length)
      throw new RangeError(`expected ${this.views.length} parameter tensors, got ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== this.views[i]!.length)
        throw new RangeError(
          `parameter ${i} holds ${v.length} values, expected ${this.views[i]!.length} (shape [${this.shapes[i]}])`,
        );
    });
    for (const [i, v] of values.entries()) this.views[i]!.set(v);
  }

  /**
   * Action mean, log-std ([act], or [B, act] with gSDE), value and the actor's last hidden
   * layer (gSDE's features) for observations [B, obs], under tfjs parameters `params` (the
   * layout of `tensors()`).
   */
  forward(
    params: readonly tf.Tensor[],
    obs: tf.Tensor,
  ): { mean: tf.Tensor; logStd: tf.Tensor; value: tf.Tensor; latent: tf.Tensor } {
    const a = paramCount(this.actorSpec);
    const c = paramCount(this.criticSpec);
    const trunk: MlpSpec = {
      ...this.actorSpec,
      sizes: this.actorSpec.sizes.slice(0, -1),
      outputActivation: this.actorSpec.activation,
    };
    const latent = mlp(params.slice(0, a - 2), obs, trunk);
    const mean = latent.matMul(params[a - 2]!).add(params[a - 1]!);
    const logStdParam = params[a + c]!;
    // gSDE (SB3, learn_features = False): the std reads the features but sends no gradient to them.
    const logStd = this.options.sde
      ? detach(latent).square().matMul(logStdParam.mul(2).exp()).add(SDE_EPSILON).log().mul(0.5)
      : logStdParam;
    return {
      mean,
      logStd,
      latent,
      value: mlp(params.slice(a, a + c), obs, this.criticSpec).squeeze([1]),
    };
  }
}

/**
 * The update's objective on one minibatch in tfjs: PPO's clipped losses (or REINFORCE's
 * −log π·Â and a value loss) minus the entropy bonus (mean over rows of the policy's entropy).
 * The trainer runs the same objective in plain JS (`ppoGradient.ts`); this differentiable form is
 * its reference. `report` receives [policy loss, value loss, entropy, approx KL, clip fraction].
 */
export function minibatchObjective(
  agent: ActorCritic,
  args: Readonly<PgArgs>,
  p: tf.Tensor[],
  mb: {
    obs: tf.Tensor;
    act: tf.Tensor;
    oldLogp: tf.Tensor;
    adv: tf.Tensor;
    ret: tf.Tensor;
    oldV: tf.Tensor;
  },
  report: (diagnostics: Float32Array | Int32Array | Uint8Array) => void,
): tf.Scalar {
  const f = agent.forward(p, mb.obs);
  const logp = gaussianLogProb(mb.act, f.mean, f.logStd);
  const ent = f.logStd
    .add(0.5 + 0.5 * Math.log(2 * Math.PI))
    .sum(-1)
    .mean() as tf.Scalar;
  const losses =
    args.algo === 'ppo'
      ? ppoLosses(logp, mb.oldLogp, mb.adv, f.value, mb.oldV, mb.ret, args.clipCoef, args.clipVloss)
      : {
          // REINFORCE with a baseline: −log π(a|s)·(G − V(s)).
          pgLoss: logp.mul(mb.adv).mean().neg() as tf.Scalar,
          vLoss: f.value.sub(mb.ret).square().mean().mul(0.5) as tf.Scalar,
          approxKl: tf.scalar(0),
          clipFrac: tf.scalar(0),
        };
  report(tf.stack([losses.pgLoss, losses.vLoss, ent, losses.approxKl, losses.clipFrac]).dataSync());
  return losses.pgLoss.sub(ent.mul(args.entCoef)).add(losses.vLoss.mul(args.vfCoef)) as tf.Scalar;
}
