/**
 * `RecordEpisodeStatistics`: adds `info.episode = { r, l, t }` (return, length, seconds) on the
 * step that ends an episode, after Gymnasium's wrapper.
 */
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { InvalidArgument } from '../core/errors.js';
import { savedNumber, savedNumbers } from '../core/savedState.js';
import { Wrapper } from './wrapper.js';

/** The statistics of one finished episode. */
export interface EpisodeStatistics {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds since the episode's reset (rounded to µs). */
  t: number;
}

/** The episode queues both `RecordEpisodeStatistics` wrappers (single env and vector) keep. */
export interface EpisodeQueues {
  readonly returnQueue: number[];
  readonly lengthQueue: number[];
  readonly timeQueue: number[];
  episodeCount: number;
}

/** Throws unless `bufferLength` is a positive integer. */
export function checkBufferLength(bufferLength: number): void {
  if (!(Number.isInteger(bufferLength) && bufferLength > 0)) {
    throw new InvalidArgument(`bufferLength must be a positive integer, got ${bufferLength}`);
  }
}

/** Appends a finished episode to the queues, keeping the last `bufferLength`. */
export function recordEpisode(
  queues: EpisodeQueues,
  stats: EpisodeStatistics,
  bufferLength: number,
): void {
  for (const [queue, v] of [
    [queues.returnQueue, stats.r],
    [queues.lengthQueue, stats.l],
    [queues.timeQueue, stats.t],
  ] as const) {
    queue.push(v);
    if (queue.length > bufferLength) queue.shift();
  }
  queues.episodeCount += 1;
}

/** Keeps the last `bufferLength` episodes' returns, lengths and times in queues. */
export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> implements EpisodeQueues {
  /** Returns of the most recent episodes, oldest first. */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes. */
  readonly lengthQueue: number[] = [];
  /** Durations (s) of the most recent episodes. */
  readonly timeQueue: number[] = [];
  /** Episodes finished so far. */
  episodeCount = 0;
  private readonly bufferLength: number;
  private readonly statsKey: string;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startTime = performance.now();

  /**
   * @param env the env to wrap
   * @param bufferLength how many episodes the queues keep (default 100)
   * @param statsKey the info key (default "episode")
   */
  constructor(env: Env<Obs, Act>, bufferLength = 100, statsKey = 'episode') {
    super(env);
    checkBufferLength(bufferLength);
    this.bufferLength = bufferLength;
    this.statsKey = statsKey;
  }

  /** Saves the queues and the running episode; its wall-clock time is saved as elapsed seconds. */
  protected override saveOwnState(): unknown {
    return {
      returnQueue: [...this.returnQueue],
      lengthQueue: [...this.lengthQueue],
      timeQueue: [...this.timeQueue],
      episodeCount: this.episodeCount,
      episodeReturn: this.episodeReturn,
      episodeLength: this.episodeLength,
      elapsedMs: performance.now() - this.startTime,
    };
  }

  protected override loadOwnState(own: unknown): void {
    const s = (own ?? {}) as Record<string, unknown>;
    const owner = 'RecordEpisodeStatistics';
    for (const [queue, key] of [
      [this.returnQueue, 'returnQueue'],
      [this.lengthQueue, 'lengthQueue'],
      [this.timeQueue, 'timeQueue'],
    ] as const)
      queue.splice(0, queue.length, ...savedNumbers(s, key, owner));
    this.episodeCount = savedNumber(s, 'episodeCount', owner);
    this.episodeReturn = savedNumber(s, 'episodeReturn', owner);
    this.episodeLength = savedNumber(s, 'episodeLength', owner);
    this.startTime = performance.now() - savedNumber(s, 'elapsedMs', owner);
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    const result = this.env.reset(args);
    this.startTime = performance.now();
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return result;
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    this.episodeReturn += result[1];
    this.episodeLength += 1;
    if (result[2] || result[3]) {
      const info = result[4];
      if (this.statsKey in info) {
        throw new InvalidArgument(
          `info already has the key "${this.statsKey}"; pass another statsKey`,
        );
      }
      const t = Math.round((performance.now() - this.startTime) * 1e3) / 1e6;
      const stats: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t };
      info[this.statsKey] = stats;
      recordEpisode(this, stats, this.bufferLength);
      this.startTime = performance.now();
    }
    return result;
  }
}
