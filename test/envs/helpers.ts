/** Small envs for testing the API machinery (wrappers, vector envs, the checker). */
import {
  Box,
  Discrete,
  Env,
  type Info,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../../envs/index.js';

/**
 * A 1-D walk: obs = [position] (float32), action Box(−1, 1, (1,)), position += action; the
 * episode terminates after `episodeLength` steps. The start position is drawn from npRandom.
 * reward = position after the step; info = { step }.
 */
export class WalkEnv extends Env<Float32Array, ArrayLike<number>> {
  observationSpace = new Box(-Infinity, Infinity, [1], 'float32');
  actionSpace = new Box(-1, 1, [1], 'float32');
  position = 0;
  t = 0;
  closed = 0;
  constructor(readonly episodeLength = 3) {
    super();
    this.metadata = { renderModes: ['ansi'], renderFps: 10 };
  }
  override reset({ seed }: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(seed);
    this.position = Math.fround(this.npRandom.uniform(-1, 1));
    this.t = 0;
    return [Float32Array.of(this.position), { start: true }];
  }
  override step(action: ArrayLike<number>): StepResult<Float32Array> {
    this.position = Math.fround(this.position + action[0]!);
    this.t += 1;
    const info: Info = { step: this.t };
    return [
      Float32Array.of(this.position),
      this.position,
      this.t >= this.episodeLength,
      false,
      info,
    ];
  }
  override render() {
    return `pos=${this.position}`;
  }
  override close() {
    this.closed += 1;
  }
}

/** A Discrete-action env whose observation is the last action (Discrete(4)). */
export class EchoEnv extends Env<number, number> {
  observationSpace = new Discrete(4);
  actionSpace = new Discrete(4);
  override reset({ seed }: ResetArgs = {}): ResetResult<number> {
    this.seedRng(seed);
    return [this.npRandom.integers(4), {}];
  }
  override step(action: number): StepResult<number> {
    return [action, action === 3 ? 1 : 0, action === 3, false, { done: action === 3 }];
  }
}
