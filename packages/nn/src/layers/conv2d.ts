/** `Conv2d`: a learned 2-D convolution over NCHW input. */
import { checkKnownOptions, conv2d, refuseUnsupportedConv, toPair, zeros, type Activation, type Pair, type Tensor } from '@tapegrad/core';
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
  /** Spacing between kernel taps; only 1 for now (other values are refused as not supported yet). */
  dilation?: Pair;
  /** Channel groups; only 1 for now (other values are refused as not supported yet). */
  groups?: number;
}

const CONV2D_ARGS = ['stride', 'padding', 'bias', 'dilation', 'groups'] as const satisfies readonly (keyof Conv2dArgs)[];

/**
 * 2-D convolution as PyTorch's `nn.Conv2d(in, out, kernelSize, stride = 1, padding = 0, bias = true)`:
 * `x [N, inChannels, H, W] -> [N, outChannels, oH, oW]` with `oH = floor((H + 2 pH - kH) / sH) + 1`.
 * `weight` is `[outChannels, inChannels, kH, kW]` and `bias` `[outChannels]`, initialised as
 * PyTorch does (see `resetParameters`). The fourth argument may instead be a `Conv2dArgs` object.
 */
export class Conv2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  /** `[outChannels, inChannels, kH, kW]`. */
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
    refuseUnsupportedConv('Conv2d', args.dilation, args.groups);
    for (const [name, value] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${value}`);
    }
    this.kernelSize = toPair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = toPair('Conv2d', 'stride', args.stride ?? 1, 1);
    this.padding = toPair('Conv2d', 'padding', args.padding ?? 0, 0);
    this.weight = this.registerParameter('weight', zeros([outChannels, inChannels, ...this.kernelSize]));
    this.bias = (args.bias ?? true) ? this.registerParameter('bias', zeros([outChannels])) : null;
    this.resetParameters();
  }

  /**
   * PyTorch's default initialisation: the weight kaiming-uniform with `a = sqrt(5)` (that is,
   * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with `fanIn = inChannels * kH * kW`), then the bias from the
   * same uniform range. Driven by `manualSeed`.
   */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  /** `x [N, inChannels, H, W]` to `[N, outChannels, oH, oW]`, through `activation` when given (fused in the kernel). */
  forward(x: Tensor, activation: Activation = 'linear'): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, activation });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, ` +
      `padding=${formatPair(this.padding)}${this.bias ? '' : ', bias=false'}`;
  }
}
