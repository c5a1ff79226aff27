/**
 * Checks the model a checkpoint's metadata describes before anything is built from it: its input
 * size within bounds and large enough for the network, and its widths and class count those of the
 * file's own tensors. A file whose metadata asked for a huge model would otherwise allocate it
 * before the tensors were found not to fit.
 */
import { ninArchitecture } from '../model/index.js';
import { OPTION_BOUNDS } from '../cli/option_bounds.js';
import type { ModelInfo } from './run_info.js';

/** The first convolution of each block, by its state-dict key, and the extents its weight `[O, C, kH, kW]` must have. */
function blockHeads(info: ModelInfo): [string, number, number][] {
  const [w0, w1, w2] = info.widths;
  return [['0.0.weight', w0, 1], ['2.0.weight', w1, w0], ['4.0.weight', w2, w1], ['7.0.weight', info.numClasses, w2]];
}

/** The smallest square input that every layer of the variant takes (each conv and each 3/2 max pool keeps a side of at least 1). */
export function smallestInputSize(info: ModelInfo): number {
  const { blocks } = ninArchitecture(info.variant, info.widths);
  const fits = (size: number): boolean => {
    let side = size;
    for (const block of blocks) {
      // conv: floor((H + 2p - k) / s) + 1, then max pool 3 stride 2: floor((H - 3) / 2) + 1.
      side = Math.floor((side + 2 * block.padding - block.kernelSize) / block.stride) + 1;
      if (side < 3) return false;
      side = Math.floor((side - 3) / 2) + 1;
    }
    return side >= 1;
  };
  let size = 1;
  while (!fits(size)) size++;
  return size;
}

/**
 * @throws naming `source` and the metadata key when `info`'s input size is out of bounds, or its
 * widths or class count disagree with the tensors' shapes (`shapes`: each tensor's shape by name)
 */
export function checkModelAgainstFile(info: ModelInfo, shapes: ReadonlyMap<string, readonly number[]>, source: string): void {
  const smallest = smallestInputSize(info);
  if (info.inputSize < smallest || info.inputSize > OPTION_BOUNDS.inputSize) {
    throw new Error(`${source}: metadata 'inputSize' ${info.inputSize} is outside [${smallest}, ${OPTION_BOUNDS.inputSize}] for the ${info.variant} NiN`);
  }
  for (const [key, outChannels, inChannels] of blockHeads(info)) {
    const shape = shapes.get(key);
    if (shape === undefined) throw new Error(`${source}: has no tensor '${key}', which the ${info.variant} NiN needs`);
    if (shape[0] !== outChannels || shape[1] !== inChannels) {
      throw new Error(`${source}: does not fit the ${info.variant} NiN (widths ${info.widths.join(', ')}, ${info.numClasses} classes): ` +
        `size mismatch for "${key}": the file holds [${shape.join(', ')}], the model needs [${outChannels}, ${inChannels}, ...]`);
    }
  }
}
