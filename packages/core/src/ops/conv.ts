/** 2-D convolution over NCHW with OIHW filters, and its two gradients. */
import type { Activation } from '../backend.js';
import { computeConv2dInfo, type Conv2dInfo, type Pair } from '../conv_shapes.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, checkKnownOptions } from '../validate.js';
import { backendOf, fromDataId, runOp } from './op.js';
import { reshape } from './shape_ops.js';
import { sum } from './reduce.js';

/** Stride, zero padding, dilation (a number or an `[h, w]` pair each), groups and fused activation of a convolution. */
export interface Conv2dOptions {
  /** Default 1. */
  stride?: Pair;
  /** Zero padding on each side; default 0. */
  padding?: Pair;
  /** Spacing between kernel taps (PyTorch's `dilation`): tap k reads `k * dilation` past the window's start; default 1. */
  dilation?: Pair;
  /**
   * Channel groups (default 1): input channels and filters are split into `groups` equal parts,
   * filter part g seeing only input part g, so the weight is `[O, C / groups, kH, kW]`.
   * `groups = C` with `O = C * m` is a depthwise convolution.
   */
  groups?: number;
  /**
   * Applied in the kernel's output pass (default `'linear'`, none). `'relu'` equals
   * `relu(conv2d(...))` but never holds the pre-activation tensor, and its gradient masks `dy` by
   * the output in one pass.
   */
  activation?: Activation;
}

/** The bias gradient `[O]` of a convolution: `dy [N, O, oH, oW]` summed over N and positions (innermost sums first, no transpose of `dy`). */
function biasGradient(dy: Tensor, info: Conv2dInfo): Tensor {
  return sum(sum(reshape(dy, [info.batch, info.outChannels, info.outHeight * info.outWidth]), 2), 0);
}

/** Gradients of a linear convolution's inputs from its output gradient `dy`. */
function convGradients(dy: Tensor, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, info: Conv2dInfo): (Tensor | null)[] {
  return [
    x.requiresGrad ? runOp('conv2dBackpropInput', [dy, weight], info.inShape, (backend) => backend.conv2dBackpropInput(dy.dataId, weight.dataId, info)) : null,
    weight.requiresGrad ? runOp('conv2dBackpropFilter', [x, dy], info.filterShape, (backend) => backend.conv2dBackpropFilter(x.dataId, dy.dataId, info)) : null,
    bias?.requiresGrad ? biasGradient(dy, info) : null,
  ];
}

/**
 * The gradient through a fused ReLU from the output `y` and the bias gradient it feeds, from one
 * backend pass: `[dz, db]`, dz `[N, O, oH, oW]` and db `[O]`.
 */
function reluBackpropBias(dy: Tensor, y: Tensor, info: Conv2dInfo): [Tensor, Tensor] {
  const backend = backendOf('reluBackpropBias', [dy, y]);
  const { dz, db } = backend.reluBackpropBias(dy.dataId, y.dataId, { batch: info.batch, channels: info.outChannels, positions: info.outHeight * info.outWidth });
  return [fromDataId(dz, info.outShape, backend), fromDataId(db, [info.outChannels], backend)];
}

const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'activation'] as const satisfies readonly (keyof Conv2dOptions)[];

/**
 * Cross-correlation as PyTorch's `conv2d`: `x [N, C, H, W]`, `weight [O, C / groups, kH, kW]`,
 * optional `bias [O]`; returns `[N, O, oH, oW]` with `oH = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1`,
 * `y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} x[n, g * C/groups + c, oy*sH - pH + ky*dH, ox*sW - pW + kx*dW] * weight[o, c, ky, kx]`
 * (g = floor(o / (O / groups)), x 0 on padding), passed through `options.activation` when given.
 *
 * @example
 * ```ts
 * const x = randn([1, 4, 9, 9]);
 * const y = conv2d(x, randn([8, 2, 3, 3]), null, { padding: 2, dilation: 2, groups: 2 }); // [1, 8, 9, 9]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  assertTensor('conv2d', 'x', x);
  assertTensor('conv2d', 'weight', weight);
  if (bias !== undefined && bias !== null) assertTensor('conv2d', 'bias', bias);
  checkKnownOptions('conv2d', options, CONV2D_OPTIONS);
  x.assertLive('conv2d');
  weight.assertLive('conv2d');
  const info = computeConv2dInfo(x.shape, weight.shape, options.stride ?? 1, options.padding ?? 0, options.dilation ?? 1, options.groups ?? 1);
  if (bias) {
    bias.assertLive('conv2d');
    if (bias.rank !== 1 || bias.shape[0] !== info.outChannels) {
      throw new Error(`conv2d: bias must be [${info.outChannels}] for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
    }
  }
  const activation = options.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') throw new Error(`conv2d: activation must be 'linear' or 'relu', got '${String(activation)}'`);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return runOp('conv2d', inputs, info.outShape, (backend) => backend.conv2d(x.dataId, weight.dataId, bias ? bias.dataId : null, info, activation), (dy, out) => {
    if (activation === 'linear') return convGradients(dy, x, weight, bias, info);
    if (bias?.requiresGrad) {
      const [dz, db] = reluBackpropBias(dy, out, info);
      const [dx, dw] = convGradients(dz, x, weight, null, info);
      return [dx, dw, db];
    }
    const dz = runOp('reluBackprop', [dy, out], info.outShape, (backend) => backend.reluBackprop(dy.dataId, out.dataId, out.size));
    return convGradients(dz, x, weight, bias, info);
  });
}
