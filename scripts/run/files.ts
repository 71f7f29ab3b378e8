/** File helpers of runs: atomic writes (temp file + rename) and checked JSON reads. */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../envs/index.js';

export { writeFileAtomic };

/** Writes JSON atomically (pretty-printed, trailing newline). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A file that exists but is not what it should be (not JSON, wrong shape, wrong run). */
export class CorruptFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptFileError';
  }
}

/** Reads and parses a JSON file; a missing or unparsable file gets a message naming it. */
export function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new CorruptFileError(`${what} not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CorruptFileError(
      `corrupt ${what} ${path}: not valid JSON (${(err as Error).message})`,
    );
  }
}
