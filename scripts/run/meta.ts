/** Facts recorded beside every run: package version and git commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** This package's version (from package.json, found from src or dist). */
export function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')).version as string;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

/** The git commit of the working directory, or null outside a checkout. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}
