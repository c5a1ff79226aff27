/** What kernel families see of the backend: how to run a cached kernel and free intermediates. */
import type { KernelOutput } from '../gpujs_adapter.js';
import type { Layout } from '../parts.js';

/** A value that may still be computing (webgpu mode). */
export type Pending<T> = T | Promise<T>;

/** One part of a storage: host values, or a kernel result (possibly pending). */
export type PartData = Pending<KernelOutput>;

/** A storage's values as kernels see them: its layout and its parts. */
export interface Tensorish {
  readonly layout: Layout;
  readonly parts: readonly PartData[];
}

/** An argument to a kernel call: a part, or a scalar. */
export type KernelArg = PartData | number;

export interface KernelContext {
  /** The most elements one part (one kernel output) may hold. */
  readonly limit: number;
  /** Indices must stay below this to be exact (2^24 in float32; 2^31 in cpu mode, which is float64; tests lower it). */
  readonly exact: number;
  /** True on a real GPU mode: prefer more threads (e.g. split reductions) over less work. */
  readonly parallel: boolean;
  /** Most array arguments (input parts) one kernel may bind (WebGPU storage buffers, GL textures). */
  readonly maxArrays: number;
  /** The mode, for error messages. */
  readonly mode: string;
  /**
   * Runs the kernel cached under `key` (compiling `source()` on first use) with a 1-D output of
   * `length` elements. Kernels are compiled once per (kernel, shapes, attributes): `key` must hold
   * everything the source depends on, and the input sizes.
   */
  run(op: string, key: string, source: () => string, length: number, args: readonly KernelArg[]): PartData;
  /** Frees intermediate parts once every part in `after` has settled. */
  release(parts: readonly PartData[], after: readonly PartData[]): void;
}
