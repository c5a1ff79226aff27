/**
 * Tensors holding integers that PyTorch keeps as int64 (`torch.long`), such as BatchNorm's
 * `num_batches_tracked`. tapegrad's tensors are float32 (exact for integers up to 2^24); the mark
 * makes `saveSafetensors` write them as I64, so a PyTorch state dict round-trips with its dtypes.
 */
import type { Tensor } from '@tapegrad/core';

const int64Tensors = new WeakSet<Tensor>();

/** Marks `t` as an int64 tensor (saved as I64) and returns it. */
export function markInt64<T extends Tensor>(t: T): T {
  int64Tensors.add(t);
  return t;
}

/** Whether `t` is marked as an int64 tensor (a buffer registered with `{ dtype: 'int64' }`, or read from an I64 entry). */
export function isInt64(t: Tensor): boolean {
  return int64Tensors.has(t);
}
