/**
 * `checkEnv`: every check of Gymnasium's `check_env`, in its order. A failed check throws
 * {@link EnvCheckError} naming the check; advice (infinite bounds, unnormalised actions, NaN
 * rewards) is collected as warnings.
 */

import {
  type CheckReporter,
  checkRenderResult,
  checkResetResult,
  checkSpace,
  checkStepResult,
  throwingReporter,
} from './checks/passive.js';
import { Env } from './core/env.js';
import { EnvCheckError } from './core/errors.js';
import { rngStatesEqual } from './core/rng.js';
import { make } from './registry.js';

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Skip the render checks (default false). */
  skipRenderCheck?: boolean;
  /** Skip the close-twice check (default false). */
  skipCloseCheck?: boolean;
  /** Called after each check passes, with its name (the CLI prints them). */
  onCheck?: (name: string) => void;
}

/** What a passing {@link checkEnv} found. */
export interface CheckEnvReport {
  /** Names of the checks that passed, in order. */
  passed: string[];
  /** Advice that did not fail a check. */
  warnings: string[];
}

/** Deep equality for observations, infos and actions (typed arrays compared bit for bit). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor)
      return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => deepEqual(v, b[i]))
    );
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every(
        (k) =>
          k in b && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return false;
}

/**
 * Checks that `env` follows the Gymnasium API, in Gymnasium's order: it is an Env, its spaces
 * are well formed; `reset` returns `[obs, info]` with obs in the space; seeding (seed 123 twice
 * gives equal observations and RNG states, unseeded resets after them repeat too, seed 456 gives
 * another state); `reset` with `options: {}`; `step` with a sampled action returns a valid
 * 5-tuple; same seed and action ⇒ same step; render in every mode of `metadata`; `close` twice.
 *
 * @returns the passed checks and warnings; throws `EnvCheckError` at the first failure
 * @example
 * const { passed, warnings } = checkEnv(make('classic/MountainCarContinuous-v0').unwrapped);
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): CheckEnvReport {
  const report: CheckEnvReport = { passed: [], warnings: [] };
  const c: CheckContext = {
    env,
    r: throwingReporter((m) => report.warnings.push(m)),
    pass: (name: string) => {
      report.passed.push(name);
      options.onCheck?.(name);
    },
  };
  checkIsEnvWithSpaces(c);
  checkReset(c);
  checkSeeding(c);
  checkResetOptions(c);
  checkStep(c);
  if (!options.skipRenderCheck) checkRendering(c);
  if (!options.skipCloseCheck) {
    attempt('close', 'close()', () => env.close());
    attempt('close', 'a second close()', () => env.close());
    c.pass('close');
  }
  return report;
}

/** What every check step works with. */
interface CheckContext {
  env: Env;
  r: CheckReporter;
  /** Records a passed check. */
  pass(name: string): void;
}

