import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('AsyncVectorEnv under worker faults (fault injection in a child process)', () => {
  it('reports load errors, exits and hangs at once with typed errors, breaks the env, closes fast, and the process exits by itself', () => {
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/envs/fixtures/workerFaults.ts'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(run.status, 0, `exit ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
    assert.ok(seconds < 30, `the process took ${seconds.toFixed(1)} s to exit`);
    const cases = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((c) => [c.case, c]),
    );
    for (const name of ['missing module', 'syntax error']) {
      const c = cases[name].construct;
      assert.equal(c.error, 'VectorWorkerError', JSON.stringify(c));
      assert.match(c.message, /could not import module/);
      assert.ok(c.seconds < 10, `${name}: ${c.seconds} s (the timeout is 60 s)`);
    }
    assert.match(cases['missing module'].construct.message, /noSuchModule/);
    assert.match(cases['syntax error'].construct.message, /syntaxError\.mjs/);
    const exit = cases.exit;
    assert.equal(exit.failed.error, 'VectorWorkerError', JSON.stringify(exit));
    assert.match(exit.failed.message, /exited \(code 3\)/);
    assert.ok(exit.failed.seconds < 5, `exit detected after ${exit.failed.seconds} s`);
    const hang = cases.hang;
    assert.equal(hang.failed.error, 'VectorWorkerError', JSON.stringify(hang));
    assert.match(hang.failed.message, /did not answer within 500 ms/);
    for (const c of [exit, hang]) {
      assert.equal(c.next.error, 'VectorWorkerError');
      assert.match(c.next.message, /is broken/);
      assert.ok(c.next.seconds < 0.1, `the next call took ${c.next.seconds} s`);
      assert.equal(c.closed.error, undefined, JSON.stringify(c.closed));
      assert.ok(c.closed.seconds < 1, `close() took ${c.closed.seconds} s`);
    }
  });
});
