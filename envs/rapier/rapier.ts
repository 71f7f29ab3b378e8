/**
 * The Rapier 2D physics engine, initialised once. `@dimforge/rapier2d-deterministic-compat`
 * embeds its WASM and is cross-platform deterministic; its `init()` is asynchronous, so this
 * module awaits it at the top level and every importer gets a ready engine (envs stay synchronous).
 */
import RAPIER, { type World } from '@dimforge/rapier2d-deterministic-compat';
import { InvalidArgument } from '../core/errors.js';

await RAPIER.init();

export { RAPIER };

// Rapier's WASM reads the clock for its internal profiler about 34 times per `world.step()` even
// when `world.profilerEnabled` is false (it calls `performance.now()` and then discards the
// timings): reacher env steps 11.3–11.6 → 9.4–10.6 µs and the car's 73.5–75.9 → 54.0–56.8 µs without them. `stepWorld`
// lends it a constant clock for the duration of the step. `performance.now` stays the real
// clock everywhere else: it is swapped only inside the synchronous step, which runs no user code.
const clockOwner: { now: () => number } | undefined = globalThis.performance;
const realNow = clockOwner?.now.bind(clockOwner);
const frozenNow = (): number => 0;

/**
 * `world.step()` without Rapier's profiler clock reads (see above); the simulation is bit-for-bit
 * the same, since the profiler's timings never reach the physics.
 * @param world the world to advance by one of its timesteps
 */
export function stepWorld(world: World): void {
  if (!clockOwner || !realNow) {
    world.step();
    return;
  }
  clockOwner.now = frozenNow;
  try {
    world.step();
  } finally {
    clockOwner.now = realNow;
  }
}

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
