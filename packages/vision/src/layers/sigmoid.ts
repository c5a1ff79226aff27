/** `Sigmoid` as a layer (LeNet's activation; @tapegrad/nn has `ReLU` only). */
import { sigmoid, type Tensor } from '@tapegrad/core';
import { Module } from '@tapegrad/nn';
import type { OnnxExportable, OnnxGraph, OnnxValue } from '@tapegrad/onnx';

/**
 * `1 / (1 + exp(-x))` elementwise, as `nn.Sigmoid`; any shape.
 *
 * @example
 * const net = new Sequential(new Linear(4, 3), new Sigmoid());
 */
export class Sigmoid extends Module implements OnnxExportable {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }

  /** ONNX `Sigmoid` (for `exportOnnx` of @tapegrad/onnx). */
  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    return graph.op('Sigmoid', [x], x.shape);
  }
}
