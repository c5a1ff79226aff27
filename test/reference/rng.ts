/** A small seeded generator for test inputs (mulberry32), independent of tapegrad's own. */

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
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
