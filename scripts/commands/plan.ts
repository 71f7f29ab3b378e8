/**
 * `ml3 plan`: sampling model-predictive control (CEM or MPPI) of a Rapier env in the real
 * simulator, with the env's true reward or a learned reward (a reacher learned-loss file),
 * evaluated on seeded episodes.
 */

import type * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import {
  CemPlanner,
  MPPI_DEFAULTS,
  MppiPlanner,
  PLANNER_DEFAULTS,
  type Planner,
  type SequenceEvaluator,
  SimulatorEvaluator,
  type SnapshotEnv,
  selectBackend,
} from '../../agents/index.js';
import {
  Box,
  type Env,
  encodeGif,
  make,
  ReacherEnv,
  type RgbFrame,
  RNG,
} from '../../envs/index.js';
import {
  learnedRewardEvaluator,
  loadLearnedLoss,
  type ReacherObjective,
  readReacherObjective,
} from '../../ml3/index.js';
import type { ConfigSchema } from '../run/experiment.js';
import { userPath, writeFileAtomic } from '../run/files.js';
import { commandDescription } from './catalog.js';
import { addSchemaOptions, configFrom } from './schemaOptions.js';
import { UsageError } from './usage.js';

/** Options of `ml3 plan` (besides `--env`, `--gif`, `--json`). */
export interface PlanOptions {
  /** The reward the planner maximises: `true` (the env's) or a reacher learned-loss file. */
  reward: string;
  planner: 'cem' | 'mppi';
  episodes: number;
  /** Seed of the episodes and the planner. */
  seed: number;
  /** Steps planned ahead. */
  horizon: number;
  /** Planner iterations per decision. */
  iterations: number;
  /** Sequences per iteration. */
  population: number;
}

const SCHEMA: ConfigSchema<PlanOptions> = {
  reward: {
    type: 'string',
    doc: "the reward the planner maximises: the env's (true) or a reacher learned-loss file (its negated loss)",
  },
  planner: { type: 'string', doc: 'the sampling planner', choices: ['cem', 'mppi'] },
  episodes: { type: 'int', doc: 'episodes', min: 1 },
  seed: { type: 'int', doc: 'seed of the episodes and the planner', min: 0 },
  horizon: { type: 'int', doc: 'steps planned ahead', min: 1 },
  iterations: { type: 'int', doc: 'planner iterations per decision', min: 1 },
  population: { type: 'int', doc: 'sequences per iteration', min: 2 },
};

const DEFAULTS: PlanOptions = {
  reward: 'true',
  planner: 'cem',
  episodes: 3,
  seed: 0,
  horizon: PLANNER_DEFAULTS.horizon,
  iterations: PLANNER_DEFAULTS.iterations,
  population: PLANNER_DEFAULTS.populationSize,
};

/** One planned episode's outcome. */
interface PlannedEpisode {
  episode: number;
  return: number;
  length: number;
  /** Reacher: final fingertip distance to the target (m). */
  finalDistance?: number;
  msPerDecision: number;
}

/** The planner of the options, over the env's action space. */
function makePlanner(space: Box, o: PlanOptions): Planner {
  const budget = { horizon: o.horizon, iterations: o.iterations, populationSize: o.population };
  return o.planner === 'mppi'
    ? new MppiPlanner(space, { ...MPPI_DEFAULTS, ...budget })
    : new CemPlanner(space, { ...PLANNER_DEFAULTS, ...budget });
}

/** φ of a reacher learned-loss file, checked to fit the env (undefined for the true reward). */
async function learnedReward(
  reward: string,
  envId: string,
  raw: SnapshotEnv,
): Promise<{ phi: tf.Tensor[]; objective: ReacherObjective } | undefined> {
  if (reward === 'true') return undefined;
  await selectBackend('auto');
  const { phi, document } = loadLearnedLoss(reward);
  if (document.training?.experiment !== 'reacher' || !(raw instanceof ReacherEnv)) {
    for (const t of phi) t.dispose();
    throw new UsageError(
      `--reward ${reward}: a learned reward must come from the reacher experiment and plan rapier/Reacher-v1 (it was trained by "${document.training?.experiment}", --env is ${envId})`,
    );
  }
  try {
    const context = document.context as { objective?: unknown } | undefined;
    return { phi, objective: readReacherObjective(context?.objective) };
  } catch (err) {
    for (const t of phi) t.dispose();
    throw new UsageError(`--reward ${reward}: ${(err as Error).message}`);
  }
}

