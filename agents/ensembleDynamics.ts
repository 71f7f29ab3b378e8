/**
 * A dynamics ensemble's mean prediction as plain-JavaScript {@link CpuDynamics} (float64), for
 * `rolloutLoss`: the members' forward passes on the `cpuMlp` kernels and their vector-Jacobian
 * products through the input normalisation and the (cos, sin) angle features.
 */

import {
  backwardScratch,
  type CpuMlp,
  cpuMlpBackward,
  cpuMlpForward,
  type MlpTape,
  mlpTape,
  zeroGrads,
} from './nn/cpuMlp.js';
import type { MlpSpec } from './nn/mlp.js';
import type { CpuDynamics } from './rolloutGradient.js';

/** What {@link ensembleCpuDynamics} reads of a trained `DynamicsEnsemble`. */
export interface EnsembleWeights {
  stateSize: number;
  actionSize: number;
  /** One member's network: input [s (angles as cos, sin), a] → [Δ mean, Δ raw variance]. */
  spec: MlpSpec;
  /** The members' weights. */
  nets: CpuMlp[];
  /** Input normalisation (mean, std per input) and the output scale of Δ. */
  inMean: ArrayLike<number>;
  inStd: ArrayLike<number>;
  outStd: ArrayLike<number>;
  /** State entries the network sees as (cos, sin). */
  angleIndices: readonly number[];
}

/**
 * s′ = s + mean over members of E[Δ] (`DynamicsEnsemble.nextStateMean`), or with `perMember`
 * each member stepping its own copy of every rollout (copy m of a rollout is member m's, as
 * `rolloutThroughModel`'s `perMember`).
 */
export function ensembleCpuDynamics(model: EnsembleWeights, perMember: boolean): CpuDynamics {
  const { stateSize: S, actionSize: A, spec, nets, inMean, inStd, outStd } = model;
  const M = nets.length;
  const F = spec.sizes[0]!;
  const angles = new Set(model.angleIndices);
  const grads = zeroGrads(spec);
  let rows = 0;
  let n = 0; // rows per member
  let tapes: MlpTape[][] = [];
  let scratch: Float64Array[] = [];
  let x = new Float64Array(0);
  let dOut = new Float64Array(0);
  let dX = new Float64Array(0);
  /** The rollout row of member m's i-th row. */
  const rowOf = (m: number, i: number) => (perMember ? i * M + m : i);
  return {
    stateSize: S,
    actionSize: A,
    copies: perMember ? M : 1,
    prepare(r, horizon) {
      const perNet = perMember ? r / M : r;
      if (r !== rows || tapes.length < horizon) {
        tapes = Array.from({ length: horizon }, () =>
          Array.from({ length: M }, () => mlpTape(spec, perNet)),
        );
        scratch = backwardScratch(perNet, Math.max(...spec.sizes));
        x = new Float64Array(perNet * F);
        dOut = new Float64Array(perNet * 2 * S);
        dX = new Float64Array(perNet * F);
      }
      rows = r;
      n = perNet;
    },
    step(t, states, actions, next) {
      if (perMember) next.set(states);
      else for (let i = 0; i < rows * S; i++) next[i] = states[i]!;
      const weight = perMember ? 1 : 1 / M;
      for (let m = 0; m < M; m++) {
        for (let i = 0; i < n; i++) {
          const r = rowOf(m, i);
          let f = 0;
          for (let j = 0; j < S; j++) {
            const v = states[r * S + j]!;
            if (angles.has(j)) {
              x[i * F + f] = (Math.cos(v) - inMean[f]!) / inStd[f]!;
              x[i * F + f + 1] = (Math.sin(v) - inMean[f + 1]!) / inStd[f + 1]!;
              f += 2;
            } else {
              x[i * F + f] = (v - inMean[f]!) / inStd[f]!;
              f += 1;
            }
          }
          for (let k = 0; k < A; k++, f++)
            x[i * F + f] = (actions[r * A + k]! - inMean[f]!) / inStd[f]!;
        }
        const out = cpuMlpForward(nets[m]!, x, n, tapes[t]![m]!);
        for (let i = 0; i < n; i++) {
          const r = rowOf(m, i);
          for (let j = 0; j < S; j++) next[r * S + j] += weight * out[i * 2 * S + j]! * outStd[j]!;
        }
      }
    },
    vjp(t, dNext, dStates, dActions) {
      for (let i = 0; i < rows * S; i++) dStates[i] += dNext[i]!;
      const weight = perMember ? 1 : 1 / M;
      for (let m = 0; m < M; m++) {
        const tape = tapes[t]![m]!;
        for (let i = 0; i < n; i++) {
          const r = rowOf(m, i);
          for (let j = 0; j < S; j++) {
            dOut[i * 2 * S + j] = weight * dNext[r * S + j]! * outStd[j]!;
            dOut[i * 2 * S + S + j] = 0;
          }
        }
        cpuMlpBackward(nets[m]!, tape, dOut, grads, scratch, dX);
        for (let i = 0; i < n; i++) {
          const r = rowOf(m, i);
          const input = tape.input;
          let f = 0;
          for (let j = 0; j < S; j++) {
            if (angles.has(j)) {
              // x_f = (cos q − μ)/σ, x_{f+1} = (sin q − μ)/σ; recover cos q and sin q from them.
              const c = input[i * F + f]! * inStd[f]! + inMean[f]!;
              const sn = input[i * F + f + 1]! * inStd[f + 1]! + inMean[f + 1]!;
              dStates[r * S + j] +=
                (-sn * dX[i * F + f]!) / inStd[f]! + (c * dX[i * F + f + 1]!) / inStd[f + 1]!;
              f += 2;
            } else {
              dStates[r * S + j] += dX[i * F + f]! / inStd[f]!;
              f += 1;
            }
          }
          for (let k = 0; k < A; k++, f++) dActions[r * A + k] += dX[i * F + f]! / inStd[f]!;
        }
      }
    },
  };
}
