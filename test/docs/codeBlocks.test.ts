/**
 * Every TypeScript block in README.md and docs/*.md is a program a user can paste: this test
 * extracts them, rewrites the package's own specifiers (`ml3`, `ml3/envs`, …) to this checkout,
 * typechecks them all with the project's compiler options, and runs each one (a block whose info
 * string says `no-run`, e.g. "```ts no-run", is only typechecked).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, '.docs-check');

/** The package's entry points and the checkout files they map to (from `exports`). */
const SPECIFIERS: Record<string, string> = {
  ml3: '../index.js',
  'ml3/envs': '../envs/index.js',
  'ml3/agents': '../agents/index.js',
  'ml3/ml3': '../ml3/index.js',
};

interface Block {
  source: string;
  index: number;
  code: string;
  run: boolean;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const blocks: Block[] = [];
  const re = /^```(ts|typescript)([^\n]*)\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    blocks.push({
      source: file,
      index: blocks.length,
      code: m[3]!,
      run: !/\bno-run\b/.test(m[2]!),
    });
  }
  return blocks;
}

const files = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = files.flatMap(blocksOf);

/** Writes a block as a module of its own, with the package specifiers pointing at this checkout. */
function writeBlock(b: Block): string {
  const name = `${b.source.replace(/[/.]/g, '_')}_${b.index}.ts`;
  const code = b.code.replace(/from '(ml3(?:\/\w+)?)'/g, (whole, spec: string) =>
    SPECIFIERS[spec] ? `from '${SPECIFIERS[spec]}'` : whole,
  );
  // `export {}` makes every block a module (top-level await, no global name clashes).
  writeFileSync(join(OUT, name), `${code}\nexport {};\n`);
  return name;
}

describe('code blocks of the README and docs', () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const names = blocks.map(writeBlock);
  writeFileSync(
    join(OUT, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '..' },
      include: [...names, '../envs/render/gifenc.d.ts'],
    }),
  );

  it(`there are TypeScript blocks to check (${blocks.length})`, () => {
    assert.ok(blocks.length >= 5, `found ${blocks.length}`);
  });

  it('all typecheck', () => {
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(OUT, 'tsconfig.json'), '--noEmit'],
      { encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
  });

  blocks.forEach((b, i) => {
    if (!b.run) return;
    it(`${b.source} block ${b.index} runs`, () => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(OUT, names[i]!)], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`.slice(-3000));
    });
  });
});
