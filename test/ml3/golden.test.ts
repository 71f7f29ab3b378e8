/**
 * Golden runs: every experiment at a tiny budget, its metrics, summary and test-command output
 * compared with the numbers recorded in `test/ml3/golden/<experiment>.json`. A refactor that
 * moves code must leave these identical (same seed, same backend ⇒ the same numbers); a change
 * that is meant to move numbers re-records them, in a commit of its own:
 *
 *   ML3_RECORD_GOLDEN=1 node --import tsx --test test/ml3/golden.test.ts
 *
 * Wall-clock fields and the temporary run folder's path are removed before comparing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findExperiment } from '../../scripts/experiments/index.js';
import { trainExperiment } from '../../scripts/run/train.js';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const RECORD = process.env.ML3_RECORD_GOLDEN === '1';

/** One tiny-budget run: the training config (over the experiment's defaults) and test options. */
interface GoldenCase {
  experiment: string;
  config: Record<string, unknown>;
  /** Options of the experiment's test command (over its defaults); omitted: no test run. */
  test?: Record<string, unknown>;
}

/** A tiny model-free ML3 run on the reacher (with and without a learned σ). */
const TINY_PG_ML3 = {
  iterations: 3,
  tasks: 2,
  episodes: 2,
  lifetime: 2,
  testTasks: 1,
  testIterations: 2,
  testSeeds: 1,
};

const CASES: GoldenCase[] = [
  {
    experiment: 'sine',
    config: { iterations: 4, seeds: 2, testTasks: 2, testSteps: 5, evalEvery: 2, testEvery: 2 },
    test: { testTasks: 2, testSteps: 4 },
  },
  {
    experiment: 'shaped-sine',
    config: { iterations: 3, innerSteps: 3, evalEvery: 1 },
    test: { frequency: 0.9 },
  },
  {
    experiment: 'reacher',
    config: {
      iterations: 4,
      goals: 2,
      horizon: 8,
      randomEpisodes: 2,
      collectEvery: 1,
      refitEvery: 2,
      refitEpochs: 2,
      testGoals: 2,
      evalEvery: 2,
      modelPolicySteps: 2,
      planners: false,
    },
    test: { goals: 2, planners: false, modelPolicySteps: 2 },
  },
  {
    experiment: 'reacher',
    config: {
      iterations: 2,
      dynamics: 'twin',
      goals: 2,
      horizon: 6,
      testGoals: 2,
      evalEvery: 1,
      modelPolicySteps: 0,
      planners: false,
    },
  },
  {
    experiment: 'mountain-car',
    config: { iterations: 3, starts: 2, horizon: 12, extraSteps: 5, evalEvery: 2 },
    test: { steps: 1 },
  },
  {
    experiment: 'pg-ml3',
    config: TINY_PG_ML3,
    test: { tasks: 1, iterations: 1, seeds: 1 },
  },
  {
    experiment: 'pg-ml3',
    config: {
      task: 'car',
      extra: true,
      base: 'none',
      iterations: 2,
      tasks: 2,
      episodes: 2,
      testTasks: 1,
      testIterations: 1,
      testSeeds: 1,
    },
  },
  {
    experiment: 'pg',
    config: {
      totalTimesteps: 256,
      numSteps: 64,
      numMinibatches: 4,
      updateEpochs: 2,
      evalEpisodes: 2,
      gif: false,
    },
  },
  {
    experiment: 'cem',
    config: { iterations: 2, population: 6, episodes: 1, evalEpisodes: 2, gif: false },
  },
  {
    experiment: 'pg-ml3',
    config: { learnStd: true, ...TINY_PG_ML3 },
  },
];

/** Drops wall-clock fields and makes run-folder paths relative, recursively. */
function stable(value: unknown, runPath: string): unknown {
  if (typeof value === 'string') return value.split(runPath).join('<run>');
  if (Array.isArray(value)) return value.map((v) => stable(v, runPath));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !/^perf\/|SPS|seconds|elapsed/.test(k))
        .map(([k, v]) => [k, stable(v, runPath)]),
    );
  }
  return value;
}

function caseName(c: GoldenCase, index: number): string {
  return `${index}-${c.experiment}`;
}

async function runCase(c: GoldenCase): Promise<Record<string, unknown>> {
  const exp = findExperiment(c.experiment);
  if (!exp) throw new Error(`no experiment ${c.experiment}`);
  const out = mkdtempSync(join(tmpdir(), `ml3-golden-${c.experiment}-`));
  const config = { ...exp.defaults, ...c.config };
  const result = await trainExperiment(exp, {
    config,
    out,
    name: 'g',
    backend: 'wasm',
    backendExplicit: true,
    quiet: true,
    json: false,
  });
  const runPath = result.run.path;
  const record: Record<string, unknown> = {
    config: c.config,
    metrics: result.run.readMetrics(),
    summary: result.summary,
  };
  if (c.test && exp.test) {
    record.test = await exp.test.run(
      runPath,
      { ...exp.test.defaults, ...c.test },
      { log: () => {} },
    );
  }
  return stable(JSON.parse(JSON.stringify(record)), runPath) as Record<string, unknown>;
}

describe('golden runs: tiny-budget results of every experiment are unchanged', () => {
  CASES.forEach((c, i) => {
    const file = join(GOLDEN_DIR, `${caseName(c, i)}.json`);
    it(`${caseName(c, i)} equals ${RECORD ? '(recording)' : 'its recorded numbers'}`, async () => {
      const got = await runCase(c);
      if (RECORD) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, `${JSON.stringify(got, null, 1)}\n`);
        return;
      }
      assert.ok(existsSync(file), `${file} is missing: record it with ML3_RECORD_GOLDEN=1`);
      const want = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(got, want);
    });
  });
});
