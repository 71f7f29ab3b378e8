/**
 * Checkpoints of runs: one JSON document per run (`checkpoints/checkpoint.json`, replaced
 * atomically) holding the iteration, the experiment state (with its RNG states) and a hash of
 * the config, so a checkpoint cannot be resumed under another config or experiment.
 */
import { createHash } from 'node:crypto';
import { CorruptFileError, readJson, writeJsonAtomic } from './files.js';
import type { RunDir } from './runDir.js';

const FORMAT = 'ml3-run-checkpoint';
const VERSION = 1;

/** What a checkpoint holds. */
export interface Checkpoint {
  format: typeof FORMAT;
  version: number;
  experiment: string;
  configHash: string;
  /** Iterations completed. */
  iteration: number;
  state: unknown;
  savedAt: string;
}

/** A stable hash of a config (keys sorted). */
export function configHash(config: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Path of a run's checkpoint. */
export function checkpointPath(run: RunDir): string {
  return run.file('checkpoints', 'checkpoint.json');
}

/** Saves a checkpoint atomically. */
export function saveCheckpoint(
  run: RunDir,
  experiment: string,
  config: Record<string, unknown>,
  iteration: number,
  state: unknown,
): void {
  const checkpoint: Checkpoint = {
    format: FORMAT,
    version: VERSION,
    experiment,
    configHash: configHash(config),
    iteration,
    state,
    savedAt: new Date().toISOString(),
  };
  writeJsonAtomic(checkpointPath(run), checkpoint);
}

/** Loads and validates a run's checkpoint; errors say what is wrong with which file. */
export function loadCheckpoint(
  run: RunDir,
  experiment: string,
  config: Record<string, unknown>,
): Checkpoint {
  const path = checkpointPath(run);
  const c = readJson(path, 'checkpoint') as Partial<Checkpoint>;
  if (c?.format !== FORMAT)
    throw new CorruptFileError(
      `corrupt checkpoint ${path}: not an ml3 run checkpoint (format ${JSON.stringify(c?.format)})`,
    );
  if (c.version !== VERSION)
    throw new CorruptFileError(
      `checkpoint ${path} has format version ${c.version}; this ml3 reads version ${VERSION}`,
    );
  if (c.experiment !== experiment) {
    throw new CorruptFileError(
      `checkpoint ${path} belongs to experiment "${c.experiment}", not "${experiment}"`,
    );
  }
  if (c.configHash !== configHash(config)) {
    throw new CorruptFileError(
      `checkpoint ${path} was saved under another config than ${run.file('config.json')} (config hash mismatch)`,
    );
  }
  if (!(Number.isInteger(c.iteration) && c.iteration! >= 0) || !('state' in c)) {
    throw new CorruptFileError(`corrupt checkpoint ${path}: missing iteration or state`);
  }
  return c as Checkpoint;
}
