/** The package as consumers load it: ESM only (a clear error from require), what the tarball ships. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

describe('package.json', () => {
  it('require() of any entry says the package is ESM only and how to load it', () => {
    for (const entry of ['ml3', 'ml3/envs', 'ml3/agents', 'ml3/ml3']) {
      // A package can require itself by name from its own folder (self-reference).
      const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(entry)})`], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.notEqual(run.status, 0);
      assert.match(
        run.stderr,
        /ml3 is an ES module package: load it with `import \{ make \} from 'ml3'`/,
      );
      assert.doesNotMatch(run.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
    }
  });

  it('ships no benchmarks and no source maps without their sources', () => {
    assert.ok(
      pkg.files.includes('!dist/scripts/bench*') && pkg.files.includes('!dist/scripts/soak*'),
    );
    const build = JSON.parse(readFileSync(new URL('tsconfig.build.json', root), 'utf8'));
    assert.equal(build.compilerOptions.inlineSources, true, 'maps carry their TypeScript sources');
    assert.equal(build.compilerOptions.declarationMap, false, 'no .d.ts maps to unshipped .ts');
  });
});
