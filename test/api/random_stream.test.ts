/**
 * The seeded generator is xoshiro128** seeded by splitmix32, draw for draw: checked against a plain
 * transcription of the published algorithm (unsigned 32-bit words throughout), so a change to how
 * the generator holds its state cannot change any seeded stream (initialisation, dropout masks,
 * `rand`, shuffles).
 */
import '@tapegrad/backend-cpu';
import { createGenerator, dropout, manualSeed, ones, randomUniform, setBackend } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** xoshiro128** (Blackman and Vigna), state expanded from `seed` by splitmix32. */
function referenceStream(seed: number): () => number {
  let x = seed >>> 0;
  const splitmix32 = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [splitmix32(), splitmix32(), splitmix32(), splitmix32() || 1];
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

describe('the seeded generator', () => {
  it.each([0, 1, 7, 1234, -5, 2 ** 31 + 3, 2 ** 32 - 1])('seed %d: 100000 words as xoshiro128** gives them, and uniform() their top 24 bits', (seed) => {
    const reference = referenceStream(seed);
    const generator = createGenerator(seed);
    const words = Array.from({ length: 100000 }, () => generator.nextUint32());
    expect(words).toEqual(Array.from({ length: 100000 }, reference));
    expect(words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
    const uniforms = Array.from({ length: 1000 }, () => generator.uniform());
    expect(uniforms).toEqual(Array.from({ length: 1000 }, () => (reference() >>> 8) / 2 ** 24));
  });
});

describe('dropout masks', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it.each([0.5, 0.1, 1 / 3, 0.9, 1 - 2 ** -24, 1])('p = %d: keep exactly where randomUniform() >= p draw for draw, scaled by 1 / (1 - p)', async (p) => {
    const size = 4099;
    manualSeed(42);
    const uniforms = Array.from({ length: size }, randomUniform);
    manualSeed(42);
    const x = ones([size]);
    const y = dropout(x, p, true);
    const values = await y.data();
    const scale = p === 1 ? 0 : 1 / (1 - p);
    expect(Array.from(values)).toEqual(uniforms.map((u) => Math.fround(u >= p ? scale : 0)));
    // The stream moved on by one draw per element, as the two-pass mask did.
    expect(randomUniform()).toBe((() => { manualSeed(42); for (let i = 0; i < size; i++) randomUniform(); return randomUniform(); })());
    x.dispose();
    y.dispose();
  });
});
