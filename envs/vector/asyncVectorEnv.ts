/**
 * `AsyncVectorEnv`: sub-envs stepped in parallel on `worker_threads`, after
 * `gymnasium.vector.AsyncVectorEnv`. Each worker hosts a contiguous chunk of envs (as EnvPool
 * does), so two cores step two halves at once. Actions, observations, rewards and flags live in
 * one SharedArrayBuffer and the workers are woken with `Atomics.notify`: no message is posted per
 * step; infos travel as JSON in shared text regions. `step` and `reset` stay synchronous (the
 * main thread blocks in `Atomics.wait` until every worker has answered).
 *
 * Workers build their envs with `make(id, options)`, so sub-envs come from the registry; pass
 * `modules` to import modules that register custom envs in every worker. Box and Discrete
 * action spaces and Box observation spaces are supported.
 *
 * Length (~420 lines): one class whose parts share the worker lifecycle and the shared-memory
 * views (construction, the await/notify protocol, step/reset, infos, close); the worker side,
 * the memory layout and the info codecs are in files of their own.
 */
import type { Worker } from 'node:worker_threads';
import type { EnvMetadata, EnvSpec, Info, RenderOutput } from '../core/env.js';
import * as errors from '../core/errors.js';
import { nodeBuiltin } from '../core/nodeBuiltins.js';
import { startWorker } from '../core/workerThread.js';
import { make } from '../registry.js';
import { batchSpace } from '../spaces/batch.js';
import { Box } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import { type AsyncVectorEnvOptions, envMaker, resolveModules } from './asyncVectorEnvOptions.js';
import { type ActionShape, readBatchedActions } from './batchedActions.js';
import { InfoReader } from './infoCodec.js';
import {
  Command,
  DEAD,
  doneSlot,
  type LayoutSpec,
  layoutBytes,
  partitionRange,
  type SharedViews,
  sharedViews,
  statusSlot,
} from './sharedLayout.js';
import { decodeJson, encodeJson } from './sharedText.js';
import { perEnvSeeds, resetMaskOf, SyncVectorEnv } from './syncVectorEnv.js';
import {
  AutoresetMode,
  type VectorEnv,
  type VectorEnvMetadata,
  type VectorResetArgs,
  type VectorStepResult,
} from './vectorEnv.js';

/** Places a worker chunk's batched infos into the full batch at `offset`. */
function mergeChunkInfos(target: Info, chunk: Info, offset: number, numEnvs: number): void {
  for (const [key, value] of Object.entries(chunk)) {
    if (ArrayBuffer.isView(value)) {
      const typed = value as unknown as Float64Array;
      let full = target[key] as Float64Array | undefined;
      if (!(full instanceof typed.constructor)) {
        full = new (typed.constructor as Float64ArrayConstructor)(numEnvs);
        target[key] = full;
      }
      full.set(typed, offset);
    } else if (Array.isArray(value)) {
      let full = target[key] as unknown[] | undefined;
      if (!Array.isArray(full)) {
        full = new Array<unknown>(numEnvs).fill(undefined);
        target[key] = full;
      }
      value.forEach((v, i) => {
        full![offset + i] = v === null ? undefined : v; // JSON has no undefined; SyncVectorEnv leaves gaps undefined
      });
    } else if (value && typeof value === 'object') {
      if (!target[key] || typeof target[key] !== 'object') target[key] = {};
      mergeChunkInfos(target[key] as Info, value as Info, offset, numEnvs);
    }
  }
}

function workerError(payload: unknown, worker: number, range: [number, number]): Error {
  const e = (payload as { error?: { name?: string; message?: string } })?.error;
  const Ctor = (errors as Record<string, unknown>)[e?.name ?? ''];
  const message = `[AsyncVectorEnv worker ${worker}, envs ${range[0]}–${range[0] + range[1] - 1} (its sub-env k is env ${range[0]} + k)] ${e?.message ?? 'unknown error'}`;
  return typeof Ctor === 'function'
    ? new (Ctor as new (m: string) => Error)(message)
    : new Error(message);
}

/** Starts one worker thread running `asyncWorker` with its share of the envs. */
function spawnWorker(workerData: Record<string, unknown>): Worker {
  return startWorker(new URL('./asyncWorker.ts', import.meta.url), workerData);
}

