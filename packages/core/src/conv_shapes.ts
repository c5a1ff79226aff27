/**
 * The one place where convolution and pooling geometry is computed. Core resolves every size here
 * and hands the resulting info object to the backend, so no kernel repeats this arithmetic.
 */
import { formatShape, type Shape } from './shape.js';

/** A number, or an `[h, w]` pair. */
export type Pair = number | readonly [number, number];

/** What convolution and pooling share: a sliding window over `[N, C, H, W]` input. */
export interface WindowGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly inShape: readonly [number, number, number, number];
  readonly outShape: readonly [number, number, number, number];
}

/**
 * Geometry of a 2-D convolution over `[N, C, H, W]` input and `[O, C / groups, kH, kW]` filters.
 * Tap (ky, kx) of output (oy, ox) reads input (oy*sH - pT + ky*dH, ox*sW - pL + kx*dW); output
 * channel o reads the input channels of its group `g = floor(o / (O / groups))`, that is
 * `g * (C / groups) + c` for its weight's channel c.
 */
export interface Conv2dInfo extends WindowGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Spacing between kernel taps along H (1: adjacent). */
  readonly dilationHeight: number;
  /** Spacing between kernel taps along W (1: adjacent). */
  readonly dilationWidth: number;
  /** Channel groups: each sees `inChannels / groups` input channels and makes `outChannels / groups` outputs. */
  readonly groups: number;
  /** `[O, C / groups, kH, kW]`. */
  readonly filterShape: readonly [number, number, number, number];
}

/** Geometry of a 2-D pooling window over `[N, C, H, W]` input. */
export interface Pool2dInfo extends WindowGeometry {
  readonly channels: number;
}

/** Expands a number or `[h, w]` pair, checking each is an integer >= `min`; `where` ends error messages. */
export function toPair(op: string, name: string, value: Pair, min: number, where = ''): [number, number] {
  const pair: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (!Array.isArray(value) && typeof value !== 'number') {
    throw new Error(`${op}: ${name} must be a number or an [h, w] pair, got ${String(value)}${where}`);
  }
  for (const v of pair) {
    if (!Number.isInteger(v) || v < min) {
      throw new Error(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${formatPairValue(value)}${where}`);
    }
  }
  return pair;
}

function formatPairValue(value: Pair): string {
  return typeof value === 'number' ? String(value) : `[${value.join(', ')}]`;
}

function assertNchw(op: string, what: string, shape: Shape): asserts shape is readonly [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${op}: ${what} must be 4-D [N, C, H, W], got ${formatShape(shape)}`);
}

/**
 * Output extent as PyTorch computes it: windows that fit the padded input (`ceilMode` false), or
 * with `ceilMode` also a last partial window, provided it starts inside the input or its left
 * padding (`ceil_mode=True`). A window of `kernel` taps `dilation` apart spans
 * `dilation * (kernel - 1) + 1` input positions, so without `ceilMode` the extent is
 * `floor((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1`.
 */
function outExtent(op: string, axis: string, inExtent: number, kernel: number, stride: number, pad: number, inShape: Shape, ceilMode = false, dilation = 1): number {
  const padded = inExtent + 2 * pad;
  const span = dilation * (kernel - 1) + 1;
  if (!ceilMode) {
    if (span > padded) {
      const what = dilation === 1 ? `kernel ${axis} ${kernel}` : `dilated kernel ${axis} ${span} (kernel ${kernel}, dilation ${dilation})`;
      throw new Error(`${op}: ${what} is larger than the padded input ${axis} ${padded} (input ${formatShape(inShape)}, padding ${pad})`);
    }
    return Math.floor((padded - span) / stride) + 1;
  }
  let out = Math.ceil((padded - kernel) / stride) + 1;
  if ((out - 1) * stride >= inExtent + pad) out--;
  if (out < 1) {
    throw new Error(`${op}: kernel ${axis} ${kernel} with stride ${stride} leaves no window over the padded input ${axis} ${padded}, even with ceilMode (input ${formatShape(inShape)}, padding ${pad})`);
  }
  return out;
}

/**
 * Checks a convolution's group count against its channels, as PyTorch's `Conv2d` does when built:
 * a positive integer that divides both `inChannels` and `outChannels`. `where` ends error messages.
 */
export function checkConvGroups(op: string, groups: number, inChannels: number, outChannels: number, where = ''): void {
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) {
    throw new Error(`${op}: groups must be a positive integer, got ${String(groups)}${where}`);
  }
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(`${op}: groups ${groups} must divide both the input channels (${inChannels}) and the output channels (${outChannels})${where}`);
  }
}

/**
 * Validates shapes and resolves the geometry of `conv2d(x [N, C, H, W], w [O, C / groups, kH, kW])`
 * with taps `dilation` apart (a number or an `[h, w]` pair); `op` starts error messages.
 */
