/**
 * A policy-gradient rollout: `numSteps` vector steps of the actor-critic on a vector env, with
 * one batched plain-JS forward pass per step (Gaussian or gSDE noise), into buffers reused
 * across updates ([T × N × width], step-major). SB3's time-limit bootstrapping is applied here.
 */
import type { Box, RNG, SyncVectorEnv } from '../envs/index.js';
import type { ActorCritic } from './actorCritic.js';
import { cpuMlpForward, type MlpTape, mlpTape } from './nn/cpuMlp.js';
import type { PgArgs } from './ppo.js';
import { policyLogStd } from './ppoGradient.js';

/** The episodes a rollout finished and the time spent in the envs. */
export interface RolloutEpisodes {
  episodeReturns: number[];
  episodeLengths: number[];
  envMs: number;
}

/** Rollout buffers and the forward passes that fill them. */
export class PolicyRollout {
  readonly obs: Float32Array;
  readonly act: Float32Array;
  readonly logp: Float32Array;
  readonly rew: Float64Array;
  readonly done: Float64Array;
  readonly val: Float64Array;
  // The forward passes over the N envs, and gSDE's per-env exploration matrices.
  private readonly actorTape: MlpTape;
  private readonly criticTape: MlpTape;
  private readonly rowLogStd: Float64Array;
  private readonly sigma2: Float64Array;
  private readonly exploration: Float64Array;
  private readonly action: Float32Array;
  private explorationDrawn = false;

  constructor(
    private readonly agent: ActorCritic,
    private readonly args: Readonly<PgArgs>,
    private readonly envs: SyncVectorEnv<Float32Array, Float32Array>,
  ) {
    const N = args.numEnvs;
    const batch = N * args.numSteps;
    const O = (envs.singleObservationSpace as Box).size;
    const A = (envs.singleActionSpace as Box).size;
    this.obs = new Float32Array(batch * O);
    this.act = new Float32Array(batch * A);
    this.logp = new Float32Array(batch);
    this.rew = new Float64Array(batch);
    this.done = new Float64Array(batch);
    this.val = new Float64Array(batch);
    this.actorTape = mlpTape(agent.actorSpec, N);
    this.criticTape = mlpTape(agent.criticSpec, N);
    this.rowLogStd = new Float64Array(N * A);
    this.sigma2 = new Float64Array(agent.logStd.length);
    this.exploration = new Float64Array(args.sde ? N * agent.logStd.length : 0);
    this.action = new Float32Array(N * A);
  }

  /** The critic's values of `obs` ([N × O]), a view valid until the next call. */
  values(obs: Float32Array): Float64Array {
    return cpuMlpForward(this.agent.critic, obs, this.args.numEnvs, this.criticTape);
  }

