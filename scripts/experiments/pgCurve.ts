/**
 * `ml3 pg curve <run-dir…>`: the learning curve of several policy-gradient runs (seeds) as the
 * mean ± std over runs of the training episodic return, binned by env steps, drawn next to the
 * published reference band for the env, with the final numbers of each run as a table.
 */
import { mean } from '../../envs/core/stats.js';
import { InvalidArgument } from '../../envs/index.js';
import { type PlotSpec, renderLinePlot, writePlotFiles } from '../run/plots.js';
import { openRunOf } from '../run/runDir.js';
import type { PgConfig } from './pg.js';

/** A published range to compare a learning curve with. */
export interface ReferenceBand {
  lo: number;
  hi: number;
  label: string;
}

/** The reference band per env id (matched by the name after the namespace). */
export const PG_REFERENCE_BANDS: Readonly<Record<string, ReferenceBand>> = {
  Reacher: {
    lo: -6,
    hi: -4,
    label: 'CleanRL PPO, MuJoCo Reacher at 1M steps (−6 … −4)',
  },
  MountainCarContinuous: {
    lo: 90,
    hi: 95,
    label: 'solved: RL Zoo PPO + gSDE (≥ 90)',
  },
};

/** The reference band for an env id such as `rapier/Reacher-v1`, if one is known. */
export function referenceBandFor(envId: string): ReferenceBand | undefined {
  const name = envId
    .split('/')
    .pop()!
    .replace(/-v\d+$/, '');
  return PG_REFERENCE_BANDS[name];
}

/** One bin of the learning curve over runs. */
export interface CurveBin {
  /** The bin's right edge in env steps. */
  step: number;
  /** Mean over runs of each run's mean episodic return in the bin. */
  mean: number;
  /** Population std over runs. */
  std: number;
  /** Runs with at least one finished episode in the bin. */
  runs: number;
}

/**
 * Bins each run's `charts/episodic_return` rows by `global_step` into `bins` equal bins up to
 * the longest run, then averages over runs (bins no run reached are left out).
 */
export function seedCurve(
  runs: readonly (readonly Record<string, unknown>[])[],
  bins: number,
  field = 'charts/episodic_return',
): CurveBin[] {
  const last = Math.max(
    ...runs.flatMap((rows) =>
      rows.map((r) => (typeof r.global_step === 'number' ? r.global_step : 0)),
    ),
  );
  if (!(last > 0)) return [];
  const width = last / bins;
  const perRun = runs.map((rows) => {
    const sums = new Float64Array(bins);
    const counts = new Float64Array(bins);
    for (const r of rows) {
      const y = r[field];
      const x = r.global_step;
      if (typeof y !== 'number' || !Number.isFinite(y) || typeof x !== 'number') continue;
      const b = Math.min(bins - 1, Math.max(0, Math.ceil(x / width) - 1));
      sums[b] += y;
      counts[b] += 1;
    }
    return Array.from(sums, (s, b) => (counts[b]! > 0 ? s / counts[b]! : undefined));
  });
  const out: CurveBin[] = [];
  for (let b = 0; b < bins; b++) {
    const ys = perRun.map((r) => r[b]).filter((y): y is number => y !== undefined);
    if (ys.length === 0) continue;
    const m = mean(ys);
    out.push({
      step: Math.round((b + 1) * width),
      mean: m,
      std: Math.sqrt(mean(ys.map((y) => (y - m) ** 2))),
      runs: ys.length,
    });
  }
  return out;
}

/** What `ml3 pg curve` reports. */
export interface PgCurveReport {
  env: string;
  presets: string[];
  runs: {
    path: string;
    seed: number;
    envSteps: number;
    trainingReturnLast10Updates: number | null;
    evalMean: number | null;
    evalStd: number | null;
    evalSolved: number | null;
    evalEpisodes: number | null;
  }[];
  curve: CurveBin[];
  reference?: ReferenceBand;
}

/**
 * Reads the runs (all of one env), builds the curve and writes `<out>.png` and `.svg` when `out`
 * is given. Evaluation fields come from each run's summary.json (runs still training have none).
 */
export async function pgCurve(
  runPaths: readonly string[],
  options: { bins: number; out?: string; solvedAt?: number },
): Promise<PgCurveReport> {
  if (runPaths.length === 0) throw new InvalidArgument('name at least one pg run folder');
  const opened = runPaths.map((p) => ({ path: p, ...openRunOf<PgConfig>(p, 'pg') }));
  const envs = [...new Set(opened.map((o) => o.config.env))];
  if (envs.length > 1)
    throw new InvalidArgument(
      `the runs train different envs (${envs.join(', ')}); give runs of one env`,
    );
  const env = envs[0]!;
  const presets = [...new Set(opened.map((o) => o.config.preset ?? 'cleanrl'))];
  const metrics = opened.map((o) => o.run.readMetrics());
  const curve = seedCurve(metrics, options.bins);
  const reference = referenceBandFor(env);
  const runs = opened.map((o, i) => {
    const summary = o.run.readSummary() as
      | {
          envSteps?: number;
          trainingReturnLast10Updates?: number | null;
          evaluation?: { meanReturn: number; stdReturn: number; returns: number[] };
        }
      | undefined;
    const e = summary?.evaluation;
    const lastStep = metrics[i]!.at(-1)?.global_step;
    return {
      path: o.path,
      seed: o.config.seed,
      envSteps: summary?.envSteps ?? (typeof lastStep === 'number' ? lastStep : 0),
      trainingReturnLast10Updates: summary?.trainingReturnLast10Updates ?? null,
      evalMean: e?.meanReturn ?? null,
      evalStd: e?.stdReturn ?? null,
      evalSolved:
        e && options.solvedAt !== undefined
          ? e.returns.filter((r) => r >= options.solvedAt!).length
          : null,
      evalEpisodes: e?.returns.length ?? null,
    };
  });
  if (options.out) {
    const spec: PlotSpec = {
      file: 'curve',
      title: `${env}: training episodic return, mean ± std over ${runPaths.length} runs (each bin: the runs that ended episodes in it)`,
      x: 'step',
      xTitle: 'env steps',
      yTitle: 'episodic return',
      series: [
        {
          field: 'mean',
          label: `mean ± std over runs (${presets.join(', ')})`,
          stdField: 'std',
        },
        ...(reference
          ? [
              {
                field: 'refMid',
                label: reference.label,
                band: ['refLo', 'refHi'] as [string, string],
              },
            ]
          : []),
      ],
    };
    const rows = curve.map((b) => ({
      ...b,
      ...(reference
        ? { refLo: reference.lo, refHi: reference.hi, refMid: (reference.lo + reference.hi) / 2 }
        : {}),
    }));
    writePlotFiles(options.out, await renderLinePlot(rows, spec));
  }
  return {
    env,
    presets,
    runs,
    curve,
    ...(reference ? { reference } : {}),
  };
}
