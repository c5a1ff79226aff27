/**
 * The NiN model: blocks, variants and the layer-shape summary, which live in @tapegrad/vision with
 * the chapter's other models and are re-exported here; and what training NiN adds to them.
 */
export {
  formatLayerShapes,
  inEvalMode,
  isNinVariant,
  layerShapes,
  layerTable,
  nin,
  ninArchitecture,
  ninBlock,
  ninWidths,
  NIN_VARIANTS,
  type LayerRow,
  type LayerShape,
  type NinArchitecture,
  type NinConvSpec,
  type NinInit,
  type NinOptions,
  type NinVariant,
  type NinWidths,
} from '@tapegrad/vision';
export { initFromData } from './init_from_data.js';
export { convMacs } from './macs.js';
