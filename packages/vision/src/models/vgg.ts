/** `vgg` and `vggBlock`: VGG as the chapter builds it, from a list of blocks. */
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from '@tapegrad/nn';
import { flatFeatures } from './feature_shape.js';
import { positiveInteger, probability, resolveScale, scaleWidth, type ModelScale } from './options.js';

/** One VGG block: `[numConvs, outChannels]`. */
export type VggBlockSpec = readonly [numConvs: number, outChannels: number];

/** The chapter's `conv_arch`, VGG-11: `((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))`. */
export const VGG11_ARCH: readonly VggBlockSpec[] = Object.freeze([[1, 64], [1, 128], [2, 256], [2, 512], [2, 512]] as const);

/**
 * The chapter's `vgg_block`: `numConvs` times `Conv2d(_, outChannels, 3, padding 1)` and ReLU,
 * then `MaxPool2d(2, 2)`. Maps `[N, inChannels, H, W]` to `[N, outChannels, floor(H / 2),
 * floor(W / 2)]`. Keys as PyTorch's `nn.Sequential`: `0.weight`, `0.bias`, `2.weight`, ...
 */
export function vggBlock(numConvs: number, inChannels: number, outChannels: number): Sequential {
  positiveInteger('vggBlock', 'numConvs', numConvs, 1);
  const layers: Module[] = [];
  for (let i = 0; i < numConvs; i++) layers.push(new Conv2d(i === 0 ? inChannels : outChannels, outChannels, 3, { padding: 1 }), new ReLU());
  return new Sequential(...layers, new MaxPool2d(2, 2));
}

/** Options of `vgg`. */
export interface VggOptions extends ModelScale {
  /** The blocks, `[numConvs, outChannels]` each; default `VGG11_ARCH`. */
  readonly arch?: readonly VggBlockSpec[];
  /** Side of the square one-channel input; default 224. Sizes the first `Linear`. */
  readonly inputSize?: number;
  /** Probability of both dropout layers; default 0.5. */
  readonly dropout?: number;
}

const OPTIONS = ['arch', 'inputSize', 'dropout', 'widthDivisor', 'numClasses'] as const satisfies readonly (keyof VggOptions)[];

/**
 * The chapter's `vgg(conv_arch)` as a `Sequential`: one `vggBlock` per entry of `arch` (channel
 * counts divided by `widthDivisor`), `Flatten`, `Linear(_, 4096)`, ReLU, `Dropout`,
 * `Linear(4096, 4096)`, ReLU, `Dropout`, `Linear(4096, numClasses)` (the 4096 divided by
 * `widthDivisor` too). Input `[N, 1, inputSize, inputSize]`, each block halving it (at 224 the
 * last block outputs 7x7); output logits `[N, numClasses]`. Keys as PyTorch's: `0.0.weight`
 * (first block, first conv), ..., then the three `Linear`s after the blocks.
 *
 * @example
 * const net = vgg();                                  // VGG-11, [N, 1, 224, 224] -> [N, 10]
 * // The chapter's small_conv_arch (ratio 4) divides the blocks' channels but keeps the 4096:
 * const small = vgg({ arch: VGG11_ARCH.map(([convs, channels]) => [convs, channels / 4] as const) });
 */
export function vgg(options: VggOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('vgg', options, OPTIONS);
  const inputSize = positiveInteger('vgg', 'inputSize', options.inputSize, 224);
  const p = probability('vgg', 'dropout', options.dropout, 0.5);
  const arch = options.arch ?? VGG11_ARCH;
  if (!Array.isArray(arch) || arch.length === 0 || !arch.every((b) => Array.isArray(b) && b.length === 2 && b.every((n) => Number.isInteger(n) && n > 0))) {
    throw new Error(`vgg: arch must be a non-empty list of [numConvs, outChannels] pairs of positive integers, got ${JSON.stringify(arch)}`);
  }
  const blocks: Sequential[] = [];
  let inChannels = 1;
  for (const [numConvs, channels] of arch) {
    const outChannels = scaleWidth(channels, widthDivisor);
    blocks.push(vggBlock(numConvs, inChannels, outChannels));
    inChannels = outChannels;
  }
  const hidden = scaleWidth(4096, widthDivisor);
  return new Sequential(
    ...blocks,
    new Flatten(),
    new Linear(flatFeatures('vgg', blocks, 1, inputSize), hidden), new ReLU(), new Dropout(p),
    new Linear(hidden, hidden), new ReLU(), new Dropout(p),
    new Linear(hidden, numClasses),
  );
}
