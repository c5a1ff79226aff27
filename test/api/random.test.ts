/**
 * The one seeded generator: `manualSeed`'s global stream and `createGenerator`'s separate streams
 * are the same algorithm, deterministic in the seed, and a separate stream never moves the global one.
 */
import '@tapegrad/backend-cpu';
import { createGenerator, manualSeed, rand, randomUniform, setBackend } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Values of `rand([16])`, the tensor freed. */
async function rand16(): Promise<Float32Array> {
  const x = rand([16]);
  const values = await x.data();
  x.dispose();
  return values;
}

const draw = (seed: number, n: number): number[] => {
  const generator = createGenerator(seed);
  return Array.from({ length: n }, () => generator.uniform());
};

describe('createGenerator', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    expect(draw(7, 20)).toEqual(draw(7, 20));
    expect(draw(7, 20)).not.toEqual(draw(8, 20));
  });

  it('is the generator behind manualSeed', () => {
    manualSeed(7);
    expect(Array.from({ length: 20 }, () => randomUniform())).toEqual(draw(7, 20));
  });

  it('leaves the global stream alone', async () => {
    manualSeed(3);
    const expected = await rand16();
    manualSeed(3);
    draw(3, 100);
    createGenerator(3).shuffle(new Int32Array(50));
    expect(await rand16()).toEqual(expected);
  });

  it('draws uniform floats in [0, 1) exact in float32, and integers below n covering [0, n)', () => {
    const generator = createGenerator(11);
    for (let i = 0; i < 2000; i++) {
      const u = generator.uniform();
      expect(u >= 0 && u < 1 && Math.fround(u) === u).toBe(true);
    }
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(generator.below(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('draws normal samples of mean 0 and standard deviation 1', () => {
    const generator = createGenerator(5);
    const xs = Array.from({ length: 20000 }, () => generator.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
  });

  it('shuffles arrays and typed arrays in place into a permutation, the same for the same seed', () => {
    const order = createGenerator(9).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(order)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const words = ['a', 'b', 'c', 'd', 'e', 'f'];
    const shuffled = createGenerator(9).shuffle([...words]);
    expect([...shuffled].sort()).toEqual(words);
    expect(createGenerator(9).shuffle([...words])).toEqual(shuffled);
  });

  it('refuses a seed that is not an integer, by name', () => {
    expect(() => createGenerator(1.5)).toThrow('createGenerator: seed must be an integer, got 1.5');
    expect(() => manualSeed(Number.NaN)).toThrow('manualSeed: seed must be an integer, got NaN');
  });
});