/**
 * Parallel vector env on worker threads with shared memory.
 *
 * @example
 * const envs = new AsyncVectorEnv({ id: 'rapier/Reacher-v1', numEnvs: 16 });
 * const [obs] = envs.reset({ seed: 0 });
 * const [next, rewards, terminations, truncations, infos] = envs.step(actions);
 * envs.close();
 */
export class AsyncVectorEnv<BObs = unknown, BAct = unknown> implements VectorEnv<BObs, BAct> {
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly singleObservationSpace: Space<unknown>;
  readonly singleActionSpace: Space<unknown>;
  readonly observationSpace: Space<BObs>;
  readonly actionSpace: Space<BAct>;
  readonly metadata: VectorEnvMetadata;
  readonly renderMode: string | undefined;
  readonly spec: EnvSpec | undefined;
  private readonly layout: LayoutSpec;
  /** The numeric action layout `step` checks (fixed by the action space). */
  private readonly actionShape: ActionShape;
  private readonly views: SharedViews;
  private readonly workers: Worker[];
  private readonly timeoutMs: number;
  /** Readers of the workers' infos (numeric ones arrive without JSON). */
  private infoReaders: InfoReader[] = [];
  /** The chunk the main thread steps itself (partition 0). */
  private local!: SyncVectorEnv;
  private generation = 0;
  private closed = false;
  /** The failure that broke this env (a worker died, hung or did not start); every call rethrows it. */
  private broken: errors.VectorWorkerError | undefined;

  constructor(options: AsyncVectorEnvOptions) {
    const { numEnvs } = options;
    if (!(Number.isInteger(numEnvs) && numEnvs > 0)) {
      throw new errors.InvalidArgument(`numEnvs must be a positive integer, got ${numEnvs}`);
    }
    const makeEnv = envMaker(options);
    const id = options.id ?? `${options.envFactory!.export} from ${options.envFactory!.module}`;
    const probe = options.id
      ? make(options.id, { ...options.makeOptions, disableEnvChecker: true })
      : makeEnv(0);
    const obsSpace = probe.observationSpace;
    const actSpace = probe.actionSpace;
    const metadata: EnvMetadata = probe.metadata;
    this.renderMode = probe.renderMode;
    this.spec = probe.spec;
    probe.close();
    if (!(obsSpace instanceof Box))
      throw new errors.InvalidArgument(
        `AsyncVectorEnv needs a Box observation space, ${id} has ${String(obsSpace)}`,
      );
    if (!(actSpace instanceof Box) && !(actSpace instanceof Discrete)) {
      throw new errors.InvalidArgument(
        `AsyncVectorEnv needs a Box or Discrete action space, ${id} has ${String(actSpace)}`,
      );
    }
    const mode = options.autoresetMode ?? AutoresetMode.NEXT_STEP;
    this.numEnvs = numEnvs;
    this.numWorkers = Math.max(
      1,
      Math.min(
        numEnvs - 1,
        options.numWorkers ?? nodeBuiltin('node:os', 'AsyncVectorEnv').availableParallelism() - 1,
      ),
    );
    if (numEnvs < 2)
      throw new errors.InvalidArgument(
        'AsyncVectorEnv needs at least 2 envs (one per thread); use SyncVectorEnv for one',
      );
    this.singleObservationSpace = obsSpace;
    this.singleActionSpace = actSpace;
    this.observationSpace = batchSpace(obsSpace, numEnvs) as Space<BObs>;
    this.actionSpace = batchSpace(actSpace, numEnvs) as Space<BAct>;
    this.metadata = { ...metadata, autoresetMode: mode };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.layout = {
      numEnvs,
      numWorkers: this.numWorkers,
      obsSize: obsSpace.size,
      obsDtype: obsSpace.dtype,
      actionKind: actSpace instanceof Box ? 'box' : 'discrete',
      actSize: actSpace instanceof Box ? actSpace.size : 1,
      textBytes: options.infoBytes ?? 1 << 20,
      mainShare: options.mainShare ?? 1,
    };
    this.actionShape = { kind: this.layout.actionKind, size: this.layout.actSize };
    const buffer = new SharedArrayBuffer(layoutBytes(this.layout));
    this.views = sharedViews(buffer, this.layout);
    // Done slots start at −1: each worker publishes generation 0 once its envs are built.
    for (let w = 0; w < this.numWorkers; w++) Atomics.store(this.views.control, doneSlot(w), -1);
    this.workers = Array.from({ length: this.numWorkers }, (_, worker) =>
      spawnWorker({
        buffer,
        layout: this.layout,
        worker,
        id: options.id,
        factory: options.envFactory && {
          module: resolveModules([options.envFactory.module])[0],
          export: options.envFactory.export,
        },
        makeOptions: options.makeOptions ?? {},
        autoresetMode: mode,
        modules: resolveModules(options.modules ?? []),
      }),
    );
    // Between calls the event loop delivers these: an error a worker could not report through
    // shared memory (never rethrown as an uncaught error) or an exit breaks the env for the next
    // call. During a call, the worker reports its own death through shared memory (DEAD).
    this.workers.forEach((w, i) => {
      w.on('error', (err) =>
        this.breakWith(
          new errors.VectorWorkerError(
            `AsyncVectorEnv worker ${i} failed: ${err?.message ?? String(err)}`,
          ),
        ),
      );
      w.on('exit', (code) => {
        if (!this.closed)
          this.breakWith(
            new errors.VectorWorkerError(`AsyncVectorEnv worker ${i} exited (code ${code})`),
          );
      });
    });
    const [, localCount] = partitionRange(0, this.layout);
    this.infoReaders = this.workers.map(
      (_, w) =>
        new InfoReader(this.views.outputs[w]!, this.views.numericInfos[w]!, this.range(w)[1]),
    );
    try {
      this.local = new SyncVectorEnv(
        Array.from({ length: localCount }, (_, i) => () => makeEnv(i)),
        { autoresetMode: mode },
      );
      this.await(0, options.startTimeoutMs ?? Math.max(this.timeoutMs, 60_000));
    } catch (err) {
      this.terminate();
      throw err;
    }
  }

