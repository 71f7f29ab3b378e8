import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3, TINY_SINE } from './runCli.js';

const SINE = [...TINY_SINE, '--iterations', '3'];
const testMse = (path: string) =>
  JSON.parse(readFileSync(join(path, 'summary.json'), 'utf8')).testMseMl3.perSeed as number[];

describe('train --runs N --workers W (runs on worker threads)', () => {
  it('the worker count does not change any run, a run equals its single-run twin, and the same command again skips finished runs', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-multirun-'));
    /** Seeds 4 and 5 on `workers` threads into runs `<name>-seed4/5`; their outcomes. */
    const runs = (workers: number, name: string) => {
      const r = ml3(
        ...SINE,
        '--seed',
        '4',
        '--runs',
        '2',
        '--workers',
        String(workers),
        '--out',
        out,
        '--name',
        name,
        '--json',
      );
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const a = runs(1, 'w1');
    const b = runs(2, 'w2');
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
    assert.deepEqual(
      runs(2, 'w2').map((o: { status: string }) => o.status),
      ['skipped', 'skipped'],
    );
  });
});
