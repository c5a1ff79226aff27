/**
 * The contract every backend implements: storage plus a fixed set of float32 kernels. Core
 * validates inputs and resolves every shape before calling a kernel, so kernels never check shapes.
 * A backend may return storage whose values are still being computed; it must chain later kernels
 * on it and resolve it in `read`.
 */
import type { Conv2dInfo, Pool2dInfo } from './conv_shapes.js';
import type { Shape } from './shape.js';

/** Opaque handle to a backend's storage. */
export interface DataId {
  readonly __dataIdBrand?: never;
}

/** Elementwise binary kernels broadcast `a` and `b` to `outShape` (NumPy rules, resolved by core). */
export interface BinaryInfo {
  readonly aShape: Shape;
  readonly bShape: Shape;
  readonly outShape: Shape;
}

/** Reductions run over the innermost axis of a `[outSize, reduceSize]` view (core transposes first). */
export interface ReduceInfo {
  readonly outSize: number;
  readonly reduceSize: number;
}

/** A `[batch, channels, positions]` tensor: an NCHW activation with its planes flattened. */
export interface ChannelInfo {
  readonly batch: number;
  readonly channels: number;
  readonly positions: number;
}

/**
 * Batched matrix product: `a` is `[aBatch, M, K]` (or `[aBatch, K, M]` when `transA`), `b` is
 * `[bBatch, K, N]` (or `[bBatch, N, K]` when `transB`); `aBatch` and `bBatch` are `batch` or 1
 * (broadcast). The result is `[batch, M, N]`.
 */
export interface MatmulInfo {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatch: number;
  readonly bBatch: number;
}

/**
 * A box of `x` placed in an output of its own shape, the one kernel behind slice, narrow, pad,
 * concat and stack: output coordinate `o` reads `x[o - before]` where `0 <= o[a] - before[a] <
 * inShape[a]` on every axis, else `base[o]` (a base was given) or `value`. `before[a]` is signed: a
 * negative one crops x (a slice at `begin = -before`), a positive one pads. Same rank throughout;
 * core passes the fewest axes (an axis x fills whole is merged into the one before it).
 */
export interface PadInfo {
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** Per axis, the output coordinate of x's first element (negative where x is cropped). */
  readonly before: readonly number[];
  /** The output outside x's box where there is no base (any float, NaN and infinities included). */
  readonly value: number;
}

/**
 * An index along one axis: x is viewed as `[outer, axisSize, inner]` and the output as `[outer,
 * count, inner]`. With `perElement` the indices hold one index per output element, `[outer, count,
 * inner]` (`torch.gather`); without, `[count]`, shared by every `(outer, inner)` (`index_select`).
 * Indices are float32 integers; core checks them on synchronous backends. A kernel reads an index
 * outside `[0, axisSize)` (or not an integer) as selecting nothing: 0 in `gather`, no contribution
 * in `scatterAdd`.
 */
export interface GatherInfo {
  readonly outer: number;
  readonly axisSize: number;
  readonly count: number;
  readonly inner: number;
  readonly perElement: boolean;
}

/**
 * Adam's state of one parameter as a fused update reads and writes it: the first and second moment
 * averages, and the running maximum of the second (AMSGrad; null without). `T` is `DataId` in
 * kernels, `Tensor` in core.
 */
export interface AdamMoments<T> {
  readonly expAvg: T;
  readonly expAvgSq: T;
  readonly maxExpAvgSq: T | null;
}

/** What one fused Adam step writes: the new parameter and state, each a new storage. */
export interface AdamUpdated<T> extends AdamMoments<T> {
  readonly param: T;
}

/**
 * The constants of one fused Adam step over `size` elements at step `t`, each a float32 value (core
 * computes them in float64 and rounds them as a number operand of an op is rounded).
 */
export interface AdamUpdateInfo {
  readonly size: number;
  /** L2 penalty added to the gradient; 0 leaves the gradient as it is. */
  readonly weightDecay: number;
  readonly beta1: number;
  /** `1 - beta1`. */
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  /** `1 - beta2`. */
  readonly oneMinusBeta2: number;
  /** `sqrt(1 - beta2^t)`. */
  readonly biasCorrection2Sqrt: number;
  readonly eps: number;
  /** `-lr / (1 - beta1^t)`. */
  readonly negStepSize: number;
}

/** What one fused SGD step writes: the new parameter and (with momentum) the new buffer, each a new storage. */
export interface SgdUpdated<T> {
  readonly param: T;
  readonly momentumBuffer: T | null;
}

