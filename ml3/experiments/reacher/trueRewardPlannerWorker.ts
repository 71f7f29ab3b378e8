/**
 * Worker-thread entry of `startTrueRewardPlanners`: plans the job's episodes with each
 * true-reward planner and posts each run as it ends (or the error that stopped it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  planTrueReward,
  type TrueRewardPlannerJob,
  type TrueRewardPlannerMessage,
} from './trueRewardPlanners.js';

const job = workerData as TrueRewardPlannerJob;
const post = (m: TrueRewardPlannerMessage) => parentPort!.postMessage(m);
try {
  for (const kind of job.kinds) post({ run: planTrueReward(kind, job) });
} catch (err) {
  post({ error: (err as Error).stack ?? String(err) });
}
