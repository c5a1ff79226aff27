/** `Residual`, `resnetBlock` and `resnet18`: ResNet as the chapter builds it. */
import { add, booleanOption, checkKnownOptions, relu, type Tensor } from '@tapegrad/core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@tapegrad/nn';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '@tapegrad/onnx';
import { positiveInteger, resolveScale, scaleWidth, type ModelScale } from './options.js';
import { pipe } from './pipe.js';

/** Options of `Residual`, the chapter's keyword arguments (camelCase). */
export interface ResidualOptions {
  /** A 1x1 convolution (`conv3`) on the shortcut, to match channels and stride; default false. */
  readonly use1x1conv?: boolean;
  /** Stride of `conv1` (and `conv3`); default 1. */
  readonly strides?: number;
}

const RESIDUAL_OPTIONS = ['use1x1conv', 'strides'] as const satisfies readonly (keyof ResidualOptions)[];

/**
 * The chapter's `Residual` block: `y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`,
 * `conv1` 3x3 with padding 1 and stride `strides`, `conv2` 3x3 with padding 1, the shortcut `x`
 * itself or, with `use1x1conv`, `conv3` (1x1, stride `strides`). Maps `[N, inChannels, H, W]` to
 * `[N, numChannels, ceil(H / strides), ceil(W / strides)]`; without `use1x1conv` it needs
 * `inChannels == numChannels` and stride 1. Children in PyTorch's order, so the keys are
 * `conv1.*`, `conv2.*`, `conv3.*` (when used), `bn1.*`, `bn2.*` (with the running statistics).
 *
 * @example
 * const down = new Residual(64, 128, { use1x1conv: true, strides: 2 });   // [N, 64, 8, 8] -> [N, 128, 4, 4]
 */
export class Residual extends Module implements OnnxExportable {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  /** The 1x1 shortcut convolution, or null when the shortcut is `x` itself. */
  readonly conv3: Conv2d | null;
  readonly bn1: BatchNorm2d;
  readonly bn2: BatchNorm2d;

  constructor(readonly inChannels: number, readonly numChannels: number, options: ResidualOptions = {}) {
    super();
    checkKnownOptions('Residual', options, RESIDUAL_OPTIONS);
    const use1x1conv = booleanOption('Residual', 'use1x1conv', options.use1x1conv, false);
    const strides = positiveInteger('Residual', 'strides', options.strides, 1);
    if (!use1x1conv && (inChannels !== numChannels || strides !== 1)) {
      throw new Error(`Residual: without use1x1conv the shortcut is the input itself, so inChannels must equal numChannels and strides be 1, got ${inChannels}, ${numChannels}, strides ${strides}`);
    }
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, numChannels, 3, { padding: 1, stride: strides }));
    this.conv2 = this.registerModule('conv2', new Conv2d(numChannels, numChannels, 3, { padding: 1 }));
    this.conv3 = use1x1conv ? this.registerModule('conv3', new Conv2d(inChannels, numChannels, 1, { stride: strides })) : null;
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(numChannels));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(numChannels));
  }

  /** `x [N, inChannels, H, W]` to `[N, numChannels, oH, oW]`. */
  forward(x: Tensor): Tensor {
    const y = pipe(x, (t) => this.conv1.forward(t), (t) => this.bn1.forward(t), relu, (t) => this.conv2.forward(t), (t) => this.bn2.forward(t));
    const shortcut = this.conv3 ? this.conv3.forward(x) : x;
    const sum = add(y, shortcut);
    y.release();
    if (shortcut !== x) shortcut.release();
    const out = relu(sum);
    sum.release();
    return out;
  }

  /** The same graph in ONNX (for `exportOnnx` of @tapegrad/onnx): the body, `Add` with the shortcut, `Relu`. */
  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    const y = graph.module(this.bn2, graph.module(this.conv2, graph.relu(graph.module(this.bn1, graph.module(this.conv1, x)))));
    return graph.relu(graph.add(y, this.conv3 ? graph.module(this.conv3, x) : x));
  }
}

/**
 * The chapter's `resnet_block`: `numResiduals` `Residual`s, the first halving the size with a 1x1
 * shortcut from `inChannels` to `numChannels` (unless `firstBlock`, where the channels already
 * match), the others keeping it. Returned as a list, spread into a `Sequential` as the chapter does.
 */
export function resnetBlock(inChannels: number, numChannels: number, numResiduals: number, firstBlock = false): Residual[] {
  positiveInteger('resnetBlock', 'numResiduals', numResiduals, 1);
  return Array.from({ length: numResiduals }, (_, i) =>
    i === 0 && !firstBlock ? new Residual(inChannels, numChannels, { use1x1conv: true, strides: 2 }) : new Residual(numChannels, numChannels));
}

/** Options of `resnet18`. */
export type ResNetOptions = ModelScale;

const OPTIONS = ['widthDivisor', 'numClasses'] as const satisfies readonly (keyof ResNetOptions)[];

/**
 * The chapter's ResNet-18 as a `Sequential` of 8 layers: `b1` (`Conv2d(1, 64, 7, stride 2,
 * padding 3)`, `BatchNorm2d`, ReLU, `MaxPool2d(3, 2, padding 1)`), `b2` to `b5` (two `Residual`s
 * each, 64, 128, 256 and 512 channels, divided by `widthDivisor`; `b3` to `b5` halve the size),
 * `AdaptiveAvgPool2d(1)`, `Flatten`, `Linear(512, numClasses)`. Input `[N, 1, S, S]` (the chapter
 * uses 96; any S from 1 works), output logits `[N, numClasses]`. Keys as PyTorch's:
 * `0.0.weight`, `0.1.running_mean`, `1.0.conv1.weight`, `2.0.conv3.weight`, ..., `7.bias`.
 *
 * @example
 * const net = resnet18();                          // [N, 1, 96, 96] -> [N, 10]
 * const tiny = resnet18({ widthDivisor: 32 });     // 2, 2, 4, 8, 16 channels
 */
export function resnet18(options: ResNetOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('resnet18', options, OPTIONS);
  const [c1, c2, c3, c4] = [64, 128, 256, 512].map((c) => scaleWidth(c, widthDivisor));
  return new Sequential(
    new Sequential(new Conv2d(1, c1, 7, { stride: 2, padding: 3 }), new BatchNorm2d(c1), new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1 })),
    new Sequential(...resnetBlock(c1, c1, 2, true)),
    new Sequential(...resnetBlock(c1, c2, 2)),
    new Sequential(...resnetBlock(c2, c3, 2)),
    new Sequential(...resnetBlock(c3, c4, 2)),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(c4, numClasses),
  );
}
