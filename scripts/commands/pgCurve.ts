/** `ml3 pg curve <run-dir…>`: several pg runs' learning curve and final numbers (see pgCurve.ts). */
import type { Command } from 'commander';
import { pgCurve } from '../experiments/pgCurve.js';
import { plotPngPath } from '../run/plots.js';
import { parseField } from './schemaOptions.js';

/** Adds `curve` to the `pg` command group (after {@link addExperimentGroups}). */
export function addPgCurveCommand(program: Command): void {
  const pg = program.commands.find((c) => c.name() === 'pg');
  if (!pg) throw new Error('the pg command group must exist before pg curve is added');
  pg.command('curve')
    .description(
      'learning curve of several pg runs (e.g. the seeds of --runs): training return mean ± std over runs next to the reference band, and each run’s final numbers',
    )
    .argument('<run-dirs...>', 'pg run folders of one env')
    .option(
      '--bins <n>',
      'env-step bins of the curve',
      (v) => parseField(v, { type: 'int', doc: '', min: 1 }, '--bins') as number,
      50,
    )
    .option('--out <file.png>', 'write the curve as PNG (and SVG next to it)')
    .option(
      '--solved-at <return>',
      'also count evaluation episodes with at least this return (e.g. 90 for the car)',
      (v) => parseField(v, { type: 'number', doc: '' }, '--solved-at') as number,
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (
        dirs: string[],
        opts: { bins: number; out?: string; solvedAt?: number; json?: boolean },
      ) => {
        const report = await pgCurve(dirs, opts);
        if (opts.json) {
          console.log(JSON.stringify(report, null, 2));
          return;
        }
        const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
        console.log(
          `${report.env} (preset ${report.presets.join(', ')}), ${report.runs.length} runs`,
        );
        console.log(
          'seed | env steps | training return (last 10 updates) | evaluation mean ± std' +
            (opts.solvedAt !== undefined ? ` | episodes ≥ ${opts.solvedAt}` : ''),
        );
        for (const r of report.runs)
          console.log(
            `${r.seed} | ${r.envSteps} | ${f(r.trainingReturnLast10Updates)} | ${f(r.evalMean)} ± ${f(r.evalStd)}` +
              (opts.solvedAt !== undefined
                ? ` | ${r.evalSolved ?? '—'}/${r.evalEpisodes ?? '—'}`
                : ''),
          );
        const last = report.curve.at(-1);
        if (last)
          console.log(
            `last bin (≤ ${last.step} steps): ${last.mean.toFixed(2)} ± ${last.std.toFixed(2)} over ${last.runs} runs`,
          );
        if (report.reference) console.log(`reference: ${report.reference.label}`);
        if (opts.out) console.log(`curve: ${plotPngPath(opts.out)}`);
      },
    );
}
