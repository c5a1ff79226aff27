/** `MaxPool2d`, `AvgPool2d`, `GlobalAvgPool2d` and `AdaptiveAvgPool2d` as ONNX pooling ops. */
import { avgPoolDivisorScale, computePool2dInfo, formatShape, resolveAdaptiveSize, type Pool2dInfo } from '@tapegrad/core';
import type { AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d } from '@tapegrad/nn';
import { attr, type OnnxAttributes } from '../attributes.js';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';

/**
 * The window attributes that give PyTorch's output size with ONNX's floor rule. `ceilMode`'s
 * last, partial window becomes extra padding at the bottom and right: the end padding is
 * `max(pad, (out - 1) * stride + kernel - in - pad)`, so that `floor((in + pad + end - kernel) /
 * stride) + 1 = out` (PyTorch's extent, which drops a window starting in the right padding).
 */
function windowAttributes(info: Pool2dInfo): OnnxAttributes {
  const end = (out: number, stride: number, kernel: number, extent: number, pad: number): number => Math.max(pad, (out - 1) * stride + kernel - extent - pad);
  return {
    kernel_shape: attr.ints([info.kernelHeight, info.kernelWidth]),
    strides: attr.ints([info.strideHeight, info.strideWidth]),
    pads: attr.ints([
      info.padTop, info.padLeft,
      end(info.outHeight, info.strideHeight, info.kernelHeight, info.inHeight, info.padTop),
      end(info.outWidth, info.strideWidth, info.kernelWidth, info.inWidth, info.padLeft),
    ]),
  };
}

/** `MaxPool` (padding never wins a window, as PyTorch's -infinity padding). */
export function exportMaxPool2d(pool: MaxPool2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const info = computePool2dInfo('MaxPool2d', x.shape, pool.kernelSize, pool.stride, pool.padding, pool.ceilMode);
  return graph.op('MaxPool', [x], info.outShape, windowAttributes(info));
}

/**
 * `AveragePool` with `count_include_pad = 1` (PyTorch's default divisor, the whole window). A
 * `ceilMode` window that reaches past the padding divides in PyTorch by its cells inside the
 * padded input only: the pool's output is then multiplied by core's `avgPoolDivisorScale`
 * `[oH, oW]`, `(kH * kW) / cells`, as core's own `avgPool2d` does.
 */
export function exportAvgPool2d(pool: AvgPool2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const info = computePool2dInfo('AvgPool2d', x.shape, pool.kernelSize, pool.stride, pool.padding, pool.ceilMode);
  const pooled = graph.op('AveragePool', [x], info.outShape, { ...windowAttributes(info), count_include_pad: attr.int(1) });
  const scale = avgPoolDivisorScale(info);
  return scale === null ? pooled : graph.mul(pooled, graph.constant(scale, [info.outHeight, info.outWidth]));
}

function checkNchw(op: string, x: OnnxValue): readonly [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${op}: input must be 4-D [N, C, H, W], got ${formatShape(x.shape)}`);
  return x.shape as readonly [number, number, number, number];
}

/** `GlobalAveragePool`: `[N, C, H, W] -> [N, C, 1, 1]`. */
export function exportGlobalAvgPool2d(_pool: GlobalAvgPool2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const [n, c] = checkNchw('GlobalAvgPool2d', x);
  return graph.op('GlobalAveragePool', [x], [n, c, 1, 1]);
}

/**
 * `GlobalAveragePool` for an output of `[1, 1]`, else `AveragePool` with windows of
 * `[H / oH, W / oW]` when the output size divides the input's (PyTorch's windows are then all
 * that size, side by side). Other sizes have windows of different sizes, which ONNX's pooling
 * ops cannot express: refused.
 */
export function exportAdaptiveAvgPool2d(pool: AdaptiveAvgPool2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const [n, c, h, w] = checkNchw('AdaptiveAvgPool2d', x);
  const [oH, oW] = resolveAdaptiveSize('AdaptiveAvgPool2d', pool.outputSize, h, w);
  if (oH === 1 && oW === 1) return graph.op('GlobalAveragePool', [x], [n, c, 1, 1]);
  if (h % oH !== 0 || w % oW !== 0) {
    throw new Error(`AdaptiveAvgPool2d: output [${oH}, ${oW}] from input ${formatShape(x.shape)} pools windows of different sizes ` +
      `(the input's height and width must be multiples of the output's for ONNX's AveragePool); use an input size that is`);
  }
  if (oH === h && oW === w) return x;
  const kernel = [h / oH, w / oW];
  return graph.op('AveragePool', [x], [n, c, oH, oW], { kernel_shape: attr.ints(kernel), strides: attr.ints(kernel) });
}
