import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GifReader } from 'omggif';
import { PNG } from 'pngjs';
import { kebab, parseField } from '../../scripts/commands/schemaOptions.js';
import { cemExperiment } from '../../scripts/experiments/cem.js';
import { writeFileAtomic } from '../../scripts/run/files.js';
import { trainExperiment } from '../../scripts/run/train.js';
import { ml3 } from './runCli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ml3-run-'));
/** A CEM run small enough for tests (classic car: ~5 ms per iteration). */
const SMALL = {
  ...cemExperiment.defaults,
  env: 'classic/MountainCarContinuous-v0',
  population: 8,
  iterations: 6,
  checkpointEvery: 2,
  evalEpisodes: 2,
  gif: false,
};
const withoutTime = (rows: Record<string, unknown>[]) => rows.map(({ seconds: _, ...r }) => r);
const metricsOf = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const base = {
  out: '',
  backend: 'auto' as const,
  backendExplicit: false,
  quiet: true,
  json: false,
};

describe('run files', () => {
  it('writes atomically, leaving no temp files', () => {
    const dir = tmp();
    const path = join(dir, 'a', 'b.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    assert.equal(readFileSync(path, 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(dir, 'a')), ['b.json']);
  });

  it('parses flags per their schema with errors naming the flag', () => {
    assert.equal(kebab('checkpointEvery'), 'checkpoint-every');
    assert.equal(parseField('3', { type: 'int', doc: '', min: 1 }, '--n'), 3);
    assert.throws(
      () => parseField('2.5', { type: 'int', doc: '', min: 1 }, '--n'),
      /--n must be an integer in 1\.\.∞, got "2\.5"/,
    );
    assert.throws(
      () => parseField('0', { type: 'int', doc: '', min: 1 }, '--n'),
      /--n must be in 1\.\.∞, got 0/,
    );
    assert.throws(
      () => parseField('yes', { type: 'boolean', doc: '' }, '--gif'),
      /--gif must be true or false/,
    );
    assert.throws(
      () => parseField('x', { type: 'string', doc: '', choices: ['a', 'b'] }, '--mode'),
      /one of a, b/,
    );
  });
});

describe('training runs', () => {
  it('interrupted and resumed equals uninterrupted, with the same seed', async () => {
    const out = tmp();
    const full = await trainExperiment(cemExperiment, {
      ...base,
      out,
      name: 'full',
      config: SMALL,
    });
    assert.equal(full.status, 'completed');
    const part = await trainExperiment(cemExperiment, {
      ...base,
      out,
      name: 'part',
      config: SMALL,
      stopAfter: 3,
    });
    assert.equal(part.status, 'interrupted');
    assert.equal(part.iteration, 3);
    const resumed = await trainExperiment(cemExperiment, {
      ...base,
      out,
      config: {},
      resume: part.run.path,
    });
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(resumed.summary, full.summary);
    assert.deepEqual(withoutTime(metricsOf(part.run.path)), withoutTime(metricsOf(full.run.path)));
    const config = JSON.parse(readFileSync(join(full.run.path, 'config.json'), 'utf8'));
    assert.equal(config.experiment, 'cem');
    assert.deepEqual(config.config, SMALL);
    assert.ok(typeof config.packageVersion === 'string' && 'gitCommit' in config);
  });

  it('a corrupt or mismatched checkpoint gets a clear error', async () => {
    const out = tmp();
    const part = await trainExperiment(cemExperiment, {
      ...base,
      out,
      name: 'x',
      config: SMALL,
      stopAfter: 2,
    });
    const ckpt = join(part.run.path, 'checkpoints', 'checkpoint.json');
    const good = readFileSync(ckpt, 'utf8');
    writeFileSync(ckpt, good.slice(0, 50));
    const r1 = ml3('cem', 'train', '--resume', part.run.path, '--quiet');
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /corrupt checkpoint .*checkpoint\.json: not valid JSON/);
    writeFileSync(ckpt, good);
    const cfgPath = join(part.run.path, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.config.seed = 7;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const r2 = ml3('cem', 'train', '--resume', part.run.path, '--quiet');
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /saved under another config/);
    const r3 = ml3('cem', 'train', '--resume', part.run.path, '--seed', '3');
    assert.match(r3.stderr, /--resume continues a run with its saved config; drop --seed/);
    const r4 = ml3('cem', 'train', '--out', out, '--name', 'x');
    assert.match(r4.stderr, /already exists; resume it with --resume/);
  });

  it('Ctrl-C saves a checkpoint and says how to resume; the resumed run matches', async () => {
    const out = tmp();
    const flags = [
      '--env',
      'classic/MountainCarContinuous-v0',
      '--population',
      '8',
      '--iterations',
      '300',
      '--checkpoint-every',
      '50',
      '--eval-episodes',
      '2',
      '--gif',
      'false',
      '--out',
      out,
    ];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/cli.ts', 'cem', 'train', ...flags, '--name', 'ctrlc'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const metrics = join(out, 'cem', 'ctrlc', 'metrics.jsonl');
    while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 5)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 130, stdout);
    assert.match(
      stdout,
      /interrupted at iteration \d+\/300; checkpoint saved\. Resume with: ml3 cem train --resume /,
    );
    const resumed = ml3('cem', 'train', '--resume', join(out, 'cem', 'ctrlc'), '--json', '--quiet');
    assert.equal(resumed.code, 0, resumed.stderr);
    const straight = ml3('cem', 'train', ...flags, '--name', 'straight', '--json', '--quiet');
    assert.deepEqual(JSON.parse(resumed.stdout), JSON.parse(straight.stdout));
  });

  it('writes plots that decode as PNGs and GIFs with every frame', async () => {
    const out = tmp();
    const done = await trainExperiment(cemExperiment, {
      ...base,
      out,
      name: 'media',
      config: { ...SMALL, iterations: 2, gif: true, evalEpisodes: 1 },
    });
    const png = PNG.sync.read(readFileSync(join(done.run.path, 'plots', 'returns.png')));
    const svg = readFileSync(join(done.run.path, 'plots', 'returns.svg'), 'utf8');
    const [, w, h] = /<svg[^>]*width="(\d+)"[^>]*height="(\d+)"/.exec(svg) ?? [];
    assert.equal(png.width, Number(w));
    assert.equal(png.height, Number(h));
    assert.ok(png.width > 640 && png.height > 360, 'the plot area plus axes and legend');
    const gif = new GifReader(readFileSync(join(done.run.path, 'media', 'eval-episode-0.gif')));
    const evaluation = (done.summary as { evaluation: { meanLength: number } }).evaluation;
    assert.equal(gif.numFrames(), evaluation.meanLength + 1, 'the reset frame and one per step');
    assert.equal(gif.width, 600);
    const replot = ml3('plot', done.run.path);
    assert.equal(replot.code, 0, replot.stderr);
    assert.match(replot.stdout, /returns\.png/);
  });
});
