/** Networks as pure functions of explicit parameters, activations with correct higher-order gradients, optimisers. */
export {
  ACTIVATIONS,
  type ActivationName,
  activationWithSlope,
  elu,
  exp,
  relu,
  sigmoid,
  softplus,
  tanh,
  type ValueAndSlope,
} from './activations.js';
export { tfjsBaseline } from './baseline.js';
export { FlatClippedAdam } from './cpuAdam.js';
export {
  type GemmPath,
  gemm,
  gemmJs,
  gemmPath,
  setGemmPath,
  transposeInto,
} from './cpuGemm.js';
export {
  backwardScratch,
  type CpuMlp,
  cloneMlp,
  cpuMlpBackward,
  cpuMlpForward,
  cpuMlpJvp,
  type MlpGrads,
  type MlpTape,
  mlpTape,
  readBatchedMlps,
  readMlp,
  zeroGrads,
} from './cpuMlp.js';
export { BATCH_SPLIT_MAX, matmul, matmulGradientA, SMALL_PRODUCT_MACS } from './matmul.js';
export {
  type InitLayer,
  type InitScheme,
  initMlp,
  initMlpArrays,
  linear,
  linearInputGradient,
  type MlpSpec,
  mlp,
  type Params,
  paramCount,
  stackParams,
  tileParams,
  unstackParams,
} from './mlp.js';
export { clamp, detach } from './ops.js';
export {
  Adam,
  type AdamState,
  ClippedAdam,
  sgdStep,
  tensorsFromJson,
  tensorsToJson,
} from './optim.js';
