/**
 * The training runner shared by every experiment: run folder, config.json, seeded init or
 * resume from the checkpoint, the iteration loop with progress and metrics, periodic and
 * Ctrl-C checkpoints, summary and plots.
 */
import { join } from 'node:path';
import { type BackendName, selectBackend } from '../../agents/index.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { Experiment, RunTools } from './experiment.js';
import { CorruptFileError } from './files.js';
import { gitCommit, packageVersion } from './meta.js';
import { writePlots } from './plots.js';
import { createProgress } from './progress.js';
import { RunDir } from './runDir.js';

/** Options of {@link trainExperiment}. */
export interface TrainOptions {
  /** The resolved config (ignored on resume: the run's saved config is used). */
  config: Record<string, unknown>;
  /** Root of run folders (default `runs`). */
  out: string;
  /** Run name (default: a timestamp). */
  name?: string;
  /** A run folder to continue. */
  resume?: string;
  backend: BackendName;
  /** Whether `--backend` was given explicitly (on resume it must match the run's). */
  backendExplicit: boolean;
  quiet: boolean;
  /** Keep stdout for the JSON summary: messages go to stderr. */
  json: boolean;
  /** Stop after this many iterations of this process, as if interrupted (tests). */
  stopAfter?: number;
}

/** How a training run ended. */
export interface TrainResult {
  run: RunDir;
  /** `completed`, or `interrupted` (checkpoint saved; resume with `--resume`). */
  status: 'completed' | 'interrupted';
  iteration: number;
  summary?: Record<string, unknown>;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

/** Opens a run to resume: its saved config, and the backend it was trained on. */
async function reopenRun<C extends object, S>(
  exp: Experiment<C, S>,
  path: string,
  options: TrainOptions,
): Promise<{ run: RunDir; config: C; backendName: string | null }> {
  const run = RunDir.open(path);
  const saved = run.readConfig();
  if (saved.experiment !== exp.name) {
    throw new CorruptFileError(`${path} is a run of "${saved.experiment}", not "${exp.name}"`);
  }
  if (!exp.usesTensorflow) return { run, config: saved.config as C, backendName: null };
  const requested = (
    options.backendExplicit ? options.backend : (saved.backend ?? 'auto')
  ) as BackendName;
  const choice = await selectBackend(requested);
  if (saved.backend && choice.backend !== saved.backend) {
    throw new CorruptFileError(
      `${path} was trained on the ${saved.backend} backend; resuming on ${choice.backend} would change its numbers (pass --backend ${saved.backend})`,
    );
  }
  return { run, config: saved.config as C, backendName: choice.backend };
}

/** Creates a new run folder with its config.json (and selects the backend). */
async function createRun<C extends object, S>(
  exp: Experiment<C, S>,
  options: TrainOptions,
): Promise<{ run: RunDir; config: C; backendName: string | null }> {
  const run = RunDir.create(join(options.out, exp.name, options.name ?? timestamp()));
  const config = options.config as C;
  const backendName = exp.usesTensorflow ? (await selectBackend(options.backend)).backend : null;
  run.writeConfig({
    experiment: exp.name,
    config: config as Record<string, unknown>,
    backend: backendName,
    packageVersion: packageVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    createdAt: new Date().toISOString(),
  });
  return { run, config, backendName };
}

/** Runs (or resumes) an experiment's training to completion or interruption. */
export async function trainExperiment<C extends object, S>(
  exp: Experiment<C, S>,
  options: TrainOptions,
): Promise<TrainResult> {
  const log = (m: string) => {
    if (!options.quiet) (options.json ? process.stderr : process.stdout).write(`${m}\n`);
  };
  const { run, config, backendName } = options.resume
    ? await reopenRun(exp, options.resume, options)
    : await createRun(exp, options);
  if (backendName) log(`backend: ${backendName}`);
  const tools: RunTools = { run, log };
  const cfg = config as Record<string, unknown>;

  let state: S;
  let iteration = 0;
  if (options.resume) {
    const checkpoint = loadCheckpoint(run, exp.name, cfg);
    state = await exp.load(checkpoint.state, config, tools);
    iteration = checkpoint.iteration;
    run.trimMetrics(iteration);
    log(`resuming ${run.path} at iteration ${iteration}`);
  } else {
    state = await exp.init(config, tools);
    log(`run folder: ${run.path}`);
  }

  const total = exp.iterations(config);
  const every = Math.max(1, exp.checkpointEvery(config));
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C does not wait
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress(
    exp.name,
    total,
    iteration,
    exp.progressMetric,
    options.quiet ? 'quiet' : options.json ? 'lines' : 'auto',
  );
  let doneHere = 0;
  try {
    while (iteration < total) {
      const t0 = performance.now();
      const metrics = await exp.step(state, iteration, config);
      iteration += 1;
      doneHere += 1;
      run.appendMetrics({ iteration, ...metrics, seconds: (performance.now() - t0) / 1000 });
      progress.update(iteration, metrics[exp.progressMetric]);
      if (iteration % every === 0 || iteration === total)
        saveCheckpoint(run, exp.name, cfg, iteration, exp.save(state));
      // Let signals in between iterations (a synchronous loop would never see Ctrl-C).
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (interrupted || (options.stopAfter !== undefined && doneHere >= options.stopAfter)) {
        if (iteration < total) {
          saveCheckpoint(run, exp.name, cfg, iteration, exp.save(state));
          progress.stop();
          log(
            `interrupted at iteration ${iteration}/${total}; checkpoint saved. Resume with: ml3 ${exp.name} train --resume ${run.path}`,
          );
          return { run, status: 'interrupted', iteration };
        }
      }
    }
    progress.stop();
    const summary = {
      experiment: exp.name,
      iterations: iteration,
      ...(await exp.summarize(state, config, tools)),
    };
    run.writeSummary(summary);
    await writePlots(run.file('plots'), run.readMetrics(), exp.plots);
    log(`summary: ${run.file('summary.json')}; plots: ${run.file('plots')}`);
    return { run, status: 'completed', iteration, summary };
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    exp.dispose?.(state);
  }
}
