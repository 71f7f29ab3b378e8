/**
 * The individual API checks shared by `checkEnv` (strict: violations throw) and the
 * `PassiveEnvChecker` wrapper (lenient: most violations warn), after Gymnasium's
 * `utils/passive_env_checker.py`.
 */

import type { Env, RenderOutput } from '../core/env.js';
import { EnvCheckError } from '../core/errors.js';
import { Box, dtypeOf } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import { Space } from '../spaces/space.js';

/** How a check reports a problem: `fail` ones are API violations, `warn` ones advice. */
export interface CheckReporter {
  fail(check: string, message: string): void;
  warn(message: string): void;
}

/** A reporter that throws {@link EnvCheckError} on failures and passes warnings to `onWarn`. */
export function throwingReporter(onWarn: (message: string) => void): CheckReporter {
  return {
    fail(check, message) {
      throw new EnvCheckError(check, message);
    },
    warn: onWarn,
  };
}

function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as Uint8Array).length}`;
  return typeof x === 'object'
    ? `an object (${x.constructor?.name ?? 'Object'})`
    : `${typeof x} ${String(x)}`;
}

/** Checks one space is a well-formed Space; warns about infinite or unusual bounds. */
export function checkSpace(space: unknown, kind: 'observation' | 'action', r: CheckReporter): void {
  const check = `${kind} space`;
  if (!(space instanceof Space)) {
    r.fail(
      check,
      `env.${kind}Space must be a Space (Box, Discrete, …), got ${describeValue(space)}`,
    );
    return;
  }
  if (space instanceof Box) {
    if (space.low.length !== space.size || space.high.length !== space.size) {
      r.fail(
        check,
        `Box bounds have ${space.low.length}/${space.high.length} elements, shape needs ${space.size}`,
      );
    }
    for (let i = 0; i < space.size; i++) {
      if (!(space.low[i]! <= space.high[i]!)) {
        r.fail(
          check,
          `Box low must be <= high, element ${i} has low ${space.low[i]} and high ${space.high[i]}`,
        );
      }
    }
    if (kind === 'observation') {
      if (space.low.some((v) => v === Infinity))
        r.warn('A Box observation space minimum value is infinity. This is probably too high.');
      if (space.high.some((v) => v === -Infinity))
        r.warn('A Box observation space maximum value is -infinity. This is probably too low.');
    } else {
      if (space.low.some((v) => v === -Infinity))
        r.warn('A Box action space minimum value is -infinity. This is probably too low.');
      if (space.high.some((v) => v === Infinity))
        r.warn('A Box action space maximum value is infinity. This is probably too high.');
      if (
        space.shape.length === 1 &&
        !(space.low.every((v) => v === -1) && space.high.every((v) => v === 1))
      ) {
        r.warn('We recommend you use a symmetric and normalized Box action space (range=[-1, 1]).');
      }
    }
  }
  if (space instanceof Discrete && !(space.n > 0))
    r.fail(check, `Discrete n must be positive, got ${space.n}`);
}

/** Checks an observation is in the observation space and of the space's type. */
export function checkObservation(
  obs: unknown,
  space: Space<unknown>,
  method: string,
  r: CheckReporter,
): void {
  const check = `${method} observation`;
  if (space instanceof Box && dtypeOf(obs) !== space.dtype) {
    r.fail(
      check,
      `the observation returned by ${method}() must be a ${space.dtype} typed array (the Box's dtype), got ${describeValue(obs)}`,
    );
    return;
  }
  if (space instanceof Discrete && typeof obs !== 'number') {
    r.fail(
      check,
      `the observation returned by ${method}() must be a number for a Discrete space, got ${describeValue(obs)}`,
    );
    return;
  }
  if (!space.contains(obs)) {
    r.fail(
      check,
      `the observation returned by ${method}() is not within the observation space ${String(space)}: ${describeValue(obs)}`,
    );
  }
}

function isPlainInfo(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the result of `reset()`: `[obs, info]`, obs in space, info an object. */
export function checkResetResult(env: Env, result: unknown, r: CheckReporter): void {
  if (!Array.isArray(result) || result.length !== 2) {
    r.fail('reset return', `reset() must return [obs, info], got ${describeValue(result)}`);
    return;
  }
  checkObservation(result[0], env.observationSpace, 'reset', r);
  if (!isPlainInfo(result[1])) {
    r.fail(
      'reset return',
      `the info returned by reset() must be an object, got ${describeValue(result[1])}`,
    );
  }
}

/** Checks the result of `step()`: a 5-tuple, boolean flags, a finite number reward, an info object. */
export function checkStepResult(env: Env, result: unknown, r: CheckReporter): void {
  if (!Array.isArray(result) || result.length !== 5) {
    r.fail(
      'step return',
      `step() must return [obs, reward, terminated, truncated, info], got ${describeValue(result)}`,
    );
    return;
  }
  const [obs, reward, terminated, truncated, info] = result;
  checkObservation(obs, env.observationSpace, 'step', r);
  if (typeof reward !== 'number') {
    r.fail(
      'step return',
      `the reward returned by step() must be a number, got ${describeValue(reward)}`,
    );
  } else if (Number.isNaN(reward)) {
    r.warn('The reward is a NaN value.');
  } else if (!Number.isFinite(reward)) {
    r.warn('The reward is an inf value.');
  }
  if (typeof terminated !== 'boolean') {
    r.fail('step return', `terminated must be a boolean, got ${describeValue(terminated)}`);
  }
  if (typeof truncated !== 'boolean') {
    r.fail('step return', `truncated must be a boolean, got ${describeValue(truncated)}`);
  }
  if (!isPlainInfo(info)) {
    r.fail(
      'step return',
      `the info returned by step() must be an object, got ${describeValue(info)}`,
    );
  }
}

/** Checks render metadata and the type `render()` returned for the env's render mode. */
export function checkRenderResult(
  env: Env,
  result: RenderOutput | unknown,
  r: CheckReporter,
): void {
  const { renderModes, renderFps } = env.metadata;
  if (!Array.isArray(renderModes)) {
    r.fail('render', `metadata.renderModes must be a list, got ${describeValue(renderModes)}`);
    return;
  }
  if (renderModes.length > 0 && (typeof renderFps !== 'number' || !(renderFps > 0))) {
    r.warn(
      'No render fps was declared in the environment (metadata.renderFps), it should be a positive number.',
    );
  }
  const mode = env.renderMode;
  if (mode === undefined) return;
  if (!renderModes.includes(mode)) {
    r.fail(
      'render',
      `renderMode "${mode}" is not one of metadata.renderModes (${renderModes.join(', ')})`,
    );
  }
  if (mode === 'rgb_array') {
    const f = result as { height?: unknown; width?: unknown; data?: unknown } | undefined;
    const ok =
      f != null &&
      Number.isInteger(f.height) &&
      Number.isInteger(f.width) &&
      f.data instanceof Uint8Array &&
      f.data.length === (f.height as number) * (f.width as number) * 3;
    if (!ok) {
      r.fail(
        'render',
        `render() in rgb_array mode must return { height, width, data: Uint8Array of height×width×3 }, got ${describeValue(result)}`,
      );
    }
  } else if (mode === 'ansi' && typeof result !== 'string') {
    r.fail('render', `render() in ansi mode must return a string, got ${describeValue(result)}`);
  } else if (mode === 'human' && result !== undefined) {
    r.warn(`render() in human mode should return nothing, got ${describeValue(result)}`);
  }
}