/** The constants of one fused SGD step over `size` elements, each a float32 value (as `AdamUpdateInfo`'s). */
export interface SgdUpdateInfo {
  readonly size: number;
  /** L2 penalty added to the gradient; 0 leaves the gradient as it is. */
  readonly weightDecay: number;
  /** Momentum factor; 0 keeps no buffer. */
  readonly momentum: number;
  /** `1 - dampening`. */
  readonly oneMinusDampening: number;
  readonly nesterov: boolean;
  /** `-lr`. */
  readonly negLr: number;
}

/** An activation a kernel applies in its output pass: `'relu'` is `max(v, 0)` (NaN stays NaN). */
export type Activation = 'linear' | 'relu';

export type UnaryKernel = 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'sigmoid' | 'tanh' | 'step';
export type BinaryKernel = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'greater';

/** A tapegrad backend. A missing kernel is a compile error in the implementing class. */
export interface Backend {
  /** Registered name, e.g. `'cpu'`. */
  readonly name: string;
  /** True when kernels may return pending storage, so `readSync` is unavailable. */
  readonly isAsync: boolean;

  // Storage. Reference counts start at 1 on write and on every kernel output.
  write(values: Float32Array, shape: Shape): DataId;
  read(id: DataId): Promise<Float32Array>;
  readSync(id: DataId): Float32Array;
  incRef(id: DataId): void;
  /** Drops one reference; the storage is freed when none remain. */
  disposeData(id: DataId): void;
  /** Number of live storages. */
  numDataIds(): number;
  /** Bytes held by live storages. */
  numBytes(): number;
  /** Frees everything (backend shutdown). */
  dispose(): void;
  /** Compiled kernels held in the backend's cache, for backends that compile kernels (reported by `memory()`). */
  numKernels?(): number;

  // Elementwise.
  neg(x: DataId, size: number): DataId;
  exp(x: DataId, size: number): DataId;
  log(x: DataId, size: number): DataId;
  sqrt(x: DataId, size: number): DataId;
  relu(x: DataId, size: number): DataId;
  sigmoid(x: DataId, size: number): DataId;
  tanh(x: DataId, size: number): DataId;
  /** `x > 0 ? 1 : 0` (ReLU's derivative). */
  step(x: DataId, size: number): DataId;
  /** ReLU's gradient from its output: `y <= 0 ? 0 : dy` (a NaN `y` passes `dy`, as PyTorch's `threshold_backward`), both of `size` elements. */
  reluBackprop(dy: DataId, y: DataId, size: number): DataId;
  /**
   * ReLU's gradient and the bias gradient it feeds, in one pass: with `dy` and `y` `[N, C, P]`,
   * `dz = reluBackprop(dy, y)` `[N, C, P]` and `db = dz` summed over N and P, `[C]`.
   */
  reluBackpropBias(dy: DataId, y: DataId, info: ChannelInfo): { readonly dz: DataId; readonly db: DataId };
  add(a: DataId, b: DataId, info: BinaryInfo): DataId;
  sub(a: DataId, b: DataId, info: BinaryInfo): DataId;
  mul(a: DataId, b: DataId, info: BinaryInfo): DataId;
  div(a: DataId, b: DataId, info: BinaryInfo): DataId;
  pow(a: DataId, b: DataId, info: BinaryInfo): DataId;
  /** The larger of `a` and `b`; NaN where either is NaN (`torch.maximum`). */
  maximum(a: DataId, b: DataId, info: BinaryInfo): DataId;
  /** `a > b ? 1 : 0`. */
  greater(a: DataId, b: DataId, info: BinaryInfo): DataId;

  // Reductions over the innermost axis of `[outSize, reduceSize]`.
  sum(x: DataId, info: ReduceInfo): DataId;
  /** The maximum of each row; NaN when the row holds one (`torch.max`). */
  max(x: DataId, info: ReduceInfo): DataId;
  /** Index of each row's first NaN, else of its first maximum, as float32 (`torch.argmax`: NaN counts as the maximum). */
  argmax(x: DataId, info: ReduceInfo): DataId;

  // Layout and linear algebra.
  /** `out[perm-permuted index] = x[index]`: output axis `i` is input axis `perm[i]`. */
  transpose(x: DataId, shape: Shape, perm: readonly number[]): DataId;
  matmul(a: DataId, b: DataId, info: MatmulInfo): DataId;
  /** `[n]` class indices (float32 integers) to `[n, depth]` rows of 0/1. */
  oneHot(indices: DataId, n: number, depth: number): DataId;

