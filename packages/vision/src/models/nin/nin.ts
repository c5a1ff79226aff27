/** `nin`: the Network in Network model of the chapter, in two sizes. */
import { AdaptiveAvgPool2d, Conv2d, Dropout, Flatten, kaimingUniform_, MaxPool2d, Sequential, xavierUniform_, zeros_, type Module } from '@tapegrad/nn';
import { ninBlock } from './nin_block.js';
import { ninArchitecture, type NinArchitecture, type NinInit, type NinVariant, type NinWidths } from './variants.js';

/** Options of `nin`. */
export interface NinOptions {
  /** Default `'d2l'`. */
  readonly variant?: NinVariant;
  /** Output classes; default 10 (Fashion-MNIST). */
  readonly numClasses?: number;
  /** Replaces the variant's three block widths (e.g. a narrower `small` for tests). */
  readonly widths?: NinWidths;
  /** Replaces the variant's weight initialisation. */
  readonly init?: NinInit;
  /** Replaces the variant's dropout probability (before the classifier block). */
  readonly dropout?: number;
}

/**
 * Builds a NiN as a `Sequential` of ten top-level layers, the chapter's `net` layer for layer:
 * `ninBlock`, `MaxPool2d(3, 2)` (three times), `Dropout`, a `ninBlock` with one channel per
 * class, `AdaptiveAvgPool2d(1)`, `Flatten`. Input `[N, 1, S, S]` (S = 224 for `'d2l'`, 28 for
 * `'small'`), output logits `[N, numClasses]`. The state-dict keys are PyTorch's for the same
 * `nn.Sequential`: `0.0.weight`, `0.0.bias`, `0.2.weight`, ... `7.4.bias`.
 *
 * Weights are drawn from the seeded generator: call `manualSeed` first for a reproducible model.
 */
export function nin(options: NinOptions = {}): Sequential {
  const variant = options.variant ?? 'd2l';
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`nin: numClasses must be a positive integer, got ${numClasses}`);
  const base = ninArchitecture(variant, options.widths);
  const architecture = options.dropout === undefined ? base : { ...base, dropout: options.dropout };
  const net = buildNin(architecture, numClasses);
  initialise(net, options.init ?? architecture.init);
  return net;
}

function buildNin(architecture: NinArchitecture, numClasses: number): Sequential {
  const [b0, b1, b2] = architecture.blocks;
  return new Sequential(
    ninBlock(1, b0.channels, b0.kernelSize, b0.stride, b0.padding),
    new MaxPool2d(3, 2),
    ninBlock(b0.channels, b1.channels, b1.kernelSize, b1.stride, b1.padding),
    new MaxPool2d(3, 2),
    ninBlock(b1.channels, b2.channels, b2.kernelSize, b2.stride, b2.padding),
    new MaxPool2d(3, 2),
    new Dropout(architecture.dropout),
    ninBlock(b2.channels, numClasses, 3, 1, 1),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
  );
}

function initialise(net: Module, init: NinInit): void {
  if (init === 'default') return;
  for (const [, module] of net.namedModules()) {
    if (!(module instanceof Conv2d)) continue;
    if (init === 'xavier') {
      xavierUniform_(module.weight);
    } else {
      kaimingUniform_(module.weight, { nonlinearity: 'relu' });
      if (module.bias) zeros_(module.bias);
    }
  }
}
