/** 2-D convolution over NCHW with OIHW filters, and its two gradients. */
import { computeConv2dInfo, type Pair } from '../conv_shapes.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './op.js';
import { sum } from './reduce.js';

/** Stride and zero padding of a convolution (a number or an `[h, w]` pair each). */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
}

/**
 * Cross-correlation as PyTorch's `conv2d`: `x [N, C, H, W]`, `weight [O, C, kH, kW]`,
 * optional `bias [O]`; returns `[N, O, oH, oW]` with `oH = floor((H + 2 pH - kH) / sH) + 1`.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  x.assertLive('conv2d');
  weight.assertLive('conv2d');
  const info = computeConv2dInfo(x.shape, weight.shape, options.stride ?? 1, options.padding ?? 0);
  if (bias) {
    bias.assertLive('conv2d');
    if (bias.rank !== 1 || bias.shape[0] !== info.outChannels) {
      throw new Error(`conv2d: bias must be [${info.outChannels}] for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
    }
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return runOp('conv2d', inputs, info.outShape, (backend) => backend.conv2d(x.dataId, weight.dataId, bias ? bias.dataId : null, info), (dy) => [
    x.requiresGrad ? runOp('conv2dBackpropInput', [dy, weight], info.inShape, (backend) => backend.conv2dBackpropInput(dy.dataId, weight.dataId, info)) : null,
    weight.requiresGrad ? runOp('conv2dBackpropFilter', [x, dy], info.filterShape, (backend) => backend.conv2dBackpropFilter(x.dataId, dy.dataId, info)) : null,
    bias?.requiresGrad ? sum(dy, [0, 2, 3]) : null,
  ]);
}
