/** The NiN model: blocks, variants and the layer-shape summary. */
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
export { initFromData } from './init_from_data.js';
export { convMacs } from './macs.js';
export { inEvalMode } from './eval_mode.js';
export { formatLayerShapes, layerShapes, layerTable, type LayerRow, type LayerShape } from './summary.js';
