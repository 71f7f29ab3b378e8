/** Input validation shared by the envs: actions and constructor arguments. */

import type { EnvMetadata, RenderMode } from '../core/env.js';
import { InvalidAction, InvalidArgument } from '../core/errors.js';
import type { Box, BoxDtype } from '../spaces/box.js';
import type { Discrete } from '../spaces/discrete.js';
import { isNumericArrayLike } from '../spaces/space.js';

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as Uint8Array).length}`;
  return x === null ? 'null' : `${typeof x} ${String(x)}`;
}

/**
 * Checks a Box action's type, length and finiteness (not its bounds: whether out-of-range values
 * are clipped is each env's documented semantics) and returns it as an array-like of numbers.
 * @param space the env's action space
 * @param action what the user passed: a typed array or an array of numbers
 * @param env the env's name, for the message
 */
export function readBoxAction(
  space: Box<BoxDtype>,
  action: unknown,
  env: string,
): ArrayLike<number> {
  if (!isNumericArrayLike(action)) {
    throw new InvalidAction(
      `${env}: the action must be a typed array or an array of ${space.size} numbers in ${String(space)}, got ${describe(action)}`,
    );
  }
  if (action.length !== space.size) {
    throw new InvalidAction(
      `${env}: the action must have ${space.size} element(s) for ${String(space)}, got ${action.length}`,
    );
  }
  for (let i = 0; i < action.length; i++) {
    const v = action[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidAction(
        `${env}: action element ${i} is ${String(v)}; actions must be finite numbers`,
      );
    }
  }
  return action;
}

/** Checks a Discrete action is an integer in the space and returns it. */
export function readDiscreteAction(space: Discrete, action: unknown, env: string): number {
  if (!space.contains(action)) {
    throw new InvalidAction(
      `${env}: the action must be an integer in [${space.start}, ${space.start + space.n - 1}] for ${String(space)}, got ${describe(action)}`,
    );
  }
  return action;
}

/** Checks a constructor's `renderMode` against the env's metadata. */
export function checkRenderMode(
  renderMode: unknown,
  metadata: EnvMetadata,
  env: string,
): RenderMode | undefined {
  if (renderMode === undefined || renderMode === null) return undefined;
  if (typeof renderMode !== 'string' || !metadata.renderModes.includes(renderMode)) {
    throw new InvalidArgument(
      `${env}: renderMode must be one of ${metadata.renderModes.join(', ')} (or omitted), got ${String(renderMode)}`,
    );
  }
  return renderMode;
}

/**
 * Merges user params over defaults, rejecting unknown keys and non-finite numbers, so a typo in
 * a parameter name is an error rather than a silently ignored setting.
 */
export function resolveParams<P extends object>(
  defaults: P,
  overrides: Partial<P> | undefined,
  env: string,
): P {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      throw new InvalidArgument(
        `${env}: unknown parameter "${key}"; allowed: ${Object.keys(defaults).join(', ')}`,
      );
    }
    const expected = typeof (defaults as Record<string, unknown>)[key];
    if (typeof value !== expected || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new InvalidArgument(
        `${env}: parameter "${key}" must be a finite ${expected}, got ${String(value)}`,
      );
    }
    out[key] = value;
  }
  return out as P;
}
