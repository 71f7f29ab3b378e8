/**
 * A loss on policy rollouts through a model (a learned ensemble or a simulator twin) as one tensor
 * op on the policy's parameters θ, whose gradient is computed in plain JavaScript: the rollout
 * runs forward in float64, the loss and its gradient with respect to the visited states come from
 * tfjs (a handful of vectorised ops), and the adjoint runs backward through time,
 *
 *   λ_H = ∂L/∂s_H,   λ_t = ∂L/∂s_t + λ_{t+1}·(∂s_{t+1}/∂s_t + ∂s_{t+1}/∂a_t · ∂a_t/∂s_t),
 *   ∇θ L = Σ_t λ_{t+1}·∂s_{t+1}/∂a_t · ∂a_t/∂θ,
 *
 * with ∂a_t/∂s_t = 0 when the policy reads a detached state. Written with tensor ops, the same
 * rollout costs a few dozen tfjs ops per step and three times as many in its gradient, ~40 µs of
 * bookkeeping each on the WASM backend: most of an ML3 meta-iteration on the reacher and the car,
 * whose task loss is such a rollout. ML3 differentiates the task loss once (its meta-gradient is
 * ∇θ_K L_T carried back through the inner steps), so a first-order op is all it needs; the op's
 * own gradient is a constant to tfjs and must not be differentiated again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgument } from '../envs/index.js';
import { clampAction, type FeedbackPolicySpec, writePolicyInput } from './feedbackPolicy.js';
import {
  backwardScratch,
  type CpuMlp,
  cpuMlpBackward,
  cpuMlpForward,
  type MlpTape,
  mlpTape,
  readBatchedMlps,
  zeroGrads,
} from './nn/cpuMlp.js';
import type { Params } from './nn/mlp.js';
import type { SimulatorTwin } from './simulatorTwin.js';

/**
 * A model's step on `rows` states at once, in float64, with its vector-Jacobian product. The
 * rollout holds `copies` rows per policy (an ensemble rolled out per member: one per member).
 */
export interface CpuDynamics {
  readonly stateSize: number;
  readonly actionSize: number;
  /** Rows per policy: row r belongs to policy ⌊r / copies⌋ and is copy r mod copies. */
  readonly copies: number;
  /** Readies the record of a rollout of `rows` rows and `horizon` steps (reused across calls). */
  prepare(rows: number, horizon: number): void;
  /** next = the step's states for `states` [rows × S] and `actions` [rows × A] at step t, recorded. */
  step(t: number, states: Float64Array, actions: Float64Array, next: Float64Array): void;
  /**
   * Adds dNext·∂next/∂states to `dStates` and dNext·∂next/∂actions to `dActions` for step t
   * (the one recorded by `step`).
   */
  vjp(t: number, dNext: Float64Array, dStates: Float64Array, dActions: Float64Array): void;
}

/**
 * Whether rollout losses take their gradient in JavaScript ({@link rolloutLoss}) and simulator
 * rollouts act through `policyActor`: yes, unless `ML3_ROLLOUT=tfjs` asks for the tensor versions
 * they replace (read at each call: the benchmark times both in one run, and the tests compare
 * them).
 */
export function rolloutLossInJs(): boolean {
  return !(typeof process !== 'undefined' && process.env?.ML3_ROLLOUT === 'tfjs');
}

const twinSteppers = new WeakMap<SimulatorTwin, CpuDynamics>();

/**
 * A simulator twin as {@link CpuDynamics}: its equations and central-difference Jacobians (one
 * per twin, its record reused).
 */
export function twinDynamics(twin: SimulatorTwin): CpuDynamics {
  let made = twinSteppers.get(twin);
  if (!made) {
    made = buildTwinDynamics(twin);
    twinSteppers.set(twin, made);
  }
  return made;
}

function buildTwinDynamics(twin: SimulatorTwin): CpuDynamics {
  const S = twin.stateSize;
  const A = twin.actionSize;
  let rows = 0;
  let js = new Float64Array(0);
  let ja = new Float64Array(0);
  return {
    stateSize: S,
    actionSize: A,
    copies: 1,
    prepare(r, horizon) {
      rows = r;
      if (js.length < horizon * r * S * S) js = new Float64Array(horizon * r * S * S);
      if (ja.length < horizon * r * S * A) ja = new Float64Array(horizon * r * S * A);
    },
    step(t, states, actions, next) {
      const jsT = js.subarray(t * rows * S * S, (t + 1) * rows * S * S);
      const jaT = ja.subarray(t * rows * S * A, (t + 1) * rows * S * A);
      for (let r = 0; r < rows; r++) twin.stepRow(states, actions, r, next, jsT, jaT);
    },
    vjp(t, dNext, dStates, dActions) {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < S; j++) {
          const d = dNext[r * S + j]!;
          if (d === 0) continue;
          const sRow = ((t * rows + r) * S + j) * S;
          const aRow = ((t * rows + r) * S + j) * A;
          for (let i = 0; i < S; i++) dStates[r * S + i] += d * js[sRow + i]!;
          for (let k = 0; k < A; k++) dActions[r * A + k] += d * ja[aRow + k]!;
        }
      }
    },
  };
}

