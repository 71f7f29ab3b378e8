/**
 * The options of `AsyncVectorEnv` and how its sub-envs are made: from the registry (`id`), or from
 * a factory module of the user's (`envFactory`), imported by every worker.
 */
import type { Env, MakeOptions } from '../core/env.js';
import * as errors from '../core/errors.js';
import { make } from '../registry.js';
import type { AutoresetMode } from './vectorEnv.js';

/** Options of {@link AsyncVectorEnv}. */
export interface AsyncVectorEnvOptions {
  /** Registered env id of every sub-env (or give `envFactory`). */
  id?: string;
  /**
   * Sub-envs from a factory of yours instead of `make(id)` (e.g. wrapped envs): workers import
   * `export` from `module` and call it with each sub-env's index; the calling thread calls `fn`,
   * which must be that same export.
   * @example
   * // wrapped.ts: export const wrappedReacher = (i: number) => new ClipAction(make('rapier/Reacher-v1'));
   * new AsyncVectorEnv({ numEnvs: 8, envFactory: { module: new URL('./wrapped.ts', import.meta.url).href, export: 'wrappedReacher', fn: wrappedReacher } });
   */
  envFactory?: EnvFactory;
  /** Number of sub-envs. */
  numEnvs: number;
  /** `make` options of every sub-env. */
  makeOptions?: MakeOptions;
  /**
   * Worker threads (default: available cores − 1). The main thread steps the first chunk
   * itself, so `numWorkers + 1` chunks run at once.
   */
  numWorkers?: number;
  autoresetMode?: AutoresetMode;
  /**
   * Module URLs or paths each worker imports before making envs (custom registrations). The id
   * must be registered in the calling thread too (import the same module there).
   */
  modules?: string[];
  /** Bytes of each shared text region for infos (default 1 MiB). */
  infoBytes?: number;
  /** The main thread's chunk as a fraction of an equal share (default 1: an equal split). */
  mainShare?: number;
  /** How long a step may take before the workers are declared hung (default 60 s). */
  timeoutMs?: number;
  /**
   * How long the workers may take to start (load the package and build their envs) before they
   * are declared hung (default: the larger of `timeoutMs` and 60 s; loading is slow on a busy
   * machine).
   */
  startTimeoutMs?: number;
}

/** A sub-env factory workers can import (see {@link AsyncVectorEnvOptions.envFactory}). */
export interface EnvFactory {
  /** Module specifier (a file URL, or a path relative to the working folder). */
  module: string;
  /** Name of the exported factory `(index: number) => Env`. */
  export: string;
  /** The same factory, for the calling thread. */
  fn: (index: number) => Env;
}

/** How the calling thread makes sub-env `index`: the factory, or `make(id)`. */
export function envMaker(options: AsyncVectorEnvOptions): (index: number) => Env {
  const { id, envFactory } = options;
  if ((id === undefined) === (envFactory === undefined)) {
    throw new errors.InvalidArgument(
      'AsyncVectorEnv needs exactly one of `id` (a registered env) and `envFactory` ({ module, export, fn })',
    );
  }
  if (envFactory) {
    const { module, export: name, fn } = envFactory;
    if (typeof module !== 'string' || typeof name !== 'string' || typeof fn !== 'function') {
      throw new errors.InvalidArgument(
        'envFactory must be { module: string, export: string, fn: (index) => Env }',
      );
    }
    return fn;
  }
  return () => make(id!, options.makeOptions);
}

/** Module specifiers as URLs the workers can import (paths resolve against the working folder). */
export function resolveModules(modules: readonly string[]): string[] {
  return modules.map((m) =>
    m.startsWith('file:') || m.startsWith('node:')
      ? m
      : new URL(m, `file://${process.cwd()}/`).href,
  );
}
