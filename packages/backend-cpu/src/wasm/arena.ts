/**
 * A best-fit allocator with coalescing over one growable address range (the shared WebAssembly
 * memory). Free blocks are kept sorted by address; a freed block merges with free neighbours, and
 * a free block that reaches the top of the range gives its bytes back to the top. So a training
 * step, a varying batch or tensors of ever-new sizes reuse memory instead of growing it.
 *
 * The arena only does arithmetic on addresses: growing the memory behind it is the caller's
 * (`grow`, called with the new end before an allocation past the current end is handed out).
 */

/** Every block starts and ends on this many bytes. */
export const ALIGN = 64;

/** A free range `[at, at + bytes)`. */
interface FreeBlock {
  at: number;
  bytes: number;
}

/** Thrown when a block cannot be had within the arena's limit. */
export class ArenaFullError extends Error {
  constructor(readonly requested: number, readonly inUse: number, readonly limit: number) {
    super(`arena full: ${requested} bytes requested, ${inUse} in use, limit ${limit}`);
  }
}

/** Bytes in use, the range's top and its high-water mark. */
export interface ArenaStats {
  /** Bytes of blocks handed out and not yet freed. */
  readonly inUse: number;
  /** End of the highest block ever handed out and not given back (the range in use). */
  readonly top: number;
  /** The highest `top` since the last `resetHighWater`. */
  readonly highWater: number;
  /** The most bytes in use at once since the last `resetHighWater`. */
  readonly peakInUse: number;
  /** Number of free blocks below `top`. */
  readonly freeBlocks: number;
}

export class Arena {
  /** Free blocks below `top`, sorted by address, never adjacent (they merge). */
  private readonly free: FreeBlock[] = [];
  private top: number;
  private highWater: number;
  private inUse = 0;
  private peakInUse = 0;

  /**
   * @param base first address handed out (a multiple of ALIGN).
   * @param limit addresses stay below this.
   * @param grow makes addresses below `end` usable.
   */
  constructor(private readonly base: number, readonly limit: number, private readonly grow: (end: number) => void) {
    this.top = base;
    this.highWater = base;
  }

  /** A block of at least `bytes` bytes (rounded up to ALIGN); returns its address. @throws ArenaFullError */
  alloc(bytes: number): number {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    const fit = this.bestFit(size);
    if (fit >= 0) {
      const block = this.free[fit];
      const at = block.at;
      if (block.bytes === size) this.free.splice(fit, 1);
      else {
        block.at += size;
        block.bytes -= size;
      }
      this.use(size);
      return at;
    }
    // None fits: take it from the top (no free block ends there: `release` gives those back).
    const at = this.top;
    const end = at + size;
    if (end > this.limit) throw new ArenaFullError(size, this.inUse, this.limit - this.base);
    this.grow(end);
    this.top = end;
    this.highWater = Math.max(this.highWater, end);
    this.use(size);
    return at;
  }

  /** Returns the block at `at` of `bytes` bytes (as passed to `alloc`). */
  release(at: number, bytes: number): void {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    this.inUse -= size;
    // i: the first free block above `at`.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.free[mid].at < at) lo = mid + 1;
      else hi = mid;
    }
    const i = lo;
    const before = this.free[i - 1];
    const after = this.free[i];
    let block: FreeBlock;
    if (before && before.at + before.bytes === at) {
      before.bytes += size;
      block = before;
      if (after && at + size === after.at) {
        before.bytes += after.bytes;
        this.free.splice(i, 1);
      }
    } else if (after && at + size === after.at) {
      after.at = at;
      after.bytes += size;
      block = after;
    } else {
      block = { at, bytes: size };
      this.free.splice(i, 0, block);
    }
    // A free block reaching the top goes back to the top.
    if (block.at + block.bytes === this.top) {
      this.top = block.at;
      this.free.pop();
    }
  }

  /** Starts new high-water marks (of the top and of the bytes in use) from now. */
  resetHighWater(): void {
    this.highWater = this.top;
    this.peakInUse = this.inUse;
  }

  stats(): ArenaStats {
    return { inUse: this.inUse, top: this.top - this.base, highWater: this.highWater - this.base, peakInUse: this.peakInUse, freeBlocks: this.free.length };
  }

  private use(size: number): void {
    this.inUse += size;
    this.peakInUse = Math.max(this.peakInUse, this.inUse);
  }

  /** Index of the smallest free block of at least `size` bytes (the lowest such on ties), or -1. */
  private bestFit(size: number): number {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const bytes = this.free[i].bytes;
      if (bytes >= size && (best < 0 || bytes < this.free[best].bytes)) {
        best = i;
        if (bytes === size) break;
      }
    }
    return best;
  }
}
