/**
 * The `ml3` package: the environment API at the top level, the agents and ML3 as namespaces.
 *
 * @example
 * import { make, SyncVectorEnv } from 'ml3';
 */

export * as agents from './agents/index.js';
export * from './envs/index.js';
export * as ml3 from './ml3/index.js';