/** Runs `fn`; an error it throws becomes the failure of `check` (saying what threw). */
function attempt<T>(check: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EnvCheckError) throw err;
    throw new EnvCheckError(check, `${what} threw: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** 1. an Env with well-formed spaces. */
function checkIsEnvWithSpaces({ env, r, pass }: CheckContext): void {
  if (!(env instanceof Env)) {
    throw new EnvCheckError('is env', `checkEnv needs an Env instance, got ${String(env)}`);
  }
  if (env.unwrapped !== env) {
    r.warn(
      `The environment (${String(env)}) is different from the unwrapped version (${String(env.unwrapped)}); this can affect the checks. Pass env.unwrapped to check the env alone.`,
    );
  }
  pass('is env');
  checkSpace(env.observationSpace, 'observation', r);
  pass('observation space');
  checkSpace(env.actionSpace, 'action', r);
  pass('action space');
}

/** 2. reset returns [obs, info]. */
function checkReset({ env, r, pass }: CheckContext): void {
  checkResetResult(
    env,
    attempt('reset return', 'reset()', () => env.reset()),
    r,
  );
  pass('reset return');
}

/** 4. reset with options = {} works. */
function checkResetOptions({ env, r, pass }: CheckContext): void {
  const withOptions = attempt('reset options', 'reset({ options: {} })', () =>
    env.reset({ options: {} }),
  );
  checkResetResult(env, withOptions, r);
  pass('reset options');
}

/** 3. seeding: seed 123 twice repeats (observations and RNG state), seed 456 differs. */
function checkSeeding({ env, r, pass }: CheckContext): void {
  const seeded = (seed?: number) =>
    attempt('reset seeding', `reset({ seed: ${seed} })`, () => env.reset({ seed }));
  const unseeded = () =>
    attempt('reset seeding', 'reset() after a seeded reset', () => env.reset());
  const [obs1] = seeded(123);
  const rng1 = env.npRandom.getState();
  const [obs2] = unseeded();
  const [obs3] = seeded(123);
  const rng3 = env.npRandom.getState();
  const [obs4] = unseeded();
  if (!deepEqual(obs1, obs3)) {
    r.fail(
      'reset seeding',
      'reset({ seed: 123 }) twice gave different observations: resets must be deterministic given the seed',
    );
  }
  if (!rngStatesEqual(rng1, rng3)) {
    r.fail(
      'reset seeding',
      'the env RNG state differs after two reset({ seed: 123 }): seed npRandom in reset (seedRng(seed))',
    );
  }
  if (!deepEqual(obs2, obs4)) {
    r.fail(
      'reset seeding',
      'unseeded resets after reset({ seed: 123 }) differ: all randomness must come from env.npRandom',
    );
  }
  if (env.npRandomSeed !== 123) {
    r.fail(
      'reset seeding',
      `npRandomSeed should be 123 after reset({ seed: 123 }), got ${env.npRandomSeed}`,
    );
  }
  seeded(456);
  if (rngStatesEqual(env.npRandom.getState(), rng1)) {
    r.fail(
      'reset seeding',
      'reset({ seed: 456 }) left the RNG in the state of seed 123: the seed is ignored',
    );
  }
  pass('reset seeding');
}

/** 5. step with a sampled action returns a valid 5-tuple; 6. the same seed and action repeat it. */
function checkStep({ env, r, pass }: CheckContext): void {
  env.actionSpace.seed(123);
  env.reset({ seed: 123 });
  const action = env.actionSpace.sample();
  const stepped = attempt('step return', 'step(actionSpace.sample())', () => env.step(action));
  checkStepResult(env, stepped, r);
  pass('step return');
  env.reset({ seed: 123 });
  const again = attempt('step determinism', 'step(actionSpace.sample())', () => env.step(action));
  const names = ['observation', 'reward', 'terminated', 'truncated', 'info'];
  for (let i = 0; i < 5; i++) {
    if (!deepEqual(stepped[i], again[i])) {
      r.fail(
        'step determinism',
        `the ${names[i]} of step() differs between two runs from reset({ seed: 123 }) with the same action`,
      );
    }
  }
  pass('step determinism');
}

/** 7. render: the env's own mode, then every mode of `metadata` on a fresh env from its spec. */
function checkRendering({ env, r, pass }: CheckContext): void {
  if (env.renderMode !== undefined) {
    const frame = attempt('render', 'render()', () => env.render());
    checkRenderResult(env, frame, r);
  }
  if (env.spec !== undefined) {
    for (const mode of env.metadata.renderModes) {
      const other = attempt(
        'render',
        `make(spec, { renderMode: "${mode}" })`,
        () => make(env.spec!, { renderMode: mode, disableEnvChecker: true }).unwrapped,
      );
      try {
        attempt('render', 'reset()', () => other.reset({ seed: 0 }));
        const frame = attempt('render', `render() in ${mode} mode`, () => other.render());
        checkRenderResult(other, frame, r);
      } finally {
        other.close();
      }
    }
  } else if (env.metadata.renderModes.length > 0) {
    r.warn(
      'Not able to test alternative render modes because the environment has no spec (make it with make()).',
    );
  }
  pass('render');
}
