#!/usr/bin/env node
/**
 * The `ml3` command line. Commands are added by group (`envs`, and the experiments as they
 * arrive); `demo` is the main job that README's first command runs.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { GymError, registry } from '../envs/index.js';
import { addEnvsCommands, runEpisodes, UsageError } from './commands/envs.js';

function packageVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  for (const candidate of [url, new URL('../../package.json', import.meta.url)]) {
    try {
      return JSON.parse(readFileSync(candidate, 'utf8')).version as string;
    } catch {
      // running from dist/: package.json is one folder further up
    }
  }
  return 'unknown';
}

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('ml3')
    .description('Gymnasium-compatible Rapier environments, agents and ML3 learned losses')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  addEnvsCommands(program);
  program
    .command('demo')
    .description('the main job: seeded random-policy episodes of every package env, with stats')
    .action(() => {
      for (const id of registry.keys()) {
        const { episodes } = runEpisodes(id, { policy: 'random', episodes: 3, seed: 0 });
        for (const e of episodes) {
          console.log(
            `${id} episode ${e.episode}: return ${e.return.toFixed(3)}, length ${e.length}`,
          );
        }
      }
    });
  return program;
}

/** Runs the CLI with `argv` (user arguments only); returns the exit code. */
export function main(argv: string[]): number {
  try {
    buildProgram().parse(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof GymError || err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

/** Whether this file is the process's entry point (also through npm's `bin` symlink). */
function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = main(process.argv.slice(2));
