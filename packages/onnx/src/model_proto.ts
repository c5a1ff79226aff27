/** A built graph as an ONNX `ModelProto`, encoded to bytes. */
import type { OnnxAttribute } from './attributes.js';
import type { BuiltGraph, GraphInitializer, GraphNode } from './graph.js';
import { onnx, type OnnxProto } from './onnx_proto.js';
import type { OnnxValue } from './value.js';

/** The ONNX operator set the exporter writes (default domain). */
export const ONNX_OPSET = 17;
/** ONNX IR version 8 (ONNX 1.10 to 1.12), which opset 17 runtimes read. */
export const ONNX_IR_VERSION = 8;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A graph input or output: float32 of `value.shape`, axis 0 named `N` when the batch is open. */
function valueInfo(value: OnnxValue, dynamicBatch: boolean): OnnxProto.IValueInfoProto {
  const dim = value.shape.map((extent, axis) => (axis === 0 && dynamicBatch ? { dimParam: 'N' } : { dimValue: extent }));
  return { name: value.name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

function attribute(name: string, value: OnnxAttribute): OnnxProto.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  switch (value.type) {
    case 'int': return { name, type: AttributeType.INT, i: value.value };
    case 'ints': return { name, type: AttributeType.INTS, ints: [...value.value] };
    case 'float': return { name, type: AttributeType.FLOAT, f: value.value };
    case 'string': return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.value) };
  }
}

function nodeProto(node: GraphNode): OnnxProto.INodeProto {
  return {
    name: node.name, opType: node.opType, domain: '', input: [...node.inputs], output: [...node.outputs],
    attribute: Object.entries(node.attributes).map(([name, value]) => attribute(name, value)),
  };
}

/** Float32 values as ONNX's raw data: little-endian, whatever the machine. */
function float32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

async function tensorProto(initializer: GraphInitializer): Promise<OnnxProto.ITensorProto> {
  const { name, dims, data } = initializer;
  if (data.kind === 'int64') return { name, dims: [...dims], dataType: INT64, rawData: int64Bytes(data.values) };
  const values = data.kind === 'tensor' ? await data.tensor.data() : data.values;
  return { name, dims: [...dims], dataType: FLOAT, rawData: float32Bytes(values) };
}

/**
 * The bytes of an ONNX model (IR 8, opset 17) holding `graph`: the tensors' values are read now,
 * one after another.
 */
export async function encodeModel(graph: BuiltGraph): Promise<Uint8Array> {
  const initializer: OnnxProto.ITensorProto[] = [];
  for (const init of graph.initializers) initializer.push(await tensorProto(init));
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'tapegrad',
    graph: {
      name: graph.name,
      node: graph.nodes.map(nodeProto),
      initializer,
      input: [valueInfo(graph.input, graph.dynamicBatch)],
      output: [valueInfo(graph.output, graph.dynamicBatch)],
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  // protobufjs hands out a Node Buffer (a view into its pool) where there is one: a plain copy.
  return new Uint8Array(bytes);
}
