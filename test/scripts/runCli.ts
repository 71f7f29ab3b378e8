/** Runs the `ml3` CLI from source in a child process (for the CLI tests). */
import { spawnSync } from 'node:child_process';

/** Exit code, stdout and stderr of `ml3 …args` (the WASM loader's source dump is dropped from stderr). */
export function ml3(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], {
    encoding: 'utf8',
  });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => !l.includes('var Module'))
    .join('\n');
  return { code: r.status, stdout: r.stdout, stderr };
}

/** `ml3 sine train` at a tiny budget (1 seed, 1 test task, 2 test steps), quiet; add the rest. */
export const TINY_SINE = [
  'sine',
  'train',
  '--seeds',
  '1',
  '--test-tasks',
  '1',
  '--test-steps',
  '2',
  '--quiet',
] as const;
