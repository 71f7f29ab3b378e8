/** File helpers of runs: atomic writes (temp file + rename) and checked JSON reads. */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../envs/index.js';

export { writeFileAtomic };

/** Writes JSON atomically (pretty-printed, trailing newline). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A bad command-line value found after parsing; the CLI prints its message and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a file-system error code means, in words. */
function describeFsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EEXIST':
      return 'a file of that name is in the way of a folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return err.message;
  }
}

/**
 * Runs a file-system operation on a path the user gave with `flag`; its failures become a
 * `UsageError` naming the flag and the path (not a raw ENOTDIR stack).
 */
export function userPath<T>(flag: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code !== 'string') throw err;
    throw new UsageError(`${flag} ${path}: cannot write there: ${describeFsError(e)}`);
  }
}

/**
 * A result that holds a non-finite number (NaN, ±Infinity): an evaluation that diverged (e.g. a
 * learned loss with huge weights). The CLI reports it and exits with 2 instead of printing NaN,
 * or `null` in JSON.
 */
export class NonFiniteResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteResultError';
  }
}

/** The path (e.g. `methods[1].median`) of the first non-finite number in a result, if any. */
export function firstNonFinite(value: unknown, path = 'result'): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} = ${value}`;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const list = value as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) {
      const found = firstNonFinite(list[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = firstNonFinite(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Throws {@link NonFiniteResultError} when `result` holds a non-finite number. */
export function assertFiniteResult(result: unknown, what: string): void {
  const found = firstNonFinite(result);
  if (found) {
    throw new NonFiniteResultError(
      `${what} produced a non-finite number (${found}): the computation diverged; a learned loss with huge or corrupt weights does this`,
    );
  }
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
