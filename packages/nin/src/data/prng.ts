/**
 * mulberry32: a small, fast, deterministic 32-bit PRNG. The same seed gives the same sequence on
 * every platform.
 *
 * @param seed - any number; its low 32 bits are used
 * @returns a function giving uniform floats in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A permutation of `0..n-1` by Fisher-Yates driven by `mulberry32(seed)`; deterministic in `seed`.
 *
 * @param n - length of the permutation
 * @param seed - PRNG seed
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    // pick j uniformly in [0, i] and swap it into slot i
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
