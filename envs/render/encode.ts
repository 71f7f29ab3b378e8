/** Encoding env frames as PNG images (`png.ts`) and animated GIFs (gifenc); browser-safe. */
import gifenc from 'gifenc';
import type { RgbFrame } from '../core/env.js';
import { encodeRgbPng } from './png.js';

// gifenc's Node entry is CommonJS: its functions hang off the default export.
const { GIFEncoder, quantize } = gifenc;

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

/** Frames sampled (evenly spaced) to build an animation's one global palette. */
const PALETTE_SAMPLE_FRAMES = 8;

/**
 * One 256-colour palette for the whole animation, from gifenc's quantizer run on up to
 * {@link PALETTE_SAMPLE_FRAMES} evenly spaced frames: env renders keep the same scene and objects
 * in every frame, so a global palette loses nothing visible, and quantizing every frame was most
 * of the encoding time.
 */
function globalPalette(frames: readonly RgbFrame[]): number[][] {
  const count = Math.min(PALETTE_SAMPLE_FRAMES, frames.length);
  const pixels = frames[0]!.width * frames[0]!.height;
  const rgba = new Uint8Array(count * pixels * 4);
  for (let k = 0; k < count; k++) {
    const frame = frames[Math.floor((k * (frames.length - 1)) / Math.max(1, count - 1))]!;
    rgba.set(toRgba(frame), k * pixels * 4);
  }
  return quantize(rgba, 256);
}

/**
 * Maps RGB frames to palette indices: the nearest palette colour (squared RGB distance) of each
 * pixel's RGB565 bin, as gifenc's `applyPalette` does, but with one typed cache kept across frames
 * (gifenc allocates a 65,536-entry holey array per frame).
 */
function paletteIndexer(palette: readonly (readonly number[])[]): (frame: RgbFrame) => Uint8Array {
  const cache = new Int16Array(65536).fill(-1);
  const nearest = (r: number, g: number, b: number): number => {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let i = 0; i < palette.length; i++) {
      const c = palette[i]!;
      const distance = (c[0]! - r) ** 2 + (c[1]! - g) ** 2 + (c[2]! - b) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    return best;
  };
  return (frame) => {
    const { data } = frame;
    const index = new Uint8Array(frame.width * frame.height);
    for (let i = 0, j = 0; i < index.length; i++, j += 3) {
      const r = data[j]!;
      const g = data[j + 1]!;
      const b = data[j + 2]!;
      const key = ((r << 8) & 0xf800) | ((g << 3) & 0x07e0) | (b >> 3);
      let idx = cache[key]!;
      if (idx < 0) {
        idx = nearest(r, g, b);
        cache[key] = idx;
      }
      index[i] = idx;
    }
    return index;
  };
}

/**
 * Encodes frames as a looping animated GIF with one global 256-colour palette.
 * @param frames frames of equal size
 * @param fps frames per second (GIF delays are in 1/100 s, so fps is rounded to that)
 */
export function encodeGif(frames: readonly RgbFrame[], fps: number): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif needs at least one frame');
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  const { width, height } = frames[0]!;
  for (const frame of frames) {
    assertFrame(frame);
    if (frame.width !== width || frame.height !== height) {
      throw new RangeError(
        `all GIF frames must be ${width}×${height}, got ${frame.width}×${frame.height}`,
      );
    }
  }
  const palette = globalPalette(frames);
  const toIndices = paletteIndexer(palette);
  const gif = GIFEncoder();
  const delay = 1000 / fps;
  frames.forEach((frame, i) => {
    // The first frame's palette becomes the global colour table; later frames use it.
    gif.writeFrame(toIndices(frame), width, height, i === 0 ? { palette, delay } : { delay });
  });
  gif.finish();
  return gif.bytes();
}
