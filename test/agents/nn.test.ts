import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS, Adam, initMlp, mlp, selectBackend } from '../../agents/index.js';
import { RNG } from '../../envs/index.js';

before(async () => {
  await selectBackend('wasm');
});

const at = (f: (x: tf.Tensor) => tf.Tensor, x: number) =>
  tf.tidy(() => f(tf.scalar(x)).dataSync()[0]!);
const d1 = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) =>
  tf.grad((z: tf.Tensor) => f(z).sum())(x);
const d2 = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) =>
  tf.grad((z: tf.Tensor) => d1(f)(z).sum())(x);

describe('activations', () => {
  for (const name of ['tanh', 'sigmoid', 'elu', 'softplus'] as const) {
    it(`${name}: first and second derivatives match central finite differences`, () => {
      const f = ACTIVATIONS[name];
      const eps = 1e-2;
      for (const x of [-1.3, -0.2, 0.4, 1.7]) {
        const fd1 = (at(f, x + eps) - at(f, x - eps)) / (2 * eps);
        const g1 = at(d1(f), x);
        assert.ok(Math.abs(g1 - fd1) < 2e-3, `${name}' at ${x}: ${g1} vs ${fd1}`);
        const fd2 = (at(d1(f), x + eps) - at(d1(f), x - eps)) / (2 * eps);
        const g2 = at(d2(f), x);
        assert.ok(Math.abs(g2 - fd2) < 5e-3, `${name}'' at ${x}: ${g2} vs ${fd2}`);
      }
    });
  }

  it("tfjs's own tanh loses the second derivative (why the custom versions exist)", () => {
    // d²tanh at 0.4 is −2·tanh·(1 − tanh²) ≈ −0.650; the built-in either throws or is wrong.
    const t = Math.tanh(0.4);
    const exact = -2 * t * (1 - t * t);
    let value: number | undefined;
    try {
      value = at(d2(tf.tanh), 0.4);
    } catch {
      value = undefined;
    }
    assert.ok(value === undefined || Math.abs(value - exact) > 0.05);
    assert.ok(Math.abs(at(d2(ACTIVATIONS.tanh), 0.4) - exact) < 1e-3);
  });
});

describe('mlp', () => {
  it('batched parameters give each member its own network', () => {
    const spec = {
      sizes: [3, 5, 2],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
    } as const;
    const batched = initMlp(spec, new RNG(0), { batch: 2 });
    const x = tf.randomUniform([2, 4, 3], -1, 1, 'float32', 1);
    const y = mlp(batched, x, spec).arraySync() as number[][][];
    for (let b = 0; b < 2; b++) {
      const single = batched.map((p) =>
        p.rank === 3 && p.shape[1] === 1
          ? p.slice([b, 0, 0], [1, 1, -1]).reshape([p.shape[2]!])
          : p.slice([b], [1]).squeeze([0]),
      );
      const yb = mlp(single, x.slice([b], [1]).squeeze([0]), spec).arraySync() as number[][];
      yb.forEach((row, i) => {
        row.forEach((v, j) => {
          assert.ok(Math.abs(v - y[b]![i]![j]!) < 1e-5);
        });
      });
    }
    assert.throws(() => mlp(batched.slice(1), x, spec), /parameter tensors/);
  });

  it('initialisation is seeded', () => {
    const spec = {
      sizes: [2, 3, 1],
      activation: 'relu',
      outputActivation: 'identity',
      bias: true,
    } as const;
    const a = initMlp(spec, new RNG(4), { scheme: 'torch' }).map((t) => Array.from(t.dataSync()));
    const b = initMlp(spec, new RNG(4), { scheme: 'torch' }).map((t) => Array.from(t.dataSync()));
    assert.deepEqual(a, b);
    assert.ok(
      a[0]!.every((v) => Math.abs(v) <= 1 / Math.sqrt(2)),
      'torch init: U(±1/√fan_in)',
    );
  });
});

describe('Adam', () => {
  it('minimises a quadratic and round-trips its state', () => {
    let p: tf.Tensor[] = [tf.tensor1d([3, -2])];
    const adam = new Adam(p, 0.1);
    for (let i = 0; i < 200; i++) {
      const g = tf.tidy(() => [p[0]!.mul(2)]);
      const next = adam.step(p, g);
      p[0]!.dispose();
      g[0]!.dispose();
      p = next;
    }
    assert.ok(Array.from(p[0]!.dataSync()).every((v) => Math.abs(v) < 0.05));
    const other = new Adam(p, 0.1);
    other.setState(JSON.parse(JSON.stringify(adam.getState())));
    const g = [tf.tensor1d([1, 1])];
    assert.deepEqual(
      Array.from(other.step(p, g)[0]!.dataSync()),
      Array.from(adam.step(p, g)[0]!.dataSync()),
    );
    assert.throws(() => other.setState({ step: 1, m: [], v: [] }), /1 moment tensors/);
  });
});

