import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Box,
  batchSpace,
  concatenate,
  Dict,
  Discrete,
  flatdim,
  flatten,
  flattenSpace,
  InvalidAction,
  InvalidSpace,
  iterate,
  MultiBinary,
  MultiDiscrete,
  type Space,
  spaceFromJSON,
  Tuple,
  unflatten,
} from '../../envs/index.js';

function samples<T>(space: Space<T>, n: number, seed = 0): T[] {
  space.seed(seed);
  return Array.from({ length: n }, () => space.sample());
}

describe('Box', () => {
  it('samples uniform, half-bounded and unbounded elements as Gymnasium', () => {
    const box = new Box([-1, 0, -Infinity, -Infinity], [1, Infinity, 5, Infinity], [4], 'float64');
    const xs = samples(box, 3000);
    for (const x of xs) {
      assert.ok(x instanceof Float64Array && box.contains(x));
      assert.ok(x[0]! >= -1 && x[0]! <= 1);
      assert.ok(x[1]! >= 0);
      assert.ok(x[2]! <= 5);
    }
    const mean = (i: number) => xs.reduce((a, x) => a + x[i]!, 0) / xs.length;
    assert.ok(Math.abs(mean(0)) < 0.05, 'uniform mean 0');
    assert.ok(Math.abs(mean(1) - 1) < 0.1, 'low + Exp(1) has mean low + 1');
    assert.ok(Math.abs(mean(2) - 4) < 0.1, 'high − Exp(1) has mean high − 1');
    assert.ok(Math.abs(mean(3)) < 0.1, 'N(0, 1)');
    assert.ok(!box.isBounded() && !box.isBounded('below') && !box.isBounded('above'));
    assert.ok(new Box(0, 1, [2]).isBounded('both'));
  });

  it('integer boxes reach both bounds', () => {
    const box = new Box(0, 2, [1], 'int32');
    const seen = new Set(samples(box, 300).map((x) => x[0]));
    assert.deepEqual([...seen].sort(), [0, 1, 2]);
  });

  it('seeded sampling repeats', () => {
    const box = new Box(-1, 1, [3]);
    assert.deepEqual(samples(box, 5, 9), samples(box, 5, 9));
    assert.notDeepEqual(samples(box, 5, 9), samples(box, 5, 10));
  });

  it('contains checks shape, dtype castability and bounds', () => {
    const box = new Box(-1, 1, [2]);
    assert.ok(box.contains(Float32Array.of(0.5, -1)));
    assert.ok(box.contains([0.5, 1]), 'plain number arrays are cast');
    assert.ok(!box.contains(Float64Array.of(0, 0)), 'float64 does not cast safely to float32');
    assert.ok(!box.contains(Float32Array.of(0, 2)), 'out of bounds');
    assert.ok(!box.contains(Float32Array.of(0)), 'wrong length');
    assert.ok(!box.contains([0, Number.NaN]), 'NaN');
    assert.ok(!box.contains('ab'));
    assert.ok(
      new Box(-1, 1, [2], 'float64').contains(Float32Array.of(0, 0)),
      'float32 casts to float64',
    );
    assert.ok(!new Box(0, 3, [1], 'int32').contains([1.5]), 'non-integers are not in int boxes');
  });

  it('rounds float32 bounds and rejects malformed boxes', () => {
    const box = new Box(0, 0.1, [1]);
    assert.equal(box.high[0], Math.fround(0.1));
    assert.throws(() => new Box(1, 0, [2]), /low must be <= high/);
    assert.throws(() => new Box([0, 0], [1, 1, 1]), InvalidSpace);
    assert.throws(() => new Box(Number.NaN, 1, [1]), /NaN/);
    assert.throws(() => new Box(0, 1, [1.5]), /shape/);
    assert.throws(() => new Box(0, 300, [1], 'uint8'), /integers in \[0, 255\]/);
    assert.throws(() => new Box(0, 1, [1], 'int8' as never), /dtype must be one of/);
    assert.throws(() => new Box(0, 1, [1]).sample([1] as never), /mask/);
  });

  it('prints like NumPy', () => {
    assert.equal(String(new Box(-1, 1, [2])), 'Box(-1, 1, (2,), float32)');
  });
});

