import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AsyncVectorEnv,
  AutoresetMode,
  ClosedEnvironmentError,
  deepEqual,
  GymError,
  InvalidAction,
  makeVec,
  ResetNeeded,
  SyncVectorEnv,
} from '../../envs/index.js';
// Registers the faulty envs in this thread too (the workers import the same module).
import './fixtures/faultyEnvs.js';
import { wrappedReacher } from './fixtures/wrappedEnvs.js';

const FAULTY = new URL('./fixtures/faultyEnvs.ts', import.meta.url).href;

/** Runs the same seeded actions through an async and a sync vector env and compares everything. */
function compare(
  id: string,
  numEnvs: number,
  actions: (t: number) => unknown,
  steps: number,
  mode?: AutoresetMode,
  maxEpisodeSteps?: number,
) {
  const opts = maxEpisodeSteps ? { maxEpisodeSteps } : {};
  const a = new AsyncVectorEnv({ id, numEnvs, makeOptions: opts, autoresetMode: mode });
  const s = makeVec(id, numEnvs, { ...opts, autoresetMode: mode });
  try {
    assert.ok(deepEqual(a.reset({ seed: 7 }), s.reset({ seed: 7 })), 'reset');
    for (let t = 0; t < steps; t++) {
      const ra = a.step(actions(t) as never);
      const rs = s.step(actions(t) as never);
      assert.ok(
        deepEqual(ra, rs),
        `step ${t}: ${JSON.stringify(ra[4])} vs ${JSON.stringify(rs[4])}`,
      );
    }
    const mask = Array.from({ length: numEnvs }, (_, i) => i % 2 === 0);
    assert.ok(
      deepEqual(
        a.reset({ seed: 3, options: { resetMask: mask } }),
        s.reset({ seed: 3, options: { resetMask: mask } }),
      ),
      'masked reset',
    );
    assert.ok(deepEqual(a.call('getState'), s.call('getState')), 'call');
  } finally {
    a.close();
    s.close();
  }
}