describe('ClippedAdam', () => {
  it('equals global-norm clipping then Adam over the same steps, and round-trips its state', async () => {
    const { ClippedAdam, globalNormClip } = await import('../../agents/index.js');
    const shapes = [[3, 4], [4], [4, 2], [2]];
    let a = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i));
    let b = a.map((t) => t.clone());
    const fused = new ClippedAdam(a, 0.05, 0.5, 0.9, 0.999, 1e-5);
    const plain = new Adam(b, 0.05, 0.9, 0.999, 1e-5);
    for (let step = 0; step < 5; step++) {
      const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 3, 'float32', 100 * step + i));
      const clipped = tf.tidy(() => globalNormClip(grads, 0.5).map((g) => tf.keep(g)));
      const nextA = fused.step(a, grads);
      const nextB = plain.step(b, clipped);
      for (const t of [...a, ...b, ...grads, ...clipped]) t.dispose();
      a = nextA;
      b = nextB;
    }
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!.dataSync();
      const y = b[i]!.dataSync();
      for (let k = 0; k < x.length; k++) assert.ok(Math.abs(x[k]! - y[k]!) < 1e-5, `${i}[${k}]`);
    }
    const state = fused.getState();
    const reference = plain.getState();
    assert.equal(state.step, reference.step);
    state.m.forEach((m, i) => {
      assert.deepEqual(m.shape, reference.m[i]!.shape, 'the per-tensor layout of Adam');
      for (const [k, x] of m.values.entries())
        assert.ok(Math.abs(x - reference.m[i]!.values[k]!) < 1e-5);
    });
    const copy = new ClippedAdam(a, 0.05, 0.5, 0.9, 0.999, 1e-5);
    copy.setState(state);
    assert.deepEqual(copy.getState(), state);
    for (const t of [...a, ...b]) t.dispose();
    for (const o of [fused, plain, copy]) o.dispose();
  });
});

