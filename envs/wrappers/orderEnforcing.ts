/** `OrderEnforcing`: `step`/`render` before `reset` is an error, after Gymnasium's wrapper. */
import type { Env, RenderOutput, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { ResetNeeded } from '../core/errors.js';
import { savedFlag } from '../core/savedState.js';
import { Wrapper } from './wrapper.js';

/** Throws {@link ResetNeeded} when `step` (or `render`, unless disabled) comes before `reset`. */
export class OrderEnforcing<Obs, Act> extends Wrapper<Obs, Act> {
  private resetDone = false;
  private readonly disableRenderOrderEnforcing: boolean;

  /**
   * @param env the env to wrap
   * @param disableRenderOrderEnforcing allow `render()` before the first `reset()`
   */
  constructor(env: Env<Obs, Act>, disableRenderOrderEnforcing = false) {
    super(env);
    this.disableRenderOrderEnforcing = disableRenderOrderEnforcing;
  }

  /** Whether `reset` has been called. */
  get hasReset(): boolean {
    return this.resetDone;
  }

  protected override saveOwnState(): unknown {
    return { resetDone: this.resetDone };
  }

  protected override loadOwnState(own: unknown): void {
    this.resetDone = savedFlag(own, 'resetDone', 'OrderEnforcing');
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    this.resetDone = true;
    return this.env.reset(args);
  }

  override step(action: Act): StepResult<Obs> {
    if (!this.resetDone) {
      throw new ResetNeeded(
        'Cannot call env.step() before calling env.reset(): call reset() first to start an episode.',
      );
    }
    return this.env.step(action);
  }

  override render(): RenderOutput {
    if (!this.disableRenderOrderEnforcing && !this.resetDone) {
      throw new ResetNeeded(
        'Cannot call env.render() before calling env.reset(); pass disableRenderOrderEnforcing to allow it.',
      );
    }
    return this.env.render();
  }
}
