/**
 * The training runner shared by every experiment: run folder, config.json, seeded init or
 * resume from the checkpoint, the iteration loop with progress and metrics, periodic and
 * Ctrl-C checkpoints, summary and plots.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendName, selectBackend } from '../../agents/index.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { Experiment, RunTools } from './experiment.js';
import { CorruptFileError, userPath } from './files.js';
import { gitCommit, packageVersion } from './meta.js';
import { writePlots } from './plots.js';
import { createProgress } from './progress.js';
import { checkRunName, RunDir } from './runDir.js';

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
  /** Polled between iterations: true stops the run as Ctrl-C does (runs on worker threads). */
  shouldStop?: () => boolean;
  /** Called after each iteration with the progress metric (runs on worker threads report it). */
  onIteration?: (iteration: number, total: number, metric: number | undefined) => void;
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

/** An opened run: its folder, config, backend, and the release of its lock. */
interface OpenedRun<C> {
  run: RunDir;
  config: C;
  backendName: string | null;
  release: () => void;
}

/** Opens a run to resume (taking its lock): its saved config, and the backend it was trained on. */
async function reopenRun<C extends object, S>(
  exp: Experiment<C, S>,
  path: string,
  options: TrainOptions,
): Promise<OpenedRun<C>> {
  const run = RunDir.open(path);
  const saved = run.readConfig();
  if (saved.experiment !== exp.name) {
    throw new CorruptFileError(`${path} is a run of "${saved.experiment}", not "${exp.name}"`);
  }
  const release = run.lock();
  try {
    if (!exp.usesTensorflow) return { run, config: saved.config as C, backendName: null, release };
    const requested = (
      options.backendExplicit ? options.backend : (saved.backend ?? 'auto')
    ) as BackendName;
    const choice = await selectBackend(requested);
    if (saved.backend && choice.backend !== saved.backend) {
      throw new CorruptFileError(
        `${path} was trained on the ${saved.backend} backend; resuming on ${choice.backend} would change its numbers (pass --backend ${saved.backend})`,
      );
    }
    return { run, config: saved.config as C, backendName: choice.backend, release };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Creates a new run folder with its config.json (and its lock), after selecting the backend, so
 * an unavailable backend leaves no folder behind.
 */
async function createRun<C extends object, S>(
  exp: Experiment<C, S>,
  options: TrainOptions,
): Promise<OpenedRun<C>> {
  const name = options.name === undefined ? timestamp() : checkRunName(options.name);
  const config = options.config as C;
  const backendName = exp.usesTensorflow ? (await selectBackend(options.backend)).backend : null;
  const path = join(options.out, exp.name, name);
  const run = userPath('--out', options.out, () => RunDir.create(path));
  const release = run.lock();
  run.writeConfig({
    experiment: exp.name,
    config: config as Record<string, unknown>,
    backend: backendName,
    packageVersion: packageVersion(),
    gitCommit: gitCommit(),
    node: process.version,
    createdAt: new Date().toISOString(),
  });
  return { run, config, backendName, release };
}

/**
 * Checks that metrics.jsonl holds iterations 1 … `iteration` in order (it may hold more: lines
 * written after the checkpoint, which the resume drops), so a checkpoint whose iteration was
 * edited, or metrics cut short, are refused instead of resumed into an inconsistent run.
 */
function checkMetricsCover(run: RunDir, iteration: number): void {
  const rows = run.readMetrics().filter((r) => typeof r.iteration === 'number');
  const covered = rows.filter((r) => (r.iteration as number) <= iteration);
  const inOrder = covered.every((r, i) => r.iteration === i + 1);
  if (covered.length !== iteration || !inOrder) {
    throw new CorruptFileError(
      `the checkpoint of ${run.path} is at iteration ${iteration}, but metrics.jsonl holds ${covered.length} iteration(s) up to it${inOrder ? '' : ' out of order'}: the run folder was edited or damaged`,
    );
  }
}

/** The experiment's state: from the checkpoint on resume (or fresh when there is none yet). */
async function initialState<C extends object, S>(
  exp: Experiment<C, S>,
  opened: OpenedRun<C>,
  resuming: boolean,
  tools: RunTools,
): Promise<{ state: S; iteration: number }> {
  const { run, config, backendName } = opened;
  const cfg = config as Record<string, unknown>;
  if (resuming && existsSync(checkpointPath(run))) {
    const checkpoint = loadCheckpoint(run, exp.name, cfg, backendName);
    checkMetricsCover(run, checkpoint.iteration);
    const state = await exp.load(checkpoint.state, config, tools);
    run.trimMetrics(checkpoint.iteration);
    tools.log(`resuming ${run.path} at iteration ${checkpoint.iteration}`);
    return { state, iteration: checkpoint.iteration };
  }
  if (resuming) {
    run.trimMetrics(0);
    tools.log(
      `${run.path} has no checkpoint: it was stopped before its first one; starting it again from iteration 0 with its saved config`,
    );
  }
  try {
    const state = await exp.init(config, tools);
    if (!resuming) tools.log(`run folder: ${run.path}`);
    return { state, iteration: 0 };
  } catch (err) {
    // A new run that cannot start (a bad env id, …) leaves no folder behind.
    if (!resuming) {
      opened.release();
      run.remove();
    }
    throw err;
  }
}

/** Runs (or resumes) an experiment's training to completion or interruption. */
export async function trainExperiment<C extends object, S>(
  exp: Experiment<C, S>,
  options: TrainOptions,
): Promise<TrainResult> {
  const log = (m: string) => {
    if (!options.quiet) (options.json ? process.stderr : process.stdout).write(`${m}\n`);
  };
  const opened = options.resume
    ? await reopenRun(exp, options.resume, options)
    : await createRun(exp, options);
  const { run, config, backendName } = opened;
  if (backendName) log(`backend: ${backendName}`);
  const tools: RunTools = { run, log };
  const cfg = config as Record<string, unknown>;
  let state: S;
  let iteration: number;
  try {
    ({ state, iteration } = await initialState(exp, opened, Boolean(options.resume), tools));
  } catch (err) {
    opened.release();
    throw err;
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
      options.onIteration?.(iteration, total, metrics[exp.progressMetric]);
      if (iteration % every === 0 || iteration === total)
        saveCheckpoint(run, exp.name, cfg, backendName, iteration, exp.save(state));
      // Let signals in between iterations (a synchronous loop would never see Ctrl-C).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stop = interrupted || options.shouldStop?.() === true;
      if (stop || (options.stopAfter !== undefined && doneHere >= options.stopAfter)) {
        if (iteration < total) {
          saveCheckpoint(run, exp.name, cfg, backendName, iteration, exp.save(state));
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
    opened.release();
  }
}
