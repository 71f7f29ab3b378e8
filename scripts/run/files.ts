/** File helpers of runs: atomic writes (temp file + rename) and checked JSON reads. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: a temp file in the same folder, then a rename, so a crash leaves
 * either the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

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
