/** Whether storage holds only finite values (Winograd's transforms would smear one infinity over a tile). */
import { call } from '../wasm/kernel_module.js';
import { view, workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { MIN_PARALLEL_ELEMENTS, partsFor, splitRange } from './parallel.js';

/** True when none of the `count` floats at byte address `at` is infinite or NaN (the vectors probed in parts across the threads). */
export function allFinite(at: number, count: number): boolean {
  const vectors = count >> 2;
  const parts = splitRange(vectors, partsFor(count, MIN_PARALLEL_ELEMENTS, Math.max(1, vectors)));
  // Part p's four lanes at probes + 16p bytes.
  const probes = workspace().alloc(4 * parts.length);
  runParallel(parts.map(([first, end], p) => [call.finiteProbe({ x: at + first * 16, vectors: end - first, out: probes + 16 * p })]));
  if (!view(probes, 4 * parts.length).every((lane) => lane === 0)) return false;
  // The last count % 4 values, one by one.
  return view(at + vectors * 16, count - vectors * 4).every(Number.isFinite);
}
