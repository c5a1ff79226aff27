/** The interface a module implements to describe itself in ONNX. */
import type { Module } from '@tapegrad/nn';
import type { OnnxGraph } from './graph.js';
import type { OnnxValue } from './value.js';

/**
 * A module that writes its own ONNX nodes: what a block with a graph of its own (a residual
 * connection, a concatenation of branches) implements, since the exporter only walks
 * `Sequential`s and knows nn's layers. `toOnnx` receives the graph being built and the value its
 * input holds, and returns the value its output holds, built from
 * `graph.module(child, x)` (export a child: a layer, a `Sequential` or another such block),
 * `graph.add`, `graph.concat`, `graph.relu`, and for anything else `graph.op`. It describes
 * the module in evaluation mode (`eval()`), as the exporter does for every layer.
 *
 * @example
 * class Residual extends Module implements OnnxExportable {
 *   readonly body = this.registerModule('body', new Sequential(new Conv2d(8, 8, 3, 1, 1), new ReLU(), new Conv2d(8, 8, 3, 1, 1)));
 *   forward(x: Tensor): Tensor { return relu(add(this.body.forward(x), x)); }
 *   toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue { return graph.relu(graph.add(graph.module(this.body, x), x)); }
 * }
 */
export interface OnnxExportable {
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue;
}

/** Whether `module` has a `toOnnx` method. */
export function isOnnxExportable(module: Module): module is Module & OnnxExportable {
  return typeof (module as Partial<OnnxExportable>).toOnnx === 'function';
}
