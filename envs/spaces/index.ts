/** Spaces: the sets observations and actions live in, after `gymnasium.spaces`. */
export { batchSpace, concatenate, createEmptyArray, iterate, writeBatchItem } from './batch.js';
export { allocArray, Box, type BoxArray, type BoxDtype, canCast, dtypeOf } from './box.js';
export { Dict, type SpaceElement, Tuple } from './composite.js';
export { Discrete } from './discrete.js';
export { MultiBinary } from './multiBinary.js';
export { MultiDiscrete } from './multiDiscrete.js';
export { formatShape, Space, type SpaceJSON, shapeSize } from './space.js';
export {
  flatdim,
  flatten,
  flattenSpace,
  promoteDtypes,
  spaceFromJSON,
  unflatten,
} from './utils.js';
