/** `TimeLimit`: truncates episodes after a number of steps, after `gymnasium.wrappers.TimeLimit`. */
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { InvalidArgument } from '../core/errors.js';
import { savedNumber } from '../core/savedState.js';
import { Wrapper } from './wrapper.js';

/**
 * Sets `truncated = true` on the step that reaches `maxEpisodeSteps` (also when the env
 * terminated on that same step, as Gymnasium does).
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  /** The step limit. */
  readonly maxEpisodeSteps: number;
  private elapsed = 0;

  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    if (!(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps > 0)) {
      throw new InvalidArgument(
        `TimeLimit maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`,
      );
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  protected override saveOwnState(): unknown {
    return { elapsed: this.elapsed };
  }

  protected override loadOwnState(own: unknown): void {
    this.elapsed = savedNumber((own ?? {}) as Record<string, unknown>, 'elapsed', 'TimeLimit');
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    this.elapsed = 0;
    return this.env.reset(args);
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) result[3] = true;
    return result;
  }
}
