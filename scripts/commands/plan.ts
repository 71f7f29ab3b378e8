/**
 * `ml3 plan`: sampling model-predictive control (CEM or MPPI) of a Rapier env in the real
 * simulator, with the env's true reward or a learned reward (a reacher learned-loss file),
 * evaluated on seeded episodes.
 */
import { type Command, Option } from 'commander';
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
import { learnedRewardEvaluator, loadLearnedLoss } from '../../ml3/index.js';
import { writeFileAtomic } from '../run/files.js';
import { parseNonNegativeInt } from './envs.js';
import { UsageError } from './usage.js';

/** Adds `ml3 plan`. */
export function addPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'sampling model-predictive control (CEM or MPPI) of an env that supports snapshots (the Rapier envs), rolled out in the real simulator, with the true or a learned reward',
    )
    .requiredOption('--env <id>', 'a registered env id with Box actions and snapshot()/restore()')
    .option(
      '--reward <true|file>',
      "the reward the planner maximises: the env's (true) or a reacher learned-loss file (its negated loss)",
      'true',
    )
    .addOption(
      new Option('--planner <name>', 'the sampling planner')
        .choices(['cem', 'mppi'])
        .default('cem'),
    )
    .option('--episodes <n>', 'episodes', (v) => parseNonNegativeInt(v, '--episodes'), 3)
    .option(
      '--seed <seed>',
      'seed of the episodes and the planner',
      (v) => parseNonNegativeInt(v, '--seed'),
      0,
    )
    .option(
      '--horizon <n>',
      'steps planned ahead',
      (v) => parseNonNegativeInt(v, '--horizon'),
      PLANNER_DEFAULTS.horizon,
    )
    .option(
      '--iterations <n>',
      'CEM iterations per decision',
      (v) => parseNonNegativeInt(v, '--iterations'),
      PLANNER_DEFAULTS.iterations,
    )
    .option(
      '--population <n>',
      'sequences per CEM iteration',
      (v) => parseNonNegativeInt(v, '--population'),
      PLANNER_DEFAULTS.populationSize,
    )
    .option('--gif <path>', 'write a GIF of the first episode')
    .option('--json', 'print the results as JSON')
    .action(
      async (opts: {
        env: string;
        reward: string;
        planner: 'cem' | 'mppi';
        episodes: number;
        seed: number;
        horizon: number;
        iterations: number;
        population: number;
        gif?: string;
        json?: boolean;
      }) => {
        if (opts.episodes < 1 || opts.horizon < 1 || opts.iterations < 1 || opts.population < 2) {
          throw new UsageError(
            '--episodes, --horizon and --iterations must be at least 1, --population at least 2',
          );
        }
        const env: Env = make(opts.env, opts.gif ? { renderMode: 'rgb_array' } : {});
        const raw = env.unwrapped as SnapshotEnv;
        if (!(env.actionSpace instanceof Box) || typeof raw.snapshot !== 'function') {
          env.close();
          throw new UsageError(
            `--env ${opts.env} must have Box actions and snapshot()/restore() (the Rapier envs)`,
          );
        }
        const budget = {
          horizon: opts.horizon,
          iterations: opts.iterations,
          populationSize: opts.population,
        };
        const planner: Planner =
          opts.planner === 'mppi'
            ? new MppiPlanner(env.actionSpace, { ...MPPI_DEFAULTS, ...budget })
            : new CemPlanner(env.actionSpace, { ...PLANNER_DEFAULTS, ...budget });
        let phi: import('@tensorflow/tfjs').Tensor[] | undefined;
        if (opts.reward !== 'true') {
          await selectBackend('auto');
          const loaded = loadLearnedLoss(opts.reward);
          phi = loaded.phi;
          if (loaded.document.training?.experiment !== 'reacher' || !(raw instanceof ReacherEnv)) {
            env.close();
            for (const t of phi) t.dispose();
            throw new UsageError(
              `--reward ${opts.reward}: a learned reward must come from the reacher experiment and plan rapier/Reacher-v0 (it was trained by "${loaded.document.training?.experiment}", --env is ${opts.env})`,
            );
          }
        }
        // The learned reward needs the episode's goal, so its evaluator is built per episode.
        const evaluatorFor = (): SequenceEvaluator => {
          if (!phi) return new SimulatorEvaluator(raw, (env.actionSpace as Box).size);
          const s = (raw as ReacherEnv).getState();
          return learnedRewardEvaluator(raw as ReacherEnv, phi, [s[4]!, s[5]!]);
        };
        const rng = new RNG(RNG.deriveSeed(opts.seed, 'plan'));
        const episodes: {
          episode: number;
          return: number;
          length: number;
          finalDistance?: number;
          msPerDecision: number;
        }[] = [];
        const frames: RgbFrame[] = [];
        try {
          for (let ep = 0; ep < opts.episodes; ep++) {
            env.reset(ep === 0 ? { seed: opts.seed } : {});
            planner.reset();
            const evaluator = evaluatorFor();
            if (opts.gif && ep === 0) frames.push(env.render() as RgbFrame);
            let total = 0;
            let length = 0;
            const t0 = performance.now();
            for (;;) {
              const [, reward, terminated, truncated] = env.step(planner.act(evaluator, rng));
              if (opts.gif && ep === 0) frames.push(env.render() as RgbFrame);
              total += reward;
              length += 1;
              if (terminated || truncated) break;
            }
            const result: (typeof episodes)[number] = {
              episode: ep,
              return: total,
              length,
              msPerDecision: (performance.now() - t0) / length,
            };
            if (raw instanceof ReacherEnv) {
              const [fx, fy] = raw.fingertip();
              const goal = raw.getState();
              result.finalDistance = Math.hypot(fx - goal[4]!, fy - goal[5]!);
            }
            episodes.push(result);
            if (!opts.json) {
              const dist =
                result.finalDistance === undefined
                  ? ''
                  : `, final fingertip distance ${(100 * result.finalDistance).toFixed(2)} cm`;
              console.log(
                `episode ${ep}: return ${total.toFixed(3)}, length ${length}${dist}, ${result.msPerDecision.toFixed(1)} ms per decision`,
              );
            }
          }
        } finally {
          env.close();
          for (const t of phi ?? []) t.dispose();
        }
        if (opts.gif) writeFileAtomic(opts.gif, encodeGif(frames, env.metadata.renderFps ?? 30));
        if (opts.json)
          console.log(
            JSON.stringify(
              {
                env: opts.env,
                reward: opts.reward,
                planner: opts.planner,
                seed: opts.seed,
                episodes,
              },
              null,
              2,
            ),
          );
      },
    );
}
