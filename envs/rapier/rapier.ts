/**
 * The Rapier 2D physics engine, initialised once. `@dimforge/rapier2d-deterministic-compat`
 * embeds its WASM and is cross-platform deterministic; its `init()` is asynchronous, so this
 * module awaits it at the top level and every importer gets a ready engine (envs stay synchronous).
 */
import RAPIER, { type World } from '@dimforge/rapier2d-deterministic-compat';
import { InvalidArgument } from '../core/errors.js';

await RAPIER.init();

export { RAPIER };

// Rapier's `World.restoreSnapshot` leaks a serialization pipeline and the deserialised-world
// container on every call (both freed only by finalizers, which never run inside a synchronous
// planning loop: 20k restores grew RSS by 60 MB). `restoreWorld` does the same with one shared
// pipeline and frees the container.
const serializer = new RAPIER.SerializationPipeline();

/**
 * Rebuilds a world from `world.takeSnapshot()` bytes without leaking WASM memory.
 * @param bytes the snapshot
 * @param owner what the snapshot belongs to, for the error message
 * @throws InvalidArgument when the bytes are not a Rapier snapshot
 */
export function restoreWorld(bytes: Uint8Array, owner: string): World {
  let raw: ReturnType<typeof serializer.raw.deserializeAll> | undefined;
  try {
    raw = serializer.raw.deserializeAll(bytes);
  } catch {
    raw = undefined;
  }
  const world = raw ? RAPIER.World.fromRaw(raw) : null;
  raw?.free();
  if (!world)
    throw new InvalidArgument(
      `corrupt ${owner} snapshot: Rapier could not restore the world from its bytes`,
    );
  return world;
}