  // Data movement.
  /** `out[o] = x[o - before]` inside x's box, else `base[o]` (base given, of `outShape`) or `value`: `[...inShape]` to `[...outShape]`. */
  pad(x: DataId, base: DataId | null, info: PadInfo): DataId;
  /** `out[o, j, i] = x[o, idx(o, j, i), i]`, `idx` from `indices` (see GatherInfo): `[outer, axisSize, inner]` to `[outer, count, inner]`. */
  gather(x: DataId, indices: DataId, info: GatherInfo): DataId;
  /** The adjoint of `gather`: `out[o, a, i] = sum_{j : idx(o, j, i) == a} dy[o, j, i]`, `[outer, count, inner]` to `[outer, axisSize, inner]`. */
  scatterAdd(dy: DataId, indices: DataId, info: GatherInfo): DataId;

  // Convolution and pooling over NCHW, filters OIHW.
  /**
   * `activation(conv(x, filter) + bias)`: `[N, C, H, W]` to `[N, O, oH, oW]`. Padding is zeros that
   * still multiply (an infinite or NaN weight on a padded tap gives NaN, as PyTorch); with no input
   * channels the output is `activation(bias)`, or zeros.
   */
  conv2d(x: DataId, filter: DataId, bias: DataId | null, info: Conv2dInfo, activation: Activation): DataId;
  /** Gradient of conv2d with respect to its input: `dy [N, O, oH, oW]` to `[N, C, H, W]`. */
  conv2dBackpropInput(dy: DataId, filter: DataId, info: Conv2dInfo): DataId;
  /** Gradient of conv2d with respect to its filter: to `[O, C, kH, kW]` (padding multiplies `dy` by 0, as in the forward pass). */
  conv2dBackpropFilter(x: DataId, dy: DataId, info: Conv2dInfo): DataId;
  /**
   * Max pooling; padded positions count as -infinity. Scanning a window in row-major order, a value
   * replaces the best when greater or NaN (PyTorch's max_pool2d): the first maximum, or the last NaN.
   */
  maxPool2d(x: DataId, info: Pool2dInfo): DataId;
  /**
   * `maxPool2d`, keeping for the gradient what it needs of where the maxima are (PyTorch's
   * `max_pool2d_with_indices`): `argmax` is storage of the backend's own, read only by
   * `maxPool2dBackpropArgmax` (the cpu backend keeps each maximum's index in its plane; a backend
   * may keep `x` itself and find the maxima again).
   */
  maxPool2dWithArgmax(x: DataId, info: Pool2dInfo): { readonly y: DataId; readonly argmax: DataId };
  /** Routes each window's gradient to the element `maxPool2d` picks (its first maximum, or its last NaN), from what `maxPool2dWithArgmax` kept. */
  maxPool2dBackpropArgmax(dy: DataId, argmax: DataId, info: Pool2dInfo): DataId;
  /** Average pooling; divides by the full window (PyTorch's `count_include_pad=True`). */
  avgPool2d(x: DataId, info: Pool2dInfo): DataId;
  avgPool2dBackprop(dy: DataId, info: Pool2dInfo): DataId;

  // Optimizer updates: one kernel per parameter per step, every operation rounded to float32 in the
  // order written, so that the result equals the same update written op by op (torch 1.13's order).
  /**
   * One Adam step, all of `[size]`: `g = grad + param * weightDecay` (`g = grad` when weightDecay
   * is 0); `m = expAvg * beta1 + g * oneMinusBeta1`; `v = expAvgSq * beta2 + (g * oneMinusBeta2) * g`;
   * with AMSGrad `vmax = maximum(maxExpAvgSq, v)` (NaN wins) replaces `v` in
   * `denom = sqrt(v) / biasCorrection2Sqrt + eps`; `param + (m * negStepSize) / denom`.
   */
  adamUpdate(param: DataId, grad: DataId, state: AdamMoments<DataId>, info: AdamUpdateInfo): AdamUpdated<DataId>;
  /**
   * One SGD step, all of `[size]`: `d = grad + param * weightDecay` (`d = grad` when weightDecay is
   * 0); with momentum, `buf = d` when `momentumBuffer` is null (the first step), else
   * `buf = momentumBuffer * momentum + d * oneMinusDampening`, then `d = d + buf * momentum`
   * (Nesterov) or `d = buf`; `param + d * negLr`.
   */
  sgdUpdate(param: DataId, grad: DataId, momentumBuffer: DataId | null, info: SgdUpdateInfo): SgdUpdated<DataId>;

  // Creation.
  fill(size: number, value: number): DataId;
}

/** Creates a backend; may be async (a GPU backend may need start-up). */
export type BackendFactory = () => Backend | Promise<Backend>;
