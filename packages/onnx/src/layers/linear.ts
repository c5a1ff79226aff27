/** `Linear` as ONNX `Gemm` (or `MatMul` and `Add` beyond two axes). */
import { formatShape } from '@tapegrad/core';
import type { Linear } from '@tapegrad/nn';
import { attr } from '../attributes.js';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';

/**
 * `x [N, in] -> [N, out]` as `Gemm(x, weight, bias, transB = 1)`: `x Wᵀ + b`. Input of another rank
 * (`[*, in]`) as `MatMul(x, Transpose(weight))` then `Add(bias)`.
 */
export function exportLinear(linear: Linear, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== linear.inFeatures) {
    throw new Error(`Linear: input ${formatShape(x.shape)} must end in ${linear.inFeatures} features ([*, ${linear.inFeatures}])`);
  }
  const shape = [...x.shape.slice(0, -1), linear.outFeatures];
  const weight = graph.tensor(linear.weight);
  const bias = linear.bias ? graph.tensor(linear.bias) : null;
  if (x.shape.length === 2) return graph.op('Gemm', bias ? [x, weight, bias] : [x, weight], shape, { transB: attr.int(1) });
  const transposed = graph.op('Transpose', [weight], [linear.inFeatures, linear.outFeatures], { perm: attr.ints([1, 0]) });
  const product = graph.op('MatMul', [x, transposed], shape);
  return bias ? graph.add(product, bias) : product;
}
