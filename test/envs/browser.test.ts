/**
 * `ml3/envs` without Node: it bundles for the browser platform (no Node built-in imported at the
 * top of any module), and the PNG encoder writes files any decoder reads, compressed or not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { PNG } from 'pngjs';
import { encodePng, make, type RgbFrame } from '../../envs/index.js';
import { encodeRgbPng } from '../../envs/render/png.js';

describe('ml3/envs in the browser', () => {
  it('bundles for the browser platform with no Node built-in and no tfjs', async () => {
    const result = await build({
      entryPoints: [new URL('../../envs/index.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(!inputs.some((f) => f.includes('@tensorflow')), 'no tfjs in the envs bundle');
    assert.ok(!inputs.some((f) => f.includes('pngjs')), 'no pngjs (it needs zlib and streams)');
    const bytes = result.outputFiles[0]!.contents.length;
    console.log(
      `ml3/envs browser bundle: ${(bytes / 2 ** 20).toFixed(2)} MiB, ${inputs.length} inputs`,
    );
  });

  it('PNG frames decode to the same pixels, deflated (Node) and stored (browser)', () => {
    const env = make('rapier/Reacher-v1', { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const frame = env.render() as RgbFrame;
    env.close();
    const deflated = encodePng(frame);
    const stored = encodeRgbPng(frame.data, frame.width, frame.height, false);
    assert.ok(deflated.length < stored.length / 10, `${deflated.length} vs ${stored.length} bytes`);
    for (const bytes of [deflated, stored]) {
      const png = PNG.sync.read(Buffer.from(bytes));
      assert.equal(png.width, frame.width);
      assert.equal(png.height, frame.height);
      for (let i = 0; i < frame.width * frame.height; i++) {
        for (let c = 0; c < 3; c++) {
          if (png.data[i * 4 + c] !== frame.data[i * 3 + c]) assert.fail(`pixel ${i} channel ${c}`);
        }
      }
    }
  });
});
