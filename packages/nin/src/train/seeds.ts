/**
 * Per-epoch seeds derived from the run's seed, so that epoch `e` of a run draws the same shuffle
 * and dropout masks whether the run went straight through or resumed from a checkpoint.
 */

/** The seeds of one epoch. */
export interface EpochSeeds {
  /** For `manualSeed` at the start of the epoch (dropout masks). */
  readonly dropout: number;
  /** For the data order (`batches(..., {shuffle: true, seed})`). */
  readonly shuffle: number;
}

/** Mixes two integers into a 32-bit seed (splitmix32's finaliser over a golden-ratio step). */
function mix(a: number, b: number): number {
  let z = (Math.imul(a >>> 0, 0x9e3779b9) + (b >>> 0) + 0x7f4a7c15) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seeds of `epoch` (1-based) of a run seeded with `seed`: a function of the two alone.
 * @throws when `seed` or `epoch` is not a non-negative integer
 */
export function epochSeeds(seed: number, epoch: number): EpochSeeds {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`epochSeeds: seed must be a non-negative integer, got ${seed}`);
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new Error(`epochSeeds: epoch must be a non-negative integer, got ${epoch}`);
  return { dropout: mix(seed, 2 * epoch), shuffle: mix(seed, 2 * epoch + 1) };
}
