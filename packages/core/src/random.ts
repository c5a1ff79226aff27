/**
 * The one seeded random generator of tapegrad: the global stream behind `rand`, `randn`, dropout
 * masks and nn initialisers (`manualSeed`), and separate streams (`createGenerator`) for whatever
 * must not disturb it, such as dataset shuffles and test inputs.
 */

/** A seeded stream of random numbers; the same seed gives the same stream on every platform. */
export interface RandomGenerator {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1) with 24 bits of precision (exactly representable in float32). */
  uniform(): number;
  /** Standard normal sample (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n), for a positive integer `n` up to 2^32. */
  below(n: number): number;
  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<L extends { length: number; [index: number]: unknown }>(items: L): L;
}

/**
 * xoshiro128** over 32-bit state: fast, small, and good enough for initialisation and dropout. The
 * state words are held as int32 (`| 0`): the same bits as unsigned words, but values V8 keeps
 * unboxed, so drawing a million numbers allocates nothing.
 */
class Xoshiro128 implements RandomGenerator {
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
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0 || 1;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ this.s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 ^= s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return result;
  }

  uniform(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /**
   * `out[i] = scale` where draw i's top 24 bits reach `threshold`, else 0: `nextUint32` written out
   * with the state in int32 locals and the value picked from a two-entry table, without a branch
   * (590K draws: 5.7 ms through `nextUint32`, whose uint32 result V8 boxes, 1.0 ms so).
   */
  fillMask(out: Float32Array, threshold: number, scale: number): void {
    const values = Float32Array.of(0, scale);
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0, n = out.length; i < n; i++) {
      const bits = (Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 8) | 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      // bits - threshold is negative (sign bit 1) exactly when the sample is dropped: index 0, else 1.
      out[i] = values[((bits - threshold) >> 31) + 1];
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  below(n: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }

  shuffle<L extends { length: number; [index: number]: unknown }>(items: L): L {
    for (let i = items.length - 1; i > 0; i--) {
      // pick j uniformly in [0, i] and swap it into slot i
      const j = this.below(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

/** `x` rotated left by `k` bits, as int32. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkSeed(caller: string, seed: number): void {
  if (!Number.isInteger(seed)) throw new Error(`${caller}: seed must be an integer, got ${seed}`);
}

/**
 * A generator of its own, seeded by `seed` (its low 32 bits): drawing from it leaves the global
 * stream of `manualSeed` untouched.
 *
 * @example
 * ```ts
 * const random = createGenerator(7);
 * const order = random.shuffle([0, 1, 2, 3]); // the same order for seed 7, every run
 * ```
 * @throws Error when `seed` is not an integer
 */
export function createGenerator(seed: number): RandomGenerator {
  checkSeed('createGenerator', seed);
  return new Xoshiro128(seed);
}

let generator = new Xoshiro128(Date.now());

/** Seeds the global generator: the same seed gives the same `rand`, `randn`, dropout and init. */
export function manualSeed(seed: number): void {
  checkSeed('manualSeed', seed);
  generator = new Xoshiro128(seed);
}

/** Uniform in [0, 1) from the global generator, with 24 bits of precision. */
export function randomUniform(): number {
  return generator.uniform();
}

/** Standard normal sample from the global generator (Box-Muller). */
export function randomNormal(): number {
  return generator.normal();
}

/** Fills `out` with uniform samples in [low, high) from the global generator. */
export function fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * generator.uniform();
  return out;
}

/**
 * Fills `out` with a dropout mask from the global generator: `scale` where a uniform sample is at
 * least `p`, else 0. The sample's 24 bits are compared as an integer with `ceil(p * 2^24)` (the same
 * test as `randomUniform() >= p`, draw for draw) without a branch: the kept half of a mask is random,
 * and a branch on it mispredicts every other element.
 */
export function fillDropoutMask(out: Float32Array, p: number, scale: number): Float32Array {
  generator.fillMask(out, Math.ceil(p * 16777216), scale);
  return out;
}

/** Fills `out` with normal samples of the given mean and standard deviation from the global generator. */
export function fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * generator.normal();
  return out;
}
