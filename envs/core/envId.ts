/** Environment ids: Gymnasium's grammar `[namespace/]Name[-vN]`, parsed and built. */
import { RegistrationError } from './errors.js';

const ID_RE = /^(?:(?<namespace>[\w:.-]+)\/)?(?<name>[\w:.-]+?)(?:-v(?<version>\d+))?$/;

/** Splits an id into namespace, name and version; throws for malformed ids. */
export function parseEnvId(id: string): { namespace?: string; name: string; version?: number } {
  const m = typeof id === 'string' ? ID_RE.exec(id) : null;
  if (!m?.groups) {
    throw new RegistrationError(
      `malformed environment id ${JSON.stringify(id)}: expected [namespace/]Name[-vN], e.g. "rapier/Reacher-v1"`,
    );
  }
  const { namespace, name, version } = m.groups;
  return { namespace, name: name!, version: version === undefined ? undefined : Number(version) };
}

/** Builds an id from its parts. */
export function envId(namespace: string | undefined, name: string, version: number | undefined) {
  return `${namespace ? `${namespace}/` : ''}${name}${version === undefined ? '' : `-v${version}`}`;
}
