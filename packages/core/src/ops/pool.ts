/** Max, average and global average pooling over NCHW. */
import { computePool2dInfo, type Pair } from '../conv_shapes.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './op.js';
import { mean } from './reduce.js';

/** Window, stride (default: the window) and padding, each a number or an `[h, w]` pair. */
export interface Pool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
}

/** Max pooling of `x [N, C, H, W]`; padding counts as -infinity; ties send the gradient to the first maximum. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  x.assertLive('maxPool2d');
  const info = computePool2dInfo('maxPool2d', x.shape, options.kernelSize, options.stride ?? options.kernelSize, options.padding ?? 0);
  return runOp('maxPool2d', [x], info.outShape, (backend) => backend.maxPool2d(x.dataId, info), (dy) => [
    runOp('maxPool2dBackprop', [dy, x], info.inShape, (backend) => backend.maxPool2dBackprop(dy.dataId, x.dataId, info)),
  ]);
}

/** Average pooling of `x [N, C, H, W]`, dividing by the full window (`count_include_pad=True`). */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  x.assertLive('avgPool2d');
  const info = computePool2dInfo('avgPool2d', x.shape, options.kernelSize, options.stride ?? options.kernelSize, options.padding ?? 0);
  return runOp('avgPool2d', [x], info.outShape, (backend) => backend.avgPool2d(x.dataId, info), (dy) => [
    runOp('avgPool2dBackprop', [dy], info.inShape, (backend) => backend.avgPool2dBackprop(dy.dataId, info)),
  ]);
}

/** Mean over each channel's plane: `[N, C, H, W] -> [N, C, 1, 1]`. */
export function globalAvgPool2d(x: Tensor): Tensor {
  x.assertLive('globalAvgPool2d');
  if (x.rank !== 4) throw new Error(`globalAvgPool2d: input must be 4-D [N, C, H, W], got ${formatShape(x.shape)}`);
  return mean(x, [2, 3], true);
}
