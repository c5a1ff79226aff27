/** The NiN variants: the chapter's network at 224x224 and a small one for 28x28 on the CPU. */

/** `'d2l'`: the chapter's network (input 224). `'small'`: sized for 28x28 and CPU training. */
export type NinVariant = 'd2l' | 'small';

/** Every variant, in the order the CLI lists them. */
export const NIN_VARIANTS: readonly NinVariant[] = Object.freeze(['d2l', 'small']);

/** Whether `name` is a variant's name. */
export function isNinVariant(name: string): name is NinVariant {
  return (NIN_VARIANTS as readonly string[]).includes(name);
}

/**
 * How the convolution weights start: `'default'` as PyTorch's layers (kaiming-uniform with
 * `a = sqrt(5)`, biases uniform), `'xavier'` as the chapter's training function
 * (`xavier_uniform_` on the weights, biases as PyTorch's default), or `'kaiming'`
 * (kaiming-uniform for ReLU, gain sqrt(2), on the weights; biases zero).
 */
export type NinInit = 'default' | 'xavier' | 'kaiming';

/** The first convolution of one NiN block. */
export interface NinConvSpec {
  readonly channels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
}

/** Channel widths of the three feature blocks (the fourth block has one channel per class). */
export type NinWidths = readonly [number, number, number];

/**
 * A NiN's geometry: three feature blocks, each followed by `MaxPool2d(3, 2)`, then dropout, a
 * block with one channel per class (3x3, stride 1, padding 1), global average pooling, flatten.
 */
export interface NinArchitecture {
  /** Side of the square one-channel input image. */
  readonly inputSize: number;
  readonly blocks: readonly [NinConvSpec, NinConvSpec, NinConvSpec];
  /** Dropout probability before the classifier block. */
  readonly dropout: number;
  readonly init: NinInit;
}

const D2L: NinArchitecture = {
  inputSize: 224,
  blocks: [
    { channels: 96, kernelSize: 11, stride: 4, padding: 0 },
    { channels: 256, kernelSize: 5, stride: 1, padding: 2 },
    { channels: 384, kernelSize: 3, stride: 1, padding: 1 },
  ],
  dropout: 0.5,
  init: 'xavier',
};

const SMALL: NinArchitecture = {
  inputSize: 28,
  blocks: [
    { channels: 16, kernelSize: 5, stride: 1, padding: 2 },
    { channels: 32, kernelSize: 3, stride: 1, padding: 1 },
    { channels: 64, kernelSize: 3, stride: 1, padding: 1 },
  ],
  dropout: 0,
  init: 'kaiming',
};

const ARCHITECTURES: Readonly<Record<NinVariant, NinArchitecture>> = { d2l: D2L, small: SMALL };

/**
 * The geometry of `variant`, with its block widths replaced by `widths` when given.
 * @throws when a width is not a positive integer
 */
export function ninArchitecture(variant: NinVariant, widths?: NinWidths): NinArchitecture {
  const base = ARCHITECTURES[variant];
  if (!base) throw new Error(`nin: unknown variant '${String(variant)}' (expected ${NIN_VARIANTS.join(' or ')})`);
  if (widths === undefined) return base;
  if (!Array.isArray(widths) || widths.length !== 3 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new Error(`nin: widths must be three positive integers, got ${JSON.stringify(widths)}`);
  }
  const [b0, b1, b2] = base.blocks;
  return { ...base, blocks: [{ ...b0, channels: widths[0] }, { ...b1, channels: widths[1] }, { ...b2, channels: widths[2] }] };
}

/** The three block widths of an architecture. */
export function ninWidths(architecture: NinArchitecture): NinWidths {
  const [b0, b1, b2] = architecture.blocks;
  return [b0.channels, b1.channels, b2.channels];
}
