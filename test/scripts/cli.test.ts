import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3 } from './runCli.js';

describe('ml3 CLI (smoke)', () => {
  it('ml3 --help / --version answer from the catalog without loading tfjs, the same text as the full program', () => {
    const quick = ml3('--help');
    assert.equal(quick.code, 0);
    const full = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const { runProgram } = await import('./scripts/program.ts'); await runProgram(['--help']);",
      ],
      { encoding: 'utf8' },
    );
    assert.equal(quick.stdout, full.stdout, 'the catalog lists what the full program has');
    const probe = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const { main } = await import('./scripts/cli.ts'); await main(['--version']); console.log('tfjs loaded:', globalThis._tfengine !== undefined);",
      ],
      { encoding: 'utf8' },
    );
    assert.match(probe.stdout, /^0\.1\.0\ntfjs loaded: false$/m);
  });

  it('demo (the main job) runs every env and an ML3 reacher run with its comparison table and distance-vs-K evidence (tiny budget here)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ml3-demo-'));
    const a = ml3('demo', '--out', out, '--iterations', '2', '--goals', '1');
    assert.equal(a.code, 0, a.stderr);
    assert.match(
      a.stdout,
      /rapier\/Reacher-v1: random-policy returns \(seed 0\) -50\.12, -43\.57, -39\.55/,
    );
    for (const row of [
      /ML3 learned loss, 2 SGD steps +median +\d+\.\d\d cm/,
      /task loss through the model, 2 SGD steps +median/,
      /task loss through the model, 50 Adam steps \(gradient planner\) +median/,
      /CEM-MPC, true reward \(simulator\) +median/,
      /MPPI, true reward \(simulator\) +median/,
      /CEM-MPC, learned loss as reward \(simulator\) +median/,
      // The distance-vs-K evidence: a row per K and the one-line comparison.
      /\n {4}1 {2}\d+\.\d\d \[.*lr .*\d+\.\d\d \[/,
      /\n {3}10 {2}\d+\.\d\d \[/,
      /this run: the learned loss is below the task loss at K = .* of 1, 2, 5, 10 \(media\/step-curve\.png\)/,
    ]) {
      assert.match(a.stdout, row);
    }
    assert.match(a.stdout, /ml3 eval .*learned-loss\.json/);
  });

  it('envs list / check / run', () => {
    const list = JSON.parse(ml3('envs', 'list', '--json').stdout);
    assert.ok(list.some((r: { id: string }) => r.id === 'classic/MountainCarContinuous-v0'));
    const check = ml3('envs', 'check', 'classic/MountainCarContinuous-v0');
    assert.equal(check.code, 0);
    assert.match(check.stdout, /all 10 checks passed/);
    const dir = mkdtempSync(join(tmpdir(), 'ml3-cli-'));
    const gif = join(dir, 'ep.gif');
    const run = ml3(
      'envs',
      'run',
      'classic/MountainCarContinuous-v0',
      '--episodes',
      '1',
      '--seed',
      '3',
      '--json',
      '--gif',
      gif,
      '--policy',
      'zero',
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.episodes.length, 1);
    assert.equal(
      summary.meanReturn,
      0,
      'the zero policy pays no action cost and never reaches the goal',
    );
    assert.equal(readFileSync(gif).subarray(0, 6).toString(), 'GIF89a');
  });

  it('bad input gets errors that name the problem', () => {
    const unknown = ml3('envs', 'run', 'classic/MountainCarContinous-v0');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Did you mean: classic\/MountainCarContinuous/);
    const flag = ml3('envs', 'run', 'classic/MountainCarContinuous-v0', '--episodes', 'x');
    assert.notEqual(flag.code, 0);
    assert.match(flag.stderr, /--episodes must be a non-negative integer, got "x"/);
    const policy = ml3('envs', 'run', 'classic/MountainCarContinuous-v0', '--policy', 'smart');
    assert.notEqual(policy.code, 0);
    assert.match(policy.stderr, /--policy must be random or zero/);
    const opt = ml3('envs', 'list', '--nope');
    assert.notEqual(opt.code, 0);
    assert.match(opt.stderr, /unknown option '--nope'/);
  });

  it('the soak script runs seeded random steps and reports RSS', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/soak.ts', 'rapier/Reacher-v1', '2000'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /rapier\/Reacher-v1: 2000 seeded random steps, all finite; RSS [\d.]+ MB → [\d.]+ MB/,
    );
  });

  it('plan runs CEM-MPC episodes on the simulator and rejects envs without snapshots', () => {
    const r = ml3(
      'plan',
      '--env',
      'rapier/Reacher-v1',
      '--episodes',
      '1',
      '--horizon',
      '3',
      '--iterations',
      '1',
      '--population',
      '8',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.episodes[0].length, 50);
    assert.ok(Number.isFinite(out.episodes[0].finalDistance));
    const bad = ml3('plan', '--env', 'classic/MountainCarContinuous-v0');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /snapshot\(\)\/restore\(\)/);
  });
});
