/**
 * In-place initialisers, after `torch.nn.init`, named as PyTorch names them: a trailing `_` marks
 * that the tensor is overwritten (`zeros_(t)` fills `t`; core's `zeros(shape)` creates). Each
 * overwrites a tensor's values (unrecorded, the tensor keeps its identity) with samples from the
 * seeded generator (`manualSeed`), and returns it.
 */
import { checkKnownOptions, fillNormal, fillUniform, formatShape, tensor, type Tensor } from '@tapegrad/core';

/** Activation names accepted by `calculateGain`. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Which fan Kaiming initialisation preserves: the forward pass's (`fan_in`) or the backward's. */
export type FanMode = 'fan_in' | 'fan_out';

/** Options of `kaimingUniform_` / `kaimingNormal_` (PyTorch's defaults). */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** Default `'fan_in'`. */
  mode?: FanMode;
  /** Default `'leaky_relu'`. */
  nonlinearity?: Nonlinearity;
}

const KAIMING_OPTIONS = ['a', 'mode', 'nonlinearity'] as const satisfies readonly (keyof KaimingOptions)[];

/**
 * Fan-in and fan-out of a weight: `[out, in]` gives `(in, out)`; a conv filter
 * `[O, C, kH, kW]` gives `(C * kH * kW, O * kH * kW)`.
 * @throws for tensors of fewer than 2 dimensions.
 */
export function fanInAndFanOut(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(`fanInAndFanOut: fan in and fan out need at least 2 dimensions, got ${formatShape(shape)}`);
  }
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptiveField, fanOut: shape[0] * receptiveField };
}

/** The recommended gain for an activation, as `torch.nn.init.calculate_gain`. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new Error(`calculateGain: negative slope ${slope} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

function overwrite(t: Tensor, values: Float32Array): Tensor {
  const source = tensor(values, t.shape);
  t.assign(source);
  source.dispose();
  return t;
}

/** Fills `t` with samples of U(low, high). */
export function uniform_(t: Tensor, low = 0, high = 1): Tensor {
  t.assertLive('uniform_');
  return overwrite(t, fillUniform(new Float32Array(t.size), low, high));
}

/** Fills `t` with samples of N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  t.assertLive('normal_');
  return overwrite(t, fillNormal(new Float32Array(t.size), mean, std));
}

/** Fills `t` with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  t.assertLive('constant_');
  return overwrite(t, new Float32Array(t.size).fill(value));
}

/** Fills `t` with zeros (`torch.nn.init.zeros_`; core's `zeros(shape)` creates a tensor instead). */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills `t` with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  t.assertLive(op);
  checkKnownOptions(op, options, KAIMING_OPTIONS);
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`${op}: mode must be 'fan_in' or 'fan_out', got ${JSON.stringify(mode)}`);
  const fans = fanInAndFanOut(t.shape);
  const fan = mode === 'fan_in' ? fans.fanIn : fans.fanOut;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He (Kaiming) uniform initialisation: U(-b, b) with `b = gain * sqrt(3 / fan)`. PyTorch's
 * `Conv2d` and `Linear` use `a = sqrt(5)`, which gives `b = 1 / sqrt(fanIn)`.
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound);
}

/** He (Kaiming) normal initialisation: N(0, std²) with `std = gain / sqrt(fan)`. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options));
}

/** Glorot (Xavier) uniform initialisation: U(-b, b) with `b = gain * sqrt(6 / (fanIn + fanOut))`. */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  t.assertLive('xavierUniform_');
  const { fanIn, fanOut } = fanInAndFanOut(t.shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/** Glorot (Xavier) normal initialisation: N(0, std²) with `std = gain * sqrt(2 / (fanIn + fanOut))`. */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  t.assertLive('xavierNormal_');
  const { fanIn, fanOut } = fanInAndFanOut(t.shape);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/**
 * PyTorch's default initialisation of a `Conv2d` / `Linear` weight and bias: the weight
 * kaiming-uniform with `a = sqrt(5)`, then the bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = fanInAndFanOut(weight.shape);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
