/** `ml3 envs …`: list, check and run the registered environments. */

import { type Command, InvalidArgumentError } from 'commander';
import { mean, std } from '../../envs/core/stats.js';
import {
  Box,
  checkEnv,
  Discrete,
  type Env,
  EnvCheckError,
  encodeGif,
  encodePng,
  make,
  RecordEpisodeStatistics,
  type RgbFrame,
  registry,
  type Space,
} from '../../envs/index.js';
import { userPath, writeFileAtomic } from '../run/files.js';
import { commandDescription } from './catalog.js';
import { UsageError } from './usage.js';

/** Parses a non-negative integer flag value. */
export function parseNonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`${flag} must be a non-negative integer, got "${value}"`);
  }
  return n;
}

function zeroAction(space: Space<unknown>): unknown {
  if (space instanceof Box) return new Float32Array(space.size);
  if (space instanceof Discrete) return space.start + Math.floor(space.n / 2);
  throw new UsageError(
    `--policy zero supports Box and Discrete action spaces, not ${String(space)}`,
  );
}

/** Result of one episode of `envs run`. */
export interface EpisodeSummary {
  episode: number;
  return: number;
  length: number;
  terminated: boolean;
}

/** Options of {@link runEpisodes}. */
export interface RunEpisodesOptions {
  policy: 'random' | 'zero';
  episodes: number;
  seed: number;
  /** Capture frames of the first episode (needs an rgb_array env). */
  recordFirst?: boolean;
}

/**
 * Runs seeded episodes of a registered env with a random or zero policy.
 * The env is seeded once (reset with the seed, then unseeded resets), as Gymnasium advises.
 */
export function runEpisodes(
  id: string,
  options: RunEpisodesOptions,
): { episodes: EpisodeSummary[]; frames: RgbFrame[] } {
  const env = new RecordEpisodeStatistics(
    make(id, options.recordFirst ? { renderMode: 'rgb_array' } : {}) as Env,
  );
  env.actionSpace.seed(options.seed);
  const episodes: EpisodeSummary[] = [];
  const frames: RgbFrame[] = [];
  try {
    for (let ep = 0; ep < options.episodes; ep++) {
      env.reset(ep === 0 ? { seed: options.seed } : {});
      const record = options.recordFirst && ep === 0;
      if (record) frames.push(env.render() as RgbFrame);
      for (;;) {
        const action =
          options.policy === 'random' ? env.actionSpace.sample() : zeroAction(env.actionSpace);
        const [, , terminated, truncated, info] = env.step(action);
        if (record) frames.push(env.render() as RgbFrame);
        if (terminated || truncated) {
          const stats = info.episode as { r: number; l: number };
          episodes.push({ episode: ep, return: stats.r, length: stats.l, terminated });
          break;
        }
      }
    }
  } finally {
    env.close();
  }
  return { episodes, frames };
}

function describeSpace(space: Space<unknown>): string {
  return String(space);
}

/** Adds the `envs` command group to the CLI: `list`, `check`, `run`. */
export function addEnvsCommands(program: Command): void {
  const envs = program.command('envs').description(commandDescription('envs'));
  addListCommand(envs);
  addCheckCommand(envs);
  addRunCommand(envs);
}

/** `ml3 envs list`: registered ids with their spaces and step limits. */
function addListCommand(envs: Command): void {
  envs
    .command('list')
    .description('registered ids with their spaces and step limits')
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }) => {
      const rows = [...registry.values()].map((s) => {
        const env = make(s.id, { disableEnvChecker: true });
        const row = {
          id: s.id,
          observationSpace: describeSpace(env.observationSpace),
          actionSpace: describeSpace(env.actionSpace),
          maxEpisodeSteps: s.maxEpisodeSteps,
          rewardThreshold: s.rewardThreshold,
        };
        env.close();
        return row;
      });
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      for (const r of rows) {
        console.log(
          `${r.id}\n  observation ${r.observationSpace}\n  action      ${r.actionSpace}\n  limit ${r.maxEpisodeSteps ?? 'none'} steps, reward threshold ${r.rewardThreshold ?? 'none'}`,
        );
      }
    });
}

