/** `Conv2d`: a learned 2-D convolution over NCHW input. */
import { checkConvGroups, checkKnownOptions, conv2d, toPair, zeros, type Activation, type Pair, type Tensor } from '@tapegrad/core';
import { defaultLayerInit } from '../init.js';
import { Module } from '../module.js';
import { formatPair } from './pair.js';

/** Keyword-style arguments of `Conv2d`, for `new Conv2d(1, 4, 3, { padding: 1 })`. */
export interface Conv2dArgs {
  /** Default 1. */
  stride?: Pair;
  /** Zero padding on each side; default 0. */
  padding?: Pair;
  /** Learn an additive bias; default true. */
  bias?: boolean;
  /** Spacing between kernel taps; default 1. */
  dilation?: Pair;
  /** Channel groups, dividing both `inChannels` and `outChannels`; default 1 (`inChannels`: depthwise). */
  groups?: number;
}

const CONV2D_ARGS = ['stride', 'padding', 'bias', 'dilation', 'groups'] as const satisfies readonly (keyof Conv2dArgs)[];

/**
 * 2-D convolution as PyTorch's `nn.Conv2d(in, out, kernelSize, stride = 1, padding = 0, dilation = 1,
 * groups = 1, bias = true)`: `x [N, inChannels, H, W] -> [N, outChannels, oH, oW]` with
 * `oH = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1` (see core's `conv2d`). `weight` is
 * `[outChannels, inChannels / groups, kH, kW]` and `bias` `[outChannels]`, PyTorch's state-dict
 * shapes, initialised as PyTorch does (see `resetParameters`). The fourth argument may instead be
 * a `Conv2dArgs` object.
 *
 * @example
 * ```ts
 * const depthwise = new Conv2d(8, 8, 3, { padding: 2, dilation: 2, groups: 8 }); // weight [8, 1, 3, 3]
 * const y = depthwise.forward(randn([1, 8, 16, 16])); // [1, 8, 16, 16]
 * ```
 */
export class Conv2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  /** `[outChannels, inChannels / groups, kH, kW]`. */
  readonly weight: Tensor;
  /** `[outChannels]`, or null without bias. */
  readonly bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    stride: Pair | Conv2dArgs = 1,
    padding: Pair = 0,
    bias = true,
  ) {
    super();
    const args: Conv2dArgs = typeof stride === 'number' || Array.isArray(stride) ? { stride: stride as Pair, padding, bias } : (stride as Conv2dArgs);
    checkKnownOptions('Conv2d', args, CONV2D_ARGS);
    for (const [name, value] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${value}`);
    }
    this.kernelSize = toPair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = toPair('Conv2d', 'stride', args.stride ?? 1, 1);
    this.padding = toPair('Conv2d', 'padding', args.padding ?? 0, 0);
    this.dilation = toPair('Conv2d', 'dilation', args.dilation ?? 1, 1);
    this.groups = args.groups ?? 1;
    checkConvGroups('Conv2d', this.groups, inChannels, outChannels);
    this.weight = this.registerParameter('weight', zeros([outChannels, inChannels / this.groups, ...this.kernelSize]));
    this.bias = (args.bias ?? true) ? this.registerParameter('bias', zeros([outChannels])) : null;
    this.resetParameters();
  }

  /**
   * PyTorch's default initialisation: the weight kaiming-uniform with `a = sqrt(5)` (that is,
   * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with `fanIn = (inChannels / groups) * kH * kW`), then the bias from the
   * same uniform range. Driven by `manualSeed`.
   */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  /** `x [N, inChannels, H, W]` to `[N, outChannels, oH, oW]`, through `activation` when given (fused in the kernel). */
  forward(x: Tensor, activation: Activation = 'linear'): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, activation });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, ` +
      `padding=${formatPair(this.padding)}${this.dilation.some((d) => d !== 1) ? `, dilation=${formatPair(this.dilation)}` : ''}` +
      `${this.groups !== 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}
