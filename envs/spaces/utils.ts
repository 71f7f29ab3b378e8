/**
 * Space utilities after `gymnasium.spaces.utils`: flattening to a Box and the JSON round-trip.
 */
import { InvalidSpace } from '../core/errors.js';
import { allocArray, Box, type BoxArray, type BoxDtype } from './box.js';
import { Dict, Tuple } from './composite.js';
import { Discrete } from './discrete.js';
import { MultiBinary } from './multiBinary.js';
import { MultiDiscrete } from './multiDiscrete.js';
import type { Space, SpaceJSON } from './space.js';

/** NumPy's result type of two Box dtypes (int32 with float32 gives float64, as NumPy). */
export function promoteDtypes(a: BoxDtype, b: BoxDtype): BoxDtype {
  if (a === b) return a;
  const floats = (d: BoxDtype) => d === 'float32' || d === 'float64';
  if (a === 'float64' || b === 'float64') return 'float64';
  if (floats(a) && floats(b)) return 'float32';
  if (floats(a) || floats(b)) {
    const other = floats(a) ? b : a;
    return other === 'uint8' ? 'float32' : 'float64';
  }
  return 'int32';
}

function unsupported(space: Space<unknown>): never {
  throw new InvalidSpace(
    `${String(space)} cannot be flattened: only Box, Discrete, MultiDiscrete, MultiBinary and Dict/Tuple of those can`,
  );
}

/** Length of the flat vector an element of `space` flattens to. */
export function flatdim(space: Space<unknown>): number {
  if (space instanceof Box) return space.size;
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.nvec.reduce((a, b) => a + b, 0);
  if (space instanceof MultiBinary) return space.size;
  if (space instanceof Dict)
    return space
      .entries()
      .map(([, s]) => s)
      .reduce((a, s) => a + flatdim(s), 0);
  if (space instanceof Tuple) return space.children.reduce((a, s) => a + flatdim(s), 0);
  return unsupported(space);
}

/**
 * The Box that flattened elements of `space` live in: Discrete and MultiDiscrete become one-hot
 * int32 boxes, MultiBinary a uint8 box, Dict/Tuple the concatenation of their children.
 */
export function flattenSpace(space: Space<unknown>): Box<BoxDtype> {
  if (space instanceof Box) return new Box(space.low, space.high, [space.size], space.dtype);
  if (space instanceof Discrete || space instanceof MultiDiscrete) {
    return new Box(0, 1, [flatdim(space)], 'int32');
  }
  if (space instanceof MultiBinary) return new Box(0, 1, [space.size], 'uint8');
  const parts =
    space instanceof Dict
      ? space
          .entries()
          .map(([, s]) => s)
          .map(flattenSpace)
      : space instanceof Tuple
        ? space.children.map(flattenSpace)
        : unsupported(space);
  const dtype = parts.map((p) => p.dtype).reduce(promoteDtypes, parts[0]?.dtype ?? 'float32');
  const low = parts.flatMap((p) => Array.from(p.low));
  const high = parts.flatMap((p) => Array.from(p.high));
  return new Box(low, high, [low.length], dtype);
}

function writeFlat(space: Space<unknown>, x: unknown, out: BoxArray, offset: number): number {
  if (!space.contains(x)) {
    throw new InvalidSpace(`cannot flatten a value that is not in ${String(space)}`);
  }
  if (space instanceof Box || space instanceof MultiBinary) {
    const v = x as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) out[offset + i] = v[i]!;
    return offset + v.length;
  }
  if (space instanceof Discrete) {
    out[offset + (x as number) - space.start] = 1;
    return offset + space.n;
  }
  if (space instanceof MultiDiscrete) {
    const v = x as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) {
      out[offset + v[i]! - space.start[i]!] = 1;
      offset += space.nvec[i]!;
    }
    return offset;
  }
  if (space instanceof Dict) {
    for (const [k, s] of space.entries()) {
      offset = writeFlat(s, (x as Record<string, unknown>)[k], out, offset);
    }
    return offset;
  }
  if (space instanceof Tuple) {
    space.children.forEach((s, i) => {
      offset = writeFlat(s, (x as unknown[])[i], out, offset);
    });
    return offset;
  }
  return unsupported(space);
}

/** Flattens an element of `space` into a typed array of `flattenSpace(space).dtype`. */
export function flatten(space: Space<unknown>, x: unknown): BoxArray {
  const flat = flattenSpace(space);
  const out = allocArray(flat.dtype, flat.size);
  writeFlat(space, x, out, 0);
  return out;
}

function readFlat(
  space: Space<unknown>,
  flat: ArrayLike<number>,
  offset: number,
): [unknown, number] {
  if (space instanceof Box) {
    const out = allocArray(space.dtype, space.size);
    for (let i = 0; i < space.size; i++) out[i] = flat[offset + i]!;
    return [out, offset + space.size];
  }
  if (space instanceof MultiBinary) {
    const out = new Int8Array(space.size);
    for (let i = 0; i < space.size; i++) out[i] = flat[offset + i]!;
    return [out, offset + space.size];
  }
  if (space instanceof Discrete)
    return [space.start + argmaxOneHot(flat, offset, space.n), offset + space.n];
  if (space instanceof MultiDiscrete) {
    const out = new Int32Array(space.nvec.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = space.start[i]! + argmaxOneHot(flat, offset, space.nvec[i]!);
      offset += space.nvec[i]!;
    }
    return [out, offset];
  }
  if (space instanceof Dict) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of space.entries()) [out[k], offset] = readFlat(s, flat, offset);
    return [out, offset];
  }
  if (space instanceof Tuple) {
    const out: unknown[] = [];
    for (const s of space.children) {
      let v: unknown;
      [v, offset] = readFlat(s, flat, offset);
      out.push(v);
    }
    return [out, offset];
  }
  return unsupported(space);
}

function argmaxOneHot(flat: ArrayLike<number>, offset: number, n: number): number {
  for (let i = 0; i < n; i++) if (flat[offset + i] === 1) return i;
  throw new InvalidSpace(`not a one-hot vector at offset ${offset} (length ${n})`);
}

/** Inverse of {@link flatten}. */
export function unflatten(space: Space<unknown>, flat: ArrayLike<number>): unknown {
  const dim = flatdim(space);
  if (flat.length !== dim) {
    throw new InvalidSpace(
      `unflatten needs ${dim} values for ${String(space)}, got ${flat.length}`,
    );
  }
  return readFlat(space, flat, 0)[0];
}

/** Rebuilds a space from `space.toJSON()`; throws {@link InvalidSpace} on malformed input. */
export function spaceFromJSON(json: SpaceJSON): Space<unknown> {
  const dec = (v: number | string) =>
    v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);
  switch (json?.type) {
    case 'Box':
      return new Box(json.low.map(dec), json.high.map(dec), json.shape, json.dtype as BoxDtype);
    case 'Discrete':
      return new Discrete(json.n, json.start);
    case 'MultiDiscrete':
      return new MultiDiscrete(json.nvec, json.start, json.shape);
    case 'MultiBinary':
      return new MultiBinary(json.shape);
    case 'Dict':
      return new Dict(
        Object.fromEntries(Object.entries(json.spaces).map(([k, v]) => [k, spaceFromJSON(v)])),
      );
    case 'Tuple':
      return new Tuple(json.spaces.map(spaceFromJSON));
    default:
      throw new InvalidSpace(
        `not a space JSON: expected type Box, Discrete, MultiDiscrete, MultiBinary, Dict or Tuple, got ${JSON.stringify((json as { type?: unknown })?.type)}`,
      );
  }
}
