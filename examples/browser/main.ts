/**
 * The browser demo: the package's Rapier envs on a canvas with a policy you pick, and a learned
 * loss from `ml3 reacher train` judged on a fresh policy. Everything runs in the page (tfjs on its
 * `cpu` backend). Results are shown in `#result` / `#evaluation`, with their numbers as JSON in
 * `data-json` (`data-state="done"`): what `test/examples/browserDemo.test.ts` compares with Node.
 */
import {
  CemPlanner,
  PgPolicy,
  SimulatorEvaluator,
  type SnapshotEnv,
  selectBackend,
} from '../../agents/index.js';
import { type Box, type Env, make, ReacherEnv, type RgbFrame, RNG } from '../../envs/index.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  parseReacherLossFile,
} from '../../ml3/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('canvas');
const context = canvas.getContext('2d')!;
/** Frames per second of the animation (`?fps=` in the URL; the test runs faster). */
const FPS = Number(new URLSearchParams(location.search).get('fps') ?? 50);

/** Draws an RGB frame and returns a cheap fingerprint of it (to count distinct frames). */
function draw(frame: RgbFrame): number {
  if (canvas.width !== frame.width || canvas.height !== frame.height) {
    canvas.width = frame.width;
    canvas.height = frame.height;
  }
  const image = context.createImageData(frame.width, frame.height);
  let hash = 0;
  for (let i = 0, j = 0; i < frame.data.length; i += 3, j += 4) {
    image.data[j] = frame.data[i]!;
    image.data[j + 1] = frame.data[i + 1]!;
    image.data[j + 2] = frame.data[i + 2]!;
    image.data[j + 3] = 255;
    hash = (hash * 31 + frame.data[i]! + 7 * frame.data[i + 1]!) | 0;
  }
  context.putImageData(image, 0, 0);
  return hash;
}

/** Shows a result: a sentence for people, the numbers as JSON in `data-json` for the test. */
function show(out: HTMLElement, text: string, numbers: object): void {
  out.textContent = text;
  out.dataset.json = JSON.stringify(numbers);
  out.dataset.state = 'done';
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 1000 / FPS));

/** Reads a file input as JSON. */
async function readJson(
  input: HTMLInputElement,
  what: string,
): Promise<{ name: string; value: unknown }> {
  const file = input.files?.[0];
  if (!file) throw new Error(`choose a ${what} file first`);
  return { name: file.name, value: JSON.parse(await file.text()) };
}

type Policy = (obs: ArrayLike<number>) => ArrayLike<number>;

async function policyFor(kind: string, env: Env, seed: number): Promise<Policy> {
  const space = env.actionSpace as Box;
  if (kind === 'random') {
    space.seed(seed);
    return () => space.sample();
  }
  if (kind === 'zero') return () => new Float32Array(space.size);
  if (kind === 'cem') {
    const planner = new CemPlanner(space);
    const evaluator = new SimulatorEvaluator(env.unwrapped as SnapshotEnv, space.size);
    const rng = new RNG(seed);
    return () => planner.act(evaluator, rng);
  }
  const { value } = await readJson($<HTMLInputElement>('policyFile'), 'policy.json');
  const policy = new PgPolicy(value as ConstructorParameters<typeof PgPolicy>[0]);
  return (obs) => policy.act(obs);
}

async function runEpisode(): Promise<void> {
  const out = $<HTMLPreElement>('result');
  out.dataset.state = 'running';
  const id = $<HTMLSelectElement>('env').value;
  const kind = $<HTMLSelectElement>('policy').value;
  const seed = Number($<HTMLInputElement>('seed').value);
  let env: Env<ArrayLike<number>, ArrayLike<number>> | undefined;
  try {
    env = make<ArrayLike<number>, ArrayLike<number>>(id, { renderMode: 'rgb_array' });
    let [obs] = env.reset({ seed });
    const act = await policyFor(kind, env, seed);
    const seen = new Set([draw(env.render() as RgbFrame)]);
    const rewards: number[] = [];
    let frames = 1;
    for (;;) {
      const [next, reward, terminated, truncated] = env.step(act(obs));
      rewards.push(reward);
      obs = next;
      seen.add(draw(env.render() as RgbFrame));
      frames += 1;
      if (terminated || truncated) break;
      await pause();
    }
    const episodeReturn = rewards.reduce((a, b) => a + b, 0);
    show(
      out,
      `${id}, ${kind} policy, seed ${seed}: return ${episodeReturn.toFixed(3)} over ${rewards.length} steps`,
      {
        env: id,
        policy: kind,
        seed,
        steps: rewards.length,
        return: episodeReturn,
        rewards,
        frames,
        distinctFrames: seen.size,
      },
    );
  } catch (err) {
    out.textContent = `error: ${(err as Error).message}`;
    out.dataset.state = 'error';
  } finally {
    env?.close();
  }
}

async function evaluateLearnedLoss(): Promise<void> {
  const out = $<HTMLPreElement>('evaluation');
  out.dataset.state = 'running';
  try {
    const { name, value } = await readJson($<HTMLInputElement>('lossFile'), 'learned-loss.json');
    const file = parseReacherLossFile(value, name);
    const steps = Number($<HTMLInputElement>('steps').value);
    const seed = Number($<HTMLInputElement>('goalSeed').value);
    const [episode] = heldOutReacherEpisodes(1, seed);
    const run = (k: number) => {
      const envs = [new ReacherEnv()];
      const { theta, rollouts } = adaptReacherPolicies({
        theta0: file.theta0,
        initialPolicy: file.initialPolicy,
        episodes: [episode!],
        envs,
        loss: { kind: 'learned', phi: file.phi, objective: file.objective },
        steps: k,
        lr: file.context.innerLr,
        horizon: file.context.horizon,
      });
      for (const t of theta) t.dispose();
      envs[0]!.close();
      return rollouts;
    };
    const initial = run(0);
    const adapted = run(steps);
    // The adapted policy's real episode, replayed on the canvas from its joint states.
    const arm = new ReacherEnv({ renderMode: 'rgb_array' });
    arm.reset({ seed: 0 });
    const S = 4;
    const H = file.context.horizon;
    for (let t = 0; t <= H; t++) {
      const q = adapted.states.subarray(t * S, t * S + S);
      arm.setState([...q, ...episode!.target]);
      draw(arm.render() as RgbFrame);
      await pause();
    }
    arm.close();
    const result = {
      file: name,
      goal: episode!.target,
      steps,
      initialDistanceCm: initial.finalDistance[0]! * 100,
      learnedLossDistanceCm: adapted.finalDistance[0]! * 100,
    };
    show(
      out,
      `goal (${result.goal.map((v) => v.toFixed(3)).join(', ')}): final fingertip distance ${result.initialDistanceCm.toFixed(2)} cm for the initial policy, ${result.learnedLossDistanceCm.toFixed(2)} cm after ${steps} SGD steps on the learned loss`,
      result,
    );
    file.dispose();
  } catch (err) {
    out.textContent = `error: ${(err as Error).message}`;
    out.dataset.state = 'error';
  }
}

await selectBackend('cpu');
$<HTMLButtonElement>('run').addEventListener('click', () => void runEpisode());
$<HTMLButtonElement>('evaluate').addEventListener('click', () => void evaluateLearnedLoss());
document.body.dataset.ready = 'true';
