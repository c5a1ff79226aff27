/** The layers of `@tapegrad/nn` the exporter knows, each with the function that writes its nodes. */
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential,
  type Module,
} from '@tapegrad/nn';
import type { OnnxGraph } from '../graph.js';
import type { OnnxValue } from '../value.js';
import { exportBatchNorm } from './batchnorm.js';
import { exportConv2d } from './conv2d.js';
import { exportFlatten } from './flatten.js';
import { exportLinear } from './linear.js';
import { exportAdaptiveAvgPool2d, exportAvgPool2d, exportGlobalAvgPool2d, exportMaxPool2d } from './pooling.js';

/** Writes the nodes of one module applied to `input` and returns its output. */
export type LayerExporter = (module: Module, graph: OnnxGraph, input: OnnxValue) => OnnxValue;

function known<M extends Module>(layer: abstract new (...args: never[]) => M, exportLayer: (module: M, graph: OnnxGraph, input: OnnxValue) => OnnxValue): [{ readonly name: string }, LayerExporter] {
  return [layer, (module, graph, input) => exportLayer(module as M, graph, input)];
}

/** Layer classes (exactly these: a subclass may compute something else) and their exporters. */
const KNOWN_LAYERS: ReadonlyMap<{ readonly name: string }, LayerExporter> = new Map([
  known(Sequential, (seq, graph, x) => seq.children().reduce((value, child) => graph.module(child, value), x)),
  known(Conv2d, exportConv2d),
  known(Linear, exportLinear),
  known(ReLU, (_relu, graph, x) => graph.relu(x)),
  known(MaxPool2d, exportMaxPool2d),
  known(AvgPool2d, exportAvgPool2d),
  known(GlobalAvgPool2d, exportGlobalAvgPool2d),
  known(AdaptiveAvgPool2d, exportAdaptiveAvgPool2d),
  known(Flatten, exportFlatten),
  known(BatchNorm1d, exportBatchNorm),
  known(BatchNorm2d, exportBatchNorm),
  // In evaluation mode, dropout passes its input on: no node.
  known(Dropout, (_dropout, _graph, x) => x),
]);

/** The class names of the known layers, for error messages. */
export const KNOWN_LAYER_NAMES: readonly string[] = [...KNOWN_LAYERS.keys()].map((layer) => layer.name);

/** The exporter of `module`'s class, or undefined when the exporter does not know it. */
export function layerExporter(module: Module): LayerExporter | undefined {
  return KNOWN_LAYERS.get(module.constructor);
}