  /**
   * Steps the envs `numSteps` times from `start` (the last observations; `nextDone` flags which
   * start a new episode, updated in place), drawing noise from `rng`.
   * @returns the observations after the rollout and the episodes that ended
   */
  collect(
    start: Float32Array,
    nextDone: Float64Array,
    rng: RNG,
  ): RolloutEpisodes & { nextObs: Float32Array } {
    const { args, agent, envs, action } = this;
    const N = args.numEnvs;
    const T = args.numSteps;
    const O = (envs.singleObservationSpace as Box).size;
    const A = (envs.singleActionSpace as Box).size;
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    let envMs = 0;
    let nextObs = start;
    const mean = this.actorTape.outputs[this.actorTape.outputs.length - 1]!;
    const layers = agent.actorSpec.sizes.length - 1;
    const H = agent.logStd.length / A;
    for (let t = 0; t < T; t++) {
      if (args.sde && this.resampleAt(t))
        for (let e = 0; e < N; e++) this.sampleExploration(e, rng);
      this.obs.set(nextObs, t * N * O);
      this.done.set(nextDone, t * N);
      // The weights stay fixed through the rollout: copied into the tapes at its first step.
      cpuMlpForward(agent.actor, nextObs, N, this.actorTape, t === 0);
      const value = cpuMlpForward(agent.critic, nextObs, N, this.criticTape, t === 0);
      const latent = this.actorTape.outputs[layers - 2] ?? this.actorTape.input;
      policyLogStd(agent, latent, N, this.rowLogStd, this.sigma2);
      for (let e = 0; e < N; e++) {
        // a = μ + noise; log π(a) = Σ −½ z² − log σ − ½ log 2π with z = (a − μ)/σ of the stored a.
        let logp = 0;
        for (let k = 0; k < A; k++) {
          const i = e * A + k;
          let noise = 0;
          if (args.sde) {
            // gSDE: latent(s)·E_e, E_e fixed between samplings.
            const E = this.exploration;
            for (let h = 0; h < H; h++) noise += latent[e * H + h]! * E[(e * H + h) * A + k]!;
          } else {
            noise = Math.exp(this.rowLogStd[i]!) * rng.normal();
          }
          action[i] = mean[i]! + noise;
          const l = this.rowLogStd[i]!;
          const z = (action[i]! - mean[i]!) * Math.exp(-l);
          logp -= 0.5 * z * z + l + 0.5 * Math.log(2 * Math.PI);
        }
        this.logp[t * N + e] = logp;
      }
      this.act.set(action, t * N * A);
      this.val.set(value, t * N);
      const tEnv = performance.now();
      const [o, r, term, trunc, infos] = envs.step(action);
      envMs += performance.now() - tEnv;
      this.rew.set(r, t * N);
      if (args.bootstrapTruncation) this.bootstrapTruncated(t, term, trunc, infos.finalObs);
      nextObs = o;
      for (let i = 0; i < N; i++) {
        nextDone[i] = term[i] || trunc[i] ? 1 : 0;
        // gSDE held per episode: env i's next episode explores with a new matrix.
        if (args.sde && args.sdeSampleFreq === 0 && nextDone[i]) this.sampleExploration(i, rng);
      }
      const final = infos.finalInfo as
        | { episode?: { r: Float64Array; l: Float64Array }; _episode?: Uint8Array }
        | undefined;
      if (final?.episode && final._episode) {
        for (const [i, m] of final._episode.entries()) {
          if (!m) continue;
          episodeReturns.push(final.episode.r[i]!);
          episodeLengths.push(final.episode.l[i]!);
        }
      }
    }
    return { nextObs, episodeReturns, episodeLengths, envMs };
  }

  /**
   * SB3's handling of time limits: where an episode was truncated, not terminated, the reward
   * gets γ·V(final observation) added, so the cut does not look like the end of the task.
   */
  private bootstrapTruncated(
    t: number,
    term: ArrayLike<boolean | number>,
    trunc: ArrayLike<boolean | number>,
    finalObs: unknown,
  ): void {
    const N = this.args.numEnvs;
    for (let i = 0; i < N; i++) {
      if (!trunc[i] || term[i]) continue;
      const obs = (finalObs as (Float32Array | undefined)[] | undefined)?.[i];
      if (!obs)
        throw new Error(`sub-env ${i} was truncated without a final observation in its info`);
      const v = cpuMlpForward(this.agent.critic, obs, 1, this.criticTape)[0]!;
      this.rew[t * N + i] += this.args.gamma * v;
    }
  }

  /**
   * Whether gSDE draws new matrices before step t of a rollout: at t = 0 (SB3's once per
   * rollout, −1) and every `sdeSampleFreq` steps; with 0 only when an episode starts, except the
   * very first rollout's start (the matrices are then carried in the trainer's state).
   */
  private resampleAt(t: number): boolean {
    const f = this.args.sdeSampleFreq;
    if (f === 0) return t === 0 && !this.explorationDrawn;
    return t === 0 || (f > 0 && t % f === 0);
  }

  /** gSDE's per-env exploration matrices (hidden × act each), for checkpoints. */
  get explorationState(): number[] | undefined {
    return this.explorationDrawn ? Array.from(this.exploration) : undefined;
  }

  set explorationState(values: readonly number[] | undefined) {
    if (values === undefined) {
      this.explorationDrawn = false;
      return;
    }
    if (values.length !== this.exploration.length || !values.every(Number.isFinite))
      throw new RangeError(
        `trainer state: exploration must hold ${this.exploration.length} finite numbers`,
      );
    this.exploration.set(values);
    this.explorationDrawn = true;
  }

  /** gSDE: a new exploration matrix E_e ~ N(0, exp(logStd)²) [hidden × act] for env e. */
  private sampleExploration(e: number, rng: RNG): void {
    const ls = this.agent.logStd;
    const E = this.exploration.subarray(e * ls.length, (e + 1) * ls.length);
    for (let i = 0; i < ls.length; i++) E[i] = Math.exp(ls[i]!) * rng.normal();
    this.explorationDrawn = true;
  }
}