export function computeConv2dInfo(xShape: Shape, wShape: Shape, stride: Pair, padding: Pair, dilation: Pair = 1, groups = 1, op = 'conv2d'): Conv2dInfo {
  assertNchw(op, 'input', xShape);
  if (wShape.length !== 4) throw new Error(`${op}: weight must be 4-D [outC, inC, kH, kW], got ${formatShape(wShape)}`);
  const [batch, inChannels, inHeight, inWidth] = xShape;
  const [outChannels, weightInChannels, kernelHeight, kernelWidth] = wShape as readonly [number, number, number, number];
  const where = ` (input ${formatShape(xShape)}, weight ${formatShape(wShape)})`;
  checkConvGroups(op, groups, inChannels, outChannels, where);
  if (inChannels !== weightInChannels * groups) {
    throw new Error(groups === 1
      ? `${op}: input has ${inChannels} channels but weight expects ${weightInChannels} (${formatShape(wShape)})`
      : `${op}: input has ${inChannels} channels, ${inChannels / groups} per group of ${groups}, but weight expects ${weightInChannels} per group (${formatShape(wShape)})`);
  }
  const [strideHeight, strideWidth] = toPair(op, 'stride', stride, 1, where);
  const [padTop, padLeft] = toPair(op, 'padding', padding, 0, where);
  const [dilationHeight, dilationWidth] = toPair(op, 'dilation', dilation, 1, where);
  const outHeight = outExtent(op, 'height', inHeight, kernelHeight, strideHeight, padTop, xShape, false, dilationHeight);
  const outWidth = outExtent(op, 'width', inWidth, kernelWidth, strideWidth, padLeft, xShape, false, dilationWidth);
  return {
    batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth,
    kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft, dilationHeight, dilationWidth, groups,
    inShape: [batch, inChannels, inHeight, inWidth],
    filterShape: [outChannels, weightInChannels, kernelHeight, kernelWidth],
    outShape: [batch, outChannels, outHeight, outWidth],
  };
}

/** A pooling window's kernel, stride and padding, each resolved to an `[h, w]` pair. */
export interface PoolWindow {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
}

/**
 * Validates a pooling window independent of any input (pooling layers check it when built):
 * positive kernel and stride, and padding at most half the kernel, as PyTorch requires.
 * `where` ends error messages.
 */
export function resolvePoolWindow(op: string, kernelSize: Pair, stride: Pair, padding: Pair, where = ''): PoolWindow {
  const window: PoolWindow = {
    kernelSize: toPair(op, 'kernelSize', kernelSize, 1, where),
    stride: toPair(op, 'stride', stride, 1, where),
    padding: toPair(op, 'padding', padding, 0, where),
  };
  if (2 * window.padding[0] > window.kernelSize[0] || 2 * window.padding[1] > window.kernelSize[1]) {
    throw new Error(`${op}: padding ${formatPairValue(padding)} must be at most half of kernelSize ${formatPairValue(kernelSize)}${where}`);
  }
  return window;
}

/**
 * Validates and resolves the geometry of a pooling window over `x [N, C, H, W]`; `ceilMode` as
 * PyTorch's `ceil_mode` (a last partial window at the bottom and right).
 */
export function computePool2dInfo(op: string, xShape: Shape, kernelSize: Pair, stride: Pair, padding: Pair, ceilMode = false): Pool2dInfo {
  assertNchw(op, 'input', xShape);
  const [batch, channels, inHeight, inWidth] = xShape;
  const where = ` (input ${formatShape(xShape)})`;
  const window = resolvePoolWindow(op, kernelSize, stride, padding, where);
  const [kernelHeight, kernelWidth] = window.kernelSize;
  const [strideHeight, strideWidth] = window.stride;
  const [padTop, padLeft] = window.padding;
  const outHeight = outExtent(op, 'height', inHeight, kernelHeight, strideHeight, padTop, xShape, ceilMode);
  const outWidth = outExtent(op, 'width', inWidth, kernelWidth, strideWidth, padLeft, xShape, ceilMode);
  return {
    batch, channels, inHeight, inWidth, outHeight, outWidth,
    kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft,
    inShape: [batch, channels, inHeight, inWidth],
    outShape: [batch, channels, outHeight, outWidth],
  };
}

/**
 * What turns average pooling's fixed divisor `kH * kW` into PyTorch's `count_include_pad=True`
 * divisor, per output position `[oH, oW]`: that divisor counts the window's input and padding
 * cells but not the cells a `ceilMode` window reaches past the right or bottom padding, so
 * `scale[oy, ox] = (kH * kW) / (rows(oy) * cols(ox))` with
 * `rows(oy) = min(oy*sH - pT + kH, H + pT) - (oy*sH - pT)`. Null when every scale is 1 (no window
 * reaches past the padding, always so without `ceilMode`).
 */
export function avgPoolDivisorScale(info: Pool2dInfo): Float32Array | null {
  const counts = (outExtent: number, stride: number, pad: number, kernel: number, inExtent: number): number[] =>
    Array.from({ length: outExtent }, (_, o) => Math.min(o * stride - pad + kernel, inExtent + pad) - (o * stride - pad));
  const rows = counts(info.outHeight, info.strideHeight, info.padTop, info.kernelHeight, info.inHeight);
  const cols = counts(info.outWidth, info.strideWidth, info.padLeft, info.kernelWidth, info.inWidth);
  if (rows.every((r) => r === info.kernelHeight) && cols.every((c) => c === info.kernelWidth)) return null;
  const scale = new Float32Array(info.outHeight * info.outWidth);
  // scale[oy * oW + ox] = (kH * kW) / (rows[oy] * cols[ox]).
  for (let oy = 0; oy < info.outHeight; oy++) {
    for (let ox = 0; ox < info.outWidth; ox++) scale[oy * info.outWidth + ox] = (info.kernelHeight * info.kernelWidth) / (rows[oy] * cols[ox]);
  }
  return scale;
}
