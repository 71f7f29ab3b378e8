/**
 * Registers this package's environments (runs when `envs/index.ts` is imported, as Gymnasium
 * registers its envs on import).
 */
import { MountainCarContinuousEnv } from './classic/mountainCarContinuous.js';
import type { EnvSpecInput } from './core/env.js';
import { RapierMountainCarContinuousEnv, RapierMountainCarEnv } from './rapier/mountainCar.js';
import { ReacherEnv } from './rapier/reacher.js';
import { register, registry } from './registry.js';

/** The package's env ids with their limits and thresholds (Gymnasium's for the originals). */
const PACKAGE_ENVS: EnvSpecInput[] = [
  {
    id: 'classic/MountainCarContinuous-v0',
    entryPoint: (kwargs) => new MountainCarContinuousEnv(kwargs),
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
  },
  {
    id: 'rapier/Reacher-v1',
    entryPoint: (kwargs) => new ReacherEnv(kwargs),
    maxEpisodeSteps: 50,
    rewardThreshold: -3.75,
  },
  {
    id: 'rapier/MountainCarContinuous-v0',
    entryPoint: (kwargs) => new RapierMountainCarContinuousEnv(kwargs),
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
  },
  {
    id: 'rapier/MountainCar-v0',
    entryPoint: (kwargs) => new RapierMountainCarEnv(kwargs),
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
  },
];

// A module can be evaluated twice (e.g. loaded from src and dist); register each id once.
for (const spec of PACKAGE_ENVS) if (!registry.has(spec.id)) register(spec);
