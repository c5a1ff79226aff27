/**
 * @tapegrad/onnx: tapegrad models as ONNX files (opset 17), for ONNX Runtime and other runtimes.
 * `exportOnnx(model, inputShape, path)` walks the module tree; a block with a graph of its own
 * (residual, concatenation) describes itself with `toOnnx(graph, input)` (`OnnxExportable`).
 *
 * @packageDocumentation
 */
export { exportOnnx, exportOnnxToBytes, type OnnxExportOptions } from './export.js';
export { OnnxGraph } from './graph.js';
export type { OnnxExportable } from './exportable.js';
export type { OnnxValue } from './value.js';
export { attr, type OnnxAttribute, type OnnxAttributes } from './attributes.js';
export { OnnxExportError } from './errors.js';
export { ONNX_OPSET, ONNX_IR_VERSION } from './model_proto.js';
