import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutoresetMode,
  addInfo,
  Box,
  ClosedEnvironmentError,
  InvalidAction,
  InvalidSeed,
  MultiDiscrete,
  makeVec,
  ResetNeeded,
  SyncVectorEnv,
} from '../../envs/index.js';
import { EchoEnv, WalkEnv } from './helpers.js';

const walks = (n: number, len = 2, mode?: AutoresetMode) =>
  new SyncVectorEnv<Float32Array, Float32Array>(
    Array.from({ length: n }, () => () => new WalkEnv(len)),
    { autoresetMode: mode },
  );

describe('SyncVectorEnv', () => {
  it('has single and batched spaces', () => {
    const envs = walks(3);
    assert.equal(envs.numEnvs, 3);
    assert.deepEqual((envs.observationSpace as Box).shape, [3, 1]);
    assert.deepEqual((envs.actionSpace as Box).shape, [3, 1]);
    assert.ok(envs.singleActionSpace.equals(new Box(-1, 1, [1])));
    const discrete = new SyncVectorEnv([() => new EchoEnv(), () => new EchoEnv()]);
    assert.ok(discrete.actionSpace instanceof MultiDiscrete);
    assert.equal(envs.metadata.autoresetMode, AutoresetMode.NEXT_STEP);
  });

  it('seeds env i with seed + i, or each with its listed seed', () => {
    const envs = walks(3);
    const [obs] = envs.reset({ seed: 10 });
    const single = (seed: number) => new WalkEnv().reset({ seed })[0][0];
    assert.deepEqual(Array.from(obs), [single(10), single(11), single(12)]);
    const [obs2] = envs.reset({ seed: [5, 7, 5] });
    assert.deepEqual(Array.from(obs2), [single(5), single(7), single(5)]);
    assert.throws(() => envs.reset({ seed: [1, 2] }), /list of 3 seeds/);
    assert.throws(() => envs.reset({ seed: -3 }), InvalidSeed);
  });

  it('NEXT_STEP: the step after an episode ends resets that env with reward 0 and flags false', () => {
    const envs = walks(2, 2);
    envs.reset({ seed: 0 });
    envs.step(Float32Array.of(0.1, 0.1));
    const [, , term] = envs.step(Float32Array.of(0.1, 0.1));
    assert.deepEqual(Array.from(term), [1, 1]);
    const [obs, rew, term2, trunc2, infos] = envs.step(Float32Array.of(0.5, 0.5));
    assert.deepEqual(Array.from(rew), [0, 0]);
    assert.deepEqual(Array.from(term2), [0, 0]);
    assert.deepEqual(Array.from(trunc2), [0, 0]);
    assert.equal(infos.start instanceof Uint8Array, true, 'the reset info is reported');
    const positions = envs.envs.map((e) => (e as WalkEnv).position);
    assert.deepEqual(Array.from(obs), positions.map(Math.fround));
    assert.deepEqual(
      envs.envs.map((e) => (e as WalkEnv).t),
      [0, 0],
      'the action was ignored',
    );
  });

  it('SAME_STEP: resets inside the ending step and reports finalObs / finalInfo', () => {
    const envs = walks(2, 2, AutoresetMode.SAME_STEP);
    envs.reset({ seed: 0 });
    envs.step(Float32Array.of(0.1, 0.1));
    const [obs, rew, term, , infos] = envs.step(Float32Array.of(0.1, 0.1));
    assert.deepEqual(Array.from(term), [1, 1]);
    assert.ok(rew[0] !== 0);
    const finalObs = infos.finalObs as Float32Array[];
    assert.equal(finalObs.length, 2);
    assert.equal(finalObs[0]![0], Math.fround(rew[0]!), 'final obs is the terminal position');
    assert.deepEqual(Array.from(infos._finalObs as Uint8Array), [1, 1]);
    // As Gymnasium 1.x, final infos are batched like any info dict.
    assert.deepEqual(infos.finalInfo, { step: Float64Array.of(2, 2), _step: Uint8Array.of(1, 1) });
    assert.deepEqual(
      Array.from(obs),
      envs.envs.map((e) => (e as WalkEnv).position),
    );
  });

  it('DISABLED: stepping an ended env is an error until resetMask resets it', () => {
    const envs = walks(2, 1, AutoresetMode.DISABLED);
    envs.reset({ seed: 0 });
    envs.step(Float32Array.of(0, 0));
    assert.throws(() => envs.step(Float32Array.of(0, 0)), ResetNeeded);
    const before = (envs.envs[1] as WalkEnv).position;
    const [obs] = envs.reset({ options: { resetMask: [true, false] } });
    assert.equal(obs[1], Math.fround(before), 'env 1 keeps its observation');
    assert.throws(() => envs.step(Float32Array.of(0, 0)), /sub-env 1 ended/);
    assert.equal((envs.envs[0] as WalkEnv).t, 0, 'a refused step steps no env');
    envs.reset({ options: { resetMask: [false, true] } });
    const [, , term] = envs.step(Float32Array.of(0, 0));
    assert.deepEqual(Array.from(term), [1, 1]);
    assert.throws(() => envs.reset({ options: { resetMask: [false, false] } }), /selects no env/);
  });

  it('batches infos with masks', () => {
    const infos = {};
    addInfo(infos, { a: 1, nested: { b: true }, s: 'x' }, 1, 3);
    addInfo(infos, { a: 2 }, 2, 3);
    assert.deepEqual(infos, {
      a: Float64Array.of(0, 1, 2),
      _a: Uint8Array.of(0, 1, 1),
      nested: { b: Uint8Array.of(0, 1, 0), _b: Uint8Array.of(0, 1, 0) },
      _nested: Uint8Array.of(0, 1, 0),
      s: [undefined, 'x', undefined],
      _s: Uint8Array.of(0, 1, 0),
    });
  });

  it('validates the batch of actions and refuses use after close', () => {
    const envs = walks(2);
    envs.reset({ seed: 0 });
    assert.throws(() => envs.step(Float32Array.of(0) as never), InvalidAction);
    envs.step([[0.1], [0.2]] as never);
    envs.close();
    envs.close();
    assert.throws(() => envs.step(Float32Array.of(0, 0)), ClosedEnvironmentError);
    assert.ok((envs.envs[0] as WalkEnv).closed === 1);
  });

  it('call / getAttr / setAttr reach every sub-env', () => {
    const envs = walks(2);
    envs.reset({ seed: 0 });
    assert.deepEqual(envs.getAttr('episodeLength'), [2, 2]);
    envs.setAttr('position', [1, 2]);
    assert.deepEqual(envs.call('render'), ['pos=1', 'pos=2']);
  });

  it('makeVec builds copies of a registered env with one vector step per call', () => {
    const envs = makeVec<Float32Array, Float32Array>('classic/MountainCarContinuous-v0', 4);
    const [obs] = envs.reset({ seed: 0 });
    assert.equal(obs.length, 8);
    const [next, rewards] = envs.step(new Float32Array(4).fill(1));
    assert.equal(next.length, 8);
    assert.equal(rewards.length, 4);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(rewards[i]! + 0.1) < 1e-12);
    envs.close();
  });
});
