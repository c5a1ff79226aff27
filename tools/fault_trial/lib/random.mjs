/**
 * The trial's seeded randomness: every trial draws from its own generator, seeded from
 * (trial seed, category, index), so one trial is rebuilt alone with `--repro category:index`.
 */

/** 32-bit FNV-1a of a string, to mix names into seeds. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A mulberry32 generator with helpers; `next()` is uniform in [0, 1). */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** The generator of trial `index` of `category` under the trial seed `seed`. */
  static forTrial(seed, category, index) {
    return new Rng(fnv1a(`${seed}:${category}:${index}`));
  }

  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi] (both included). */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of `items`. */
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability `p`. */
  chance(p) {
    return this.next() < p;
  }

  /** `n` random bytes. */
  bytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A key of `weights` (`{name: weight}`) drawn in proportion to its weight. */
  weighted(weights) {
    const entries = Object.entries(weights);
    let x = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [name, w] of entries) {
      x -= w;
      if (x < 0) return name;
    }
    return entries[entries.length - 1][0];
  }
}
