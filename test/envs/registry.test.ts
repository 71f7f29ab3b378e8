import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  collectWarnings,
  DeprecatedEnv,
  MountainCarContinuousEnv,
  make,
  NameNotFound,
  NamespaceNotFound,
  OrderEnforcing,
  PassiveEnvChecker,
  parseEnvId,
  RegistrationError,
  register,
  registry,
  spec,
  TimeLimit,
  unregister,
  VersionNotFound,
  type Wrapper,
} from '../../envs/index.js';
import { WalkEnv } from './helpers.js';

const added: string[] = [];
function reg(id: string, extra: Record<string, unknown> = {}) {
  added.push(id);
  return register({
    id,
    entryPoint: (kw) => new WalkEnv(kw.episodeLength as number | undefined),
    ...extra,
  });
}
afterEach(() => {
  for (const id of added.splice(0)) unregister(id);
});

describe('registry', () => {
  it('parses ids with Gymnasium grammar', () => {
    assert.deepEqual(parseEnvId('rapier/Reacher-v1'), {
      namespace: 'rapier',
      name: 'Reacher',
      version: 1,
    });
    assert.deepEqual(parseEnvId('CartPole'), {
      namespace: undefined,
      name: 'CartPole',
      version: undefined,
    });
    assert.deepEqual(parseEnvId('ns:x/My.Env-v12'), {
      namespace: 'ns:x',
      name: 'My.Env',
      version: 12,
    });
    assert.throws(() => parseEnvId('a/b/c'), /malformed environment id/);
  });

  it('an older version than the registered one is a DeprecatedEnv naming the current id', () => {
    assert.throws(
      () => make('rapier/Reacher-v0'),
      (e: Error) =>
        e instanceof DeprecatedEnv &&
        e instanceof VersionNotFound &&
        /v0 for rapier\/Reacher is deprecated\. Please use rapier\/Reacher-v1 instead/.test(
          e.message,
        ),
    );
    assert.throws(() => make('rapier/Reacher-v7'), /doesn't exist\. Available: rapier\/Reacher-v1/);
  });

  it('lists the package envs', () => {
    assert.ok(registry.has('classic/MountainCarContinuous-v0'));
    const s = spec('classic/MountainCarContinuous-v0');
    assert.equal(s.maxEpisodeSteps, 999);
    assert.equal(s.rewardThreshold, 90);
  });

  it('make wraps PassiveEnvChecker → OrderEnforcing → TimeLimit and records the spec', () => {
    const env = make('classic/MountainCarContinuous-v0') as Wrapper;
    assert.ok(env instanceof TimeLimit);
    assert.ok(env.env instanceof OrderEnforcing);
    assert.ok((env.env as Wrapper).env instanceof PassiveEnvChecker);
    assert.ok(env.unwrapped instanceof MountainCarContinuousEnv);
    assert.equal(env.spec?.id, 'classic/MountainCarContinuous-v0');
    assert.equal(
      String(env),
      '<TimeLimit<OrderEnforcing<PassiveEnvChecker<MountainCarContinuousEnv<classic/MountainCarContinuous-v0>>>>>',
    );
    const bare = make('classic/MountainCarContinuous-v0', {
      disableEnvChecker: true,
      maxEpisodeSteps: 5,
    }) as Wrapper;
    assert.ok(
      !(bare.env as Wrapper).env || !((bare.env as Wrapper).env instanceof PassiveEnvChecker),
    );
    assert.equal((bare as TimeLimit<unknown, unknown>).maxEpisodeSteps, 5);
    assert.equal(bare.spec?.maxEpisodeSteps, 5);
  });

  it('passes kwargs over the registered defaults and truncates at the limit', () => {
    reg('test/Walk-v0', { kwargs: { episodeLength: 100 }, maxEpisodeSteps: 4 });
    const env = make('test/Walk-v0', { episodeLength: 2 });
    assert.equal((env.unwrapped as WalkEnv).episodeLength, 2);
    assert.deepEqual(env.spec?.kwargs, { episodeLength: 2 });
    const long = make('test/Walk-v0');
    long.reset({ seed: 0 });
    const flags = Array.from({ length: 4 }, () => long.step([0]).slice(2, 4));
    assert.deepEqual(flags, [
      [false, false],
      [false, false],
      [false, false],
      [false, true],
    ]);
  });

  it('unknown ids get errors that say what exists and suggest close ids', () => {
    assert.throws(
      () => make('nope/X-v0'),
      (e: Error) =>
        e instanceof NamespaceNotFound && /Registered namespaces: .*classic/.test(e.message),
    );
    assert.throws(
      () => make('classic/MountainCarContinous-v0'),
      (e: Error) =>
        e instanceof NameNotFound && /Did you mean: classic\/MountainCarContinuous/.test(e.message),
    );
    assert.throws(
      () => make('classic/MountainCarContinuous-v7'),
      (e: Error) =>
        e instanceof VersionNotFound &&
        /v7.*Available: classic\/MountainCarContinuous-v0/.test(e.message),
    );
    assert.throws(() => make('classic/MountainCarContinuous'), VersionNotFound);
  });

  it('rejects unversioned and versioned ids of one name side by side, warns on re-registration', () => {
    reg('test/Dup-v0');
    assert.throws(() => reg('test/Dup'), RegistrationError);
    reg('test/Solo');
    assert.throws(() => reg('test/Solo-v1'), RegistrationError);
    const { warnings } = collectWarnings(() => reg('test/Dup-v0'));
    assert.match(warnings[0]!, /Overriding environment test\/Dup-v0/);
    assert.throws(
      () => register({ id: 'test/Bad-v0', entryPoint: 5 as never }),
      /entryPoint must be a function/,
    );
    assert.throws(
      () => make('classic/MountainCarContinuous-v0', { maxEpisodeSteps: 0 }),
      /positive integer/,
    );
  });

  it('rejects unknown constructor arguments and render modes', () => {
    // The compiler rejects both for a literal id (test/envs/typedMake.test.ts); a string id
    // computed at run time reaches the runtime checks.
    const id: string = 'classic/MountainCarContinuous-v0';
    assert.throws(() => make(id, { powr: 1 }), /unknown parameter "powr"; allowed: .*power/);
    assert.throws(
      () => make(id, { renderMode: 'human' }),
      /renderMode must be one of rgb_array, ansi/,
    );
    assert.throws(
      () => make('classic/MountainCarContinuous-v0', { power: Number.NaN }),
      /finite number/,
    );
  });
});
