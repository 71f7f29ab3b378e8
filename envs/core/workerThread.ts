/**
 * Starting a worker thread on one of this package's modules, from TypeScript sources (tests,
 * `tsx`: the worker registers the tsx loader before importing the .ts entry) or from the
 * compiled `dist/` (it imports the .js directly).
 */
import type { Worker } from 'node:worker_threads';
import { nodeBuiltin } from './nodeBuiltins.js';

/**
 * Starts a worker running `entry` (a URL of a module of this package, given as its `.ts` path
 * relative to the caller: `new URL('./asyncWorker.ts', import.meta.url)`) with `workerData`. The
 * worker is unref'd: an idle one does not keep the process alive.
 */
export function startWorker(entry: URL, workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fromSource ? entry.href : entry.href.replace(/\.ts$/, '.js');
  const boot = fromSource
    ? `(async () => { (await import('tsx/esm/api')).register(); await import(${JSON.stringify(script)}); })().catch((e) => { throw e; });`
    : `import(${JSON.stringify(script)}).catch((e) => { throw e; });`;
  const { Worker: NodeWorker } = nodeBuiltin('node:worker_threads', 'worker threads');
  const w = new NodeWorker(boot, { eval: true, workerData });
  w.unref();
  return w;
}
