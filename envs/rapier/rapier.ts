/**
 * The Rapier 2D physics engine, initialised once. `@dimforge/rapier2d-deterministic-compat`
 * embeds its WASM and is cross-platform deterministic; its `init()` is asynchronous, so this
 * module awaits it at the top level and every importer gets a ready engine (envs stay synchronous).
 */
import RAPIER from '@dimforge/rapier2d-deterministic-compat';

await RAPIER.init();

export { RAPIER };