describe('Discrete, MultiDiscrete, MultiBinary', () => {
  it('Discrete samples within [start, start + n) and honours masks', () => {
    const d = new Discrete(3, -1);
    assert.deepEqual([...new Set(samples(d, 200))].sort(), [-1, 0, 1]);
    d.seed(0);
    for (let i = 0; i < 50; i++) assert.equal(d.sample([0, 0, 1]), 1);
    assert.equal(d.sample([0, 0, 0]), -1, 'no allowed action: start');
    assert.throws(() => d.sample([1, 0]), /3 entries/);
    assert.ok(d.contains(0) && !d.contains(2) && !d.contains(0.5) && !d.contains('1'));
    assert.throws(() => new Discrete(0), /positive integer/);
  });

  it('MultiDiscrete samples each element in its range', () => {
    const md = new MultiDiscrete([2, 3], [0, 10]);
    for (const x of samples(md, 100)) {
      assert.ok(x instanceof Int32Array && md.contains(x));
      assert.ok(x[1]! >= 10 && x[1]! < 13);
    }
    md.seed(1);
    assert.deepEqual(
      Array.from(
        md.sample([
          [1, 0],
          [0, 0, 1],
        ]),
      ),
      [0, 12],
    );
    assert.ok(!md.contains([2, 10]) && !md.contains([0]) && !md.contains(Float32Array.of(0, 10)));
    assert.throws(() => new MultiDiscrete([2, 0]), /positive integers/);
  });

  it('MultiBinary samples 0/1 with 0/1/2 masks', () => {
    const mb = new MultiBinary(4);
    for (const x of samples(mb, 50)) assert.ok(x instanceof Int8Array && mb.contains(x));
    mb.seed(0);
    const x = mb.sample([1, 0, 1, 0]);
    assert.deepEqual(Array.from(x), [1, 0, 1, 0]);
    assert.ok(!mb.contains([0, 1, 2, 0]));
    assert.throws(() => mb.sample([3, 0, 0, 0]), /0, 1 or 2/);
  });
});

describe('Dict and Tuple', () => {
  const dict = () => new Dict({ z: new Discrete(5), a: new Box(0, 1, [2]) });

  it('Dict sorts keys, samples contained objects and seeds its children', () => {
    const d = dict();
    assert.deepEqual(d.keys(), ['a', 'z']);
    const xs = samples(d, 10, 3);
    for (const x of xs) assert.ok(d.contains(x));
    assert.deepEqual(samples(d, 10, 3), xs);
    assert.equal(d.seed(3).length, 3, 'its own seed and one per child');
    assert.ok(!d.contains({ a: Float32Array.of(0, 0) }), 'missing key');
    assert.ok(!d.contains({ a: Float32Array.of(0, 0), z: 1, extra: 0 }), 'extra key');
  });

  it('Tuple samples contained arrays', () => {
    const t = new Tuple([new Discrete(2), new Box(0, 1, [1])]);
    for (const x of samples(t, 10)) assert.ok(t.contains(x));
    assert.ok(!t.contains([0]) && !t.contains([2, Float32Array.of(0)]));
  });

  it('every space round-trips through JSON and compares equal', () => {
    const spaces: Space<unknown>[] = [
      new Box([-Infinity, 0], [Infinity, 1], [2], 'float64'),
      new Box(0, 255, [2, 2, 3], 'uint8'),
      new Discrete(4, 1),
      new MultiDiscrete([2, 3], [1, 1]),
      new MultiBinary([2, 2]),
      dict(),
      new Tuple([new Discrete(2), dict()]),
    ];
    for (const s of spaces) {
      const back = spaceFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      assert.ok(back.equals(s), String(s));
      assert.equal(String(back), String(s));
    }
    assert.ok(!new Discrete(3).equals(new Discrete(4)));
    assert.throws(() => spaceFromJSON({ type: 'Nope' } as never), /not a space JSON/);
  });
});

describe('flatten', () => {
  it('flattens and unflattens every flattenable space', () => {
    const space = new Dict({
      box: new Box(-1, 1, [2]),
      d: new Discrete(3, 1),
      md: new MultiDiscrete([2, 2]),
      mb: new MultiBinary(2),
    });
    assert.equal(flatdim(space), 2 + 3 + 4 + 2);
    const flat = flattenSpace(space);
    assert.equal(flat.dtype, 'float64', 'float32 with int32 promotes to float64 as NumPy');
    space.seed(0);
    for (let i = 0; i < 20; i++) {
      const x = space.sample();
      const f = flatten(space, x);
      assert.ok(flat.contains(f));
      const back = unflatten(space, f) as Record<string, unknown>;
      assert.ok(space.contains(back));
      assert.deepEqual(Array.from(back.box as Float32Array), Array.from(x.box as Float32Array));
      assert.equal(back.d, x.d);
    }
    assert.deepEqual(Array.from(flatten(new Discrete(3), 1)), [0, 1, 0]);
    assert.throws(() => flatten(new Discrete(3), 5), /not in/);
  });
});

describe('batching', () => {
  it('batches Box and Discrete spaces and splits/stacks their elements', () => {
    const box = new Box(-1, 1, [2]);
    const b = batchSpace(box, 3) as Box;
    assert.deepEqual(b.shape, [3, 2]);
    const batch = Float32Array.of(1, 2, 3, 4, 5, 6);
    const items = iterate(box, batch, 3) as Float32Array[];
    assert.deepEqual(
      items.map((x) => Array.from(x)),
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    );
    assert.deepEqual(Array.from(concatenate(box, items) as Float32Array), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      iterate(
        box,
        [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
        3,
      ),
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    );
    assert.throws(() => iterate(box, Float32Array.of(1, 2, 3), 3), InvalidAction);
    const d = batchSpace(new Discrete(4, 1), 2) as MultiDiscrete;
    assert.ok(d instanceof MultiDiscrete && d.contains([1, 4]) && !d.contains([0, 4]));
    const dict = new Dict({ a: new Discrete(2), b: box });
    const bd = batchSpace(dict, 2) as Dict;
    const x = bd.sample();
    const split = iterate(dict, x, 2);
    assert.ok(split.every((e) => dict.contains(e)));
  });
});
