import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, selectBackend } from '../../agents/index.js';

describe('selectBackend', () => {
  it('auto falls back to wasm where tfjs-node is not installed', async () => {
    const choice = await selectBackend('auto');
    // This machine cannot install @tensorflow/tfjs-node (its install script downloads libtensorflow).
    assert.equal(choice.backend, 'wasm');
    assert.equal(choice.provider, '@tensorflow/tfjs-backend-wasm');
  });

  it('an explicit backend that is not installed says how to install it', async () => {
    await assert.rejects(
      selectBackend('tensorflow'),
      (e: Error) =>
        e instanceof BackendUnavailableError &&
        /npm install @tensorflow\/tfjs-node/.test(e.message) &&
        /--backend wasm/.test(e.message),
    );
    await assert.rejects(selectBackend('tensorflow-gpu'), /@tensorflow\/tfjs-node-gpu.*CUDA/);
    await assert.rejects(
      selectBackend('metal' as never),
      /unknown backend "metal"; allowed: auto, wasm, cpu/,
    );
  });

  it('cpu and wasm are selectable', async () => {
    assert.equal((await selectBackend('cpu')).backend, 'cpu');
    assert.equal((await selectBackend('wasm')).backend, 'wasm');
  });

  it("the user's own uncaught errors print as Node prints them once the wasm backend is loaded", () => {
    // Emscripten's handlers rethrew them from tfjs's minified source: ~38 KB of code on stderr.
    const script = `
      const { selectBackend } = await import(${JSON.stringify(new URL('../../agents/index.ts', import.meta.url).href)});
      await selectBackend('wasm');
      throw new Error('the user bug');
    `;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Error: the user bug/);
    assert.ok(run.stderr.length < 2000, `stderr has ${run.stderr.length} characters`);
    assert.doesNotMatch(run.stderr, /WasmBackendModule/);
  });
});

describe("the wasm backend's Identity", () => {
  it('shares the buffer it clones (no copy), and the clone outlives the original', async () => {
    await selectBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor1d([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const y = x.clone();
    assert.equal(tf.memory().numDataBuffers, buffers);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
    // Gradients through a clone (the engine saves clones for every gradient) are unchanged.
    const g = tf.grad((z: tf.Tensor) => z.clone().square().sum())(y);
    assert.deepEqual(Array.from(g.dataSync()), [2, 4, 6]);
    y.dispose();
    g.dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numDataBuffers, before.numDataBuffers);
  });

  it('copies under ML3_MATMUL=tfjs (the benchmarks\' "before")', async () => {
    await selectBackend('wasm');
    process.env.ML3_MATMUL = 'tfjs';
    try {
      const x = tf.tensor1d([1, 2, 3]);
      const buffers = tf.memory().numDataBuffers;
      const y = x.clone();
      assert.equal(tf.memory().numDataBuffers, buffers + 1);
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
      y.dispose();
    } finally {
      delete process.env.ML3_MATMUL;
    }
  });
});
