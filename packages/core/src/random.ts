/** The seeded random generator behind `rand`, `randn`, dropout masks and nn initialisers. */

/** xoshiro128** over 32-bit state: fast, small, and good enough for initialisation and dropout. */
class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 expands the seed into four non-zero state words.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() || 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let generator = new Xoshiro128(Date.now());

/** Seeds the global generator: the same seed gives the same `rand`, `randn`, dropout and init. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new Error(`manualSeed: seed must be an integer, got ${seed}`);
  generator = new Xoshiro128(seed);
}

/** Uniform in [0, 1) with 24 bits of precision (exactly representable in float32). */
export function randomUniform(): number {
  return (generator.nextUint32() >>> 8) / 16777216;
}

/** Standard normal sample (Box-Muller). */
export function randomNormal(): number {
  let u = 0;
  while (u === 0) u = randomUniform();
  const v = randomUniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fills `out` with uniform samples in [low, high). */
export function fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * randomUniform();
  return out;
}

/** Fills `out` with normal samples of the given mean and standard deviation. */
export function fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * randomNormal();
  return out;
}
