/**
 * Rollouts of G envs in lockstep: every step one call of the (batched) policy for all G states,
 * then each env steps. Records the full state trajectory (from a state function such as
 * `getState()`), for learning losses over real rollouts and for pictures.
 */
import { type Env, InvalidArgument, type ResetArgs } from '../envs/index.js';

/** A batch of recorded rollouts, row-major: states [G, H+1, S] (the start first), actions [G, H, A]. */
export interface LockstepRollouts {
  states: Float32Array;
  actions: Float32Array;
  /** Step at which each env terminated (its state is held from then on), or −1. */
  terminatedAt: Int32Array;
  envs: number;
  horizon: number;
  stateSize: number;
  actionSize: number;
}

/** What {@link rolloutLockstep} needs to know. */
export interface LockstepArgs<E extends Env> {
  /** One env per rollout (they are reset here). */
  envs: readonly E[];
  /** Reset arguments per env (seed, options). */
  resets: readonly ResetArgs[];
  horizon: number;
  stateSize: number;
  actionSize: number;
  /**
   * The recorded state of an env, after its reset or step (`observation` is what that call
   * returned): e.g. `env.getState()`, or the observation scaled.
   */
  stateOf: (env: E, observation: unknown) => ArrayLike<number>;
  /** Actions [G × A] for the current states [G × S] at step t (envs still running). */
  act: (states: Float32Array, t: number) => ArrayLike<number>;
  /** Called after env g's step t with what the step returned (rewards, termination). */
  onStep?: (
    g: number,
    t: number,
    step: { observation: unknown; reward: number; terminated: boolean },
  ) => void;
}

/**
 * Resets every env, then runs H lockstep steps. An env that terminates is not stepped again; its
 * last state is repeated and its actions recorded as 0, so every row has H steps.
 */
export function rolloutLockstep<E extends Env>(args: LockstepArgs<E>): LockstepRollouts {
  const { envs, horizon: H, stateSize: S, actionSize: A } = args;
  const G = envs.length;
  if (args.resets.length !== G) {
    throw new InvalidArgument(`need one reset per env: ${G} envs, ${args.resets.length} resets`);
  }
  const states = new Float32Array(G * (H + 1) * S);
  const actions = new Float32Array(G * H * A);
  const terminatedAt = new Int32Array(G).fill(-1);
  const now = new Float32Array(G * S);
  const record = (g: number, t: number, observation: unknown) => {
    const st = args.stateOf(envs[g]!, observation);
    for (let k = 0; k < S; k++) now[g * S + k] = st[k]!;
    states.set(now.subarray(g * S, (g + 1) * S), (g * (H + 1) + t) * S);
  };
  envs.forEach((env, g) => {
    record(g, 0, env.reset(args.resets[g])[0]);
  });
  const a = new Float32Array(A);
  for (let t = 0; t < H; t++) {
    const act = args.act(now, t);
    if (act.length !== G * A) {
      throw new InvalidArgument(`act must return ${G * A} action values, got ${act.length}`);
    }
    for (let g = 0; g < G; g++) {
      if (terminatedAt[g]! < 0) {
        for (let k = 0; k < A; k++) a[k] = act[g * A + k]!;
        actions.set(a, (g * H + t) * A);
        const [observation, reward, terminated] = envs[g]!.step(a as never);
        if (terminated) terminatedAt[g] = t + 1;
        args.onStep?.(g, t, { observation, reward, terminated });
        record(g, t + 1, observation);
      } else {
        states.set(now.subarray(g * S, (g + 1) * S), (g * (H + 1) + t + 1) * S);
      }
    }
  }
  return { states, actions, terminatedAt, envs: G, horizon: H, stateSize: S, actionSize: A };
}
