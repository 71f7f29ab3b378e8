/**
 * The one check of a vector env's batched numeric actions, shared by `SyncVectorEnv` and
 * `AsyncVectorEnv`: a flat array (or typed array) of n × size values, or a list of n rows of
 * `size` values, every value a finite number (an integer for Discrete spaces). Strings, booleans
 * and null are refused rather than coerced, before any sub-env steps. It runs on every vector
 * step, so it allocates nothing unless it throws.
 */
import { InvalidAction } from '../core/errors.js';

/** What one sub-env's action is: `size` numbers (Box) or one integer (Discrete). */
export interface ActionShape {
  kind: 'box' | 'discrete';
  size: number;
}

function valid(v: unknown, shape: ActionShape): v is number {
  return (
    typeof v === 'number' && Number.isFinite(v) && (shape.kind === 'box' || Number.isInteger(v))
  );
}

/** The error for value `v` of sub-env `env` (element `k` of its action, for Box sizes > 1). */
function invalid(v: unknown, env: number, k: number, shape: ActionShape): InvalidAction {
  const index = shape.size > 1 ? `${env}[${k}]` : `${env}`;
  const want = shape.kind === 'discrete' ? 'an integer' : 'a finite number';
  const got = typeof v === 'string' ? `the string ${JSON.stringify(v)}` : String(v);
  return new InvalidAction(`action ${index} must be ${want}, got ${got}`);
}

/**
 * Checks n sub-env actions and, when `out` is given, copies them into it (n × size values,
 * row-major); throws `InvalidAction` naming the first bad value.
 */
export function readBatchedActions(
  actions: unknown,
  n: number,
  shape: ActionShape,
  out?: { [i: number]: number; length: number },
): void {
  const { size } = shape;
  const list = actions as ArrayLike<unknown>;
  if (list == null || typeof list !== 'object' || typeof list.length !== 'number') {
    throw new InvalidAction(`expected a batch of ${n} actions (an array), got ${String(actions)}`);
  }
  const rows =
    Array.isArray(list) &&
    list.length === n &&
    list.some((a) => typeof a === 'object' && a !== null);
  if (!rows && list.length === n * size) {
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (!valid(v, shape)) throw invalid(v, Math.floor(i / size), i % size, shape);
      if (out) out[i] = v;
    }
    return;
  }
  if (rows) {
    for (let i = 0; i < n; i++) {
      const row = list[i] as ArrayLike<unknown> | null;
      if (row == null || typeof row !== 'object' || row.length !== size)
        throw new InvalidAction(`action ${i} must have ${size} values, got ${String(row)}`);
      for (let j = 0; j < size; j++) {
        const v = row[j];
        if (!valid(v, shape)) throw invalid(v, i, j, shape);
        if (out) out[i * size + j] = v;
      }
    }
    return;
  }
  throw new InvalidAction(
    `expected a batch of ${n} actions: a flat array of ${n}×${size} values or a list of ${n}, got ${list.length} values`,
  );
}
