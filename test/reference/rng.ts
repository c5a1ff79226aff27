/**
 * Seeded test inputs. The numbers come from tapegrad's one generator (`createGenerator`), a stream
 * of their own that `manualSeed` does not touch. Drawing inputs is not a computation under test,
 * so sharing the generator with core costs the float64 reference none of its independence.
 */
import { createGenerator, type RandomGenerator } from '@tapegrad/core';

export class Rng {
  private readonly generator: RandomGenerator;

  constructor(seed: number) {
    this.generator = createGenerator(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.generator.uniform();
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], inclusive. */
  int(low: number, high: number): number {
    return low + this.generator.below(high - low + 1);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    return this.generator.shuffle(items);
  }

  /** `n` float32 values uniform in [low, high). */
  floats(n: number, low = -1, high = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /**
   * `n` distinct float32 values in about [-scale, scale], in random order, none near 0 and any two
   * at least `2 * scale / n` apart: ReLU kinks and max ties cannot be hit by a small step.
   */
  distinct(n: number, scale = 1): Float32Array {
    const order = this.shuffle(Array.from({ length: n }, (_, i) => i));
    const spacing = (2 * scale) / Math.max(n, 1);
    return Float32Array.from(order, (i) => (i - n / 2 + 0.25) * spacing);
  }
}
