/** `Conv2d` as ONNX `Conv`. */
import { computeConv2dInfo } from '@tapegrad/core';
import type { Conv2d } from '@tapegrad/nn';
import { attr } from '../attributes.js';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';

/** `Conv(x [N, C, H, W], weight [O, C / groups, kH, kW], bias [O])` with the layer's stride, symmetric zero padding, dilation and groups. */
export function exportConv2d(conv: Conv2d, graph: OnnxGraph, x: OnnxValue): OnnxValue {
  const info = computeConv2dInfo(x.shape, conv.weight.shape, conv.stride, conv.padding, conv.dilation, conv.groups, 'Conv2d');
  const inputs = [x, graph.tensor(conv.weight), ...(conv.bias ? [graph.tensor(conv.bias)] : [])];
  return graph.op('Conv', inputs, info.outShape, {
    kernel_shape: attr.ints(conv.kernelSize),
    strides: attr.ints(conv.stride),
    // ONNX pads: [top, left, bottom, right].
    pads: attr.ints([info.padTop, info.padLeft, info.padTop, info.padLeft]),
    // ONNX's defaults (dilations 1, group 1) are left out.
    ...(conv.dilation.some((d) => d !== 1) ? { dilations: attr.ints(conv.dilation) } : {}),
    ...(conv.groups !== 1 ? { group: attr.int(conv.groups) } : {}),
  });
}
