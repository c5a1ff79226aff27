/** `Inception` and `googlenet`: GoogLeNet as the chapter builds it. */
import { concat, type Tensor } from '@tapegrad/core';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@tapegrad/nn';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '@tapegrad/onnx';
import { resolveScale, scaleWidth, type ModelScale } from './options.js';
import { pipe } from './pipe.js';

/** The widths of one Inception block: `[c1, [c2in, c2], [c3in, c3], c4]`, as the chapter's arguments. */
export type InceptionSpec = readonly [c1: number, c2: readonly [number, number], c3: readonly [number, number], c4: number];

/**
 * The chapter's `Inception` block: four paths over the same input `[N, inChannels, H, W]`, joined
 * along the channels into `[N, c1 + c2[1] + c3[1] + c4, H, W]`: a 1x1 convolution (`p1_1`); a
 * 1x1 then a 3x3 (`p2_1`, `p2_2`); a 1x1 then a 5x5 (`p3_1`, `p3_2`); a 3x3 max pool (stride 1,
 * padding 1) then a 1x1 (`p4_1`, `p4_2`); every convolution followed by ReLU. The children's
 * names are the chapter's, so the keys are PyTorch's: `p1_1.weight`, ..., `p4_2.bias`.
 *
 * @example
 * const block = new Inception(192, 64, [96, 128], [16, 32], 32);   // [N, 192, 12, 12] -> [N, 256, 12, 12]
 */
export class Inception extends Module implements OnnxExportable {
  readonly p1_1: Conv2d;
  readonly p2_1: Conv2d;
  readonly p2_2: Conv2d;
  readonly p3_1: Conv2d;
  readonly p3_2: Conv2d;
  readonly p4_1: MaxPool2d;
  readonly p4_2: Conv2d;
  /** `c1 + c2[1] + c3[1] + c4`, the channels of the output. */
  readonly outChannels: number;

  constructor(readonly inChannels: number, c1: number, c2: readonly [number, number], c3: readonly [number, number], c4: number) {
    super();
    this.p1_1 = this.registerModule('p1_1', new Conv2d(inChannels, c1, 1));
    this.p2_1 = this.registerModule('p2_1', new Conv2d(inChannels, c2[0], 1));
    this.p2_2 = this.registerModule('p2_2', new Conv2d(c2[0], c2[1], 3, { padding: 1 }));
    this.p3_1 = this.registerModule('p3_1', new Conv2d(inChannels, c3[0], 1));
    this.p3_2 = this.registerModule('p3_2', new Conv2d(c3[0], c3[1], 5, { padding: 2 }));
    this.p4_1 = this.registerModule('p4_1', new MaxPool2d(3, { stride: 1, padding: 1 }));
    this.p4_2 = this.registerModule('p4_2', new Conv2d(inChannels, c4, 1));
    this.outChannels = c1 + c2[1] + c3[1] + c4;
  }

  /** `x [N, inChannels, H, W]` to `[N, outChannels, H, W]`. */
  forward(x: Tensor): Tensor {
    const paths = [
      this.p1_1.forward(x, 'relu'),
      pipe(x, (t) => this.p2_1.forward(t, 'relu'), (t) => this.p2_2.forward(t, 'relu')),
      pipe(x, (t) => this.p3_1.forward(t, 'relu'), (t) => this.p3_2.forward(t, 'relu')),
      pipe(x, (t) => this.p4_1.forward(t), (t) => this.p4_2.forward(t, 'relu')),
    ];
    const out = concat(paths, 1);
    for (const path of paths) path.release();
    return out;
  }

  /** The same graph in ONNX (for `exportOnnx` of @tapegrad/onnx): the four paths, `Concat` on the channels. */
  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    const convRelu = (conv: Conv2d, input: OnnxValue): OnnxValue => graph.relu(graph.module(conv, input));
    return graph.concat([
      convRelu(this.p1_1, x),
      convRelu(this.p2_2, convRelu(this.p2_1, x)),
      convRelu(this.p3_2, convRelu(this.p3_1, x)),
      convRelu(this.p4_2, graph.module(this.p4_1, x)),
    ], 1);
  }
}

/** The chapter's Inception blocks of `b3`, `b4` and `b5`, each taking the previous block's output. */
export const GOOGLENET_INCEPTIONS: readonly (readonly InceptionSpec[])[] = Object.freeze([
  [[64, [96, 128], [16, 32], 32], [128, [128, 192], [32, 96], 64]],
  [[192, [96, 208], [16, 48], 64], [160, [112, 224], [24, 64], 64], [128, [128, 256], [24, 64], 64],
    [112, [144, 288], [32, 64], 64], [256, [160, 320], [32, 128], 128]],
  [[256, [160, 320], [32, 128], 128], [384, [192, 384], [48, 128], 128]],
] as const);

/** Options of `googlenet`. */
export type GoogLeNetOptions = ModelScale;

const OPTIONS = ['widthDivisor', 'numClasses'] as const satisfies readonly (keyof GoogLeNetOptions)[];

/**
 * The chapter's GoogLeNet as a `Sequential` of 6 layers: `b1` (`Conv2d(1, 64, 7, stride 2,
 * padding 3)`, ReLU, `MaxPool2d(3, 2, padding 1)`), `b2` (`Conv2d(64, 64, 1)`, ReLU,
 * `Conv2d(64, 192, 3, padding 1)`, ReLU, `MaxPool2d(3, 2, padding 1)`), `b3` (two `Inception`s
 * and that max pool), `b4` (five and the max pool), `b5` (two, `AdaptiveAvgPool2d(1)`, `Flatten`),
 * `Linear(1024, numClasses)`. Every width is divided by `widthDivisor`; each Inception takes the
 * channels the one before it outputs. Input `[N, 1, S, S]` (the chapter uses 96), output logits
 * `[N, numClasses]`. Keys as PyTorch's: `0.0.weight`, `2.0.p1_1.weight`, ..., `5.bias`.
 *
 * @example
 * const net = googlenet();                          // [N, 1, 96, 96] -> [N, 10]
 */
export function googlenet(options: GoogLeNetOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('googlenet', options, OPTIONS);
  const w = (c: number): number => scaleWidth(c, widthDivisor);
  const pool = (): MaxPool2d => new MaxPool2d(3, { stride: 2, padding: 1 });
  let channels = w(192);
  const [b3, b4, b5] = GOOGLENET_INCEPTIONS.map((specs) => specs.map(([c1, c2, c3, c4]) => {
    const block = new Inception(channels, w(c1), [w(c2[0]), w(c2[1])], [w(c3[0]), w(c3[1])], w(c4));
    channels = block.outChannels;
    return block;
  }));
  return new Sequential(
    new Sequential(new Conv2d(1, w(64), 7, { stride: 2, padding: 3 }), new ReLU(), pool()),
    new Sequential(new Conv2d(w(64), w(64), 1), new ReLU(), new Conv2d(w(64), w(192), 3, { padding: 1 }), new ReLU(), pool()),
    new Sequential(...b3, pool()),
    new Sequential(...b4, pool()),
    new Sequential(...b5, new AdaptiveAvgPool2d(1), new Flatten()),
    new Linear(channels, numClasses),
  );
}
