/** `BatchNorm1d` and `BatchNorm2d` in evaluation mode as ONNX `BatchNormalization`. */
import { formatShape } from '@tapegrad/core';
import type { BatchNorm1d, BatchNorm2d } from '@tapegrad/nn';
import { attr } from '../attributes.js';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';

/**
 * `BatchNormalization(x, weight, bias, running_mean, running_var)` with the layer's `eps`: the
 * evaluation-mode formula `(x - mean) / sqrt(var + eps) * weight + bias` per channel (axis 1).
 * Without `affine`, the scale is ones and the shift zeros. A layer without running statistics
 * normalises with each batch's own statistics even in evaluation mode: refused.
 */
export function exportBatchNorm(norm: BatchNorm1d | BatchNorm2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const op = norm.constructor.name;
  const ranks = op === 'BatchNorm2d' ? [4] : [2, 3];
  if (!ranks.includes(x.shape.length) || x.shape[1] !== norm.numFeatures) {
    throw new Error(`${op}: input ${formatShape(x.shape)} must be ${op === 'BatchNorm2d' ? '[N, C, H, W]' : '[N, C] or [N, C, L]'} with C = ${norm.numFeatures}`);
  }
  if (norm.runningMean === null || norm.runningVar === null) {
    throw new Error(`${op}: without running statistics (trackRunningStats: false) it normalises with each batch's statistics, which the export does not describe`);
  }
  const channels = norm.numFeatures;
  const scale = norm.weight ? graph.tensor(norm.weight) : graph.constant(new Float32Array(channels).fill(1), [channels]);
  const shift = norm.bias ? graph.tensor(norm.bias) : graph.constant(new Float32Array(channels), [channels]);
  const inputs = [x, scale, shift, graph.tensor(norm.runningMean), graph.tensor(norm.runningVar)];
  return graph.op('BatchNormalization', inputs, x.shape, { epsilon: attr.float(norm.eps) });
}