/** Runs one episode with the planner; records frames into `frames` when given. */
function planEpisode(
  env: Env,
  planner: Planner,
  evaluator: SequenceEvaluator,
  rng: RNG,
  frames?: RgbFrame[],
): Omit<PlannedEpisode, 'episode'> {
  const raw = env.unwrapped;
  if (frames) frames.push(env.render() as RgbFrame);
  let total = 0;
  let length = 0;
  const t0 = performance.now();
  for (;;) {
    const [, reward, terminated, truncated] = env.step(planner.act(evaluator, rng));
    if (frames) frames.push(env.render() as RgbFrame);
    total += reward;
    length += 1;
    if (terminated || truncated) break;
  }
  const result: Omit<PlannedEpisode, 'episode'> = {
    return: total,
    length,
    msPerDecision: (performance.now() - t0) / length,
  };
  if (raw instanceof ReacherEnv) {
    const [fx, fy] = raw.fingertip();
    const goal = raw.getState();
    result.finalDistance = Math.hypot(fx - goal[4]!, fy - goal[5]!);
  }
  return result;
}

function formatEpisode(e: PlannedEpisode): string {
  const dist =
    e.finalDistance === undefined
      ? ''
      : `, final fingertip distance ${(100 * e.finalDistance).toFixed(2)} cm`;
  return `episode ${e.episode}: return ${e.return.toFixed(3)}, length ${e.length}${dist}, ${e.msPerDecision.toFixed(1)} ms per decision`;
}

/** Plans `o.episodes` seeded episodes of `envId`; writes a GIF of the first when asked. */
async function runPlan(
  envId: string,
  o: PlanOptions,
  out: { gif?: string; log?: (line: string) => void },
): Promise<PlannedEpisode[]> {
  const env: Env = make(envId, out.gif ? { renderMode: 'rgb_array' } : {});
  const raw = env.unwrapped as SnapshotEnv;
  if (!(env.actionSpace instanceof Box) || typeof raw.snapshot !== 'function') {
    env.close();
    throw new UsageError(
      `--env ${envId} must have Box actions and snapshot()/restore() (the Rapier envs)`,
    );
  }
  const planner = makePlanner(env.actionSpace, o);
  let reward: Awaited<ReturnType<typeof learnedReward>>;
  const episodes: PlannedEpisode[] = [];
  const frames: RgbFrame[] = [];
  try {
    reward = await learnedReward(o.reward, envId, raw);
    // The learned reward needs the episode's goal, so its evaluator is built per episode.
    const evaluatorFor = (): SequenceEvaluator => {
      if (!reward) return new SimulatorEvaluator(raw, (env.actionSpace as Box).size);
      const s = (raw as ReacherEnv).getState();
      return learnedRewardEvaluator(
        raw as ReacherEnv,
        reward.phi,
        [s[4]!, s[5]!],
        reward.objective,
      );
    };
    const rng = new RNG(RNG.deriveSeed(o.seed, 'plan'));
    for (let ep = 0; ep < o.episodes; ep++) {
      env.reset(ep === 0 ? { seed: o.seed } : {});
      planner.reset();
      const record = out.gif && ep === 0 ? frames : undefined;
      const episode = { episode: ep, ...planEpisode(env, planner, evaluatorFor(), rng, record) };
      episodes.push(episode);
      out.log?.(formatEpisode(episode));
    }
  } finally {
    env.close();
    for (const t of reward?.phi ?? []) t.dispose();
  }
  const gif = out.gif;
  if (gif)
    userPath('--gif', gif, () =>
      writeFileAtomic(gif, encodeGif(frames, env.metadata.renderFps ?? 30)),
    );
  return episodes;
}

/** Adds `ml3 plan`. */
export function addPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description(commandDescription('plan'))
    .requiredOption('--env <id>', 'a registered env id with Box actions and snapshot()/restore()');
  addSchemaOptions(cmd, SCHEMA, DEFAULTS);
  cmd
    .option('--gif <path>', 'write a GIF of the first episode')
    .option('--json', 'print the results as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const options = configFrom(opts, SCHEMA);
      const envId = opts.env as string;
      const json = Boolean(opts.json);
      const episodes = await runPlan(envId, options, {
        gif: opts.gif as string | undefined,
        log: json ? undefined : (line) => console.log(line),
      });
      if (json) {
        const { reward, planner, seed } = options;
        console.log(JSON.stringify({ env: envId, reward, planner, seed, episodes }, null, 2));
      }
    });
}
