// `require('ml3')` lands here: the package is ESM only (Node 20 cannot require ES modules).
throw new Error(
  "ml3 is an ES module package: load it with `import { make } from 'ml3'` (or 'ml3/envs', 'ml3/agents', 'ml3/ml3'), " +
    "or from CommonJS with `const ml3 = await import('ml3')`; require() is not supported.",
);
