/**
 * How a kernel splits its work across the threads (see `wasm/threads.ts`): into how many groups,
 * and which contiguous range of items each group takes.
 */
import { threadCount } from '../wasm/threads.js';

/**
 * Groups per thread of a parallel op: threads claim groups as they go, so a thread the OS preempts
 * (the machine is shared) leaves its remaining groups to the others.
 */
const GROUPS_PER_THREAD = 4;

/** Below this many multiply-adds a GEMM-based op runs on one thread (a worker round trip costs ~0.1 ms). */
export const MIN_PARALLEL_MACS = 1 << 21;

/** Below this many elements a memory-bound op (elementwise, transpose, sum) runs on one thread. */
export const MIN_PARALLEL_ELEMENTS = 1 << 18;

/**
 * Into how many groups an op of `work` units (below `minWork`, one group) over `items` independent
 * pieces should split.
 */
export function partsFor(work: number, minWork: number, items: number): number {
  return work < minWork || threadCount === 1 ? 1 : Math.min(GROUPS_PER_THREAD * threadCount, items);
}

/** Splits `[0, count)` into `parts` contiguous ranges, sizes differing by at most one. */
export function splitRange(count: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, p) => [Math.floor((count * p) / parts), Math.floor((count * (p + 1)) / parts)]);
}
