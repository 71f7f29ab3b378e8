/**
 * Registers this package's environments (runs when `envs/index.ts` is imported, as Gymnasium
 * registers its envs on import).
 */
import { MountainCarContinuousEnv } from './classic/mountainCarContinuous.js';
import { register, registry } from './core/registry.js';
import { RapierMountainCarContinuousEnv, RapierMountainCarEnv } from './rapier/mountainCar.js';
import { ReacherEnv } from './rapier/reacher.js';

if (!registry.has('classic/MountainCarContinuous-v0')) {
  register({
    id: 'classic/MountainCarContinuous-v0',
    entryPoint: (kwargs) => new MountainCarContinuousEnv(kwargs),
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
  });
}

if (!registry.has('rapier/Reacher-v0')) {
  register({
    id: 'rapier/Reacher-v0',
    entryPoint: (kwargs) => new ReacherEnv(kwargs),
    maxEpisodeSteps: 50,
    rewardThreshold: -3.75,
  });
}

if (!registry.has('rapier/MountainCarContinuous-v0')) {
  register({
    id: 'rapier/MountainCarContinuous-v0',
    entryPoint: (kwargs) => new RapierMountainCarContinuousEnv(kwargs),
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
  });
}

if (!registry.has('rapier/MountainCar-v0')) {
  register({
    id: 'rapier/MountainCar-v0',
    entryPoint: (kwargs) => new RapierMountainCarEnv(kwargs),
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
  });
}
