/**
 * The compiled-kernel cache: gpu.js bakes output size and constants into a kernel, so kernels are
 * kept per (kernel, shapes, attributes) key and reused. The cache is bounded, least recently used
 * out first: at most `maxKernels` kernels, and at most `maxBytes` of the memory they keep between
 * calls (a webasm kernel keeps a wasm memory holding its arguments and output; GPU kernels keep
 * the host arrays they uploaded). An evicted kernel is destroyed once no call is using it.
 */
import type { CompiledKernel } from './gpujs_adapter.js';

/** A cached kernel and its bookkeeping. */
export interface CachedKernel {
  readonly kernel: CompiledKernel;
  /** Memory the kernel keeps between calls; null until its first call reports it. */
  bytes: number | null;
  /** Calls in progress (async modes run them later). */
  uses: number;
  /** Out of the cache; destroyed when `uses` drops to 0. */
  evicted: boolean;
}

export class KernelCache {
  private readonly entries = new Map<string, CachedKernel>();
  private heldBytes = 0;

  /**
   * @param maxKernels most kernels kept.
   * @param maxBytes most bytes kept kernels may hold between calls.
   */
  constructor(private readonly maxKernels: number, private readonly maxBytes: number) {}

  /** Kernels kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes the kept kernels hold between calls (as far as their first calls reported). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** The kernel kept under `key`, now the most recently used; undefined when there is none. */
  get(key: string): CachedKernel | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Keeps `kernel` under `key` (evicting the least recently used past the bounds). */
  add(key: string, kernel: CompiledKernel): CachedKernel {
    const entry: CachedKernel = { kernel, bytes: null, uses: 0, evicted: false };
    this.entries.set(key, entry);
    this.evict();
    return entry;
  }

  /** Records what `entry` holds between calls (once, after its first call), evicting others past the bounds. */
  setBytes(entry: CachedKernel, bytes: number): void {
    if (entry.bytes !== null) return;
    entry.bytes = bytes;
    if (!entry.evicted) this.heldBytes += bytes;
    this.evict();
  }

  /** A call on `entry` starts. */
  begin(entry: CachedKernel): void {
    entry.uses++;
  }

  /** A call on `entry` ended (settled, in async modes). */
  end(entry: CachedKernel): void {
    if (--entry.uses === 0 && entry.evicted) destroy(entry.kernel);
  }

  /** Destroys every kernel (backend shutdown), in use or not. */
  clear(): void {
    for (const entry of this.entries.values()) {
      entry.evicted = true;
      destroy(entry.kernel);
    }
    this.entries.clear();
    this.heldBytes = 0;
  }

  /** Drops least recently used kernels while past a bound; the most recent one always stays. */
  private evict(): void {
    while (this.entries.size > 1 && (this.entries.size > this.maxKernels || this.heldBytes > this.maxBytes)) {
      const [key, entry] = this.entries.entries().next().value as [string, CachedKernel];
      this.entries.delete(key);
      this.heldBytes -= entry.bytes ?? 0;
      entry.evicted = true;
      if (entry.uses === 0) destroy(entry.kernel);
    }
  }
}

function destroy(kernel: CompiledKernel): void {
  try {
    kernel.destroy(true);
  } catch {
    // A kernel that never built has nothing to free.
  }
}
