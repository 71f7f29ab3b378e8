import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GifReader } from 'omggif';
import type { RgbFrame } from '../../envs/core/env.js';
import { make } from '../../envs/index.js';
import { encodeGif } from '../../envs/render/index.js';

/** Frames of a real render: the arm swinging, so colours move between frames. */
function reacherFrames(count: number): RgbFrame[] {
  const env = make('rapier/Reacher-v1', { renderMode: 'rgb_array' });
  env.reset({ seed: 3 });
  const frames: RgbFrame[] = [];
  for (let t = 0; t < count; t++) {
    env.step([1, -1]);
    frames.push(env.render() as RgbFrame);
  }
  env.close();
  return frames;
}

function decodeFrame(gif: GifReader, i: number): Uint8Array {
  const rgba = new Uint8Array(gif.width * gif.height * 4);
  gif.decodeAndBlitFrameRGBA(i, rgba);
  return rgba;
}

describe('encodeGif', () => {
  it('decodes to every frame, close to the rendered pixels, with one global palette', () => {
    const frames = reacherFrames(30);
    const gif = new GifReader(encodeGif(frames, 20));
    assert.equal(gif.numFrames(), 30);
    assert.equal(gif.width, frames[0]!.width);
    assert.equal(gif.height, frames[0]!.height);
    for (let i = 0; i < 30; i++) {
      const info = gif.frameInfo(i);
      // No frame carries its own colour table: all use the global one written with the first.
      assert.equal(info.palette_offset, gif.frameInfo(0).palette_offset);
      assert.equal(info.delay, 5);
      const rgba = decodeFrame(gif, i);
      const { data } = frames[i]!;
      let error = 0;
      let maxError = 0;
      for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
        for (let c = 0; c < 3; c++) {
          const e = Math.abs(rgba[q + c]! - data[p + c]!);
          error += e;
          maxError = Math.max(maxError, e);
        }
      }
      // Antialiased edges have more colours than the palette: small errors, never a wrong object.
      assert.ok(error / data.length < 2, `frame ${i}: mean channel error ${error / data.length}`);
      assert.ok(maxError < 64, `frame ${i}: max channel error ${maxError}`);
    }
  });

  it('maps a colour absent from the sampled frames to its nearest palette colour', () => {
    const frames = reacherFrames(20);
    // A red square on a frame between the sampled ones.
    const odd = { ...frames[5]!, data: frames[5]!.data.slice() };
    for (let y = 10; y < 20; y++)
      for (let x = 10; x < 20; x++) odd.data.set([250, 10, 10], (y * odd.width + x) * 3);
    frames[5] = odd;
    const bytes = encodeGif(frames, 10);
    const gif = new GifReader(bytes);
    const { palette_offset: offset, palette_size: size } = gif.frameInfo(5);
    assert.ok(offset != null && size != null, 'a global palette');
    const palette: number[][] = [];
    for (let k = 0; k < size; k++)
      palette.push([...bytes.subarray(offset + 3 * k, offset + 3 * k + 3)]);
    const distance = (c: readonly number[]) =>
      (c[0]! - 250) ** 2 + (c[1]! - 10) ** 2 + (c[2]! - 10) ** 2;
    const nearest = Math.min(...palette.map(distance));
    const rgba = decodeFrame(gif, 5);
    const q = (15 * odd.width + 15) * 4;
    assert.equal(distance([rgba[q]!, rgba[q + 1]!, rgba[q + 2]!]), nearest);
  });

  it('rejects empty input, bad fps and frames of different sizes', () => {
    const frames = reacherFrames(2);
    assert.throws(() => encodeGif([], 10), /at least one frame/);
    assert.throws(() => encodeGif(frames, 0), /fps must be positive/);
    const small = { width: 2, height: 2, data: new Uint8Array(12) };
    assert.throws(() => encodeGif([frames[0]!, small], 10), /all GIF frames must be/);
  });
});
