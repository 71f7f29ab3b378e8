/**
 * A run folder: `runs/<experiment>/<name>/` with `config.json`, `metrics.jsonl`, `checkpoints/`,
 * `plots/`, `media/` and `summary.json`. Every file is written atomically; metrics are appended
 * a line at a time and trimmed to the last checkpoint on resume.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  CorruptFileError,
  readJson,
  UsageError,
  writeFileAtomic,
  writeJsonAtomic,
} from './files.js';

/** The lock file of a run folder being trained: it holds the owner's pid. */
const LOCK = 'run.lock';

/** Whether a process with this pid is alive (signal 0 probes without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A run name: one path segment (no `/`, `\`, `.`, `..`, or empty), so that a run always lands
 * directly under `--out/<experiment>/`.
 */
export function checkRunName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new UsageError(
      `--name ${JSON.stringify(name)}: a run name is one folder name (not empty, no "/" or "\\", not "." or "..")`,
    );
  }
  return name;
}

/** What `config.json` holds. */
export interface RunConfigFile {
  experiment: string;
  config: Record<string, unknown>;
  backend: string | null;
  packageVersion: string;
  gitCommit: string | null;
  node: string;
  createdAt: string;
}

/** Paths and writers of one run folder. */
export class RunDir {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Creates a new run folder; refuses an existing non-empty one (use --resume or another name). */
  static create(path: string): RunDir {
    if (existsSync(path) && readdirSync(path).length > 0) {
      throw new CorruptFileError(
        `run folder ${path} already exists; resume it with --resume ${path} or choose another --name`,
      );
    }
    for (const sub of ['', 'checkpoints', 'plots', 'media'])
      mkdirSync(join(path, sub), { recursive: true });
    return new RunDir(path);
  }

  /**
   * Takes the run's lock for this process (a `run.lock` file with its pid, created exclusively).
   * A lock of a live process is an error; a stale one (its process is gone) is taken over.
   * Returns a function that releases it.
   */
  lock(): () => void {
    const path = this.file(LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return () => {
          if (existsSync(path) && readFileSync(path, 'utf8').trim() === String(process.pid))
            unlinkSync(path);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
          throw new UsageError(
            `run ${this.path} is being trained by process ${owner} (lock file ${path}); wait for it, or stop it first`,
          );
        }
        unlinkSync(path); // stale: its process is gone
      }
    }
    throw new UsageError(`could not take the lock ${path}`);
  }

  /** Removes the whole run folder (a start that failed before anything of value was written). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  /** Opens an existing run folder (for resume, test, plot). */
  static open(path: string): RunDir {
    if (!existsSync(join(path, 'config.json'))) {
      throw new CorruptFileError(`${path} is not a run folder: it has no config.json`);
    }
    return new RunDir(path);
  }

  file(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  writeConfig(config: RunConfigFile): void {
    writeJsonAtomic(this.file('config.json'), config);
  }

  readConfig(): RunConfigFile {
    const c = readJson(this.file('config.json'), 'run config') as RunConfigFile;
    if (typeof c?.experiment !== 'string' || typeof c.config !== 'object' || c.config === null) {
      throw new CorruptFileError(
        `corrupt run config ${this.file('config.json')}: expected { experiment, config, ... }`,
      );
    }
    return c;
  }

  /** Appends one metrics line. */
  appendMetrics(row: Record<string, unknown>): void {
    appendFileSync(this.file('metrics.jsonl'), `${JSON.stringify(row)}\n`);
  }

  /** All complete metrics lines (a torn last line from a crash is skipped). */
  readMetrics(): Record<string, unknown>[] {
    const path = this.file('metrics.jsonl');
    if (!existsSync(path)) return [];
    const rows: Record<string, unknown>[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        // a line cut by a crash: dropped
      }
    }
    return rows;
  }

  /** Keeps only the metrics of iterations ≤ `iteration` (those a checkpoint covers). */
  trimMetrics(iteration: number): void {
    const kept = this.readMetrics().filter(
      (r) => typeof r.iteration === 'number' && r.iteration <= iteration,
    );
    writeFileAtomic(this.file('metrics.jsonl'), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** summary.json (written when training completes), or undefined before then. */
  readSummary(): Record<string, unknown> | undefined {
    const path = this.file('summary.json');
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CorruptFileError(`corrupt ${path}: ${(err as Error).message}`);
    }
  }

  writeSummary(summary: Record<string, unknown>): void {
    writeJsonAtomic(this.file('summary.json'), summary);
  }
}

/** Opens a finished (or checkpointed) run folder, checking it is a run of `experiment`. */
export function openRunOf<C>(
  runPath: string,
  experiment: string,
): { run: RunDir; config: C; backend: string | null } {
  const run = RunDir.open(runPath);
  const saved = run.readConfig();
  if (saved.experiment !== experiment)
    throw new CorruptFileError(`${runPath} is a run of "${saved.experiment}", not "${experiment}"`);
  return { run, config: saved.config as C, backend: saved.backend ?? null };
}
