/**
 * The browser demo (examples/browser) in headless Chromium (Debian's `chromium`, driven by
 * playwright-core; `CHROMIUM_PATH` overrides the binary): frames change, episodes finish, and the
 * numbers on the page equal the same seeds in Node — env rewards under a random policy, a PPO
 * policy file, and a learned loss's fresh-policy training.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PgPolicy, type PgPolicyFile, selectBackend } from '../../agents/index.js';
import { make, ReacherEnv, RNG } from '../../envs/index.js';
import { buildDemo, serveDemo } from '../../examples/browser/build.js';
import {
  adaptReacherPolicies,
  heldOutReacherEpisodes,
  loadReacherLossFile,
} from '../../ml3/index.js';
import { ml3 } from '../scripts/runCli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface EpisodeResult {
  steps: number;
  return: number;
  rewards: number[];
  frames: number;
  distinctFrames: number;
}

describe('browser demo in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof serveDemo>>;
  const dir = mkdtempSync(join(tmpdir(), 'ml3-web-'));

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    );
    const bytes = await buildDemo(join(dir, 'site'));
    console.log(`demo bundle: ${(bytes / 2 ** 20).toFixed(2)} MiB`);
    server = await serveDemo(join(dir, 'site'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?fps=1000`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    assert.deepEqual(errors, []);
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  async function runEpisode(env: string, policy: string, seed: number): Promise<EpisodeResult> {
    await page.selectOption('#env', env);
    await page.selectOption('#policy', policy);
    await page.fill('#seed', String(seed));
    await page.click('#run');
    await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', {
      timeout: 120_000,
    });
    const text = (await page.textContent('#result')) ?? '';
    assert.ok(!text.startsWith('error'), text);
    return JSON.parse((await page.getAttribute('#result', 'data-json')) ?? '');
  }

  it('a random reacher episode: frames change, it ends at 50 steps, rewards equal Node bit for bit', async () => {
    const result = await runEpisode('rapier/Reacher-v1', 'random', 3);
    const env = make('rapier/Reacher-v1');
    env.reset({ seed: 3 });
    env.actionSpace.seed(3);
    const rewards: number[] = [];
    for (let t = 0; t < 50; t++) rewards.push(env.step(env.actionSpace.sample())[1]);
    env.close();
    assert.equal(result.steps, 50);
    assert.deepEqual(result.rewards, rewards);
    assert.equal(result.frames, 51);
    assert.ok(result.distinctFrames > 40, `${result.distinctFrames} distinct frames`);
  });

  it('a PPO policy file drives the car as in Node', async () => {
    // A policy file as `ml3 pg train` writes it (small random actor; the page loads any such file).
    const rng = new RNG(7);
    const sizes = [2, 8, 1];
    const actorParams = sizes.slice(0, -1).flatMap((fanIn, l) => [
      {
        shape: [fanIn, sizes[l + 1]!],
        values: Array.from({ length: fanIn * sizes[l + 1]! }, () => rng.normal()),
      },
      {
        shape: [sizes[l + 1]!],
        values: Array.from({ length: sizes[l + 1]! }, () => 0.1 * rng.normal()),
      },
    ]);
    const file: PgPolicyFile = {
      kind: 'ml3-pg-policy',
      envId: 'rapier/MountainCarContinuous-v0',
      actorSpec: { sizes, activation: 'tanh', outputActivation: 'identity', bias: true },
      actorParams,
      logStd: [0],
      obsMean: [-0.5, 0],
      obsVar: [0.05, 0.0005],
    };
    const path = join(dir, 'policy.json');
    writeFileSync(path, JSON.stringify(file));
    await page.setInputFiles('#policyFile', path);
    const result = await runEpisode('rapier/MountainCarContinuous-v0', 'ppo', 11);
    await selectBackend('cpu');
    const policy = new PgPolicy(file);
    const env = make('rapier/MountainCarContinuous-v0');
    let [obs] = env.reset({ seed: 11 });
    const rewards: number[] = [];
    for (;;) {
      const [next, reward, terminated, truncated] = env.step(policy.act(obs));
      rewards.push(reward);
      obs = next;
      if (terminated || truncated) break;
    }
    env.close();
    policy.dispose();
    assert.equal(result.steps, rewards.length);
    assert.deepEqual(result.rewards, rewards);
  });

  it('a learned loss trains a fresh policy in the page to the distance Node reaches', async () => {
    const out = join(dir, 'runs');
    const run = ml3(
      'reacher',
      'train',
      '--iterations',
      '2',
      '--dynamics',
      'twin',
      '--goals',
      '2',
      '--horizon',
      '6',
      '--test-goals',
      '2',
      '--eval-every',
      '1',
      '--model-policy-steps',
      '0',
      '--planners',
      'false',
      '--out',
      out,
      '--name',
      'web',
      '--quiet',
    );
    assert.equal(run.code, 0, run.stderr);
    const lossPath = join(out, 'reacher', 'web', 'learned-loss.json');
    await page.setInputFiles('#lossFile', lossPath);
    await page.fill('#steps', '2');
    await page.fill('#goalSeed', '5');
    await page.click('#evaluate');
    await page.waitForSelector('#evaluation[data-state="done"], #evaluation[data-state="error"]', {
      timeout: 120_000,
    });
    const text = (await page.textContent('#evaluation')) ?? '';
    assert.ok(!text.startsWith('error'), text);
    assert.match(text, /cm after 2 SGD steps on the learned loss/);
    const shown = JSON.parse((await page.getAttribute('#evaluation', 'data-json')) ?? '');
    await selectBackend('cpu');
    const file = loadReacherLossFile(lossPath);
    const [episode] = heldOutReacherEpisodes(1, 5);
    const envs = [new ReacherEnv()];
    const { theta, rollouts } = adaptReacherPolicies({
      theta0: file.theta0,
      episodes: [episode!],
      envs,
      loss: { kind: 'learned', phi: file.phi, objective: file.objective },
      steps: 2,
      lr: file.context.innerLr,
      horizon: file.context.horizon,
    });
    for (const t of theta) t.dispose();
    file.dispose();
    envs[0]!.close();
    assert.deepEqual(shown.goal, episode!.target);
    assert.equal(shown.learnedLossDistanceCm, rollouts.finalDistance[0]! * 100);
    assert.ok(JSON.parse(readFileSync(lossPath, 'utf8')).format, 'a learned-loss file');
  });
});