describe('the plain-JS MLP (cpuMlp)', () => {
  const activations = ['tanh', 'relu', 'softplus', 'sigmoid', 'elu', 'identity'] as const;

  it('gives the tfjs MLP outputs (every activation), without tfjs ops', async () => {
    const { cpuMlpForward, mlpTape, readMlp } = await import('../../agents/nn/cpuMlp.js');
    for (const activation of activations) {
      // 9 rows and odd widths exercise the 4 × 2 blocked product's remainders.
      const spec = {
        sizes: [5, 7, 3],
        activation,
        outputActivation: 'identity',
        bias: true,
      } as const;
      const params = initMlp(spec, new RNG(1), { scheme: 'torch' });
      const x = tf.randomNormal([9, 5], 0, 1, 'float32', 2);
      const ref = tf.tidy(() => mlp(params, x, spec).dataSync());
      const out = cpuMlpForward(readMlp(params, spec), x.dataSync(), 9, mlpTape(spec, 9));
      for (let i = 0; i < 27; i++)
        assert.ok(Math.abs(out[i]! - ref[i]!) < 1e-5, `${activation} ${i}`);
      for (const t of [...params, x]) t.dispose();
    }
  });

  it("back-propagates tfjs's gradient of the same network (every activation)", async () => {
    const { backwardScratch, cpuMlpBackward, cpuMlpForward, mlpTape, readMlp } = await import(
      '../../agents/nn/cpuMlp.js'
    );
    for (const activation of activations) {
      const spec = {
        sizes: [3, 6, 5, 2],
        activation,
        outputActivation: 'tanh',
        bias: true,
      } as const;
      const params = initMlp(spec, new RNG(3), { scheme: 'torch' });
      const x = tf.randomNormal([7, 3], 0, 1, 'float32', 4);
      const upstream = tf.randomNormal([7, 2], 0, 1, 'float32', 5);
      // L = Σ upstream ⊙ f(x): dL/df = upstream.
      const ref = tf.grads((...p: tf.Tensor[]) => mlp(p, x, spec).mul(upstream).sum())(params);
      const net = readMlp(params, spec);
      const tape = mlpTape(spec, 7);
      cpuMlpForward(net, x.dataSync(), 7, tape);
      const grads = {
        weights: net.weights.map((w) => new Float64Array(w.length)),
        biases: net.biases.map((b) => new Float64Array(b!.length)),
      };
      cpuMlpBackward(
        net,
        tape,
        Float64Array.from(upstream.dataSync()),
        grads,
        backwardScratch(7, 6),
      );
      const got = grads.weights.flatMap((w, l) => [w, grads.biases[l]!]);
      got.forEach((g, i) => {
        const r = ref[i]!.dataSync();
        for (let k = 0; k < g.length; k++)
          assert.ok(
            Math.abs(g[k]! - r[k]!) < 1e-4,
            `${activation} tensor ${i}[${k}]: ${g[k]} vs ${r[k]}`,
          );
      });
      for (const t of [...params, ...ref, x, upstream]) t.dispose();
    }
  });

  it('gemm computes P·B bit for bit as one sequential sum per element, in WebAssembly and in JS', async () => {
    const { gemm, gemmJs, gemmPath } = await import('../../agents/nn/cpuGemm.js');
    assert.equal(gemmPath(), 'wasm', 'Node 20 has WebAssembly SIMD: the fast path must load');
    const rng = new RNG(9);
    // Every block remainder (4 × 4 and 1 × 4 blocks, scalar columns), a rollout's single row,
    // the critic's one output, and a product larger than the module's first memory page.
    for (const [m, n, k] of [
      [1, 1, 1],
      [1, 64, 11],
      [4, 2, 3],
      [5, 3, 2],
      [7, 5, 11],
      [8, 64, 13],
      [64, 1, 64],
      [66, 7, 64],
      [160, 150, 140],
      [3, 4, 1],
    ] as const) {
      const p = Float64Array.from({ length: m * k }, () => rng.normal());
      const b = Float64Array.from({ length: k * n }, () => rng.normal());
      const before = Float64Array.from({ length: m * n }, () => rng.normal());
      const sums = new Float64Array(m * n);
      for (let a = 0; a < m; a++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += p[a * k + t]! * b[t * n + j]!;
          sums[a * n + j] = s;
        }
      for (const product of [gemm, gemmJs]) {
        const c = before.slice();
        product(c, p, b, m, n, k, true);
        assert.deepEqual(
          c,
          before.map((x, i) => x + sums[i]!),
          `${product.name} ${m}×${n}×${k} +=`,
        );
        c.fill(Number.NaN); // not accumulating: C's old contents are never read
        product(c, p, b, m, n, k, false);
        assert.deepEqual(c, sums, `${product.name} ${m}×${n}×${k} =`);
      }
    }
  });

  it("the WebAssembly tanh is V8's Math.tanh bit for bit (every exponent, ±0, ±Inf, NaN)", async () => {
    const { heap64, stage, wasmKernels } = await import('../../agents/nn/kernelModule.js');
    const rng = new RNG(11);
    const xs: number[] = [0, -0, 1, -1, 22, -22, 21.999999, Infinity, -Infinity, NaN, 5e-324];
    xs.push(
      2 ** -28,
      -(2 ** -28),
      2 ** -28 * (1 - 2 ** -53),
      0.3465735912322998,
      1.0397205352783203,
    );
    // Both sides of every exponent, then the ranges activations live in.
    for (let e = -1074; e < 1024; e++)
      for (let j = 0; j < 6; j++) xs.push((j % 2 ? -1 : 1) * (1 + rng.uniform()) * 2 ** e);
    for (let i = 0; i < 100_000; i++) xs.push(rng.normal() * 3, (rng.uniform() - 0.5) * 50);
    // Dense around every case boundary: |x| = 2⁻²⁸, 1, 22; expm1's |a| = 2|x| thresholds; and
    // each a = (k ± ½)·ln2 where the reduction's k changes (k = 20 and 56 switch formulas).
    const edges = [2 ** -28, 1, 22, 0.3465735912322998 / 2, 1.0397205352783203 / 2];
    for (let k = 0; k < 64; k++) edges.push(((k + 0.5) * Math.LN2) / 2);
    for (const edge of edges)
      for (let i = 0; i < 400; i++) {
        const x = edge * (1 + (rng.uniform() - 0.5) * (i < 200 ? 2e-15 : 4e-7));
        xs.push(x, -x);
      }
    xs.push(0.5); // an odd count: the last value takes the single-lane path
    const [at] = stage(xs.length);
    heap64().set(xs, at!);
    wasmKernels!.tanhInPlace(at! * 8, xs.length);
    const got = heap64().subarray(at!, at! + xs.length);
    const wrong = xs.filter((x, i) => !Object.is(got[i], Math.tanh(x)));
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${xs.length} values differ`);
  });

  it("the dense layer kernels and Adam give the JavaScript twins' bits (forward, backward, step)", async () => {
    const {
      backwardScratch,
      cpuMlpBackward,
      cpuMlpForward,
      cpuMlpJvp,
      mlpTape,
      readMlp,
      zeroGrads,
    } = await import('../../agents/nn/cpuMlp.js');
    const { setGemmPath } = await import('../../agents/nn/kernelModule.js');
    const { FlatClippedAdam } = await import('../../agents/nn/cpuAdam.js');
    // Kernel activations (tanh, relu, identity) and one the kernel leaves to JS (softplus);
    // odd widths and row counts for every block remainder; with and without biases.
    const cases = [
      { sizes: [5, 7, 3], activation: 'tanh', bias: true, rows: 9 },
      { sizes: [11, 64, 64, 2], activation: 'tanh', bias: true, rows: 64 },
      { sizes: [3, 6, 1], activation: 'relu', bias: false, rows: 1 },
      { sizes: [4, 9, 5], activation: 'softplus', bias: true, rows: 6 },
      { sizes: [2, 3], activation: 'identity', bias: true, rows: 3 },
    ] as const;
    const run = (path: 'wasm' | 'js', c: (typeof cases)[number]) => {
      setGemmPath(path);
      try {
        const spec = {
          sizes: [...c.sizes],
          activation: c.activation,
          outputActivation: 'tanh',
          bias: c.bias,
        } as const;
        const params = initMlp(spec, new RNG(5), { scheme: 'torch' });
        const net = readMlp(params, spec);
        for (const t of params) t.dispose();
        const rng = new RNG(6);
        const x = Float64Array.from({ length: c.rows * c.sizes[0] }, () => rng.normal());
        const dOut = Float64Array.from({ length: c.rows * c.sizes.at(-1)! }, () => rng.normal());
        const tape = mlpTape(spec, c.rows);
        const out = cpuMlpForward(net, x, c.rows, tape).slice();
        // The forward-mode derivative along a random tangent (before the backward pass reuses
        // the scratch).
        const scratch = backwardScratch(c.rows, Math.max(...c.sizes));
        const tangent = zeroGrads(spec);
        for (const a of [...tangent.weights, ...tangent.biases])
          for (let i = 0; i < (a?.length ?? 0); i++) a![i] = rng.normal();
        const jvp = cpuMlpJvp(net, tape, tangent, scratch).slice(0, c.rows * c.sizes.at(-1)!);
        const grads = zeroGrads(spec);
        cpuMlpBackward(net, tape, dOut, grads, scratch);
        // Adam on the flattened weights, two steps (the second with clipping).
        const theta = Float32Array.from(net.weights.flatMap((w) => [...w]));
        const flat = Float64Array.from(grads.weights.flatMap((w) => [...w]));
        const adam = new FlatClippedAdam(theta, [[theta.length]], 1e-2, 0.05, 0.9, 0.999, 1e-5);
        adam.step(flat);
        adam.step(flat.map((g) => g * 3));
        return { out, jvp, grads, theta, state: adam.getState() };
      } finally {
        setGemmPath('wasm');
      }
    };
    for (const c of cases) {
      const wasm = run('wasm', c);
      const js = run('js', c);
      const what = `${c.sizes.join('-')} ${c.activation}`;
      assert.deepEqual(wasm.out, js.out, `${what}: forward`);
      assert.deepEqual(wasm.jvp, js.jvp, `${what}: forward-mode derivative`);
      assert.deepEqual(wasm.grads, js.grads, `${what}: backward`);
      assert.deepEqual(wasm.theta, js.theta, `${what}: Adam's θ`);
      assert.deepEqual(wasm.state, js.state, `${what}: Adam's moments`);
    }
  });

  it('the embedded WebAssembly module is kernels.wat assembled (rebuild with npm run build:kernels)', async () => {
    const { readFileSync } = await import('node:fs');
    const { assembleKernelsWat } = await import('../../scripts/kernelsWat.js');
    const { KERNELS_WASM_BASE64 } = await import('../../agents/nn/kernelsWasm.js');
    const source = readFileSync(new URL('../../agents/nn/kernels.wat', import.meta.url), 'utf8');
    assert.equal(
      Buffer.from(await assembleKernelsWat(source)).toString('base64'),
      KERNELS_WASM_BASE64,
    );
  });
});
