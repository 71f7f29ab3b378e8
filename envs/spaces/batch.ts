/**
 * Batching of spaces and their elements for vector envs, after `gymnasium.vector.utils`
 * (`batch_space`, `iterate`, `concatenate`, `create_empty_array`). Batched Box/MultiDiscrete/
 * MultiBinary elements are flat row-major typed arrays of `n × size` values; a batch of
 * Discrete elements is an Int32Array of `n` values.
 */
import { InvalidAction, InvalidSpace } from '../core/errors.js';
import { allocArray, Box } from './box.js';
import { Dict, Tuple } from './composite.js';
import { Discrete } from './discrete.js';
import { MultiBinary } from './multiBinary.js';
import { MultiDiscrete } from './multiDiscrete.js';
import { isNumericArrayLike, type Space } from './space.js';

function tile(values: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < values.length; j++) out.push(values[j]!);
  return out;
}

/** Number of scalar entries of one element of an array-like space. */
function elementSize(space: Space<unknown>): number | undefined {
  if (space instanceof Box || space instanceof MultiBinary) return space.size;
  if (space instanceof MultiDiscrete) return space.nvec.length;
  return undefined;
}

/** The space of `n` stacked elements of `space`; its RNG starts as a copy of `space`'s. */
export function batchSpace(space: Space<unknown>, n: number): Space<unknown> {
  let batched: Space<unknown>;
  if (space instanceof Box) {
    batched = new Box(tile(space.low, n), tile(space.high, n), [n, ...space.shape], space.dtype);
  } else if (space instanceof Discrete) {
    batched = new MultiDiscrete(tile([space.n], n), tile([space.start], n), [n]);
  } else if (space instanceof MultiDiscrete) {
    batched = new MultiDiscrete(tile(space.nvec, n), tile(space.start, n), [n, ...space.shape]);
  } else if (space instanceof MultiBinary) {
    batched = new MultiBinary([n, ...space.shape]);
  } else if (space instanceof Dict) {
    return new Dict(Object.fromEntries(space.entries().map(([k, s]) => [k, batchSpace(s, n)])));
  } else if (space instanceof Tuple) {
    return new Tuple(space.children.map((s) => batchSpace(s, n)));
  } else {
    throw new InvalidSpace(`cannot batch ${String(space)}`);
  }
  batched.npRandom = space.npRandom.clone();
  return batched;
}

/**
 * Splits a batch of `n` elements of `space` into a list of elements. Array-like batches may be
 * flat (`n × size` values; the items are views, not copies) or a list of `n` elements.
 * Throws {@link InvalidAction} when the batch does not hold `n` elements.
 */
export function iterate(space: Space<unknown>, batch: unknown, n: number): unknown[] {
  const size = elementSize(space);
  if (space instanceof Dict) {
    if (typeof batch !== 'object' || batch === null) {
      throw new InvalidAction(
        `expected an object with keys ${Object.keys(space.spaces).join(', ')}`,
      );
    }
    const perKey = space
      .entries()
      .map(([k, s]) => [k, iterate(s, (batch as Record<string, unknown>)[k], n)] as const);
    return Array.from({ length: n }, (_, i) =>
      Object.fromEntries(perKey.map(([k, items]) => [k, items[i]])),
    );
  }
  if (space instanceof Tuple) {
    if (!Array.isArray(batch) || batch.length !== space.children.length) {
      throw new InvalidAction(
        `expected a list of ${space.children.length} batches, one per tuple entry`,
      );
    }
    const parts = space.children.map((s, j) => iterate(s, batch[j], n));
    return Array.from({ length: n }, (_, i) => parts.map((p) => p[i]));
  }
  if (!isNumericArrayLike(batch)) {
    throw new InvalidAction(`expected a batch of ${n} actions (an array), got ${typeof batch}`);
  }
  const arr = batch as ArrayLike<unknown>;
  if (size === undefined) {
    // Discrete: one number per env.
    if (arr.length !== n)
      throw new InvalidAction(`expected a batch of ${n} actions, got ${arr.length}`);
    return Array.from(arr);
  }
  if (Array.isArray(batch) && batch.length === n && batch.every((b) => typeof b !== 'number')) {
    return [...batch]; // a list of per-env elements
  }
  if (arr.length === n * size && ArrayBuffer.isView(batch)) {
    const typed = batch as unknown as Float64Array;
    return Array.from({ length: n }, (_, i) => typed.subarray(i * size, (i + 1) * size));
  }
  if (arr.length === n * size && Array.isArray(batch)) {
    return Array.from({ length: n }, (_, i) => batch.slice(i * size, (i + 1) * size));
  }
  throw new InvalidAction(
    `expected a batch of ${n} actions: a list of ${n} or a flat array of ${n}×${size ?? 1} values, got ${arr.length} values`,
  );
}

/** A zeroed batch of `n` elements of `space` (the buffer {@link concatenate} writes into). */
export function createEmptyArray(space: Space<unknown>, n: number): unknown {
  if (space instanceof Box) return allocArray(space.dtype, n * space.size);
  if (space instanceof Discrete) return new Int32Array(n);
  if (space instanceof MultiDiscrete) return new Int32Array(n * space.nvec.length);
  if (space instanceof MultiBinary) return new Int8Array(n * space.size);
  if (space instanceof Dict) {
    return Object.fromEntries(space.entries().map(([k, s]) => [k, createEmptyArray(s, n)]));
  }
  if (space instanceof Tuple) return space.children.map((s) => createEmptyArray(s, n));
  throw new InvalidSpace(`cannot batch ${String(space)}`);
}

/** Writes element `item` of `space` into slot `i` of the batch `out` (from createEmptyArray). */
export function writeBatchItem(
  space: Space<unknown>,
  out: unknown,
  i: number,
  item: unknown,
): void {
  if (space instanceof Discrete) {
    (out as Int32Array)[i] = item as number;
    return;
  }
  const size = elementSize(space);
  if (size !== undefined) {
    (out as Float64Array).set(item as ArrayLike<number>, i * size);
    return;
  }
  if (space instanceof Dict) {
    for (const [k, s] of space.entries()) {
      writeBatchItem(
        s,
        (out as Record<string, unknown>)[k],
        i,
        (item as Record<string, unknown>)[k],
      );
    }
    return;
  }
  if (space instanceof Tuple) {
    space.children.forEach((s, j) => {
      writeBatchItem(s, (out as unknown[])[j], i, (item as unknown[])[j]);
    });
    return;
  }
  throw new InvalidSpace(`cannot batch ${String(space)}`);
}

/** Stacks `items` (elements of `space`) into a new batch. */
export function concatenate(space: Space<unknown>, items: readonly unknown[]): unknown {
  const out = createEmptyArray(space, items.length);
  items.forEach((item, i) => {
    writeBatchItem(space, out, i, item);
  });
  return out;
}
