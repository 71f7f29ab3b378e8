/**
 * Run folders and command-line inputs at the edges: concurrent resumes, runs killed before their
 * first checkpoint, failed starts, path-like names, outputs under files, edited run folders,
 * budgets too small for one update, and evaluations that diverge.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ml3, TINY_SINE } from './runCli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ml3-reliability-'));
/** A CEM run on the classic car: fast, no TensorFlow.js. */
const CEM = [
  'cem',
  'train',
  '--env',
  'classic/MountainCarContinuous-v0',
  '--population',
  '8',
  '--iterations',
  '40',
  '--checkpoint-every',
  '2',
  '--eval-episodes',
  '2',
  '--gif',
  'false',
  '--quiet',
];
const metricsLines = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean);

/** Starts `ml3 …args` without waiting; resolves to its exit code and stderr. */
function ml3Async(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('run folders', () => {
  it('two resumes of one run at once: one trains, the other is refused by the lock', async () => {
    const out = tmp();
    const run = join(out, 'cem', 'r');
    // A run stopped early: finish it with two resumes started together.
    // The Rapier car with a policy that does nothing: every episode runs its 999 steps, so an
    // iteration takes a steady ~0.6 s and the first resume is still training when the second comes.
    const first = ml3(
      ...CEM,
      '--env',
      'rapier/MountainCarContinuous-v0',
      '--init-std',
      '0.1',
      '--eval-episodes',
      '1',
      '--iterations',
      '1',
      '--out',
      out,
      '--name',
      'r',
    );
    assert.equal(first.code, 0, first.stderr);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    config.config.iterations = 8;
    writeFileSync(join(run, 'config.json'), JSON.stringify(config));
    // (Editing the iterations changes the config hash: start from a fresh checkpoint instead.)
    rmSync(join(run, 'checkpoints', 'checkpoint.json'));
    writeFileSync(join(run, 'metrics.jsonl'), '');
    // The second resume starts once the first holds the lock (and trains for seconds more).
    const a = ml3Async('cem', 'train', '--resume', run, '--quiet');
    const lock = join(run, 'run.lock');
    for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(existsSync(lock), 'the first resume took the lock');
    const b = await ml3Async('cem', 'train', '--resume', run, '--quiet');
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /is being trained by process \d+ \(lock file/);
    const winner = await a;
    assert.equal(winner.code, 0, winner.stderr);
    assert.equal(metricsLines(run).length, 8, 'one writer: one line per iteration');
    assert.ok(!existsSync(join(run, 'run.lock')), 'the lock is released');
  });

  it('a stale lock (its process is gone) is taken over', () => {
    const out = tmp();
    const r = ml3(...CEM, '--iterations', '4', '--out', out, '--name', 's');
    assert.equal(r.code, 0, r.stderr);
    const run = join(out, 'cem', 's');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(run, 'run.lock'), `${dead}\n`);
    rmSync(join(run, 'summary.json'));
    const resumed = ml3('cem', 'train', '--resume', run, '--quiet');
    assert.equal(resumed.code, 0, resumed.stderr);
  });

  it('a run killed before its first checkpoint restarts from scratch on --resume, with a message', () => {
    const out = tmp();
    const straight = ml3(...CEM, '--iterations', '4', '--out', out, '--name', 'straight', '--json');
    assert.equal(straight.code, 0, straight.stderr);
    const killed = ml3(...CEM, '--iterations', '4', '--out', out, '--name', 'killed');
    assert.equal(killed.code, 0, killed.stderr);
    // What a SIGKILL before the first checkpoint leaves: config.json and a metrics line or two.
    const run = join(out, 'cem', 'killed');
    rmSync(join(run, 'checkpoints', 'checkpoint.json'));
    rmSync(join(run, 'summary.json'));
    writeFileSync(join(run, 'metrics.jsonl'), `${metricsLines(run)[0]}\n`);
    const resumed = ml3('cem', 'train', '--resume', run, '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /has no checkpoint: it was stopped before its first one/);
    const summary = (s: string) => {
      const { evaluation } = JSON.parse(s);
      return evaluation;
    };
    assert.deepEqual(summary(resumed.stdout), summary(straight.stdout));
    assert.equal(metricsLines(run).length, 4);
  });

  it('failed starts leave no run folder behind (bad env id, unavailable backend)', () => {
    const out = tmp();
    const badEnv = ml3(...CEM, '--env', 'nope/Nope-v0', '--out', out, '--name', 'bad');
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /Namespace nope not found/);
    assert.ok(!existsSync(join(out, 'cem', 'bad')), 'no folder for a bad env id');
    const badBackend = ml3(
      'sine',
      'train',
      '--iterations',
      '1',
      '--backend',
      'tensorflow',
      '--out',
      out,
      '--name',
      'nob',
    );
    assert.equal(badBackend.code, 2);
    assert.ok(!existsSync(join(out, 'sine', 'nob')), 'no folder for an unavailable backend');
  });

  it('run names are one path segment', () => {
    const out = tmp();
    for (const name of ['../../../escape', '', '.', 'a/b']) {
      const r = ml3(...CEM, '--iterations', '1', '--out', out, '--name', name);
      assert.equal(r.code, 2, `--name ${JSON.stringify(name)}: ${r.stderr}`);
      assert.match(r.stderr, /--name .*a run name is one folder name/);
    }
    assert.deepEqual(readdirSync(out), [], 'nothing was written');
    assert.ok(!existsSync(join(out, '..', '..', 'escape')));
  });

  it('outputs under a regular file are clear errors naming the flag', () => {
    const dir = tmp();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = ml3(...CEM, '--iterations', '1', '--out', file);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--out .*a-file: cannot write there/);
    assert.doesNotMatch(r.stderr, /ENOTDIR| {4}at /);
    const gif = ml3(
      'envs',
      'run',
      'classic/MountainCarContinuous-v0',
      '--episodes',
      '1',
      '--gif',
      join(file, 'x.gif'),
    );
    assert.equal(gif.code, 2, gif.stderr);
    assert.match(
      gif.stderr,
      /--gif .*x\.gif: cannot write there: a (part of the path is a|file of that name is in the way)/,
    );
  });

  it('an edited backend in config.json or an edited checkpoint iteration is refused on resume', () => {
    const out = tmp();
    const r = ml3(
      ...TINY_SINE,
      '--iterations',
      '3',
      '--checkpoint-every',
      '1',
      '--backend',
      'wasm',
      '--out',
      out,
      '--name',
      'e',
    );
    assert.equal(r.code, 0, r.stderr);
    const run = join(out, 'sine', 'e');
    const configPath = join(run, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, backend: 'cpu' }));
    const backend = ml3('sine', 'train', '--resume', run, '--quiet');
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /another config or backend .*was config\.json edited/);
    writeFileSync(configPath, JSON.stringify(config));
    const ckptPath = join(run, 'checkpoints', 'checkpoint.json');
    const ckpt = JSON.parse(readFileSync(ckptPath, 'utf8'));
    writeFileSync(ckptPath, JSON.stringify({ ...ckpt, iteration: 2 }));
    writeFileSync(join(run, 'metrics.jsonl'), `${metricsLines(run)[0]}\n`);
    const iteration = ml3('sine', 'train', '--resume', run, '--quiet');
    assert.equal(iteration.code, 2);
    assert.match(iteration.stderr, /checkpoint .* is at iteration 2, but metrics\.jsonl holds 1/);
  });
});

