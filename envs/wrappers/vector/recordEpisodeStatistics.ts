/**
 * Vector `RecordEpisodeStatistics`, after `gymnasium.wrappers.vector.RecordEpisodeStatistics`: on
 * the step that ends sub-env i's episode, `infos.episode = { r, l, t }` (arrays over envs, zero
 * where no episode ended) and `infos._episode` (1 where one did). Handles every autoreset mode:
 * with `NextStep` the reset step that follows an ending is not counted into the next episode.
 */
import type { Info } from '../../core/env.js';
import { InvalidArgument } from '../../core/errors.js';
import { resetMaskOf } from '../../vector/syncVectorEnv.js';
import {
  AutoresetMode,
  type VectorEnv,
  type VectorResetArgs,
  type VectorStepResult,
} from '../../vector/vectorEnv.js';
import {
  checkBufferLength,
  type EpisodeQueues,
  recordEpisode,
} from '../recordEpisodeStatistics.js';
import { VectorWrapper } from './vectorWrapper.js';

/** Episode statistics over the sub-envs of a vector env (see the file header). */
export class RecordEpisodeStatistics<BObs, BAct>
  extends VectorWrapper<BObs, BAct>
  implements EpisodeQueues
{
  /** Returns of the most recent episodes (all sub-envs), oldest first. */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes. */
  readonly lengthQueue: number[] = [];
  /** Durations (s) of the most recent episodes. */
  readonly timeQueue: number[] = [];
  /** Episodes finished so far. */
  episodeCount = 0;
  private readonly bufferLength: number;
  private readonly statsKey: string;
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private readonly startTimes: Float64Array;
  /** Sub-envs whose episode ended on the last step (their next step is an autoreset). */
  private readonly ended: Uint8Array;

  /**
   * @param env the vector env to wrap
   * @param bufferLength how many episodes the queues keep (default 100)
   * @param statsKey the info key (default "episode")
   */
  constructor(env: VectorEnv<BObs, BAct>, bufferLength = 100, statsKey = 'episode') {
    super(env);
    checkBufferLength(bufferLength);
    this.bufferLength = bufferLength;
    this.statsKey = statsKey;
    this.returns = new Float64Array(this.numEnvs);
    this.lengths = new Int32Array(this.numEnvs);
    this.startTimes = new Float64Array(this.numEnvs);
    this.ended = new Uint8Array(this.numEnvs);
  }

  override reset(args?: VectorResetArgs): [BObs, Info] {
    const result = this.env.reset(args);
    const mask = resetMaskOf(args?.options, this.numEnvs);
    const now = performance.now();
    for (let i = 0; i < this.numEnvs; i++) {
      if (!mask[i]) continue;
      this.returns[i] = 0;
      this.lengths[i] = 0;
      this.startTimes[i] = now;
      this.ended[i] = 0;
    }
    return result;
  }

  override step(actions: BAct): VectorStepResult<BObs> {
    const result = this.env.step(actions);
    const [, rewards, terminations, truncations, infos] = result;
    const nextStep = this.metadata.autoresetMode === AutoresetMode.NEXT_STEP;
    const now = performance.now();
    let done = 0;
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.ended[i]) {
        // A new episode: with NextStep this step was the reset (its reward is not the episode's).
        this.returns[i] = 0;
        this.lengths[i] = 0;
        this.startTimes[i] = now;
        this.ended[i] = 0;
        if (nextStep) continue;
      }
      this.returns[i] = this.returns[i]! + rewards[i]!;
      this.lengths[i] = this.lengths[i]! + 1;
      if (terminations[i] || truncations[i]) {
        this.ended[i] = 1;
        done += 1;
      }
    }
    if (done > 0) this.record(infos, now);
    return result;
  }

  private record(infos: Info, now: number): void {
    const key = this.statsKey;
    if (key in infos || `_${key}` in infos) {
      throw new InvalidArgument(`infos already have the key "${key}"; pass another statsKey`);
    }
    const n = this.numEnvs;
    const stats = { r: new Float64Array(n), l: new Int32Array(n), t: new Float64Array(n) };
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (!this.ended[i]) continue;
      mask[i] = 1;
      stats.r[i] = this.returns[i]!;
      stats.l[i] = this.lengths[i]!;
      stats.t[i] = Math.round((now - this.startTimes[i]!) * 1e3) / 1e6;
      recordEpisode(this, { r: stats.r[i]!, l: stats.l[i]!, t: stats.t[i]! }, this.bufferLength);
    }
    infos[key] = stats;
    infos[`_${key}`] = mask;
  }
}
