/**
 * The SharedArrayBuffer layout shared by `AsyncVectorEnv` and its workers: a control block
 * (generation counter, command, per-worker done generation and status), actions, observations,
 * rewards, flags, a command text region and one output text region per worker.
 */
import type { BoxDtype } from '../spaces/box.js';
import { SharedText } from './sharedText.js';

/** Commands from the main thread to the workers. */
export const Command = { STEP: 1, RESET: 2, CALL: 3, CLOSE: 4 } as const;

/** Sizes that fix a layout. */
export interface LayoutSpec {
  numEnvs: number;
  numWorkers: number;
  obsSize: number;
  obsDtype: BoxDtype;
  /** `box`: actions are `actSize` float64 values per env; `discrete`: one int32 per env. */
  actionKind: 'box' | 'discrete';
  actSize: number;
  /** Bytes of each text region (infos, call results, reset arguments). */
  textBytes: number;
  /**
   * Envs the main thread steps, as a fraction of an equal share: it also copies actions in and
   * gathers results and infos, so a smaller chunk keeps it from being the last to finish.
   */
  mainShare: number;
}

const OBS_CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

/** Typed views of the shared buffer. */
export interface SharedViews {
  control: Int32Array;
  actions: Float64Array | Int32Array;
  obs: Float32Array | Float64Array | Int32Array | Uint8Array;
  rewards: Float64Array;
  terminations: Uint8Array;
  truncations: Uint8Array;
  command: SharedText;
  outputs: SharedText[];
  /** Per worker: numeric infos, `NUMERIC_INFO_KEYS` rows of `numEnvs` values (see `infoCodec`). */
  numericInfos: Float64Array[];
}

/** Numeric info keys a worker can send without JSON. */
export const NUMERIC_INFO_KEYS = 16;

/** A done generation no command has: the worker failed as a whole (its status holds why). */
export const DEAD = -2;

/** Index of worker `w`'s done generation in `control`. */
export const doneSlot = (w: number) => 2 + w;
/** Index of worker `w`'s status in `control` (0 ok, 1 error). */
export const statusSlot = (w: number, numWorkers: number) => 2 + numWorkers + w;

function align(n: number, to = 8): number {
  return Math.ceil(n / to) * to;
}

/** The byte size of a layout. */
export function layoutBytes(s: LayoutSpec): number {
  return offsets(s).total;
}

function offsets(s: LayoutSpec) {
  let o = 0;
  const take = (bytes: number) => {
    const at = o;
    o = align(o + bytes);
    return at;
  };
  const control = take(4 * (2 + 2 * s.numWorkers));
  const actions = take(s.actionKind === 'box' ? 8 * s.numEnvs * s.actSize : 4 * s.numEnvs);
  const obs = take(OBS_CTORS[s.obsDtype].BYTES_PER_ELEMENT * s.numEnvs * s.obsSize);
  const rewards = take(8 * s.numEnvs);
  const terminations = take(s.numEnvs);
  const truncations = take(s.numEnvs);
  const textSize = SharedText.size(s.textBytes);
  const command = take(textSize);
  const outputs = Array.from({ length: s.numWorkers }, () => take(textSize));
  const numericInfos = Array.from({ length: s.numWorkers }, () =>
    take(8 * NUMERIC_INFO_KEYS * s.numEnvs),
  );
  return {
    control,
    actions,
    obs,
    rewards,
    terminations,
    truncations,
    command,
    outputs,
    numericInfos,
    textSize,
    total: o,
  };
}

/** Views of `buffer` per the layout. */
export function sharedViews(buffer: SharedArrayBuffer, s: LayoutSpec): SharedViews {
  const o = offsets(s);
  return {
    control: new Int32Array(buffer, o.control, 2 + 2 * s.numWorkers),
    actions:
      s.actionKind === 'box'
        ? new Float64Array(buffer, o.actions, s.numEnvs * s.actSize)
        : new Int32Array(buffer, o.actions, s.numEnvs),
    obs: new OBS_CTORS[s.obsDtype](buffer as unknown as ArrayBuffer, o.obs, s.numEnvs * s.obsSize),
    rewards: new Float64Array(buffer, o.rewards, s.numEnvs),
    terminations: new Uint8Array(buffer, o.terminations, s.numEnvs),
    truncations: new Uint8Array(buffer, o.truncations, s.numEnvs),
    command: new SharedText(buffer, o.command, o.textSize),
    outputs: o.outputs.map((at) => new SharedText(buffer, at, o.textSize)),
    numericInfos: o.numericInfos.map(
      (at) => new Float64Array(buffer, at, NUMERIC_INFO_KEYS * s.numEnvs),
    ),
  };
}

/**
 * The contiguous range of envs of partition `p`: 0 is the main thread's chunk, `w + 1` worker
 * `w`'s. The main chunk is `mainShare` of an equal share (at least one env); workers split the
 * rest evenly.
 */
export function partitionRange(
  p: number,
  s: Pick<LayoutSpec, 'numEnvs' | 'numWorkers' | 'mainShare'>,
): [start: number, count: number] {
  const main = Math.min(
    s.numEnvs - s.numWorkers,
    Math.max(1, Math.round((s.numEnvs / (s.numWorkers + 1)) * s.mainShare)),
  );
  if (p === 0) return [0, main];
  const rest = s.numEnvs - main;
  const base = Math.floor(rest / s.numWorkers);
  const extra = rest % s.numWorkers;
  const w = p - 1;
  return [main + w * base + Math.min(w, extra), base + (w < extra ? 1 : 0)];
}
