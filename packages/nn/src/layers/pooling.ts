/** `MaxPool2d` and `AvgPool2d`: windowed pooling over NCHW input. */
import { avgPool2d, booleanOption, checkKnownOptions, maxPool2d, resolvePoolWindow, type Pair, type Pool2dOptions, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';
import { formatPair } from './pair.js';

/** Keyword-style arguments of the pooling layers, for `new MaxPool2d(3, { stride: 2 })`. */
export interface Pool2dArgs {
  /** Default: the kernel size. */
  stride?: Pair;
  /** Implicit padding on each side, at most half the kernel; default 0. */
  padding?: Pair;
  /** PyTorch's `ceil_mode`: a last, partial window at the bottom and right (`ceil` in `oH`); default false. */
  ceilMode?: boolean;
}

const POOL2D_ARGS = ['stride', 'padding', 'ceilMode'] as const satisfies readonly (keyof Pool2dArgs)[];

abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(op: string, kernelSize: Pair, stride: Pair | Pool2dArgs | undefined, padding: Pair) {
    super();
    const args: Pool2dArgs = stride === undefined || typeof stride === 'number' || Array.isArray(stride)
      ? { stride: stride as Pair | undefined, padding }
      : (stride as Pool2dArgs);
    checkKnownOptions(op, args, POOL2D_ARGS);
    const window = resolvePoolWindow(op, kernelSize, args.stride ?? kernelSize, args.padding ?? 0);
    this.kernelSize = window.kernelSize;
    this.stride = window.stride;
    this.padding = window.padding;
    this.ceilMode = booleanOption(op, 'ceilMode', args.ceilMode, false);
  }

  /** The options of the pooling op this layer runs. */
  protected get window(): Pool2dOptions {
    return { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode };
  }

  protected override extraRepr(): string {
    return `kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, padding=${formatPair(this.padding)}${this.ceilMode ? ', ceilMode=true' : ''}`;
  }
}

/**
 * Max pooling as `nn.MaxPool2d(kernelSize, stride = kernelSize, padding = 0)`:
 * `[N, C, H, W] -> [N, C, oH, oW]`, `oH = floor((H + 2 pH - kH) / sH) + 1` (`ceil` with
 * `{ceilMode: true}`). Padding counts as -infinity. The second argument may instead be a `Pool2dArgs` object.
 */
export class MaxPool2d extends Pool2d {
  constructor(kernelSize: Pair, stride?: Pair | Pool2dArgs, padding: Pair = 0) {
    super('MaxPool2d', kernelSize, stride, padding);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.window);
  }
}

/**
 * Average pooling as `nn.AvgPool2d(kernelSize, stride = kernelSize, padding = 0)`:
 * `[N, C, H, W] -> [N, C, oH, oW]`; a padded window divides by the full window size
 * (`count_include_pad=True`), a window cut short by `ceilMode` by its cells inside the padded input. The second argument may instead be a `Pool2dArgs` object.
 */
export class AvgPool2d extends Pool2d {
  constructor(kernelSize: Pair, stride?: Pair | Pool2dArgs, padding: Pair = 0) {
    super('AvgPool2d', kernelSize, stride, padding);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.window);
  }
}
