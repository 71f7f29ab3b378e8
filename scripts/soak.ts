/**
 * `npm run soak -- [id] [steps]`: seeded random steps of an env (default rapier/Reacher-v1,
 * 10⁶ steps), checking every observation and reward is finite and reporting RSS before and after
 * (after a 10⁵-step warm-up, so the JS heap and WASM memory have reached their working size).
 */
import { type Env, make } from '../envs/index.js';

const id = process.argv[2] ?? 'rapier/Reacher-v1';
const steps = Number(process.argv[3] ?? 1_000_000);
const env: Env = make(id);
env.reset({ seed: 0 });
env.actionSpace.seed(0);
const mb = () => process.memoryUsage().rss / 2 ** 20;

function run(n: number): void {
  for (let t = 0; t < n; t++) {
    const [obs, reward, terminated, truncated] = env.step(env.actionSpace.sample());
    const values = obs as ArrayLike<number>;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!))
        throw new Error(`non-finite observation at step ${t}: ${String(obs)}`);
    }
    if (!Number.isFinite(reward)) throw new Error(`non-finite reward at step ${t}`);
    if (terminated || truncated) env.reset();
  }
}

run(Math.min(100_000, steps)); // warm-up
const before = mb();
const t0 = performance.now();
run(steps);
const seconds = (performance.now() - t0) / 1000;
const after = mb();
console.log(
  `${id}: ${steps} seeded random steps, all finite; RSS ${before.toFixed(1)} MB → ${after.toFixed(1)} MB (${(after - before).toFixed(1)} MB); ${(steps / seconds).toFixed(0)} steps/s`,
);
env.close();
