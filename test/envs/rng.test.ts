import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSeed, RNG, rngStatesEqual } from '../../envs/index.js';

describe('RNG', () => {
  it('repeats a seeded stream and differs across seeds', () => {
    const a = new RNG(7);
    const b = new RNG(7);
    const c = new RNG(8);
    const xs = Array.from({ length: 5 }, () => a.random());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b.random()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 5 }, () => c.random()),
    );
  });

  it('saves and restores its exact state through JSON', () => {
    const a = new RNG(3);
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const next = [a.uniform(), a.integers(10), a.normal(), a.exponential()];
    const b = RNG.fromState(saved);
    assert.deepEqual([b.uniform(), b.integers(10), b.normal(), b.exponential()], next);
    assert.ok(rngStatesEqual(a.getState(), b.getState()));
    assert.ok(rngStatesEqual(a.clone().getState(), a.getState()));
  });

  it('draws integers in [low, high) covering every value', () => {
    const rng = new RNG(0);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.integers(-2, 3);
      assert.ok(v >= -2 && v < 3 && Number.isInteger(v));
      seen.add(v);
    }
    assert.equal(seen.size, 5);
    assert.throws(() => rng.integers(3, 3), RangeError);
  });

  it('has normal and exponential samples with the right moments', () => {
    const rng = new RNG(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal(2, 3);
      s += x;
      s2 += x * x;
      e += rng.exponential(0.5);
    }
    const mean = s / n;
    assert.ok(Math.abs(mean - 2) < 0.1, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(s2 / n - mean * mean) - 3) < 0.1);
    assert.ok(Math.abs(e / n - 0.5) < 0.02);
  });

  it('rejects bad seeds and states with clear errors', () => {
    assert.throws(() => new RNG(-1), /non-negative integer/);
    assert.throws(() => new RNG(1.5), InvalidSeed);
    assert.throws(() => new RNG(Number.NaN), InvalidSeed);
    assert.throws(
      () => RNG.fromState({ algorithm: 'alea', state: { c: 1 } } as never),
      /not an RNG state/,
    );
  });

  it('derives distinct, reproducible sub-seeds by name', () => {
    assert.equal(RNG.deriveSeed(1, 'env'), RNG.deriveSeed(1, 'env'));
    assert.notEqual(RNG.deriveSeed(1, 'env'), RNG.deriveSeed(1, 'policy'));
    assert.notEqual(RNG.deriveSeed(1, 'env'), RNG.deriveSeed(2, 'env'));
    assert.ok(Number.isSafeInteger(RNG.deriveSeed(5, 'x')));
  });
});
