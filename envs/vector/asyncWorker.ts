/**
 * A worker of `AsyncVectorEnv`: hosts a contiguous chunk of sub-envs in a `SyncVectorEnv` (so the
 * autoreset semantics are the same code) and serves commands from shared memory: it waits on the
 * generation counter with `Atomics.wait`, steps or resets its chunk, writes observations, rewards
 * and flags in place, its infos as JSON, then publishes its done generation.
 */
import { workerData } from 'node:worker_threads';
import type { Env } from '../core/env.js';
import type { VectorResetArgs } from './vectorEnv.js';

interface WorkerSetup {
  buffer: SharedArrayBuffer;
  layout: import('./sharedLayout.js').LayoutSpec;
  worker: number;
  id: string | undefined;
  /** A factory module and export to make the envs with instead of `make(id)`. */
  factory: { module: string; export: string } | undefined;
  makeOptions: Record<string, unknown>;
  autoresetMode: import('./vectorEnv.js').AutoresetMode;
  /** Modules to import first (e.g. ones that register custom envs). */
  modules: string[];
}

const setup = workerData as WorkerSetup;
// The layout first (it imports nothing else of the package), so that any later failure can be
// reported through shared memory instead of killing the thread silently.
const { Command, DEAD, doneSlot, partitionRange, sharedViews, statusSlot } = await import(
  './sharedLayout.js'
);
const { decodeJson, encodeJson } = await import('./sharedText.js');
const { layout, worker } = setup;
const views = sharedViews(setup.buffer, layout);
// Partition 0 is stepped by the main thread; worker w hosts partition w + 1.
const [start, count] = partitionRange(worker + 1, layout);
const out = views.outputs[worker]!;
const { control } = views;

function publish(generation: number, ok: boolean): void {
  Atomics.store(control, statusSlot(worker, layout.numWorkers), ok ? 0 : 1);
  Atomics.store(control, doneSlot(worker), generation);
  Atomics.notify(control, doneSlot(worker));
}

/** Reports a failure that ends this worker: the main thread sees DEAD and the message at once. */
function die(name: string, message: string): void {
  out.write(encodeJson({ error: { name, message } }));
  Atomics.store(control, statusSlot(worker, layout.numWorkers), 1);
  Atomics.store(control, doneSlot(worker), DEAD);
  Atomics.notify(control, doneSlot(worker));
}

let closing = false;
// `process.exit()` in a sub-env (or anything else that ends the thread) still runs this.
process.on('exit', (code) => {
  if (!closing)
    die('VectorWorkerError', `the worker thread exited (code ${code}) while hosting envs`);
});
process.on('uncaughtException', (err) => {
  die(
    'VectorWorkerError',
    `uncaught ${err?.name ?? 'error'} in the worker: ${err?.message ?? String(err)}`,
  );
  closing = true;
  process.exit(1);
});

const loaded = await (async () => {
  for (const m of setup.modules) {
    try {
      await import(m);
    } catch (err) {
      die(
        'VectorWorkerError',
        `could not import module ${m} in the worker: ${(err as Error)?.message ?? String(err)}`,
      );
      return false;
    }
  }
  return true;
})();
if (!loaded) {
  closing = true;
  process.exit(1);
}
// The package's envs, then `make` (after the user's modules, so their registrations are in place).
await import('../registration.js');
const { make } = await import('../registry.js');
const { SyncVectorEnv } = await import('./syncVectorEnv.js');
const { InfoWriter } = await import('./infoCodec.js');

/** Makes sub-env `index`: the user's factory export (checked here), or `make(id)`. */
async function envMaker(): Promise<(index: number) => Env> {
  const { factory } = setup;
  if (!factory) return () => make(setup.id!, setup.makeOptions);
  const mod = (await import(factory.module)) as Record<string, unknown>;
  const fn = mod[factory.export];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `envFactory: ${factory.module} has no exported function "${factory.export}" (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  }
  return fn as (index: number) => Env;
}

const infoWriter = new InfoWriter(out, views.numericInfos[worker]!, count);

function writeResults(obs: ArrayLike<number>, infos: Record<string, unknown>): void {
  views.obs.set(obs, start * layout.obsSize);
  infoWriter.write(infos);
}

/** Polls of the generation counter before a worker sleeps. */
const SPIN = 20_000;

let envs: InstanceType<typeof SyncVectorEnv> | undefined;
let generation = 0;
try {
  const makeEnv = await envMaker();
  envs = new SyncVectorEnv(
    Array.from({ length: count }, (_, j) => () => makeEnv(start + j)),
    { autoresetMode: setup.autoresetMode },
  );
  publish(0, true);
} catch (err) {
  out.write(encodeJson({ error: { name: (err as Error).name, message: (err as Error).message } }));
  publish(0, false);
}

while (envs) {
  // Spin briefly before sleeping: in a training loop the next command usually comes within
  // microseconds, and a futex sleep/wake costs more than the step itself.
  for (let spin = 0; spin < SPIN && Atomics.load(control, 0) === generation; spin++);
  Atomics.wait(control, 0, generation);
  const next = Atomics.load(control, 0);
  if (next === generation) continue;
  generation = next;
  const command = Atomics.load(control, 1);
  let ok = true;
  try {
    if (command === Command.STEP) {
      const actions =
        layout.actionKind === 'box'
          ? views.actions.subarray(start * layout.actSize, (start + count) * layout.actSize)
          : views.actions.subarray(start, start + count);
      const [obs, rewards, terminations, truncations, infos] = envs.step(actions);
      views.rewards.set(rewards, start);
      views.terminations.set(terminations, start);
      views.truncations.set(truncations, start);
      writeResults(obs as ArrayLike<number>, infos);
    } else if (command === Command.RESET) {
      const all = decodeJson(views.command.read()) as { workers: (VectorResetArgs | null)[] };
      const args = all.workers[worker];
      if (args) {
        const [obs, infos] = envs.reset(args);
        writeResults(obs as ArrayLike<number>, infos);
      } else {
        out.write('');
      }
    } else if (command === Command.CALL) {
      const { name, args } = decodeJson(views.command.read()) as { name: string; args: unknown[] };
      out.write(encodeJson({ results: envs.call(name, ...args) }));
    } else if (command === Command.CLOSE) {
      closing = true;
      envs.close();
      envs = undefined;
    }
  } catch (err) {
    ok = false;
    out.write(
      encodeJson({ error: { name: (err as Error).name, message: (err as Error).message } }),
    );
  }
  publish(generation, ok);
}
closing = true;
process.exit(0);
