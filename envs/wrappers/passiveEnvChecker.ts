/**
 * `PassiveEnvChecker`: checks the spaces at construction and the first `reset`, `step` and
 * `render`, warning about API misuse (after Gymnasium's wrapper). Structural violations (a
 * non-Space space, a step that does not return five values) throw.
 */
import {
  type CheckReporter,
  checkRenderResult,
  checkResetResult,
  checkSpace,
  checkStepResult,
} from '../checks/passive.js';
import type { Env, RenderOutput, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { EnvCheckError } from '../core/errors.js';
import { savedFlag } from '../core/savedState.js';
import { warn } from '../core/warnings.js';
import { Wrapper } from './wrapper.js';

/** Fails hard only on checks whose violation makes the env unusable; warns on the rest. */
const passiveReporter: CheckReporter = {
  fail(check, message) {
    if (check === 'observation space' || check === 'action space' || check.endsWith('return')) {
      throw new EnvCheckError(check, message);
    }
    warn(message);
  },
  warn,
};

/** Runs the passive checks once each; after that every call is forwarded untouched. */
export class PassiveEnvChecker<Obs, Act> extends Wrapper<Obs, Act> {
  private checkedReset = false;
  private checkedStep = false;
  private checkedRender = false;

  constructor(env: Env<Obs, Act>) {
    super(env);
    checkSpace(env.observationSpace, 'observation', passiveReporter);
    checkSpace(env.actionSpace, 'action', passiveReporter);
  }

  protected override saveOwnState(): unknown {
    const { checkedReset, checkedStep, checkedRender } = this;
    return { checkedReset, checkedStep, checkedRender };
  }

  protected override loadOwnState(own: unknown): void {
    this.checkedReset = savedFlag(own, 'checkedReset', 'PassiveEnvChecker');
    this.checkedStep = savedFlag(own, 'checkedStep', 'PassiveEnvChecker');
    this.checkedRender = savedFlag(own, 'checkedRender', 'PassiveEnvChecker');
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    const result = this.env.reset(args);
    if (!this.checkedReset) {
      this.checkedReset = true;
      checkResetResult(this.env, result, passiveReporter);
    }
    return result;
  }

  override step(action: Act): StepResult<Obs> {
    const result = this.env.step(action);
    if (!this.checkedStep) {
      this.checkedStep = true;
      checkStepResult(this.env, result, passiveReporter);
    }
    return result;
  }

  override render(): RenderOutput {
    const result = this.env.render();
    if (!this.checkedRender) {
      this.checkedRender = true;
      checkRenderResult(this.env, result, passiveReporter);
    }
    return result;
  }
}
