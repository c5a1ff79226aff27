/** `exportOnnx` and `exportOnnxToBytes`: a tapegrad model as an ONNX file. */
import { booleanOption, checkKnownOptions, describeValue } from '@tapegrad/core';
import { Module, writeFileAtomic } from '@tapegrad/nn';
import { OnnxExportError } from './errors.js';
import { OnnxGraph } from './graph.js';
import { encodeModel } from './model_proto.js';

/** Options of `exportOnnx` and `exportOnnxToBytes`. */
export interface OnnxExportOptions {
  /**
   * Leave axis 0 (the batch) of the input and output open, named `N`, so that the file takes any
   * batch size; default true. Ops that mix the batch into other axes (`Flatten` from axis 0,
   * `concat` on axis 0) are then refused.
   */
  dynamicBatch?: boolean;
  /** Name of the graph's input; default `'input'`. */
  inputName?: string;
  /** Name of the graph's output; default `'output'`. */
  outputName?: string;
}

const EXPORT_OPTIONS = ['dynamicBatch', 'inputName', 'outputName'] as const satisfies readonly (keyof OnnxExportOptions)[];

function nameOption(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw new OnnxExportError(`exportOnnx: ${option} must be a non-empty string, got ${describeValue(value)}`);
  return value;
}

/**
 * `model` in evaluation mode (dropout off, batch norm on its running statistics), as `eval()`
 * computes it and whatever its `training` flag, applied to one float32 input of `inputShape`
 * (`[N, C, H, W]` for an image model; `N` is the batch, open in the file by default), as the bytes
 * of an ONNX model (IR 8, opset 17). The exporter walks `Sequential`s and knows nn's `Conv2d`,
 * `Linear`, `ReLU`, `MaxPool2d`, `AvgPool2d`, `GlobalAvgPool2d`, `AdaptiveAvgPool2d`, `Flatten`,
 * `BatchNorm1d`, `BatchNorm2d` and `Dropout`; a block with a graph of its own implements
 * `OnnxExportable.toOnnx`. Parameters and buffers become initializers named by their state-dict
 * keys. The model is not run and not changed.
 *
 * @example
 * const bytes = await exportOnnxToBytes(nin({ variant: 'small' }), [1, 1, 28, 28]);
 * const session = await ort.InferenceSession.create(bytes);   // onnxruntime-node
 *
 * @throws OnnxExportError naming the module (class and path in the model) that cannot be exported
 *   or does not fit the input shape, or the bad option
 */
export async function exportOnnxToBytes(model: Module, inputShape: readonly number[], options: OnnxExportOptions = {}): Promise<Uint8Array> {
  if (!(model instanceof Module)) throw new OnnxExportError(`exportOnnx: model must be a Module, got ${describeValue(model)}`);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((e) => Number.isSafeInteger(e) && e > 0)) {
    throw new OnnxExportError(`exportOnnx: inputShape must be a non-empty array of positive integers ([N, C, H, W] for an image model), got ${describeValue(inputShape)}`);
  }
  try {
    checkKnownOptions('exportOnnx', options, EXPORT_OPTIONS);
  } catch (error) {
    throw new OnnxExportError((error as Error).message);
  }
  const dynamicBatch = booleanOption('exportOnnx', 'dynamicBatch', options.dynamicBatch, true);
  const inputName = nameOption(options.inputName, 'inputName', 'input');
  const outputName = nameOption(options.outputName, 'outputName', 'output');
  if (inputName === outputName) throw new OnnxExportError(`exportOnnx: inputName and outputName must differ, both are '${inputName}'`);
  const graph = new OnnxGraph(model, dynamicBatch).build(inputName, inputShape, outputName);
  return encodeModel(graph);
}

/**
 * Writes `model` as an ONNX file at `path` (see `exportOnnxToBytes`), atomically: a temporary file
 * beside it is renamed over `path` once complete, so a failure leaves what was there.
 *
 * @example
 * await exportOnnx(net, [1, 1, 28, 28], 'nin.onnx');
 *
 * @throws OnnxExportError as `exportOnnxToBytes`; an Error naming `path` when it cannot be written
 */
export async function exportOnnx(model: Module, inputShape: readonly number[], path: string, options: OnnxExportOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new OnnxExportError(`exportOnnx: path must be a non-empty string, got ${describeValue(path)}`);
  await writeFileAtomic(path, await exportOnnxToBytes(model, inputShape, options), 'ONNX model');
}