describe('AsyncVectorEnv', () => {
  it('matches SyncVectorEnv bit for bit: reacher with infos and NEXT_STEP autoreset', () => {
    const acts = (t: number) => Float32Array.from({ length: 10 }, (_, i) => Math.sin(t + i));
    compare('rapier/Reacher-v1', 5, acts, 12, AutoresetMode.NEXT_STEP, 4);
  });

  it('matches SyncVectorEnv with SAME_STEP autoreset (finalObs / finalInfo) and discrete actions', () => {
    compare(
      'rapier/Reacher-v1',
      3,
      (t) => new Float32Array(6).fill(t % 2 ? 0.5 : -0.5),
      9,
      AutoresetMode.SAME_STEP,
      4,
    );
    compare(
      'rapier/MountainCar-v0',
      4,
      (t) => Int32Array.from([t % 3, 2, 0, 1]),
      6,
      AutoresetMode.NEXT_STEP,
      3,
    );
  });

  it('builds sub-envs from a factory module + export (wrapped envs), as SyncVectorEnv does', () => {
    const factory = {
      module: new URL('./fixtures/wrappedEnvs.ts', import.meta.url).href,
      export: 'wrappedReacher',
      fn: wrappedReacher,
    };
    const parallel = new AsyncVectorEnv({ numEnvs: 4, numWorkers: 1, envFactory: factory });
    const serial = new SyncVectorEnv(Array.from({ length: 4 }, (_, i) => () => wrappedReacher(i)));
    assert.deepEqual(parallel.reset({ seed: 5 })[0], serial.reset({ seed: 5 })[0]);
    for (let t = 0; t < 5; t++) {
      const actions = Float32Array.from({ length: 8 }, (_, j) => 2 * Math.sin(t + j));
      const [op, rp] = parallel.step(actions);
      const [os, rs] = serial.step(actions);
      assert.deepEqual(op, os);
      assert.deepEqual(rp, rs);
      // Each sub-env was made with its own index (the worker's envs are 2 and 3).
      assert.deepEqual(
        Array.from(rp, (r) => Math.round(r / 1000) + 0),
        [0, 1, 2, 3],
      );
    }
    parallel.close();
    serial.close();
    assert.throws(
      () => new AsyncVectorEnv({ numEnvs: 2, envFactory: { ...factory, export: 'nothing' } }),
      /has no exported function "nothing" \(exports: wrappedReacher\)/,
    );
    assert.throws(
      () => new AsyncVectorEnv({ numEnvs: 2, id: 'rapier/Reacher-v1', envFactory: factory }),
      /exactly one of `id` \(a registered env\) and `envFactory`/,
    );
  });

  it('surfaces errors from the workers with their class', () => {
    const envs = new AsyncVectorEnv({
      id: 'rapier/Reacher-v1',
      numEnvs: 2,
      autoresetMode: AutoresetMode.DISABLED,
      makeOptions: { maxEpisodeSteps: 1 },
    });
    try {
      envs.reset({ seed: 0 });
      assert.throws(() => envs.step(new Float32Array(3) as never), InvalidAction);
      // Checked before any sub-env steps (the same check as SyncVectorEnv's).
      assert.throws(
        () => envs.step(Float32Array.of(Number.NaN, 0, 0, 0) as never),
        (e: Error) => e instanceof InvalidAction && /finite number/.test(e.message),
      );
      envs.step(new Float32Array(4) as never);
      assert.throws(() => envs.step(new Float32Array(4) as never), ResetNeeded);
    } finally {
      envs.close();
    }
    envs.close();
    assert.throws(() => envs.reset(), ClosedEnvironmentError);
  });

  it('a crashing env or worker surfaces an error instead of hanging, and close() still works', () => {
    const throwing = new AsyncVectorEnv({ id: 'test/Throwing-v0', numEnvs: 2, modules: [FAULTY] });
    throwing.reset({ seed: 0 });
    let failure: unknown;
    for (let t = 0; t < 10 && !failure; t++) {
      try {
        throwing.step(Float32Array.of(1, 1) as never);
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(
      failure instanceof Error && /simulated failure/.test((failure as Error).message),
      String(failure),
    );
    throwing.close();
    const exiting = new AsyncVectorEnv({
      id: 'test/Exiting-v0',
      numEnvs: 2,
      modules: [FAULTY],
      timeoutMs: 1500,
    });
    exiting.reset({ seed: 0 });
    exiting.step(Float32Array.of(0, 0) as never);
    assert.throws(
      () => exiting.step(Float32Array.of(0, 0) as never),
      (e: Error) => e instanceof GymError && /exited \(code 3\)/.test(e.message),
    );
    exiting.close();
    assert.throws(
      () => new AsyncVectorEnv({ id: 'rapier/Reacher-v1', numEnvs: 1 }),
      /at least 2 envs/,
    );
  });
});

describe('partitionRange', () => {
  it('covers every env exactly once, the main chunk sized by mainShare', async () => {
    const { partitionRange } = await import('../../envs/vector/sharedLayout.js');
    for (const [numEnvs, numWorkers, mainShare] of [
      [16, 1, 1],
      [17, 3, 0.5],
      [2, 1, 1],
      [64, 1, 0.8],
    ] as const) {
      const ranges = Array.from({ length: numWorkers + 1 }, (_, p) =>
        partitionRange(p, { numEnvs, numWorkers, mainShare }),
      );
      let next = 0;
      for (const [start, count] of ranges) {
        assert.equal(start, next);
        assert.ok(count >= 1);
        next += count;
      }
      assert.equal(next, numEnvs);
      assert.equal(
        ranges[0]![1],
        Math.max(1, Math.round((numEnvs / (numWorkers + 1)) * mainShare)),
      );
    }
  });
});

describe('info codec', () => {
  it('sends numeric infos as numbers, re-sends the key list only when it changes, falls back to JSON', async () => {
    const { InfoReader, InfoWriter } = await import('../../envs/vector/infoCodec.js');
    const { SharedText } = await import('../../envs/vector/sharedText.js');
    const buffer = new SharedArrayBuffer(1 << 16);
    const text = new SharedText(buffer, 0, 4096);
    const numeric = new Float64Array(buffer, 8192, 64);
    const writer = new InfoWriter(text, numeric, 3);
    const reader = new InfoReader(text, numeric, 3);
    const a = { r: Float64Array.of(1, 2, 3), _r: Uint8Array.of(1, 1, 0) };
    writer.write(a);
    assert.ok(text.read().startsWith('#N['), 'first time: marker and key list');
    assert.deepEqual(reader.read(), a);
    const b = { r: Float64Array.of(4, 5, 6), _r: Uint8Array.of(0, 1, 1) };
    writer.write(b);
    assert.equal(text.read(), '#N', 'same keys: the marker alone');
    assert.deepEqual(reader.read(), b);
    const c = { s: ['x', undefined, 'y'], _s: Uint8Array.of(1, 0, 1) };
    writer.write(c);
    assert.deepEqual(
      reader.read(),
      { s: ['x', null, 'y'], _s: Uint8Array.of(1, 0, 1) },
      'JSON for non-numeric infos',
    );
    writer.write({});
    assert.equal(reader.read(), undefined);
    writer.write(a);
    assert.deepEqual(reader.read(), a, 'after JSON the key list is sent again');
  });
});
