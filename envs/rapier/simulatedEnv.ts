/**
 * The lifecycle shared by the Rapier envs: a simulation that holds WASM memory (freed once by
 * `close()`), refusal of use after close, and of state access before the first reset.
 */
import { Env, type Info } from '../core/env.js';
import { ResetNeeded } from '../core/errors.js';
import { decodeBinary, encodeBinary } from '../core/savedState.js';

/** Base of envs backed by a simulation object with a `free()` method. */
export abstract class SimulatedEnv<Obs, Act, I extends Info = Info> extends Env<Obs, Act, I> {
  /** The simulation; `close()` frees it. */
  protected abstract readonly sim: { free(): void };
  private started = false;

  /** @param name the env's name, for error messages */
  protected constructor(protected readonly name: string) {
    super();
  }

  /** Records that the simulation holds an episode's state (after reset, setState or restore). */
  protected markStarted(): void {
    this.started = true;
  }

  /** Throws `ClosedEnvironmentError` after `close()`. */
  protected override assertOpen(): void {
    super.assertOpen(this.name);
  }

  /** Throws unless the env is open and has a state (`ResetNeeded` before the first reset). */
  protected assertStarted(what?: string): void {
    this.assertOpen();
    if (!this.started) {
      throw new ResetNeeded(`${this.name}: call reset() ${what ? `before ${what}` : 'first'}`);
    }
  }

  /** A bit-exact copy of the simulation's state (Rapier world snapshot and extras). */
  abstract snapshot(): object;

  /** Returns to a {@link SimulatedEnv.snapshot} bit-exactly. */
  abstract restore(snapshot: never): void;

  /** The world snapshot with binary parts as base64, or `null` before the first reset. */
  protected override saveOwnState(): unknown {
    this.assertOpen();
    return this.started ? encodeBinary(this.snapshot()) : null;
  }

  protected override loadOwnState(own: unknown): void {
    this.assertOpen();
    if (own === null) this.started = false;
    else (this.restore as (s: unknown) => void)(decodeBinary(own));
  }

  override close(): void {
    if (this.isClosed) return;
    super.close();
    this.sim.free();
  }
}
