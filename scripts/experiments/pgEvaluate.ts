/**
 * Evaluation of a policy-gradient run's policy (its mean action on seeded episodes), and the
 * best-policy selection during training (the RL Zoo's `--eval-freq` / `--eval-episodes`, SB3's
 * `EvalCallback` with its best model): every `selectEvery` updates the current policy is
 * evaluated on `selectEpisodes` fixed episodes of a seed stream of their own, and the best one so
 * far is kept. The final evaluation runs on other seeds, so the reported number is not the one
 * the selection maximised.
 */
import {
  evaluatePolicy,
  PgPolicy,
  type PgPolicyFile,
  type PolicyEvaluation,
  type PolicyGradientTrainer,
} from '../../agents/index.js';
import { ClipAction, type Env, make, RecordVideo, registry } from '../../envs/index.js';

/** The seed of the final evaluation's episodes: never one the training envs drew. */
export const EVAL_SEED = 1_000_000;

/** The seed of the selection's episodes: neither training's nor the final evaluation's. */
export const SELECT_SEED = 2_000_000;

/** Throws the registry's error (with suggestions) for an unknown env id. */
export function checkEnvId(id: string): void {
  if (!registry.has(id)) make(id);
}

/** Evaluates a policy's mean action on seeded episodes; optionally records the first as a GIF. */
export function evaluatePolicyFile(
  file: PgPolicyFile,
  episodes: number,
  seed: number,
  gifFolder?: string,
): PolicyEvaluation & { media: string[] } {
  checkEnvId(file.envId);
  const base = make(file.envId, gifFolder ? { renderMode: 'rgb_array' } : {});
  const recorded = gifFolder
    ? new RecordVideo(base, {
        folder: gifFolder,
        episodeTrigger: (e) => e === 0,
        namePrefix: 'eval',
      })
    : base;
  const env = new ClipAction(recorded as never) as unknown as Env;
  const policy = new PgPolicy(file);
  try {
    const result = evaluatePolicy(env, (obs) => policy.act(obs), episodes, seed);
    env.close();
    return { ...result, media: recorded instanceof RecordVideo ? recorded.written : [] };
  } finally {
    policy.dispose();
  }
}

/** The best policy the selection has seen: its update (1-based), its selection return, itself. */
export interface SelectedPolicy {
  update: number;
  meanReturn: number;
  policy: PgPolicyFile;
}

/** Settings of the selection (fields of the pg config). */
export interface SelectionConfig {
  /** Updates between selection evaluations (0: no selection; the last policy is the run's). */
  selectEvery: number;
  /** Episodes per selection evaluation. */
  selectEpisodes: number;
}

/**
 * After update `iteration` (0-based) of `total`: evaluates the current policy when the selection
 * is due (every `selectEvery` updates, and after the last) and returns the better of it and
 * `best` (ties keep the earlier), with the evaluation's mean return; otherwise `best` unchanged.
 * @param offset updates before this trainer's first (earlier restarts): the policy is recorded
 *   as update `offset + iteration + 1` of the run
 */
export function selectPolicy(
  trainer: PolicyGradientTrainer,
  best: SelectedPolicy | undefined,
  iteration: number,
  total: number,
  config: SelectionConfig,
  offset = 0,
): { best: SelectedPolicy | undefined; meanReturn?: number } {
  const update = iteration + 1;
  const due = config.selectEvery > 0 && (update % config.selectEvery === 0 || update === total);
  if (!due) return { best };
  const policy = trainer.exportPolicy();
  const { meanReturn } = evaluatePolicyFile(policy, config.selectEpisodes, SELECT_SEED);
  const better = best === undefined || meanReturn > best.meanReturn;
  return { best: better ? { update: offset + update, meanReturn, policy } : best, meanReturn };
}

/** A {@link SelectedPolicy} from checkpoint JSON; throws `RangeError` on malformed input. */
export function selectedPolicyFromJson(json: unknown): SelectedPolicy {
  const s = json as SelectedPolicy;
  if (!Number.isInteger(s?.update) || s.update < 1 || !Number.isFinite(s.meanReturn))
    throw new RangeError('the selected policy needs an update ≥ 1 and a finite mean return');
  new PgPolicy(s.policy).dispose(); // validates the policy file
  return { update: s.update, meanReturn: s.meanReturn, policy: s.policy };
}
