/** Shared by the resume tests: a straight run and a stopped-then-resumed run of one config. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunDir } from '../../scripts/run/runDir.js';
import { trainExperiment } from '../../scripts/run/train.js';

/** A straight run and a run stopped after `stopAfter` iterations then resumed, same config. */
export async function straightAndResumed(
  exp: Parameters<typeof trainExperiment>[0],
  config: Record<string, unknown>,
  stopAfter: number,
  prefix: string,
) {
  const base = { backend: 'wasm', backendExplicit: true, quiet: true, json: false } as const;
  const out = mkdtempSync(join(tmpdir(), prefix));
  const straight = await trainExperiment(exp, { ...base, out, name: 'a', config });
  const part = await trainExperiment(exp, { ...base, out, name: 'b', config, stopAfter });
  const resumed = await trainExperiment(exp, { ...base, out, config: {}, resume: part.run.path });
  return { straight, part, resumed };
}

/** A run's metrics.jsonl without the wall-clock columns (which differ between runs). */
export function metricsWithoutTimes(result: { run: RunDir }): Record<string, unknown>[] {
  return result.run
    .readMetrics()
    .map((m) =>
      Object.fromEntries(
        Object.entries(m).filter(([k]) => !/^perf\/|SPS|elapsed|time|seconds/.test(k)),
      ),
    );
}

/**
 * Asserts that a run stopped after `stopAfter` iterations and resumed equals a straight run of the
 * same config: the same metrics, and the same `summary[summaryKey]`.
 */
export async function assertResumedEqualsStraight(
  exp: Parameters<typeof trainExperiment>[0],
  config: Record<string, unknown>,
  stopAfter: number,
  prefix: string,
  summaryKey: string,
): Promise<void> {
  const { straight, part, resumed } = await straightAndResumed(exp, config, stopAfter, prefix);
  assert.equal(part.status, 'interrupted');
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(metricsWithoutTimes(resumed), metricsWithoutTimes(straight));
  const summaryOf = (r: typeof straight) =>
    (r.summary as Record<string, unknown> | undefined)?.[summaryKey];
  assert.deepEqual(summaryOf(resumed), summaryOf(straight));
}
