/**
 * The best-fit arena with coalescing (pure address arithmetic, no memory behind it): blocks never
 * overlap, freed neighbours merge, free space at the top goes back, and a stream of ever-new sizes
 * stays within a bounded range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALIGN, Arena, ArenaFullError } from '../src/wasm/arena.js';

const BASE = 1024;

function arena(limit = 1 << 30): { arena: Arena; grownTo: () => number } {
  let end = BASE;
  const a = new Arena(BASE, limit, (to) => {
    end = Math.max(end, to);
  });
  return { arena: a, grownTo: () => end };
}

describe('Arena', () => {
  it('rounds blocks to the alignment and grows the range only past its end', () => {
    const { arena: a, grownTo } = arena();
    const p = a.alloc(1);
    const q = a.alloc(ALIGN + 1);
    expect([p, q]).toEqual([BASE, BASE + ALIGN]);
    expect(grownTo()).toBe(BASE + 3 * ALIGN);
    expect(a.stats()).toMatchObject({ inUse: 3 * ALIGN, top: 3 * ALIGN, highWater: 3 * ALIGN });
  });

  it('merges a freed block with free neighbours on both sides and reuses the merged range', () => {
    const { arena: a } = arena();
    const [x, y, z] = [a.alloc(100 * ALIGN), a.alloc(50 * ALIGN), a.alloc(70 * ALIGN)];
    a.alloc(ALIGN); // keeps z's end below the top
    a.release(x, 100 * ALIGN);
    a.release(z, 70 * ALIGN);
    expect(a.stats().freeBlocks).toBe(2);
    a.release(y, 50 * ALIGN);
    expect(a.stats().freeBlocks).toBe(1);
    // 220 blocks' worth fits only in the merged range.
    expect(a.alloc(220 * ALIGN)).toBe(x);
    expect(a.stats().freeBlocks).toBe(0);
  });

  it('chooses the smallest free block that fits', () => {
    const { arena: a } = arena();
    const big = a.alloc(64 * ALIGN);
    a.alloc(ALIGN);
    const small = a.alloc(8 * ALIGN);
    a.alloc(ALIGN);
    a.release(big, 64 * ALIGN);
    a.release(small, 8 * ALIGN);
    expect(a.alloc(6 * ALIGN)).toBe(small);
    expect(a.alloc(10 * ALIGN)).toBe(big);
  });

  it('gives free space at the top back, so freeing everything empties the range', () => {
    const { arena: a } = arena();
    const blocks = [3, 1, 4, 1, 5, 9, 2, 6].map((n) => [a.alloc(n * ALIGN), n * ALIGN] as const);
    for (const [at, bytes] of [...blocks].reverse().filter((_, i) => i % 2 === 0)) a.release(at, bytes);
    for (const [at, bytes] of [...blocks].reverse().filter((_, i) => i % 2 === 1)) a.release(at, bytes);
    expect(a.stats()).toMatchObject({ inUse: 0, top: 0, freeBlocks: 0 });
  });

  it('refuses a block past its limit without growing, naming the request, the bytes in use and the limit', () => {
    const { arena: a, grownTo } = arena(BASE + 10 * ALIGN);
    a.alloc(4 * ALIGN);
    const refusal = (() => {
      try {
        a.alloc(7 * ALIGN);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(ArenaFullError);
    expect(refusal).toMatchObject({ requested: 7 * ALIGN, inUse: 4 * ALIGN, limit: 10 * ALIGN });
    expect(grownTo()).toBe(BASE + 4 * ALIGN);
    expect(a.alloc(6 * ALIGN)).toBe(BASE + 4 * ALIGN);
  });

  it('any sequence of allocations and frees: live blocks never overlap and inUse is their sum', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5000 }), fc.nat()), { maxLength: 200 }), (script) => {
      const { arena: a } = arena();
      const live: [number, number][] = [];
      for (const [allocate, bytes, pick] of script) {
        if (allocate || live.length === 0) live.push([a.alloc(bytes), Math.ceil(bytes / ALIGN) * ALIGN]);
        else {
          const [at, size] = live.splice(pick % live.length, 1)[0];
          a.release(at, size);
        }
        const sorted = [...live].sort((p, q) => p[0] - q[0]);
        // Block i ends at or before block i+1 starts.
        for (let i = 0; i + 1 < sorted.length; i++) expect(sorted[i][0] + sorted[i][1]).toBeLessThanOrEqual(sorted[i + 1][0]);
        expect(a.stats().inUse).toBe(live.reduce((sum, [, size]) => sum + size, 0));
      }
      for (const [at, size] of live) a.release(at, size);
      expect(a.stats()).toMatchObject({ inUse: 0, top: 0, freeBlocks: 0 });
    }), { seed: 20261130, numRuns: 60 });
  });

  it('1,000 blocks of ever-new random sizes, at most 8 live: the range stays within 3x the most ever live', () => {
    const { arena: a } = arena();
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const live: [number, number][] = [];
    let mostLive = 0;
    for (let i = 0; i < 1000; i++) {
      const bytes = 4 * Math.floor(1 + random() * 250_000);
      live.push([a.alloc(bytes), bytes]);
      mostLive = Math.max(mostLive, a.stats().inUse);
      if (live.length > 8 || random() < 0.3) {
        const [at, size] = live.splice(Math.floor(random() * live.length), 1)[0];
        a.release(at, size);
      }
    }
    expect(a.stats().highWater).toBeLessThanOrEqual(3 * mostLive);
  });
});