  /** Env range of worker `w` (partition w + 1; partition 0 is the main thread's). */
  private range(w: number): [number, number] {
    return partitionRange(w + 1, this.layout);
  }

  /** Marks the env broken by `failure` and returns it (to throw). */
  private breakWith(failure: errors.VectorWorkerError): errors.VectorWorkerError {
    this.broken ??= failure;
    return failure;
  }

  /**
   * Blocks until every worker has published `generation`; rethrows the first worker error. A
   * worker that died (DEAD: a module did not load, its thread exited) or did not answer within
   * `timeoutMs` breaks the env.
   */
  private await(generation: number, timeoutMs = this.timeoutMs): void {
    const { control, outputs } = this.views;
    const deadline = Date.now() + timeoutMs;
    let failure: Error | undefined;
    for (let w = 0; w < this.numWorkers; w++) {
      for (;;) {
        const done = Atomics.load(control, doneSlot(w));
        if (done === generation) break;
        if (done === DEAD) {
          const e = workerError(decodeJson(outputs[w]!.read()), w, this.range(w));
          throw this.breakWith(new errors.VectorWorkerError(e.message));
        }
        if (Date.now() > deadline) {
          throw this.breakWith(
            new errors.VectorWorkerError(
              `AsyncVectorEnv worker ${w} did not answer within ${timeoutMs} ms (it hangs); close() and make a new vector env`,
            ),
          );
        }
        for (let spin = 0; spin < 20_000 && Atomics.load(control, doneSlot(w)) === done; spin++);
        Atomics.wait(control, doneSlot(w), done, 50);
      }
      if (!failure && Atomics.load(control, statusSlot(w, this.numWorkers)) !== 0) {
        failure = workerError(decodeJson(outputs[w]!.read()), w, this.range(w));
      }
    }
    if (failure) throw failure;
  }

  /** Sends a command to every worker and waits for their answers. */
  private command<T>(cmd: number, local: () => T): T {
    if (this.closed)
      throw new errors.ClosedEnvironmentError('this AsyncVectorEnv was closed; make a new one');
    if (this.broken)
      throw new errors.VectorWorkerError(
        `this AsyncVectorEnv is broken (${this.broken.message}); close() it and make a new one`,
      );
    const { control } = this.views;
    this.generation += 1;
    Atomics.store(control, 1, cmd);
    Atomics.store(control, 0, this.generation);
    Atomics.notify(control, 0);
    // The main thread does its own share while the workers do theirs.
    let result: T;
    try {
      result = local();
    } finally {
      this.await(this.generation);
    }
    return result;
  }

