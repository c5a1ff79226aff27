/** `convBlock`, `DenseBlock`, `transitionBlock` and `densenet`: DenseNet as the chapter builds it. */
import { concat, type Tensor } from '@tapegrad/core';
import { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@tapegrad/nn';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '@tapegrad/onnx';
import { positiveInteger, resolveScale, scaleWidth, type ModelScale } from './options.js';

/**
 * The chapter's `conv_block`: `BatchNorm2d(inChannels)`, ReLU, `Conv2d(inChannels, numChannels, 3,
 * padding 1)`. Maps `[N, inChannels, H, W]` to `[N, numChannels, H, W]`.
 */
export function convBlock(inChannels: number, numChannels: number): Sequential {
  return new Sequential(new BatchNorm2d(inChannels), new ReLU(), new Conv2d(inChannels, numChannels, 3, { padding: 1 }));
}

/**
 * The chapter's `DenseBlock`: `numConvs` `convBlock`s (the child `net`), each taking everything
 * before it, joined along the channels: `x = concat([x, block(x)], 1)`. Maps
 * `[N, inChannels, H, W]` to `[N, inChannels + numConvs * numChannels, H, W]`. Keys as PyTorch's:
 * `net.0.0.weight` (the first block's batch norm), ..., `net.3.2.bias`.
 *
 * @example
 * const block = new DenseBlock(2, 3, 10);   // [4, 3, 8, 8] -> [4, 23, 8, 8]
 */
export class DenseBlock extends Module implements OnnxExportable {
  readonly net: Sequential;
  /** `inChannels + numConvs * numChannels`, the channels of the output. */
  readonly outChannels: number;

  constructor(numConvs: number, readonly inChannels: number, numChannels: number) {
    super();
    positiveInteger('DenseBlock', 'numConvs', numConvs, 1);
    this.net = this.registerModule('net', new Sequential(...Array.from({ length: numConvs }, (_, i) => convBlock(numChannels * i + inChannels, numChannels))));
    this.outChannels = inChannels + numConvs * numChannels;
  }

  /** `x [N, inChannels, H, W]` to `[N, outChannels, H, W]`. */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const block of this.net) {
      const y = block.forward(out);
      const joined = concat([out, y], 1);
      y.release();
      if (out !== x) out.release();
      out = joined;
    }
    return out;
  }

  /** The same graph in ONNX (for `exportOnnx` of @tapegrad/onnx): each `convBlock` of `net`, then `Concat` on the channels. */
  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    return this.net.children().reduce((out, block) => graph.concat([out, graph.module(block, out)], 1), x);
  }
}

/**
 * The chapter's `transition_block`: `BatchNorm2d(inChannels)`, ReLU, `Conv2d(inChannels,
 * numChannels, 1)`, `AvgPool2d(2, 2)`. Maps `[N, inChannels, H, W]` to
 * `[N, numChannels, floor(H / 2), floor(W / 2)]`.
 */
export function transitionBlock(inChannels: number, numChannels: number): Sequential {
  return new Sequential(new BatchNorm2d(inChannels), new ReLU(), new Conv2d(inChannels, numChannels, 1), new AvgPool2d(2, 2));
}

/** Options of `densenet`. */
export type DenseNetOptions = ModelScale;

const OPTIONS = ['widthDivisor', 'numClasses'] as const satisfies readonly (keyof DenseNetOptions)[];

/**
 * The chapter's DenseNet as a `Sequential` of 13 layers: `b1` (`Conv2d(1, 64, 7, stride 2,
 * padding 3)`, `BatchNorm2d`, ReLU, `MaxPool2d(3, 2, padding 1)`), four `DenseBlock`s of 4
 * convolutions with growth rate 32, a `transitionBlock` halving the channels between each two,
 * then `BatchNorm2d`, ReLU, `AdaptiveAvgPool2d(1)`, `Flatten`, `Linear(_, numClasses)`. The 64
 * and the growth rate are divided by `widthDivisor`. Input `[N, 1, S, S]` (the chapter uses 96),
 * output logits `[N, numClasses]`. Keys as PyTorch's: `0.0.weight`, `1.net.0.0.weight`, ...,
 * `2.0.weight` (the first transition), ..., `12.bias`.
 *
 * @example
 * const net = densenet();                           // [N, 1, 96, 96] -> [N, 10]
 */
export function densenet(options: DenseNetOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('densenet', options, OPTIONS);
  let channels = scaleWidth(64, widthDivisor);
  const growthRate = scaleWidth(32, widthDivisor);
  const b1 = new Sequential(new Conv2d(1, channels, 7, { stride: 2, padding: 3 }), new BatchNorm2d(channels), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 }));
  const blocks: Module[] = [];
  const numConvsInDenseBlocks = [4, 4, 4, 4];
  numConvsInDenseBlocks.forEach((numConvs, i) => {
    const block = new DenseBlock(numConvs, channels, growthRate);
    blocks.push(block);
    channels = block.outChannels;
    if (i !== numConvsInDenseBlocks.length - 1) {
      blocks.push(transitionBlock(channels, Math.floor(channels / 2)));
      channels = Math.floor(channels / 2);
    }
  });
  return new Sequential(b1, ...blocks, new BatchNorm2d(channels), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(channels, numClasses));
}
