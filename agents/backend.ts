/**
 * TensorFlow.js setup and backend selection. The package depends on `@tensorflow/tfjs-core` with
 * the WASM backend (SIMD; ~3.5× the pure-JS `cpu` backend at these sizes) and the `cpu` backend,
 * not on the umbrella `@tensorflow/tfjs` (layers, converter, data, WebGL: ~240 MB it does not
 * use). What the umbrella registers on import and the package needs, every op's gradient and the
 * chained tensor methods (`x.add(y)`), comes from `generated/tfjsRegistrations.js`, bundled from
 * tfjs-core by `scripts/vendorTfjs.ts`. `@tensorflow/tfjs-node` and
 * `-node-gpu` download libtensorflow when installed, so they are optional accelerators: used when
 * the user has installed them, detected at run time.
 */
import * as tf from '@tensorflow/tfjs-core';
// The chained tensor methods' types (their runtime comes with the registrations below).
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { tfjsBaseline } from './nn/baseline.js';

// After tfjs-core (whose engine they register into): every op's gradient and the chained ops.
try {
  await import('./generated/tfjsRegistrations.js');
} catch (err) {
  throw new Error(
    `TensorFlow.js's gradient registrations are missing (agents/generated/tfjsRegistrations.js: ${(err as Error).message}); run \`npm run vendor:tfjs\` once (npm start, npm test and npm run ml3 do it for you)`,
  );
}

// tfjs-backend-wasm's Identity copies its input into a new buffer, and the engine clones (an
// Identity) every tensor it saves for a gradient: ML3's meta-gradient copied ~50 [600, 400]
// tensors per iteration. Tensors are immutable, so Identity shares the buffer and counts the
// reference, as the wasm backend's own Reshape and the cpu backend's Identity do (the copying
// kernel stays for `ML3_MATMUL=tfjs`, the benchmarks' "before").
const copyingIdentity = tf.getKernel(tf.Identity, 'wasm')!;
tf.unregisterKernel(tf.Identity, 'wasm');
tf.registerKernel({
  ...copyingIdentity,
  kernelFunc: (args) => {
    if (tfjsBaseline()) return copyingIdentity.kernelFunc(args);
    const x = args.inputs.x as tf.TensorInfo;
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
});

/** Backends a user can ask for; `auto` picks the fastest installed one. */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;

/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend that was asked for but cannot be used here; the message says how to get it. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** What {@link selectBackend} chose. */
export interface BackendChoice {
  /** What was asked for. */
  requested: BackendName;
  /** The backend in use: `wasm`, `cpu` or `tensorflow` (tfjs-node and tfjs-node-gpu register this name). */
  backend: string;
  /** The npm package that provides it. */
  provider: string;
}

const NODE_PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
} as const;

/** Whether an optional package can be imported; its import registers the `tensorflow` backend. */
async function tryImport(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

async function activate(backend: string): Promise<void> {
  // The WASM backend's Emscripten module installs process handlers that rethrow every uncaught
  // error from inside its minified source, so Node printed the user's own errors with ~38 KB of
  // tfjs code. It needs neither (tfjs never calls Emscripten's exit): they are removed.
  const node = (globalThis as { process?: NodeJS.Process }).process; // undefined in browsers
  const listeners = (event: string) => node?.listeners?.(event as 'uncaughtException') ?? [];
  const before = PROCESS_EVENTS.map((event) => new Set<unknown>(listeners(event)));
  try {
    const ok = await tf.setBackend(backend);
    if (!ok)
      throw new BackendUnavailableError(`the tfjs backend "${backend}" failed to initialise`);
    await tf.ready();
  } finally {
    PROCESS_EVENTS.forEach((event, i) => {
      for (const listener of listeners(event)) {
        if (!before[i]!.has(listener)) node?.removeListener(event, listener);
      }
    });
  }
}

/**
 * Selects and initialises the tfjs backend. `auto`: `@tensorflow/tfjs-node-gpu` if installed,
 * then `@tensorflow/tfjs-node`, else `wasm`. An explicit backend that is not installed throws
 * {@link BackendUnavailableError} saying how to install it.
 */
export async function selectBackend(requested: BackendName = 'auto'): Promise<BackendChoice> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new BackendUnavailableError(
      `unknown backend "${String(requested)}"; allowed: ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (requested === 'wasm' || requested === 'cpu') {
    await activate(requested);
    return {
      requested,
      backend: requested,
      provider: requested === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-core',
    };
  }
  const candidates =
    requested === 'auto' ? (['tensorflow-gpu', 'tensorflow'] as const) : [requested];
  for (const name of candidates) {
    const pkg = NODE_PACKAGES[name];
    if (await tryImport(pkg)) {
      await activate('tensorflow');
      return { requested, backend: 'tensorflow', provider: pkg };
    }
    if (requested !== 'auto') {
      throw new BackendUnavailableError(
        `backend "${name}" needs ${pkg}, which is not installed. Install it with \`npm install ${pkg}\` (its install script downloads libtensorflow${name === 'tensorflow-gpu' ? ' with CUDA support; it needs an NVIDIA GPU and CUDA' : ''}), or use --backend wasm.`,
      );
    }
  }
  await activate('wasm');
  return { requested, backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' };
}
