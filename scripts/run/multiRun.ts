/**
 * Several runs of one experiment — seeds S, S + k, S + 2k, … — trained in parallel on worker
 * threads (`ml3 <experiment> train --runs N --workers W`), each a complete run folder of its own
 * (`<name>-seed<s>`), with its own TensorFlow.js instance. A run's numbers depend only on its
 * config and seed, never on W or on which worker ran it. Running the same command again resumes
 * the unfinished runs and skips the finished ones; Ctrl-C checkpoints every running run.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startWorker } from '../../envs/core/workerThread.js';
import type { Experiment } from './experiment.js';
import { readJson } from './files.js';
import { checkRunName } from './runDir.js';
import type { RunWorkerData, RunWorkerMessage } from './runWorker.js';
import type { TrainOptions } from './train.js';

/** Options of {@link trainRuns}. */
export interface MultiRunOptions extends Omit<TrainOptions, 'resume' | 'name' | 'stopAfter'> {
  /** Runs: seeds seed, seed + stride, … (stride: the config's `seeds` count, else 1). */
  runs: number;
  /** Worker threads at once (default: the number of cores). */
  workers?: number;
  /** Base name of the runs' folders (`<name>-seed<s>`). */
  name: string;
}

/** How one run of {@link trainRuns} ended. */
export interface RunOutcome {
  seed: number;
  path: string;
  status: 'completed' | 'interrupted' | 'skipped' | 'failed';
  /** The run's summary (completed and skipped runs). */
  summary?: Record<string, unknown>;
  /** Why it failed. */
  error?: string;
}

/** The seeds of the runs. */
export function runSeeds(config: Record<string, unknown>, runs: number): number[] {
  const first = Number(config.seed ?? 0);
  const stride = typeof config.seeds === 'number' && config.seeds > 0 ? config.seeds : 1;
  return Array.from({ length: runs }, (_, r) => first + r * stride);
}

/** Trains the runs on worker threads; resolves when all have ended (or were stopped). */
export async function trainRuns<C extends object, S>(
  exp: Experiment<C, S>,
  options: MultiRunOptions,
): Promise<RunOutcome[]> {
  checkRunName(options.name);
  const log = (m: string) => {
    if (!options.quiet) (options.json ? process.stderr : process.stdout).write(`${m}\n`);
  };
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const seeds = runSeeds(options.config, options.runs);
  const outcomes: RunOutcome[] = [];
  const progress = new Map<number, string>();
  let lastPrint = 0;
  const printProgress = (force = false) => {
    if (options.quiet || (!force && performance.now() - lastPrint < 2000)) return;
    lastPrint = performance.now();
    log(`${exp.name}: ${[...progress.entries()].map(([s, p]) => `seed ${s} ${p}`).join(' · ')}`);
  };
  const running = new Set<{ stop(): void }>();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('stopping: every running run saves a checkpoint…');
    for (const r of running) r.stop();
  };
  process.on('SIGINT', onSigint);
  const runOne = (seed: number): Promise<RunOutcome> => {
    const name = `${options.name}-seed${seed}`;
    const path = join(options.out, exp.name, name);
    if (existsSync(join(path, 'summary.json'))) {
      progress.set(seed, 'done (earlier)');
      return Promise.resolve({
        seed,
        path,
        status: 'skipped',
        summary: readJson(join(path, 'summary.json'), 'run summary') as Record<string, unknown>,
      });
    }
    const resume = existsSync(join(path, 'config.json'));
    const data: RunWorkerData = {
      experiment: exp.name,
      options: {
        ...options,
        config: { ...options.config, seed },
        name,
        resume: resume ? path : undefined,
      },
    };
    const worker = startWorker(new URL('./runWorker.ts', import.meta.url), data);
    worker.ref(); // the process waits for its runs
    const handle = { stop: () => worker.postMessage('stop') };
    running.add(handle);
    progress.set(seed, resume ? 'resuming' : 'starting');
    return new Promise((resolve) => {
      let settled = false;
      const finish = (o: RunOutcome) => {
        if (settled) return;
        settled = true;
        running.delete(handle);
        resolve(o);
      };
      worker.on('message', (m: RunWorkerMessage) => {
        if (m.kind === 'progress') {
          const metric = m.metric === undefined ? '' : ` ${Number(m.metric.toPrecision(4))}`;
          progress.set(seed, `${m.iteration}/${m.total}${metric}`);
          printProgress();
        } else if (m.kind === 'done') {
          progress.set(seed, m.status === 'completed' ? 'done' : `stopped at ${m.iteration}`);
          finish({ seed, path: m.path, status: m.status, summary: m.summary });
        } else {
          progress.set(seed, 'failed');
          finish({ seed, path, status: 'failed', error: `${m.name}: ${m.message}` });
        }
      });
      worker.on('error', (err) =>
        finish({ seed, path, status: 'failed', error: err?.message ?? String(err) }),
      );
      worker.on('exit', (code) =>
        finish({ seed, path, status: 'failed', error: `its worker exited (code ${code})` }),
      );
    });
  };
  log(
    `${exp.name}: ${seeds.length} runs (seeds ${seeds.join(', ')}) on ${Math.min(workers, seeds.length)} worker thread(s)`,
  );
  try {
    let next = 0;
    const lanes = Array.from({ length: Math.min(workers, seeds.length) }, async () => {
      while (next < seeds.length && !interrupted) {
        const seed = seeds[next++]!;
        outcomes.push(await runOne(seed));
      }
    });
    await Promise.all(lanes);
  } finally {
    process.off('SIGINT', onSigint);
  }
  printProgress(true);
  return outcomes.sort((a, b) => a.seed - b.seed);
}
