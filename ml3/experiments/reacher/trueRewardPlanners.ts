/**
 * The true-reward planner baselines of the reacher test (CEM and MPPI in the real simulator) on
 * the second core. They depend only on the held-out episodes, not on the learned loss, so a worker
 * thread plans them while the main thread runs the rest of the test (the SGD methods and the CEM
 * that scores by the learned loss). Each planner draws from its own seeded stream
 * (`planReacherEpisodes`), so the numbers are the same on a worker or in place.
 */
import { hasNodeBuiltins } from '../../../envs/core/nodeBuiltins.js';
import { startWorker } from '../../../envs/core/workerThread.js';
import { planReacherEpisodes, type TrueRewardPlanner, trueRewardBaseline } from './baselines.js';
import type { ReacherEpisode } from './task.js';

/** What the true-reward planners plan. */
export interface TrueRewardPlannerJob {
  kinds: readonly TrueRewardPlanner[];
  episodes: readonly ReacherEpisode[];
  horizon: number;
  seed: number;
}

/** One planner's outcome: final fingertip distance per episode (m) and its wall-clock seconds. */
export interface TrueRewardPlannerRun {
  kind: TrueRewardPlanner;
  finalDistance: number[];
  seconds: number;
}

/** A worker's message: one planner's run, or why it failed. */
export type TrueRewardPlannerMessage = { run: TrueRewardPlannerRun } | { error: string };

/** Plans one true-reward planner's episodes on this thread. */
export function planTrueReward(
  kind: TrueRewardPlanner,
  job: Omit<TrueRewardPlannerJob, 'kinds'>,
): TrueRewardPlannerRun {
  const t0 = performance.now();
  const finalDistance = planReacherEpisodes({ ...trueRewardBaseline(kind), ...job });
  return { kind, finalDistance, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Starts the planners of `job`: on a worker thread when `thread` is true and this runtime has
 * Node's worker threads, else here, synchronously, before returning. Resolves to one run per
 * kind, in the order of `job.kinds`; rejects when the worker fails. The returned promise is
 * marked handled, so a caller that fails before awaiting it does not also get an unhandled
 * rejection; `cancel` stops the worker.
 */
export function startTrueRewardPlanners(
  job: TrueRewardPlannerJob,
  thread: boolean,
): { results: Promise<TrueRewardPlannerRun[]>; cancel: () => void } {
  if (!thread || !hasNodeBuiltins() || job.kinds.length === 0) {
    const runs = job.kinds.map((kind) => planTrueReward(kind, job));
    return { results: Promise.resolve(runs), cancel: () => {} };
  }
  const worker = startWorker(new URL('./trueRewardPlannerWorker.ts', import.meta.url), job);
  // Held while it plans: the main thread may await nothing else.
  worker.ref();
  const runs: TrueRewardPlannerRun[] = [];
  const results = new Promise<TrueRewardPlannerRun[]>((resolve, reject) => {
    worker.on('message', (m: TrueRewardPlannerMessage) => {
      if ('error' in m) {
        reject(new Error(`the true-reward planners' worker failed: ${m.error}`));
        return;
      }
      runs.push(m.run);
      if (runs.length === job.kinds.length) {
        // The worker plans the kinds one after the other, in the job's order.
        resolve(runs);
        void worker.terminate();
      }
    });
    worker.on('error', (err) =>
      reject(new Error(`the true-reward planners' worker failed: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (runs.length < job.kinds.length)
        reject(
          new Error(`the true-reward planners' worker exited (code ${code}) before finishing`),
        );
    });
  });
  results.catch(() => {});
  return { results, cancel: () => void worker.terminate() };
}
