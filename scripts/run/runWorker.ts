/**
 * A worker thread of `trainRuns`: trains one run of an experiment with `trainExperiment`, with
 * its own TensorFlow.js instance (every worker thread loads its own modules), and reports its
 * progress, its end and any error to the main thread. A `stop` message makes it checkpoint and
 * return as Ctrl-C does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainOptions } from './train.js';

/** What the main thread sends. */
export interface RunWorkerData {
  experiment: string;
  options: Omit<TrainOptions, 'shouldStop' | 'onIteration'>;
}

/** What a run worker posts. */
export type RunWorkerMessage =
  | { kind: 'progress'; iteration: number; total: number; metric: number | undefined }
  | {
      kind: 'done';
      status: 'completed' | 'interrupted';
      iteration: number;
      path: string;
      summary?: Record<string, unknown>;
    }
  | { kind: 'error'; name: string; message: string };

const port = parentPort!;
const { experiment, options } = workerData as RunWorkerData;
let stop = false;
port.on('message', (m) => {
  if (m === 'stop') stop = true;
});
const post = (m: RunWorkerMessage) => port.postMessage(m);
try {
  const { findExperiment } = await import('../experiments/index.js');
  const { trainExperiment } = await import('./train.js');
  const exp = findExperiment(experiment);
  if (!exp) throw new Error(`unknown experiment ${experiment}`);
  const result = await trainExperiment(exp, {
    ...options,
    quiet: true,
    json: false,
    shouldStop: () => stop,
    onIteration: (iteration, total, metric) => post({ kind: 'progress', iteration, total, metric }),
  });
  post({
    kind: 'done',
    status: result.status,
    iteration: result.iteration,
    path: result.run.path,
    summary: result.summary,
  });
} catch (err) {
  const e = err as Error;
  post({ kind: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(err) });
}
port.close();
