/** `lenet`: LeNet-5 as the chapter "Convolutional Neural Networks" builds it. */
import { AvgPool2d, Conv2d, Flatten, Linear, ReLU, Sequential, type Module } from '@tapegrad/nn';
import { Sigmoid } from '../layers/sigmoid.js';
import { flatFeatures } from './feature_shape.js';
import { positiveInteger, resolveScale, scaleWidth, type ModelScale } from './options.js';

/** LeNet's activation: the chapter's sigmoid, or the ReLU it suggests trying. */
export type LeNetActivation = 'sigmoid' | 'relu';

/** Options of `lenet`. */
export interface LeNetOptions extends ModelScale {
  /** Default `'sigmoid'`, as the chapter. */
  readonly activation?: LeNetActivation;
  /** Side of the square one-channel input; default 28 (Fashion-MNIST). Sizes the first `Linear`. */
  readonly inputSize?: number;
}

const OPTIONS = ['activation', 'inputSize', 'widthDivisor', 'numClasses'] as const satisfies readonly (keyof LeNetOptions)[];

/**
 * The chapter's LeNet as a `Sequential` of 12 layers: `Conv2d(1, 6, 5, padding 2)`, activation,
 * `AvgPool2d(2, 2)`, `Conv2d(6, 16, 5)`, activation, `AvgPool2d(2, 2)`, `Flatten`,
 * `Linear(16 * 5 * 5, 120)`, activation, `Linear(120, 84)`, activation, `Linear(84, numClasses)`.
 * Input `[N, 1, inputSize, inputSize]`, output logits `[N, numClasses]`. Widths are divided by
 * `widthDivisor`; the first `Linear` takes what the convolutions output for `inputSize`. The
 * state-dict keys are PyTorch's for the same `nn.Sequential`: `0.weight`, `0.bias`,
 * `3.weight`, ... `11.bias`. Weights start as PyTorch's defaults, from the seeded generator.
 *
 * @example
 * const net = lenet();                          // [N, 1, 28, 28] -> [N, 10]
 * const modern = lenet({ activation: 'relu' });
 */
export function lenet(options: LeNetOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('lenet', options, OPTIONS);
  const activation = options.activation ?? 'sigmoid';
  if (activation !== 'sigmoid' && activation !== 'relu') throw new Error(`lenet: activation must be 'sigmoid' or 'relu', got ${JSON.stringify(activation)}`);
  const inputSize = positiveInteger('lenet', 'inputSize', options.inputSize, 28);
  const act = (): Module => (activation === 'sigmoid' ? new Sigmoid() : new ReLU());
  const [c1, c2, h1, h2] = [6, 16, 120, 84].map((c) => scaleWidth(c, widthDivisor));
  const features = [new Conv2d(1, c1, 5, { padding: 2 }), act(), new AvgPool2d(2, 2), new Conv2d(c1, c2, 5), act(), new AvgPool2d(2, 2)];
  return new Sequential(
    ...features,
    new Flatten(),
    new Linear(flatFeatures('lenet', features, 1, inputSize), h1), act(),
    new Linear(h1, h2), act(),
    new Linear(h2, numClasses),
  );
}
