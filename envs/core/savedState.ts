/**
 * JSON encoding of env states for checkpoints (`Env.saveState` / `loadState`): binary parts
 * (Rapier world snapshots) become base64 strings so a whole vector env's state is one JSON value.
 */
import { InvalidArgument } from './errors.js';

/** An env's whole state as JSON data, from `saveState()`. */
export interface SavedEnvState {
  /** The class that saved it (checked on load: a state does not fit another env). */
  readonly class: string;
  readonly [key: string]: unknown;
}

/** Replaces every `Uint8Array` inside `value` by `{ $bytes: base64 }`, recursively. */
export function encodeBinary(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeBinary);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeBinary(v)]));
  }
  return value;
}

/** Inverse of {@link encodeBinary}. */
export function decodeBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBinary);
  if (value !== null && typeof value === 'object') {
    const bytes = (value as { $bytes?: unknown }).$bytes;
    if (typeof bytes === 'string') return new Uint8Array(Buffer.from(bytes, 'base64'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeBinary(v)]));
  }
  return value;
}

/**
 * Checks that `state` was saved by a `className` env and returns it.
 * @throws InvalidArgument naming what was expected and what came
 */
export function expectSavedState(state: unknown, className: string): SavedEnvState {
  const saved = state as SavedEnvState | null;
  if (saved === null || typeof saved !== 'object' || typeof saved.class !== 'string') {
    throw new InvalidArgument(
      `not a saved env state: expected an object with a "class" field from saveState(), got ${JSON.stringify(state)?.slice(0, 80)}`,
    );
  }
  if (saved.class !== className) {
    throw new InvalidArgument(
      `a state saved by ${saved.class} cannot be loaded into ${className}: wrap and make the env as when it was saved`,
    );
  }
  return saved;
}

/** Reads a finite number field of a saved state. */
export function savedNumber(state: Record<string, unknown>, key: string, owner: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidArgument(
      `${owner}: saved state field "${key}" must be a finite number, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Reads a boolean field of a saved state. */
export function savedFlag(state: unknown, key: string, owner: string): boolean {
  const v = (state as Record<string, unknown> | null)?.[key];
  if (typeof v !== 'boolean') {
    throw new InvalidArgument(
      `${owner}: saved state field "${key}" must be true or false, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Reads a list-of-finite-numbers field of a saved state. */
export function savedNumbers(
  state: Record<string, unknown>,
  key: string,
  owner: string,
  length?: number,
): number[] {
  const v = state[key];
  if (
    !Array.isArray(v) ||
    v.some((x) => typeof x !== 'number' || !Number.isFinite(x)) ||
    (length !== undefined && v.length !== length)
  ) {
    throw new InvalidArgument(
      `${owner}: saved state field "${key}" must be a list of ${length ?? 'any number of'} finite numbers`,
    );
  }
  return v as number[];
}
