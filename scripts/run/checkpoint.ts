/**
 * Checkpoints of runs: one JSON document per run (`checkpoints/checkpoint.json`, replaced
 * atomically) holding the iteration, the experiment state (with its RNG states) and a hash of
 * the config and the TensorFlow.js backend, so a checkpoint cannot be resumed under another
 * config, backend or experiment (the backend changes the numbers).
 */
import { createHash } from 'node:crypto';
import { CorruptFileError, readJson, writeJsonAtomic } from './files.js';
import type { RunDir } from './runDir.js';

const FORMAT = 'ml3-run-checkpoint';
/** Version 2 hashes the backend with the config; version 1 (the config alone) still loads. */
const VERSION = 2;

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

/**
 * A stable hash of a config (keys sorted) and the backend the run computes on (`null` for
 * experiments without TensorFlow.js; `undefined`: version-1 checkpoints, the config alone).
 */
export function configHash(config: Record<string, unknown>, backend?: string | null): string {
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  const keyed = backend === undefined ? sorted : { config: sorted, backend };
  return createHash('sha256').update(JSON.stringify(keyed)).digest('hex').slice(0, 16);
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
  backend: string | null,
  iteration: number,
  state: unknown,
): void {
  const checkpoint: Checkpoint = {
    format: FORMAT,
    version: VERSION,
    experiment,
    configHash: configHash(config, backend),
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
  backend: string | null,
): Checkpoint {
  const path = checkpointPath(run);
  const c = readJson(path, 'checkpoint') as Partial<Checkpoint>;
  if (c?.format !== FORMAT)
    throw new CorruptFileError(
      `corrupt checkpoint ${path}: not an ml3 run checkpoint (format ${JSON.stringify(c?.format)})`,
    );
  if (c.version !== VERSION && c.version !== 1)
    throw new CorruptFileError(
      `checkpoint ${path} has format version ${c.version}; this ml3 reads version ${VERSION}`,
    );
  if (c.experiment !== experiment) {
    throw new CorruptFileError(
      `checkpoint ${path} belongs to experiment "${c.experiment}", not "${experiment}"`,
    );
  }
  if (c.configHash !== configHash(config, c.version === 1 ? undefined : backend)) {
    throw new CorruptFileError(
      `checkpoint ${path} was saved under another config or backend than ${run.file('config.json')} says (hash mismatch: was config.json edited?)`,
    );
  }
  if (!(Number.isInteger(c.iteration) && c.iteration! >= 0) || !('state' in c)) {
    throw new CorruptFileError(`corrupt checkpoint ${path}: missing iteration or state`);
  }
  return c as Checkpoint;
}
