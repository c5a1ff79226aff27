/** NiN: the block, the network and its variants. */
export { ninBlock } from './nin_block.js';
export { nin, type NinOptions } from './nin.js';
export {
  isNinVariant,
  ninArchitecture,
  ninWidths,
  NIN_VARIANTS,
  type NinArchitecture,
  type NinConvSpec,
  type NinInit,
  type NinVariant,
  type NinWidths,
} from './variants.js';