describe('inputs that used to give a wrong answer', () => {
  it('pg train with a budget below one rollout is an error', () => {
    const out = tmp();
    const r = ml3(
      'pg',
      'train',
      '--total-timesteps',
      '100',
      '--num-steps',
      '512',
      '--out',
      out,
      '--name',
      'p',
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /totalTimesteps 100 is less than one rollout .* 512 env steps/);
    assert.ok(!existsSync(join(out, 'pg', 'p')));
  });

  it('ml3 eval of a learned loss that diverges exits non-zero, with no NaN or null in --json', () => {
    const out = tmp();
    const train = ml3(...TINY_SINE, '--iterations', '1', '--out', out, '--name', 'h');
    assert.equal(train.code, 0, train.stderr);
    const file = join(out, 'sine', 'h', 'learned-loss-seed0.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    for (const w of doc.weights) w.values = w.values.map((v: number) => v * 1e30);
    const huge = join(out, 'huge.json');
    writeFileSync(huge, JSON.stringify(doc));
    const ev = ml3('eval', huge, '--goals', '1', '--steps', '3', '--json');
    assert.equal(ev.code, 2, ev.stderr);
    assert.match(ev.stderr, /produced a non-finite number/);
    assert.doesNotMatch(ev.stdout, /null|NaN/);
  });
});
