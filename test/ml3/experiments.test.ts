/** Smoke runs of the ML3 commands at tiny budgets (the full runs are experiments, see the README). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { ml3 } from '../scripts/runCli.js';

describe('ml3 sine / shaped-sine (smoke)', () => {
  it('sine train writes learned losses, plots and a summary; sine test loads the loss files', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-sine-'));
    const train = ml3(
      'sine',
      'train',
      '--iterations',
      '3',
      '--seeds',
      '2',
      '--test-tasks',
      '2',
      '--test-steps',
      '4',
      '--eval-every',
      '1',
      '--test-every',
      '2',
      '--out',
      out,
      '--name',
      's',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    assert.deepEqual(summary.seeds, [0, 1]);
    assert.equal(summary.testCurve.length, 5, 'MSE before each of 4 steps and after the last');
    const run = join(out, 'sine', 's');
    for (const f of [
      'learned-loss-seed0.json',
      'learned-loss-seed1.json',
      'plots/test_mse_vs_steps.png',
      'plots/train_task_mse.png',
    ]) {
      assert.ok(existsSync(join(run, f)), f);
    }
    const png = PNG.sync.read(readFileSync(join(run, 'plots', 'test_mse_vs_steps.png')));
    assert.ok(png.width > 600);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.equal(config.backend, 'wasm');
    const test = ml3(
      'sine',
      'test',
      '--run',
      run,
      '--test-tasks',
      '2',
      '--test-steps',
      '3',
      '--json',
    );
    assert.equal(test.code, 0, test.stderr);
    const result = JSON.parse(test.stdout);
    assert.equal(result.perLossTestMseMl3.length, 2);
    assert.ok(Number.isFinite(result.testMseMl3) && Number.isFinite(result.testMseMse));
  });

  it('shaped-sine train and test report θ after one step for both variants', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-shaped-'));
    const train = ml3(
      'shaped-sine',
      'train',
      '--iterations',
      '2',
      '--inner-steps',
      '2',
      '--eval-every',
      '1',
      '--out',
      out,
      '--name',
      's',
      '--json',
      '--quiet',
    );
    assert.equal(train.code, 0, train.stderr);
    const summary = JSON.parse(train.stdout);
    assert.ok(
      Number.isFinite(summary.thetaAfterOneStep_extra) &&
        Number.isFinite(summary.thetaAfterOneStep_plain),
    );
    const test = ml3('shaped-sine', 'test', '--run', join(out, 'shaped-sine', 's'), '--json');
    assert.equal(test.code, 0, test.stderr);
    assert.equal(
      JSON.parse(test.stdout).thetaAfterOneStep_extra,
      summary.thetaAfterOneStep_extra,
      'the loaded loss gives the same step',
    );
    const bad = ml3('shaped-sine', 'train', '--extra', 'maybe');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--extra must be one of true, false, both/);
    const backend = ml3(
      'sine',
      'train',
      '--backend',
      'tensorflow',
      '--iterations',
      '1',
      '--out',
      out,
    );
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /npm install @tensorflow\/tfjs-node/);
  });
});