/** Arguments of {@link rolloutLoss}. */
export interface RolloutLossArgs {
  /** The policy a = clamp(f_θ(input / scale)); its input is the state, then the goal if any. */
  policy: FeedbackPolicySpec;
  /** The model the rollout steps through. */
  dynamics: CpuDynamics;
  /** Start states of the G policies, [G × S] (each copied to the policy's rows). */
  start: ArrayLike<number>;
  /** Per-policy goals appended to the policy's input, [G × goal width] (absent: none). */
  goals?: ArrayLike<number>;
  /** Steps H ≥ 1. */
  horizon: number;
  /**
   * The policy reads a detached state (as the ML3 authors' reacher does): the gradient reaches θ
   * through the actions only, not through the states the policy read.
   */
  detachPolicyInput: boolean;
  /**
   * The loss of the visited states [G·copies, H + 1, S] (rows as in {@link CpuDynamics}; the start
   * first), a scalar in tfjs ops: differentiated once with respect to the states.
   */
  loss: (states: tf.Tensor3D) => tf.Scalar;
}

/** Work buffers of one rollout size, reused across calls with the same shapes. */
interface RolloutBuffers {
  key: string;
  states: Float64Array;
  actions: Float64Array;
  /** Pre-clamp policy outputs, for the clamp's gradient mask. */
  raw: Float64Array;
  /** Policy tapes per step and policy. */
  tapes: MlpTape[][];
  scratch: Float64Array[];
  input: Float64Array;
  dOut: Float64Array;
  dInput: Float64Array;
  lambda: Float64Array;
  dPrev: Float64Array;
  dActions: Float64Array;
}

const buffers = new WeakMap<FeedbackPolicySpec, RolloutBuffers>();

function buffersFor(args: RolloutLossArgs, G: number): RolloutBuffers {
  const { policy, dynamics, horizon: H } = args;
  const C = dynamics.copies;
  const R = G * C;
  const S = dynamics.stateSize;
  const A = dynamics.actionSize;
  const In = policy.net.sizes[0]!;
  const key = `${G}/${C}/${H}/${S}/${A}`;
  const cached = buffers.get(policy);
  if (cached?.key === key) return cached;
  const fresh: RolloutBuffers = {
    key,
    states: new Float64Array(R * (H + 1) * S),
    actions: new Float64Array(R * H * A),
    raw: new Float64Array(R * H * A),
    tapes: Array.from({ length: H }, () => Array.from({ length: G }, () => mlpTape(policy.net, C))),
    scratch: backwardScratch(C, Math.max(...policy.net.sizes)),
    input: new Float64Array(C * In),
    dOut: new Float64Array(C * A),
    dInput: new Float64Array(C * In),
    lambda: new Float64Array(R * S),
    dPrev: new Float64Array(R * S),
    dActions: new Float64Array(R * A),
  };
  buffers.set(policy, fresh);
  return fresh;
}

/**
 * The loss of G policies' rollouts (θ batched per policy, [G, …] as `stackParams` lays it out) as
 * a scalar op on θ whose gradient is the adjoint above. Use it where a tfjs rollout's loss would
 * be differentiated once (ML3's task loss, a planner's objective); its gradient cannot be
 * differentiated again.
 */
