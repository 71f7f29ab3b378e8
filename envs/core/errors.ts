/**
 * Typed errors of the environment API, after `gymnasium.error`. Every message says what was wrong
 * and what is allowed, so a user can fix the call without reading the source.
 */

/** Base class of every error this package throws on purpose. */
export class GymError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** `register` was called with a malformed or conflicting spec. */
export class RegistrationError extends GymError {}

/** `make`/`spec` was given an id that is not registered (base of the three specific cases). */
export class UnregisteredEnv extends GymError {}

/** The namespace part of an id (`ns/Name-vN`) has no registered environment. */
export class NamespaceNotFound extends UnregisteredEnv {}

/** No environment of this name exists in the namespace. */
export class NameNotFound extends UnregisteredEnv {}

/** The name exists but not in the requested version. */
export class VersionNotFound extends UnregisteredEnv {}

/** The requested version is older than a registered one (Gymnasium's `DeprecatedEnv`). */
export class DeprecatedEnv extends VersionNotFound {}

/** `step` or `render` was called before the first `reset` (or after the env was closed). */
export class ResetNeeded extends GymError {}

/** An action is not an element of the action space: wrong shape, wrong type, NaN or out of range. */
export class InvalidAction extends GymError {}

/** A seed is not a non-negative safe integer. */
export class InvalidSeed extends GymError {}

/** A space was constructed with inconsistent arguments (bounds, shapes, dtypes, sizes). */
export class InvalidSpace extends GymError {}

/** An option passed to `reset` or a constructor argument is not allowed. */
export class InvalidArgument extends GymError {}

/** An environment was used after `close()`. */
export class ClosedEnvironmentError extends GymError {}

/** The env (or a wrapper) does not support what was asked, e.g. `saveState()`. */
export class UnsupportedOperation extends GymError {}

/**
 * A worker of a parallel vector env failed as a whole: a module it had to import did not load,
 * its thread exited, or it stopped answering. The vector env is broken from then on.
 */
export class VectorWorkerError extends GymError {}

/** `checkEnv` found a violation of the Gymnasium API; `check` names the failed check. */
export class EnvCheckError extends GymError {
  /** The name of the failed check, e.g. `"reset seeding"`. */
  readonly check: string;
  constructor(check: string, message: string) {
    super(`[${check}] ${message}`);
    this.check = check;
  }
}
