import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3 } from './runCli.js';

const SINE = [
  'sine',
  'train',
  '--iterations',
  '3',
  '--seeds',
  '1',
  '--test-tasks',
  '1',
  '--test-steps',
  '2',
  '--quiet',
];
const testMse = (path: string) =>
  JSON.parse(readFileSync(join(path, 'summary.json'), 'utf8')).testMseMl3.perSeed as number[];

describe('train --runs N --workers W (runs on worker threads)', () => {
  it('the worker count does not change any run, a run equals its single-run twin, and the same command again skips finished runs', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-multirun-'));
    const one = ml3(
      ...SINE,
      '--seed',
      '4',
      '--runs',
      '2',
      '--workers',
      '1',
      '--out',
      out,
      '--name',
      'w1',
      '--json',
    );
    assert.equal(one.code, 0, one.stderr);
    const two = ml3(
      ...SINE,
      '--seed',
      '4',
      '--runs',
      '2',
      '--workers',
      '2',
      '--out',
      out,
      '--name',
      'w2',
      '--json',
    );
    assert.equal(two.code, 0, two.stderr);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    assert.deepEqual(
      a.map((o: { seed: number }) => o.seed),
      [4, 5],
    );
    assert.ok(a.every((o: { status: string }) => o.status === 'completed'));
    for (let i = 0; i < 2; i++) assert.deepEqual(testMse(b[i].path), testMse(a[i].path));
    // The run of seed 5 equals a plain single run of seed 5 in the main thread.
    const single = ml3(...SINE, '--seed', '5', '--out', out, '--name', 'single');
    assert.equal(single.code, 0, single.stderr);
    assert.deepEqual(testMse(join(out, 'sine', 'single')), testMse(a[1].path));
    // Again: nothing to do.
    const again = ml3(
      ...SINE,
      '--seed',
      '4',
      '--runs',
      '2',
      '--workers',
      '2',
      '--out',
      out,
      '--name',
      'w2',
      '--json',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout).map((o: { status: string }) => o.status),
      ['skipped', 'skipped'],
    );
  });
});
