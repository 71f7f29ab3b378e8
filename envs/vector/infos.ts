/**
 * Gymnasium's info batching (`VectorEnv._add_info`): each key becomes an array over envs plus a
 * `_key` mask telling which envs reported it. Numbers batch into Float64Array, booleans into
 * Uint8Array, plain objects recursively, anything else into an array of values.
 */
import type { Info } from '../core/env.js';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !ArrayBuffer.isView(x) &&
    Object.getPrototypeOf(x) === Object.prototype
  );
}

/**
 * Adds env `i`'s info into the batched `infos` (mutated and returned).
 * @param infos batched infos so far
 * @param info the info of env `i`
 * @param i the env's index
 * @param numEnvs number of envs
 */
export function addInfo(infos: Info, info: Info, i: number, numEnvs: number): Info {
  for (const [key, value] of Object.entries(info)) {
    let batch = infos[key];
    if (isPlainObject(value)) {
      batch = addInfo(isPlainObject(batch) ? batch : {}, value, i, numEnvs);
    } else {
      const fits =
        (typeof value === 'number' && batch instanceof Float64Array) ||
        (typeof value === 'boolean' && batch instanceof Uint8Array) ||
        (Array.isArray(batch) && typeof value !== 'number' && typeof value !== 'boolean');
      if (!fits) {
        // First env to report this key (or a type change): start an array of the value's kind,
        // keeping values other envs already wrote where they still fit.
        const previous = batch as ArrayLike<unknown> | undefined;
        batch =
          typeof value === 'number'
            ? new Float64Array(numEnvs)
            : typeof value === 'boolean'
              ? new Uint8Array(numEnvs)
              : new Array<unknown>(numEnvs).fill(undefined);
        if (previous && Array.isArray(batch))
          for (let j = 0; j < numEnvs; j++) batch[j] = previous[j];
      }
      (batch as unknown[])[i] = typeof value === 'boolean' ? Number(value) : value;
    }
    infos[key] = batch;
    const maskKey = `_${key}`;
    let mask = infos[maskKey];
    if (!(mask instanceof Uint8Array)) {
      mask = new Uint8Array(numEnvs);
      infos[maskKey] = mask;
    }
    (mask as Uint8Array)[i] = 1;
  }
  return infos;
}
