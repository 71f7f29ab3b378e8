/**
 * The environment registry, after `gymnasium.envs.registration`: `register`, `make`, `spec`,
 * `registry`. Ids follow Gymnasium's grammar `[namespace/]Name[-vN]`.
 */

import type { Env, EnvSpec, EnvSpecInput, MakeOptions } from './core/env.js';
import { envId, parseEnvId } from './core/envId.js';
import {
  DeprecatedEnv,
  InvalidArgument,
  NameNotFound,
  NamespaceNotFound,
  RegistrationError,
  VersionNotFound,
} from './core/errors.js';
import { warn } from './core/warnings.js';
import type { EnvOf, KnownEnvId, NotKnownEnvId, TypedMakeOptions } from './envTypes.js';
import { OrderEnforcing } from './wrappers/orderEnforcing.js';
import { PassiveEnvChecker } from './wrappers/passiveEnvChecker.js';
import { TimeLimit } from './wrappers/timeLimit.js';

const specs = new Map<string, EnvSpec>();

/** All registered specs by id (read-only view). */
export const registry: ReadonlyMap<string, EnvSpec> = specs;

/**
 * Registers an environment id. Re-registering an id replaces it with a warning (Gymnasium's
 * rule); registering `Name` and `Name-vN` side by side is an error.
 */
export function register(input: EnvSpecInput): EnvSpec {
  const { namespace, name, version } = parseEnvId(input.id);
  if (typeof input.entryPoint !== 'function') {
    throw new RegistrationError(
      `register(${input.id}): entryPoint must be a function (kwargs) => Env`,
    );
  }
  if (
    input.maxEpisodeSteps !== undefined &&
    !(Number.isInteger(input.maxEpisodeSteps) && input.maxEpisodeSteps > 0)
  ) {
    throw new RegistrationError(
      `register(${input.id}): maxEpisodeSteps must be a positive integer, got ${input.maxEpisodeSteps}`,
    );
  }
  const siblings = [...specs.values()].filter((s) => s.namespace === namespace && s.name === name);
  if (version === undefined && siblings.some((s) => s.version !== undefined)) {
    throw new RegistrationError(
      `cannot register the unversioned id ${input.id}: versioned ids of it exist (${siblings.map((s) => s.id).join(', ')})`,
    );
  }
  if (version !== undefined && siblings.some((s) => s.version === undefined)) {
    throw new RegistrationError(
      `cannot register the versioned id ${input.id}: the unversioned id ${envId(namespace, name, undefined)} exists`,
    );
  }
  if (specs.has(input.id)) warn(`Overriding environment ${input.id} already in registry.`);
  const spec: EnvSpec = Object.freeze({
    id: input.id,
    entryPoint: input.entryPoint,
    rewardThreshold: input.rewardThreshold,
    nondeterministic: input.nondeterministic ?? false,
    maxEpisodeSteps: input.maxEpisodeSteps,
    orderEnforce: input.orderEnforce ?? true,
    disableEnvChecker: input.disableEnvChecker ?? false,
    kwargs: Object.freeze({ ...(input.kwargs ?? {}) }),
    namespace,
    name,
    version,
  });
  specs.set(input.id, spec);
  return spec;
}

/** Removes an id from the registry (for tests and plugins); returns whether it was there. */
export function unregister(id: string): boolean {
  return specs.delete(id);
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

function suggest(target: string, candidates: string[]): string {
  const t = target.toLowerCase();
  const close = candidates
    .map((c) => ({ c, d: editDistance(t, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)) || c.toLowerCase().includes(t))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map(({ c }) => c);
  return close.length ? ` Did you mean: ${close.join(', ')}?` : '';
}

/** Looks up a spec; unknown ids throw NamespaceNotFound / NameNotFound / VersionNotFound with suggestions. */
export function spec(id: string): EnvSpec {
  const found = specs.get(id);
  if (found) return found;
  const { namespace, name, version } = parseEnvId(id);
  const all = [...specs.values()];
  const inNamespace = all.filter((s) => s.namespace === namespace);
  if (inNamespace.length === 0) {
    const namespaces = [...new Set(all.map((s) => s.namespace ?? '(none)'))];
    throw new NamespaceNotFound(
      `Namespace ${namespace ?? '(none)'} not found in "${id}". Registered namespaces: ${namespaces.join(', ')}.${suggest(namespace ?? '', namespaces)}`,
    );
  }
  const sameName = inNamespace.filter((s) => s.name === name);
  if (sameName.length === 0) {
    const names = [...new Set(inNamespace.map((s) => envId(s.namespace, s.name, undefined)))];
    throw new NameNotFound(
      `Environment ${envId(namespace, name, undefined)} doesn't exist.${suggest(envId(namespace, name, undefined), names)} Registered ids: ${all.map((s) => s.id).join(', ')}.`,
    );
  }
  const versions = sameName.map((s) => s.id).join(', ');
  const latest = sameName.reduce((a, b) => ((b.version ?? -1) > (a.version ?? -1) ? b : a));
  if (version !== undefined && latest.version !== undefined && version < latest.version) {
    throw new DeprecatedEnv(
      `Environment version v${version} for ${envId(namespace, name, undefined)} is deprecated. Please use ${latest.id} instead.`,
    );
  }
  throw new VersionNotFound(
    version === undefined
      ? `Environment ${id} is registered only with versions: ${versions}. Use one of them.`
      : `Environment version v${version} for ${envId(namespace, name, undefined)} doesn't exist. Available: ${versions}.`,
  );
}

/**
 * Builds a registered env and wraps it, inner to outer: PassiveEnvChecker → OrderEnforcing →
 * TimeLimit (each as the spec asks). A known id (see {@link EnvTypeMap}) gives a typed env and
 * checks the options' keys; any other id gives `Env<unknown, unknown>` (name the types with
 * `make<Obs, Act>(id)`).
 *
 * @param id a registered id or a spec
 * @param options `maxEpisodeSteps`, `disableEnvChecker`, and env kwargs such as `renderMode`
 * @example
 * const env = make('classic/MountainCarContinuous-v0', { renderMode: 'rgb_array' });
 */
export function make<Id extends KnownEnvId>(id: Id, options?: TypedMakeOptions<Id>): EnvOf<Id>;
export function make<Obs = unknown, Act = unknown, Id extends string = string>(
  id: NotKnownEnvId<Id> | EnvSpec,
  options?: MakeOptions,
): Env<Obs, Act>;
export function make(id: string | EnvSpec, options: MakeOptions = {}): Env {
  const base = typeof id === 'string' ? spec(id) : id;
  const { maxEpisodeSteps: stepsOverride, disableEnvChecker, ...kwargsOverride } = options;
  if (stepsOverride !== undefined && !(Number.isInteger(stepsOverride) && stepsOverride > 0)) {
    throw new InvalidArgument(
      `maxEpisodeSteps must be a positive integer, got ${String(stepsOverride)}`,
    );
  }
  const kwargs = { ...base.kwargs, ...kwargsOverride };
  const maxEpisodeSteps = stepsOverride ?? base.maxEpisodeSteps;
  const resolved: EnvSpec = Object.freeze({
    ...base,
    kwargs: Object.freeze(kwargs),
    maxEpisodeSteps,
  });
  let env: Env = base.entryPoint(kwargs);
  env.unwrapped.spec = resolved;
  if (!(disableEnvChecker ?? base.disableEnvChecker)) env = new PassiveEnvChecker(env);
  if (base.orderEnforce) env = new OrderEnforcing(env);
  if (maxEpisodeSteps !== undefined) env = new TimeLimit(env, maxEpisodeSteps);
  return env;
}
