/** The file itself, decoded with onnx-proto: versions, opset, graph inputs and outputs, initializers, nodes. */
import '@tapegrad/backend-cpu';
import { manualSeed } from '@tapegrad/core';
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@tapegrad/nn';
import { exportOnnxToBytes, ONNX_IR_VERSION, ONNX_OPSET } from '@tapegrad/onnx';
import onnxProto, { type onnx as OnnxProto } from 'onnx-proto';
import { describe, expect, it } from 'vitest';

const { onnx } = onnxProto;

/** `value`, which the decoded message must hold. */
function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`the file lacks ${what}`);
  return value;
}

/** Int64 fields decode as protobufjs Longs (or numbers): as numbers. */
function num(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) throw new Error('missing integer field');
  return typeof value === 'number' ? value : value.toNumber();
}

function decode(bytes: Uint8Array): OnnxProto.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

function graphOf(bytes: Uint8Array): OnnxProto.IGraphProto {
  return must(decode(bytes).graph, 'a graph');
}

function dims(info: OnnxProto.IValueInfoProto): (number | string)[] {
  return (info.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : num(d.dimValue)));
}

function net(): Sequential {
  manualSeed(1);
  return new Sequential(
    new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU()),
    new MaxPool2d(2), new Dropout(0.5), new Flatten(), new Linear(4 * 4 * 4, 3),
  );
}

describe('the ONNX file', () => {
  it('declares IR 8, opset 17 of the default domain, and tapegrad as producer', async () => {
    const model = decode(await exportOnnxToBytes(net(), [1, 1, 8, 8]));
    expect([ONNX_IR_VERSION, ONNX_OPSET]).toEqual([8, 17]);
    expect(num(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain ?? '', num(o.version)])).toEqual([['', 17]]);
    expect(model.producerName).toBe('tapegrad');
    expect(model.graph?.name).toBe('Sequential');
  });

  it('has one input and one output, float32, the batch axis open (N) by default and fixed on request', async () => {
    const open = graphOf(await exportOnnxToBytes(net(), [1, 1, 8, 8]));
    expect(must(open.input, 'inputs').map((i) => [i.name, i.type?.tensorType?.elemType, dims(i)])).toEqual([['input', onnx.TensorProto.DataType.FLOAT, ['N', 1, 8, 8]]]);
    expect(must(open.output, 'outputs').map((o) => [o.name, o.type?.tensorType?.elemType, dims(o)])).toEqual([['output', onnx.TensorProto.DataType.FLOAT, ['N', 3]]]);
    const fixed = graphOf(await exportOnnxToBytes(net(), [5, 1, 8, 8], { dynamicBatch: false }));
    expect(must(fixed.input, 'inputs').map(dims)).toEqual([[5, 1, 8, 8]]);
    expect(must(fixed.output, 'outputs').map(dims)).toEqual([[5, 3]]);
  });

  it('holds the nodes in order, Dropout omitted, the last one writing the output', async () => {
    const nodes = must(graphOf(await exportOnnxToBytes(net(), [1, 1, 8, 8])).node, 'nodes');
    expect(nodes.map((n) => [n.name, n.opType])).toEqual([
      ['0.0/Conv', 'Conv'], ['0.1/BatchNormalization', 'BatchNormalization'], ['0.2/Relu', 'Relu'],
      ['1/MaxPool', 'MaxPool'], ['3/Flatten', 'Flatten'], ['4/Gemm', 'Gemm'],
    ]);
    expect(nodes[0].input).toEqual(['input', '0.0.weight', '0.0.bias']);
    expect(nodes[5].output).toEqual(['output']);
    const conv = Object.fromEntries(must(nodes[0].attribute, 'Conv attributes').map((a) => [a.name, must(a.ints, 'ints').map(num)]));
    expect(conv).toEqual({ kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] });
    const bn = must(nodes[1].attribute, 'BatchNormalization attributes').map((a) => [a.name, a.type, a.f]);
    expect(bn).toEqual([['epsilon', onnx.AttributeProto.AttributeType.FLOAT, Math.fround(1e-5)]]);
  });

  it('writes a Conv2d\'s dilation and groups as Conv\'s dilations and group (left out at their default 1)', async () => {
    manualSeed(2);
    const nodes = must(graphOf(await exportOnnxToBytes(new Conv2d(4, 6, [3, 2], { padding: [2, 1], dilation: [2, 3], groups: 2 }), [1, 4, 9, 9])).node, 'nodes');
    const attributes = Object.fromEntries(must(nodes[0].attribute, 'Conv attributes').map((a) => [a.name, a.ints && a.ints.length > 0 ? a.ints.map(num) : num(a.i)]));
    expect(attributes).toEqual({ kernel_shape: [3, 2], strides: [1, 1], pads: [2, 1, 2, 1], dilations: [2, 3], group: 2 });
  });

  it('holds each parameter and running statistic under its state-dict key, its float32 values exactly (little-endian)', async () => {
    const model = net();
    const initializers = must(graphOf(await exportOnnxToBytes(model, [1, 1, 8, 8])).initializer, 'initializers');
    const state = model.stateDict();
    // num_batches_tracked is not used in evaluation mode.
    expect(initializers.map((t) => t.name)).toEqual([...state.keys()].filter((k) => !k.endsWith('num_batches_tracked')));
    for (const init of initializers) {
      const expected = state.get(init.name ?? '');
      expect(init.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
      expect(must(init.dims, 'dims').map(num)).toEqual(expected?.shape);
      const raw = must(init.rawData, 'raw data');
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const values = Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
      expect(values).toEqual(await expected?.data());
    }
  });
});
