/** `Flatten` as ONNX `Flatten` or `Reshape`. */
import { normalizeAxes } from '@tapegrad/core';
import type { Flatten } from '@tapegrad/nn';
import { attr } from '../attributes.js';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';

/**
 * Axes `startDim..endDim` merged into one. `Flatten(1, -1)` (the default) is ONNX's `Flatten`
 * with `axis = 1`, `[N, C, H, W] -> [N, C * H * W]`; other ranges are a `Reshape` that copies
 * the axes before `startDim` (`0` in its shape, so the batch stays open) and infers the merged one
 * (`-1`). Merging the batch axis (`startDim` 0) needs a fixed batch.
 */
export function exportFlatten(flatten: Flatten, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const rank = x.shape.length;
  const [start] = normalizeAxes('Flatten', flatten.startDim, rank, x.shape);
  const [end] = normalizeAxes('Flatten', flatten.endDim, rank, x.shape);
  if (start > end) throw new Error(`Flatten: startDim ${flatten.startDim} comes after endDim ${flatten.endDim} for input of rank ${rank}`);
  const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  const shape = [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)];
  if (start === end) return x;
  if (start === 0 && graph.dynamicBatch) throw new Error('Flatten: startDim 0 merges the batch axis, which needs a fixed batch (dynamicBatch: false)');
  if (start === 1 && end === rank - 1) return graph.op('Flatten', [x], shape, { axis: attr.int(1) });
  const target = [...x.shape.slice(0, start).map(() => 0), -1, ...x.shape.slice(end + 1)];
  return graph.op('Reshape', [x, graph.constant(target, [target.length], 'int64')], shape);
}
