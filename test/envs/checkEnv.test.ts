import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Box,
  checkEnv,
  EnvCheckError,
  make,
  type ResetArgs,
  type ResetResult,
  RNG,
  type StepResult,
} from '../../envs/index.js';
import { WalkEnv } from './helpers.js';

function failsAt(env: unknown, check: string, message?: RegExp) {
  assert.throws(
    () => checkEnv(env as WalkEnv, { skipRenderCheck: false }),
    (e: Error) => {
      assert.ok(e instanceof EnvCheckError, `expected EnvCheckError, got ${e}`);
      assert.equal(e.check, check, e.message);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('checkEnv', () => {
  it('passes a correct env and reports each check in order', () => {
    const seen: string[] = [];
    const report = checkEnv(new WalkEnv(), { onCheck: (n) => seen.push(n) });
    assert.deepEqual(report.passed, [
      'is env',
      'observation space',
      'action space',
      'reset return',
      'reset seeding',
      'reset options',
      'step return',
      'step determinism',
      'render',
      'close',
    ]);
    assert.deepEqual(seen, report.passed);
    assert.deepEqual(report.warnings, [
      'Not able to test alternative render modes because the environment has no spec (make it with make()).',
    ]);
  });

  it('renders every mode of a made env', () => {
    const report = checkEnv(make('classic/MountainCarContinuous-v0').unwrapped);
    assert.ok(report.passed.includes('render'));
  });

  it('fails for a non-env', () => failsAt({ reset() {} }, 'is env'));

  it('fails for malformed spaces', () => {
    failsAt(
      new (class extends WalkEnv {
        override observationSpace = [0, 1] as never;
      })(),
      'observation space',
      /must be a Space/,
    );
    const bad = new WalkEnv();
    const box = new Box(-1, 1, [1]);
    box.low[0] = 2; // corrupt after construction
    bad.actionSpace = box;
    failsAt(bad, 'action space', /low must be <= high/);
  });

  it('fails when reset does not return [obs, info] in the space', () => {
    failsAt(
      new (class extends WalkEnv {
        override reset = () => Float32Array.of(0) as never;
      })(),
      'reset return',
      /must return \[obs, info\]/,
    );
    failsAt(
      new (class extends WalkEnv {
        override reset = (): ResetResult<Float32Array> => [Float32Array.of(0), null as never];
      })(),
      'reset return',
      /info/,
    );
    failsAt(
      new (class extends WalkEnv {
        override reset = (): ResetResult<Float32Array> => [Float64Array.of(0) as never, {}];
      })(),
      'reset observation',
      /float32 typed array/,
    );
    failsAt(
      new (class extends WalkEnv {
        override observationSpace = new Box(-0.5, 0.5, [1], 'float32');
        override reset = (): ResetResult<Float32Array> => [Float32Array.of(3), {}];
      })(),
      'reset observation',
      /not within the observation space/,
    );
  });

  it('fails when seeding is ignored or randomness bypasses npRandom', () => {
    const outside = new RNG(99);
    failsAt(
      new (class extends WalkEnv {
        override reset({ seed }: ResetArgs = {}): ResetResult<Float32Array> {
          this.seedRng(seed);
          return [Float32Array.of(outside.uniform(-1, 1)), {}];
        }
      })(),
      'reset seeding',
      /reset\(\{ seed: 123 \}\) twice gave different observations/,
    );
    failsAt(
      new (class extends WalkEnv {
        override reset(): ResetResult<Float32Array> {
          return [Float32Array.of(this.npRandom.uniform(-1, 1)), {}];
        }
      })(),
      'reset seeding',
    );
  });

  it('fails when reset rejects options = {}', () => {
    failsAt(
      new (class extends WalkEnv {
        override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
          if (args.options) throw new Error('no options');
          return super.reset(args);
        }
      })(),
      'reset options',
      /threw: no options/,
    );
  });

  it('fails for malformed step results', () => {
    const withStep = (fn: () => unknown) =>
      new (class extends WalkEnv {
        override step = fn as never;
      })();
    failsAt(
      withStep(() => [Float32Array.of(0), 0, false, {}]),
      'step return',
      /\[obs, reward, terminated, truncated, info\]/,
    );
    failsAt(
      withStep(() => [Float32Array.of(0), '1', false, false, {}]),
      'step return',
      /reward .* must be a number/,
    );
    failsAt(
      withStep(() => [Float32Array.of(0), 1, 0, false, {}]),
      'step return',
      /terminated must be a boolean/,
    );
    failsAt(
      withStep(() => [Float32Array.of(0), 1, false, 'no', {}]),
      'step return',
      /truncated must be a boolean/,
    );
    failsAt(
      withStep(() => [Float32Array.of(0), 1, false, false, []]),
      'step return',
      /info .* must be an object/,
    );
    failsAt(
      withStep(() => [[0], 1, false, false, {}]),
      'step observation',
      /float32 typed array/,
    );
  });

  it('warns on NaN rewards and unnormalised action boxes', () => {
    const env = new (class extends WalkEnv {
      override actionSpace = new Box(-2, 2, [1], 'float32');
      override step(a: ArrayLike<number>): StepResult<Float32Array> {
        const r = super.step(a);
        r[1] = Number.NaN;
        return r;
      }
    })();
    const { warnings } = checkEnv(env);
    assert.ok(warnings.some((w) => /symmetric and normalized/.test(w)));
    assert.ok(warnings.some((w) => /NaN/.test(w)));
  });

  it('fails when steps are not deterministic', () => {
    let calls = 0;
    failsAt(
      new (class extends WalkEnv {
        override step(a: ArrayLike<number>): StepResult<Float32Array> {
          const r = super.step(a);
          r[4] = { call: calls++ };
          return r;
        }
      })(),
      'step determinism',
      /the info of step\(\) differs/,
    );
  });

  it('fails for a wrong render type and for close that cannot run twice', () => {
    const badRender = new (class extends WalkEnv {
      override render = () => 42 as never;
    })();
    badRender.renderMode = 'ansi';
    failsAt(badRender, 'render', /ansi mode must return a string/);
    const badRgb = new (class extends WalkEnv {
      override render = () => ({ height: 2, width: 2, data: new Uint8Array(5) }) as never;
    })();
    badRgb.metadata = { renderModes: ['rgb_array'], renderFps: 10 };
    badRgb.renderMode = 'rgb_array';
    failsAt(badRgb, 'render', /height×width×3/);
    let closes = 0;
    failsAt(
      new (class extends WalkEnv {
        override close() {
          if (closes++ > 0) throw new Error('already closed');
        }
      })(),
      'close',
      /second close\(\) threw: already closed/,
    );
  });
});