/** `ml3 envs check <id>`: the Gymnasium env checker, one line per check. */
function addCheckCommand(envs: Command): void {
  envs
    .command('check')
    .description('run the Gymnasium env checker (checkEnv) on an id and print each check')
    .argument('<id>', 'a registered env id')
    .action((id: string) => {
      const env = make(id);
      try {
        const report = checkEnv(env.unwrapped, { onCheck: (name) => console.log(`  ok  ${name}`) });
        for (const w of report.warnings) console.log(`  warn ${w}`);
        console.log(`${id}: all ${report.passed.length} checks passed`);
      } catch (err) {
        if (err instanceof EnvCheckError) {
          console.error(`  FAIL ${err.check}: ${err.message}`);
          process.exitCode = 1;
          return;
        }
        throw err;
      } finally {
        env.close();
      }
    });
}

/** Options of `ml3 envs run`. */
interface RunCommandOptions {
  policy: string;
  episodes: number;
  seed: number;
  gif?: string;
  png?: string;
  json?: boolean;
}

/** `ml3 envs run <id>`: seeded episodes of a random or zero policy, with statistics and media. */
function addRunCommand(envs: Command): void {
  envs
    .command('run')
    .description('run seeded episodes with a random or zero policy and print episode statistics')
    .argument('<id>', 'a registered env id')
    .option('--policy <policy>', 'random | zero', 'random')
    .option('--episodes <n>', 'number of episodes', (v) => parseNonNegativeInt(v, '--episodes'), 3)
    .option(
      '--seed <seed>',
      'seed of the env and the action sampler',
      (v) => parseNonNegativeInt(v, '--seed'),
      0,
    )
    .option('--gif <path>', 'write a GIF of the first episode')
    .option('--png <path>', 'write the first frame of the first episode as PNG')
    .option('--json', 'print the summary as JSON')
    .action((id: string, opts: RunCommandOptions) => {
      if (opts.policy !== 'random' && opts.policy !== 'zero') {
        throw new UsageError(`--policy must be random or zero, got "${opts.policy}"`);
      }
      if (opts.episodes < 1) throw new UsageError('--episodes must be at least 1');
      const start = performance.now();
      const { episodes, frames } = runEpisodes(id, {
        policy: opts.policy,
        episodes: opts.episodes,
        seed: opts.seed,
        recordFirst: opts.gif !== undefined || opts.png !== undefined,
      });
      const seconds = (performance.now() - start) / 1000;
      const returns = episodes.map((e) => e.return);
      const summary = {
        id,
        policy: opts.policy,
        seed: opts.seed,
        episodes,
        meanReturn: mean(returns),
        stdReturn: std(returns),
        seconds,
      };
      const gif = opts.gif;
      const png = opts.png;
      if (gif) userPath('--gif', gif, () => writeFileAtomic(gif, encodeGif(frames, renderFps(id))));
      if (png) userPath('--png', png, () => writeFileAtomic(png, encodePng(frames[0]!)));
      if (opts.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      for (const e of episodes) {
        console.log(
          `episode ${e.episode}: return ${e.return.toFixed(3)}, length ${e.length}${e.terminated ? ' (terminated)' : ' (truncated)'}`,
        );
      }
      console.log(
        `${id} ${opts.policy} policy, seed ${opts.seed}: mean return ${summary.meanReturn.toFixed(3)} ± ${summary.stdReturn.toFixed(3)} over ${episodes.length} episodes (${seconds.toFixed(2)} s)`,
      );
      if (opts.gif) console.log(`wrote ${opts.gif} (${frames.length} frames)`);
      if (opts.png) console.log(`wrote ${opts.png}`);
    });
}

/** The frame rate of an env id's renderings (its metadata). */
function renderFps(id: string): number {
  const env = make(id, { disableEnvChecker: true });
  const fps = env.metadata.renderFps ?? 30;
  env.close();
  return fps;
}
