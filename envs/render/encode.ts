/** Encoding env frames as PNG images (`png.ts`) and animated GIFs (gifenc); browser-safe. */
import gifenc from 'gifenc';
import type { RgbFrame } from '../core/env.js';
import { encodeRgbPng } from './png.js';

// gifenc's Node entry is CommonJS: its functions hang off the default export.
const { applyPalette, GIFEncoder, quantize } = gifenc;

function assertFrame(frame: RgbFrame): void {
  const ok =
    frame != null &&
    Number.isInteger(frame.width) &&
    Number.isInteger(frame.height) &&
    frame.data instanceof Uint8Array &&
    frame.data.length === frame.width * frame.height * 3;
  if (!ok)
    throw new TypeError(
      'expected an RGB frame { height, width, data: Uint8Array of height×width×3 }',
    );
}

function toRgba(frame: RgbFrame): Uint8Array {
  const n = frame.width * frame.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = frame.data[i * 3]!;
    rgba[i * 4 + 1] = frame.data[i * 3 + 1]!;
    rgba[i * 4 + 2] = frame.data[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** Encodes a frame as PNG bytes. */
export function encodePng(frame: RgbFrame): Uint8Array {
  assertFrame(frame);
  return encodeRgbPng(frame.data, frame.width, frame.height);
}

/**
 * Encodes frames as a looping animated GIF.
 * @param frames frames of equal size
 * @param fps frames per second (GIF delays are in 1/100 s, so fps is rounded to that)
 */
export function encodeGif(frames: readonly RgbFrame[], fps: number): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif needs at least one frame');
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  const { width, height } = frames[0]!;
  const gif = GIFEncoder();
  const delay = 1000 / fps;
  for (const frame of frames) {
    assertFrame(frame);
    if (frame.width !== width || frame.height !== height) {
      throw new RangeError(
        `all GIF frames must be ${width}×${height}, got ${frame.width}×${frame.height}`,
      );
    }
    const rgba = toRgba(frame);
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay });
  }
  gif.finish();
  return gif.bytes();
}