  /** Copies the shared observations and gathers the workers' infos. */
  private collect(localInfos: Info | undefined): [BObs, Info] {
    const obs = this.views.obs.slice() as unknown as BObs;
    const infos: Info = {};
    if (localInfos) mergeChunkInfos(infos, localInfos, 0, this.numEnvs);
    for (let w = 0; w < this.numWorkers; w++) {
      const chunk = this.infoReaders[w]!.read();
      if (chunk) mergeChunkInfos(infos, chunk, this.range(w)[0], this.numEnvs);
    }
    return [obs, infos];
  }

  reset(args: VectorResetArgs = {}): [BObs, Info] {
    const seeds = perEnvSeeds(args.seed, this.numEnvs);
    const mask =
      args.options?.resetMask === undefined ? undefined : resetMaskOf(args.options, this.numEnvs);
    const { resetMask: _, ...options } = args.options ?? {};
    const part = (start: number, count: number) => {
      const m = mask?.slice(start, start + count);
      if (m && !m.some(Boolean)) return null; // nothing to reset in this chunk
      return {
        seed: seeds.slice(start, start + count),
        options: { ...options, ...(m ? { resetMask: m } : {}) },
      };
    };
    const workers = Array.from({ length: this.numWorkers }, (_, w) => part(...this.range(w)));
    this.views.command.write(encodeJson({ workers }));
    const localArgs = part(...partitionRange(0, this.layout));
    const localInfos = this.command(Command.RESET, () => {
      if (!localArgs) return undefined;
      const [obs, infos] = this.local.reset(localArgs);
      this.views.obs.set(obs as unknown as ArrayLike<number>, 0);
      return infos;
    });
    return this.collect(localInfos);
  }

  step(actions: BAct): VectorStepResult<BObs> {
    const shared = this.views.actions;
    const n = this.numEnvs;
    const size = this.layout.actSize;
    readBatchedActions(actions, n, this.actionShape, shared);
    const [, localCount] = partitionRange(0, this.layout);
    const localInfos = this.command(Command.STEP, () => {
      const act =
        this.layout.actionKind === 'box'
          ? shared.subarray(0, localCount * size)
          : shared.subarray(0, localCount);
      const [obs, rewards, terminations, truncations, infos] = this.local.step(act);
      this.views.obs.set(obs as unknown as ArrayLike<number>, 0);
      this.views.rewards.set(rewards, 0);
      this.views.terminations.set(terminations, 0);
      this.views.truncations.set(truncations, 0);
      return infos;
    });
    const [obs, infos] = this.collect(localInfos);
    return [
      obs,
      this.views.rewards.slice(),
      this.views.terminations.slice(),
      this.views.truncations.slice(),
      infos,
    ];
  }

  /** Calls method `name` on every sub-env (in the workers); results must be JSON-serialisable. */
  call(name: string, ...args: unknown[]): unknown[] {
    this.views.command.write(encodeJson({ name, args }));
    const local = this.command(Command.CALL, () => this.local.call(name, ...args));
    return [
      ...local,
      ...this.views.outputs.flatMap(
        (o) => (decodeJson(o.read()) as { results: unknown[] }).results,
      ),
    ];
  }

  /**
   * Not supported: the autoreset bookkeeping lives in the workers. Checkpointed training uses
   * {@link SyncVectorEnv}, whose `saveState` covers every sub-env and wrapper.
   */
  saveState(): never {
    throw new errors.UnsupportedOperation(
      'AsyncVectorEnv cannot save its state; use SyncVectorEnv for checkpointed training',
    );
  }

  render(): RenderOutput[] | undefined {
    if (this.renderMode === undefined) return undefined;
    return this.call('render') as RenderOutput[];
  }

  /** Closes every sub-env and stops the workers; safe to call twice. */
  close(): void {
    if (this.closed) return;
    if (this.broken) {
      // A dead or hung worker cannot answer: terminate without waiting (that frees its envs).
      this.local?.close();
    } else {
      try {
        this.command(Command.CLOSE, () => this.local.close());
      } catch {
        // a crashed worker cannot close its envs; terminating it below frees them
      }
    }
    this.closed = true;
    this.terminate();
  }

  private terminate(): void {
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
}
