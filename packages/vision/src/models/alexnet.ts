/** `alexnet`: AlexNet as the chapter builds it, for one-channel images. */
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@tapegrad/nn';
import { flatFeatures } from './feature_shape.js';
import { positiveInteger, probability, resolveScale, scaleWidth, type ModelScale } from './options.js';

/** Options of `alexnet`. */
export interface AlexNetOptions extends ModelScale {
  /** Side of the square one-channel input; default 224. Sizes the first `Linear`. */
  readonly inputSize?: number;
  /** Probability of both dropout layers; default 0.5. */
  readonly dropout?: number;
}

const OPTIONS = ['inputSize', 'dropout', 'widthDivisor', 'numClasses'] as const satisfies readonly (keyof AlexNetOptions)[];

/**
 * The chapter's AlexNet as a `Sequential` of 22 layers: `Conv2d(1, 96, 11, stride 4, padding 1)`,
 * ReLU, `MaxPool2d(3, 2)`, `Conv2d(96, 256, 5, padding 2)`, ReLU, `MaxPool2d(3, 2)`, three
 * `Conv2d(_, 384 | 384 | 256, 3, padding 1)` each with ReLU, `MaxPool2d(3, 2)`, `Flatten`,
 * `Linear(6400, 4096)`, ReLU, `Dropout`, `Linear(4096, 4096)`, ReLU, `Dropout`,
 * `Linear(4096, numClasses)`. Input `[N, 1, inputSize, inputSize]` (at least 65), output logits
 * `[N, numClasses]`. Widths (channels and the 4096) are divided by `widthDivisor`. State-dict
 * keys as PyTorch's `nn.Sequential`: `0.weight`, `3.weight`, `6.weight`, `8.weight`,
 * `10.weight`, `14.weight`, `17.weight`, `20.weight` and their biases.
 *
 * @example
 * const net = alexnet();                                        // [N, 1, 224, 224] -> [N, 10]
 * const tiny = alexnet({ widthDivisor: 32, inputSize: 67 });    // [N, 1, 67, 67]
 */
export function alexnet(options: AlexNetOptions = {}): Sequential {
  const { widthDivisor, numClasses } = resolveScale('alexnet', options, OPTIONS);
  const inputSize = positiveInteger('alexnet', 'inputSize', options.inputSize, 224);
  const p = probability('alexnet', 'dropout', options.dropout, 0.5);
  const [c1, c2, c3, c4, c5, hidden] = [96, 256, 384, 384, 256, 4096].map((c) => scaleWidth(c, widthDivisor));
  const features = [
    new Conv2d(1, c1, 11, { stride: 4, padding: 1 }), new ReLU(), new MaxPool2d(3, 2),
    new Conv2d(c1, c2, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, 2),
    new Conv2d(c2, c3, 3, { padding: 1 }), new ReLU(),
    new Conv2d(c3, c4, 3, { padding: 1 }), new ReLU(),
    new Conv2d(c4, c5, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, 2),
  ];
  return new Sequential(
    ...features,
    new Flatten(),
    new Linear(flatFeatures('alexnet', features, 1, inputSize), hidden), new ReLU(), new Dropout(p),
    new Linear(hidden, hidden), new ReLU(), new Dropout(p),
    new Linear(hidden, numClasses),
  );
}
