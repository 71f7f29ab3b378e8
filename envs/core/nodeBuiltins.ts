/**
 * Node's built-in modules, loaded when first needed (`process.getBuiltinModule`, Node ≥ 20.16)
 * instead of imported at the top: `ml3/envs` then bundles for browsers, where only the parts that
 * write files or start worker threads are missing (they throw `UnsupportedOperation`).
 */
import { UnsupportedOperation } from './errors.js';

type Builtins = {
  'node:fs': typeof import('node:fs');
  'node:path': typeof import('node:path');
  'node:os': typeof import('node:os');
  'node:worker_threads': typeof import('node:worker_threads');
  'node:zlib': typeof import('node:zlib');
};

/** Node's `process` when running on Node, else undefined (browsers). */
function nodeProcess(): NodeJS.Process | undefined {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  return typeof p?.getBuiltinModule === 'function' ? p : undefined;
}

/** Whether Node's built-in modules are available (Node, not a browser). */
export function hasNodeBuiltins(): boolean {
  return nodeProcess() !== undefined;
}

/**
 * A Node built-in module, or `UnsupportedOperation` naming what needed it.
 * @param id e.g. `'node:fs'`
 * @param what the feature that needs it, for the error message
 */
export function nodeBuiltin<Id extends keyof Builtins>(id: Id, what: string): Builtins[Id] {
  const p = nodeProcess();
  if (!p) {
    throw new UnsupportedOperation(
      `${what} needs Node.js ≥ 20.16 (${id}); it is not available in this runtime (a browser?)`,
    );
  }
  return p.getBuiltinModule(id) as Builtins[Id];
}
