/**
 * A run folder: `runs/<experiment>/<name>/` with `config.json`, `metrics.jsonl`, `checkpoints/`,
 * `plots/`, `media/` and `summary.json`. Every file is written atomically; metrics are appended
 * a line at a time and trimmed to the last checkpoint on resume.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptFileError, readJson, writeFileAtomic, writeJsonAtomic } from './files.js';

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

  writeSummary(summary: Record<string, unknown>): void {
    writeJsonAtomic(this.file('summary.json'), summary);
  }
}

/** Opens a finished (or checkpointed) run folder, checking it is a run of `experiment`. */
export function openRunOf<C>(runPath: string, experiment: string): { run: RunDir; config: C } {
  const run = RunDir.open(runPath);
  const saved = run.readConfig();
  if (saved.experiment !== experiment)
    throw new CorruptFileError(`${runPath} is a run of "${saved.experiment}", not "${experiment}"`);
  return { run, config: saved.config as C };
}
