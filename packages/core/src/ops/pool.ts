/** Max, average and global average pooling over NCHW. */
import { composite, isGradEnabled } from '../engine.js';
import { avgPoolDivisorScale, computePool2dInfo, type Pair, type Pool2dInfo } from '../conv_shapes.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, booleanOption, checkKnownOptions, describeValue } from '../validate.js';
import { valuesOn } from './creation.js';
import { mul } from './elementwise.js';
import { backendOf, fromDataId, runOp } from './op.js';
import { mean } from './reduce.js';

/**
 * Window, stride (default: the window) and padding, each a number or an `[h, w]` pair, and
 * `ceilMode` (default false) as PyTorch's `ceil_mode`: a last, partial window at the bottom and
 * right when it starts inside the input or its left padding.
 */
export interface Pool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

const POOL2D_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode'] as const satisfies readonly (keyof Pool2dOptions)[];

/** Checks the options object and resolves the window over `x`. */
function poolInfo(op: string, x: Tensor, options: Pool2dOptions): Pool2dInfo {
  if (options === undefined || options === null) {
    throw new Error(`${op}: options {kernelSize, stride?, padding?, ceilMode?} are required, got ${describeValue(options)}`);
  }
  checkKnownOptions(op, options, POOL2D_OPTIONS);
  if (options.kernelSize === undefined) throw new Error(`${op}: options.kernelSize is required`);
  const ceilMode = booleanOption(op, 'ceilMode', options.ceilMode, false);
  return computePool2dInfo(op, x.shape, options.kernelSize, options.stride ?? options.kernelSize, options.padding ?? 0, ceilMode);
}

/**
 * Max pooling of `x [N, C, H, W]` to `[N, C, oH, oW]`, `oH = floor((H + 2 pH - kH) / sH) + 1`
 * (`ceil` with `ceilMode`); padding counts as -infinity. As PyTorch's max_pool2d, scanning each window
 * in row-major order a value replaces the best when it is greater or NaN: ties send the gradient to
 * the first maximum, and a window holding NaN outputs NaN and sends its gradient to its last NaN.
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  assertTensor('maxPool2d', 'x', x);
  x.assertLive('maxPool2d');
  const info = poolInfo('maxPool2d', x, options);
  if (!(isGradEnabled() && x.requiresGrad)) return runOp('maxPool2d', [x], info.outShape, (backend) => backend.maxPool2d(x.dataId, info));
  // For the gradient the backend keeps where the maxima are (an inner result, freed with the node).
  return composite(() => {
    const backend = backendOf('maxPool2d', [x]);
    const { y, argmax } = backend.maxPool2dWithArgmax(x.dataId, info);
    const where = fromDataId(argmax, info.outShape, backend);
    return runOp('maxPool2d', [x, where], info.outShape, () => y, (dy) => [
      runOp('maxPool2dBackprop', [dy, where], info.inShape, (b) => b.maxPool2dBackpropArgmax(dy.dataId, where.dataId, info)),
      null,
    ]);
  });
}

/**
 * Average pooling of `x [N, C, H, W]`, counting padding as zeros (`count_include_pad=True`): each
 * window divides by `kH * kW`, or with `ceilMode` by its cells inside the padded input, as PyTorch.
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return composite(() => {
    assertTensor('avgPool2d', 'x', x);
    x.assertLive('avgPool2d');
    const info = poolInfo('avgPool2d', x, options);
    const pooled = runOp('avgPool2d', [x], info.outShape, (backend) => backend.avgPool2d(x.dataId, info), (dy) => [
      runOp('avgPool2dBackprop', [dy], info.inShape, (backend) => backend.avgPool2dBackprop(dy.dataId, info)),
    ]);
    // The kernels divide by kH * kW; windows cut short by ceilMode rescale to their own count.
    const scale = avgPoolDivisorScale(info);
    return scale ? mul(pooled, valuesOn(scale, [info.outHeight, info.outWidth], x.backend)) : pooled;
  });
}

/** Mean over each channel's plane: `[N, C, H, W] -> [N, C, 1, 1]`. */
export function globalAvgPool2d(x: Tensor): Tensor {
  assertTensor('globalAvgPool2d', 'x', x);
  x.assertLive('globalAvgPool2d');
  if (x.rank !== 4) throw new Error(`globalAvgPool2d: input must be 4-D [N, C, H, W], got ${formatShape(x.shape)}`);
  return mean(x, [2, 3], true);
}
