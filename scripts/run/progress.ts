/**
 * Progress of long work: a bar with ETA and the key metric on a TTY (cli-progress), plain
 * periodic lines otherwise (logs, CI), nothing with `--quiet`. Writes to stderr, so `--json`
 * output on stdout stays clean.
 */
import cliProgress from 'cli-progress';

/** Reports iterations of a loop. */
export interface Progress {
  update(done: number, metric?: number): void;
  stop(): void;
}

/**
 * @param label what is running
 * @param total iterations in all
 * @param start iterations already done (resume)
 * @param metricName name of the metric shown
 * @param mode `auto` (bar on a TTY, lines otherwise), `lines`, or `quiet`
 */
export function createProgress(
  label: string,
  total: number,
  start: number,
  metricName: string,
  mode: 'auto' | 'lines' | 'quiet',
): Progress {
  if (mode === 'quiet') return { update() {}, stop() {} };
  // Iterations without the metric (a PPO update in which no episode ended) show the last value.
  let last: number | undefined;
  const fmt = (v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) last = v;
    return last === undefined ? '—' : last.toFixed(3);
  };
  if (mode === 'auto' && process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {value}/{total} | ETA {eta_formatted} | ${metricName} {metric}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { metric: '—' });
    return {
      update: (done, metric) => bar.update(done, { metric: fmt(metric) }),
      stop: () => bar.stop(),
    };
  }
  // Plain lines: about 20 per run, and at least every 30 s.
  const every = Math.max(1, Math.round(total / 20));
  const t0 = performance.now();
  let lastPrint = t0;
  return {
    update(done, metric) {
      const now = performance.now();
      if (done % every !== 0 && done !== total && now - lastPrint < 30_000) return;
      lastPrint = now;
      const rate = (done - start) / ((now - t0) / 1000);
      const eta = rate > 0 ? Math.round((total - done) / rate) : Number.NaN;
      process.stderr.write(
        `${label} ${done}/${total} | ETA ${Number.isFinite(eta) ? `${eta}s` : '—'} | ${metricName} ${fmt(metric)}\n`,
      );
    },
    stop() {},
  };
}
