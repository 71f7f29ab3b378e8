/** `ml3 reacher seeds <run-dir…>`: several reacher runs' distance-vs-K comparisons, counted over the runs. */
import type { Command } from 'commander';
import { type ReacherSeedsReport, reacherSeeds } from '../experiments/reacherSeeds.js';
import { plotPngPath } from '../run/plots.js';
import { parseField } from './schemaOptions.js';

const cm = (m: number) => (100 * m).toFixed(2);

/** The printed report: one line per run, then one per K over the runs, then the counts. */
export function formatReacherSeeds(r: ReacherSeedsReport): string {
  const ks = r.steps.join(' · ');
  const lines = [
    `${r.rows.length} reacher runs, ${r.initialPolicy} initial policies, ${r.heldOut.goals} held-out goals (seed ${r.heldOut.seed}); each loss's rate chosen per K on ${r.selection.goals} other goals from ×{${r.selection.lrFactors.join(', ')}} its own rate`,
    `seed | initial policy | learned / task at K = ${ks} (cm, medians) | below at every K ≤ ${r.withinSteps} | best at K ≤ ${r.withinSteps}: learned / task | learned closer on (sign test p) at K = ${ks}`,
  ];
  for (const row of r.rows) {
    const pairs = row.learned.map((l, i) => `${cm(l)}/${cm(row.task[i]!)}`).join(' · ');
    const paired = row.paired
      .map(
        (p) =>
          `${p.learnedCloser}/${p.learnedCloser + p.learnedFarther} (${p.pValue.toPrecision(2)})`,
      )
      .join(' · ');
    lines.push(
      `${row.seed} | ${cm(row.initialMedian)} | ${pairs} | ${row.belowAtEveryK ? 'yes' : 'no'} | ${cm(row.bestLearned)} / ${cm(row.bestTask)} | ${paired}`,
    );
  }
  lines.push(`over the ${r.rows.length} runs (initial policy: median ${cm(r.initialMedian)} cm):`);
  for (const p of r.points)
    lines.push(
      `  K = ${String(p.steps).padStart(2)}: learned loss below on ${p.learnedBelow} of ${r.rows.length} (above on ${p.learnedAbove}; sign test over runs p ${p.pValue.toPrecision(2)}); median over runs ${cm(p.learned.median)} / ${cm(p.task.median)} cm`,
    );
  lines.push(
    `below the task loss at every K ≤ ${r.withinSteps}: ${r.belowAtEveryK} of ${r.rows.length} runs; ≤ ${cm(r.reach)} cm within ${r.withinSteps} steps: learned loss on ${r.learnedReached}, task loss on ${r.taskReached}`,
  );
  return lines.join('\n');
}

/** Adds `seeds` to the `reacher` command group (after the experiment groups). */
export function addReacherSeedsCommand(program: Command): void {
  const reacher = program.commands.find((c) => c.name() === 'reacher');
  if (!reacher)
    throw new Error('the reacher command group must exist before reacher seeds is added');
  reacher
    .command('seeds')
    .description(
      'the distance-vs-K comparisons of several reacher runs (seeds), each saved by `ml3 reacher test <run> --curve true`: per run and per K, whether the learned loss is below the task loss, with sign tests over runs, and one plot',
    )
    .argument('<run-dirs...>', 'reacher run folders, each tested with --curve true the same way')
    .option(
      '--within-steps <K>',
      'the step budget of "below at every K" and of the best distance',
      (v) => parseField(v, { type: 'int', doc: '', min: 1 }, '--within-steps') as number,
      10,
    )
    .option(
      '--reach-cm <cm>',
      'count the runs whose best median within the budget is at most this distance',
      (v) => parseField(v, { type: 'number', doc: '', min: 0 }, '--reach-cm') as number,
      2,
    )
    .option('--out <file.png>', 'write the plot as PNG (and SVG next to it)')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        dirs: string[],
        opts: { withinSteps: number; reachCm: number; out?: string; json?: boolean },
      ) => {
        const report = await reacherSeeds(dirs, {
          withinSteps: opts.withinSteps,
          reach: opts.reachCm / 100,
          ...(opts.out ? { out: opts.out } : {}),
        });
        console.log(opts.json ? JSON.stringify(report, null, 2) : formatReacherSeeds(report));
        if (opts.out && !opts.json) console.log(`plot: ${plotPngPath(opts.out)}`);
      },
    );
}
