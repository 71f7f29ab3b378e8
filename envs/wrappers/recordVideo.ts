/**
 * `RecordVideo`: writes GIFs of chosen episodes, after `gymnasium.wrappers.RecordVideo` (frames
 * from `render()` in `rgb_array` mode; files written atomically at the episode's end or on close).
 */
import type { Env, ResetArgs, ResetResult, RgbFrame, StepResult } from '../core/env.js';
import { InvalidArgument, UnsupportedOperation } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { nodeBuiltin } from '../core/nodeBuiltins.js';
import { encodeGif } from '../render/encode.js';
import { Wrapper } from './wrapper.js';

/** Gymnasium's default schedule: episodes 0, 1, 8, 27, …, k³ up to 1000, then every 1000th. */
export function cappedCubicVideoSchedule(episode: number): boolean {
  if (episode < 1000) return Math.round(Math.cbrt(episode)) ** 3 === episode;
  return episode % 1000 === 0;
}

/** Options of {@link RecordVideo}. */
export interface RecordVideoOptions {
  /** Folder of the GIFs (created if missing). */
  folder: string;
  /** Which episodes (0-based) to record; default {@link cappedCubicVideoSchedule}. */
  episodeTrigger?: (episode: number) => boolean;
  /** File name prefix (default `rl-video`): files are `<prefix>-episode-<n>.gif`. */
  namePrefix?: string;
  /** Frames per second (default the env's `metadata.renderFps`, else 30). */
  fps?: number;
}

/** Records chosen episodes of an env whose render mode is `rgb_array`. */
export class RecordVideo<Obs, Act> extends Wrapper<Obs, Act> {
  /** Paths of the GIFs written so far. */
  readonly written: string[] = [];

  /** Refused: the frames of a video being recorded are not part of a checkpoint. */
  protected override saveOwnState(): unknown {
    throw new UnsupportedOperation(
      'RecordVideo cannot save its state (it holds the frames of an unfinished video); record videos outside checkpointed training',
    );
  }

  private readonly options: Required<RecordVideoOptions>;
  private episode = -1;
  private frames: RgbFrame[] | undefined;

  constructor(env: Env<Obs, Act>, options: RecordVideoOptions) {
    super(env);
    if (env.renderMode !== 'rgb_array') {
      throw new InvalidArgument(
        `RecordVideo needs an env made with renderMode "rgb_array", got ${String(env.renderMode)}`,
      );
    }
    this.options = {
      folder: options.folder,
      episodeTrigger: options.episodeTrigger ?? cappedCubicVideoSchedule,
      namePrefix: options.namePrefix ?? 'rl-video',
      fps: options.fps ?? env.metadata.renderFps ?? 30,
    };
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    this.flush();
    const result = this.env.reset(args);
    this.episode += 1;
    if (this.options.episodeTrigger(this.episode)) this.frames = [this.env.render() as RgbFrame];
    return result;
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    if (this.frames) {
      this.frames.push(this.env.render() as RgbFrame);
      if (result[2] || result[3]) this.flush();
    }
    return result;
  }

  /** Writes the episode being recorded, if any. */
  private flush(): void {
    if (!this.frames || this.frames.length === 0) return;
    const { folder, namePrefix, fps } = this.options;
    const { join } = nodeBuiltin('node:path', 'RecordVideo');
    const path = join(folder, `${namePrefix}-episode-${this.episode}.gif`);
    writeFileAtomic(path, encodeGif(this.frames, fps));
    this.written.push(path);
    this.frames = undefined;
  }

  override close(): void {
    this.flush();
    this.env.close();
  }
}
