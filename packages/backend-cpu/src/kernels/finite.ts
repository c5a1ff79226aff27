/** Whether storage holds only finite values (Winograd's transforms would smear one infinity over a tile). */
import { call } from '../wasm/kernel_module.js';
import { view, workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';

/** True when none of the `count` floats at byte address `at` is infinite or NaN. */
export function allFinite(at: number, count: number): boolean {
  const vectors = count >> 2;
  const probe = workspace().alloc(4);
  runParallel([[call.finiteProbe({ x: at, vectors, out: probe })]]);
  if (!view(probe, 4).every((lane) => lane === 0)) return false;
  // The last count % 4 values, one by one.
  return view(at + vectors * 16, count - vectors * 4).every(Number.isFinite);
}