export function rolloutLoss(theta: Params, args: RolloutLossArgs): tf.Scalar {
  const { policy, dynamics, horizon: H } = args;
  if (!(Number.isInteger(H) && H >= 1))
    throw new InvalidArgument(`horizon must be an integer >= 1, got ${H}`);
  const S = dynamics.stateSize;
  const A = dynamics.actionSize;
  const G = theta[0]!.shape[0]!;
  const goalWidth = policy.net.sizes[0]! - S;
  if (args.start.length !== G * S)
    throw new InvalidArgument(
      `start must hold ${G} × ${S} states, got ${args.start.length} values`,
    );
  if (goalWidth !== (args.goals ? args.goals.length / G : 0))
    throw new InvalidArgument(
      `the policy reads ${policy.net.sizes[0]} inputs: ${S} state entries and ${goalWidth} goal entries per policy, got ${args.goals?.length ?? 0} goal values for ${G} policies`,
    );
  if (policy.net.sizes.at(-1) !== A)
    throw new InvalidArgument(
      `the policy outputs ${policy.net.sizes.at(-1)} actions, the dynamics take ${A}`,
    );
  // Everything is computed before the op: a gradient taken inside a kernel's forward function
  // (the loss's state gradient) would break the enclosing tape.
  const { value, grads } = lossAndGradient(args, readBatchedMlps(theta, policy.net), G);
  const op = tf.customGrad(((..._inputs: tf.Tensor[]) => ({
    value: tf.scalar(value),
    gradFunc: (dy: tf.Tensor) =>
      theta.map((p, i) => tf.tensor(Float32Array.from(grads[i]!), p.shape).mul(dy)),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as (...t: tf.Tensor[]) => tf.Scalar;
  return op(...theta);
}

/** Policy g's inputs for its rows at step t into `input` ([copies × in], scaled). */
function policyInput(
  args: RolloutLossArgs,
  b: RolloutBuffers,
  g: number,
  t: number,
  R: number,
): Float64Array {
  const S = args.dynamics.stateSize;
  const C = args.dynamics.copies;
  const In = args.policy.net.sizes[0]!;
  for (let c = 0; c < C; c++)
    writePolicyInput(
      args.policy,
      S,
      b.states,
      (t * R + g * C + c) * S,
      args.goals,
      g,
      b.input,
      c * In,
    );
  return b.input;
}

/**
 * The rollout forward, the loss and its state gradient (tfjs), the adjoint backward. States are
 * laid out step-major inside the buffers ([H + 1][R][S]) and handed to the loss as [R, H + 1, S].
 */
function lossAndGradient(
  args: RolloutLossArgs,
  nets: CpuMlp[],
  G: number,
): { value: number; grads: Float64Array[] } {
  const { policy, dynamics, horizon: H } = args;
  const S = dynamics.stateSize;
  const A = dynamics.actionSize;
  const C = dynamics.copies;
  const R = G * C;
  const b = buffersFor(args, G);
  const { actionLow: lo, actionHigh: hi } = policy;
  dynamics.prepare(R, H);
  for (let r = 0; r < R; r++)
    for (let i = 0; i < S; i++) b.states[r * S + i] = args.start[Math.floor(r / C) * S + i]!;
  for (let t = 0; t < H; t++) {
    for (let g = 0; g < G; g++) {
      const out = cpuMlpForward(nets[g]!, policyInput(args, b, g, t, R), C, b.tapes[t]![g]!);
      for (let k = 0; k < C * A; k++) {
        const at = (t * R + g * C) * A + k;
        b.raw[at] = out[k]!;
        b.actions[at] = clampAction(policy, out[k]!);
      }
    }
    dynamics.step(
      t,
      b.states.subarray(t * R * S, (t + 1) * R * S),
      b.actions.subarray(t * R * A, (t + 1) * R * A),
      b.states.subarray((t + 1) * R * S, (t + 2) * R * S),
    );
  }
  // The loss and ∂L/∂states in tfjs, on [R, H + 1, S].
  const T = H + 1;
  const byRow = new Float32Array(R * T * S);
  for (let t = 0; t < T; t++)
    for (let r = 0; r < R; r++)
      for (let i = 0; i < S; i++) byRow[(r * T + t) * S + i] = b.states[(t * R + r) * S + i]!;
  const { value, dStates } = tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => args.loss(x as tf.Tensor3D))(
      tf.tensor3d(byRow, [R, T, S]),
    );
    return { value: value.dataSync()[0]!, dStates: grad.dataSync() as Float32Array };
  });
  // Backward through time.
  const grads = nets.map(() => zeroGrads(policy.net));
  const { lambda, dPrev, dActions } = b;
  for (let r = 0; r < R; r++)
    for (let i = 0; i < S; i++) lambda[r * S + i] = dStates[(r * T + H) * S + i]!;
  const In = policy.net.sizes[0]!;
  for (let t = H - 1; t >= 0; t--) {
    for (let r = 0; r < R; r++)
      for (let i = 0; i < S; i++) dPrev[r * S + i] = dStates[(r * T + t) * S + i]!;
    dActions.fill(0);
    dynamics.vjp(t, lambda, dPrev, dActions);
    for (let g = 0; g < G; g++) {
      // The clamp passes the gradient where lo ≤ raw ≤ hi (as `clamp`'s mask, 1e-12 included).
      for (let k = 0; k < C * A; k++) {
        const at = (t * R + g * C) * A + k;
        const z = b.raw[at]!;
        const inside = z - lo + 1e-12 > 0 && hi - z + 1e-12 > 0;
        b.dOut[k] = inside ? dActions[g * C * A + k]! : 0;
      }
      const net = nets[g]!;
      const tape = b.tapes[t]![g]!;
      const dInput = args.detachPolicyInput ? undefined : b.dInput;
      cpuMlpBackward(net, tape, b.dOut, grads[g]!, b.scratch, dInput);
      if (dInput)
        for (let c = 0; c < C; c++)
          for (let i = 0; i < S; i++)
            dPrev[(g * C + c) * S + i] += dInput[c * In + i]! / policy.inputScale[i]!;
    }
    lambda.set(dPrev);
  }
  // In the order of θ's tensors: W then b per layer (as `stackParams` lays them out).
  const out: Float64Array[] = [];
  const layers = policy.net.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const w = policy.net.sizes[l]! * policy.net.sizes[l + 1]!;
    const wAll = new Float64Array(G * w);
    grads.forEach((z, g) => {
      wAll.set(z.weights[l]!, g * w);
    });
    out.push(wAll);
    if (policy.net.bias) {
      const n = policy.net.sizes[l + 1]!;
      const bAll = new Float64Array(G * n);
      grads.forEach((z, g) => {
        bAll.set(z.biases[l]!, g * n);
      });
      out.push(bAll);
    }
  }
  return { value, grads: out };
}
