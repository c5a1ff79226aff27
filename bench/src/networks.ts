/**
 * The two benchmark networks, layer for layer, shared by every framework in the bench.
 *
 * d2l NiN @224, batch 8 (the chapter's network):
 *   block(1->96, k11 s4 p0), maxPool(3, 2), block(96->256, k5 s1 p2), maxPool(3, 2),
 *   block(256->384, k3 s1 p1), maxPool(3, 2), dropout(0.5), block(384->10, k3 s1 p1),
 *   global average pool, flatten.
 * nin-small @28, batch 128 (widths 32/64/128):
 *   block(1->32, k5 s1 p2), maxPool(3, 2), block(32->64, k3 s1 p1), maxPool(3, 2),
 *   block(64->128, k3 s1 p1), dropout(0.5), block(128->10, k3 s1 p1), global average pool, flatten.
 * Every block is conv(k, s, p) + ReLU + conv 1x1 + ReLU + conv 1x1 + ReLU, each conv with a bias.
 */

export interface BlockLayer {
  readonly kind: 'block';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

export interface PoolLayer {
  readonly kind: 'maxPool';
  readonly kernel: number;
  readonly stride: number;
}

export interface DropoutLayer {
  readonly kind: 'dropout';
  readonly p: number;
}

export type Layer = BlockLayer | PoolLayer | DropoutLayer;

export interface NetworkSpec {
  readonly name: string;
  readonly title: string;
  readonly batch: number;
  /** Input `[C, H, W]`. */
  readonly input: readonly [number, number, number];
  /** Followed by global average pooling and flatten to `[batch, classes]`. */
  readonly layers: readonly Layer[];
  readonly classes: number;
}

const block = (inChannels: number, outChannels: number, kernel: number, stride: number, padding: number): BlockLayer =>
  ({ kind: 'block', inChannels, outChannels, kernel, stride, padding });
const maxPool = (kernel: number, stride: number): PoolLayer => ({ kind: 'maxPool', kernel, stride });
const dropout = (p: number): DropoutLayer => ({ kind: 'dropout', p });

export const d2lNin: NetworkSpec = {
  name: 'd2l', title: 'd2l NiN @224, batch 8', batch: 8, input: [1, 224, 224], classes: 10,
  layers: [block(1, 96, 11, 4, 0), maxPool(3, 2), block(96, 256, 5, 1, 2), maxPool(3, 2), block(256, 384, 3, 1, 1), maxPool(3, 2), dropout(0.5), block(384, 10, 3, 1, 1)],
};

export const smallNin: NetworkSpec = {
  name: 'small', title: 'nin-small @28, batch 128 (32/64/128)', batch: 128, input: [1, 28, 28], classes: 10,
  layers: [block(1, 32, 5, 1, 2), maxPool(3, 2), block(32, 64, 3, 1, 1), maxPool(3, 2), block(64, 128, 3, 1, 1), dropout(0.5), block(128, 10, 3, 1, 1)],
};

export const networks: readonly NetworkSpec[] = [d2lNin, smallNin];

/** One convolution of a network with its resolved geometry (batch included). */
export interface ConvGeometry {
  /** e.g. `block2.conv0` (the k x k conv) or `block2.conv1` (the first 1x1). */
  readonly name: string;
  readonly batch: number;
  readonly inChannels: number;
  readonly inSize: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outSize: number;
  /** Multiply-adds of the forward pass over the batch. */
  readonly macs: number;
  /** Whether backprop needs this conv's input gradient (not for the first layer). */
  readonly needsInputGrad: boolean;
}

const outExtent = (size: number, kernel: number, stride: number, padding: number): number => Math.floor((size + 2 * padding - kernel) / stride) + 1;

/** Every convolution of `spec` in order, with sizes. */
export function convolutions(spec: NetworkSpec): ConvGeometry[] {
  const convs: ConvGeometry[] = [];
  let size = spec.input[1];
  let blockIndex = 0;
  for (const layer of spec.layers) {
    if (layer.kind === 'maxPool') size = outExtent(size, layer.kernel, layer.stride, 0);
    if (layer.kind !== 'block') continue;
    const shapes: [number, number, number, number][] = [
      [layer.inChannels, layer.kernel, layer.stride, layer.padding],
      [layer.outChannels, 1, 1, 0],
      [layer.outChannels, 1, 1, 0],
    ];
    shapes.forEach(([inChannels, kernel, stride, padding], i) => {
      const outSize = outExtent(size, kernel, stride, padding);
      convs.push({
        name: `block${blockIndex + 1}.conv${i}`, batch: spec.batch, inChannels, inSize: size, outChannels: layer.outChannels,
        kernel, stride, padding, outSize, macs: spec.batch * layer.outChannels * outSize * outSize * inChannels * kernel * kernel,
        needsInputGrad: convs.length > 0,
      });
      size = outSize;
    });
    blockIndex++;
  }
  return convs;
}

/** Multiply-adds of one forward pass and of one training step (forward + input and filter gradients). */
export function workOf(spec: NetworkSpec): { readonly forwardMacs: number; readonly trainMacs: number } {
  const convs = convolutions(spec);
  const forwardMacs = convs.reduce((sum, c) => sum + c.macs, 0);
  const trainMacs = convs.reduce((sum, c) => sum + c.macs * (c.needsInputGrad ? 3 : 2), 0);
  return { forwardMacs, trainMacs };
}
