#!/usr/bin/env node
/**
 * The `ml3` command line. `ml3`, `ml3 --help` and `ml3 --version` answer from the command catalog
 * without loading TensorFlow.js, Rapier or the experiments (~0.15 s instead of ~0.5 s); any other
 * command loads the full program (`scripts/program.ts`).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help } from 'commander';
import { PROGRAM_DESCRIPTION, TOP_LEVEL_COMMANDS } from './commands/catalog.js';
import { packageVersion } from './run/meta.js';

/** Arguments the catalog answers alone. */
const QUICK = new Set(['--help', '-h', '--version', '-V']);

/** The top-level help and version, with the full program's commands as the catalog lists them. */
function quickProgram(): Command {
  const program = new Command('ml3')
    .description(PROGRAM_DESCRIPTION)
    .version(packageVersion())
    .exitOverride();
  for (const c of TOP_LEVEL_COMMANDS) program.command(c.name).description(c.description);
  const standard = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) =>
      TOP_LEVEL_COMMANDS.find((c) => c.name === cmd.name())?.term ?? standard.subcommandTerm(cmd),
  });
  return program;
}

/** Runs the CLI with `argv` (user arguments only); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || (argv.length === 1 && QUICK.has(argv[0]!))) {
    try {
      const program = quickProgram();
      // With no arguments commander prints the help and exits 1, as the full program does.
      if (argv.length === 0) program.help({ error: true });
      await program.parseAsync(argv, { from: 'user' });
      return 0;
    } catch (err) {
      if (err instanceof CommanderError) return err.exitCode;
      throw err;
    }
  }
  const { runProgram } = await import('./program.js');
  return runProgram(argv);
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

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
