/** Each layer's output shape, and running code in evaluation mode. */
export { inEvalMode } from './eval_mode.js';
export { formatLayerShapes, layerShapes, layerTable, type LayerRow, type LayerShape } from './layer_shapes.js';
