/** `OnnxGraph`: the ONNX graph being built while the exporter walks a model's module tree. */
import { broadcastShapes, formatShape, normalizeAxes, type Tensor } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import { attr, type OnnxAttributes } from './attributes.js';
import { OnnxExportError } from './errors.js';
import { isOnnxExportable } from './exportable.js';
import { KNOWN_LAYER_NAMES, layerExporter } from './layers/index.js';
import type { OnnxValue } from './value.js';

/** A node as recorded, before it is encoded. */
export interface GraphNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: OnnxAttributes;
}

/** What an initializer holds: a tapegrad tensor (read when the file is encoded) or constants. */
export type InitializerData =
  | { readonly kind: 'tensor'; readonly tensor: Tensor }
  | { readonly kind: 'float32'; readonly values: Float32Array }
  | { readonly kind: 'int64'; readonly values: readonly number[] };

/** A named constant of the graph (a weight, a shape). */
export interface GraphInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: InitializerData;
}

/** A finished graph, ready to encode. */
export interface BuiltGraph {
  readonly name: string;
  readonly input: OnnxValue;
  readonly output: OnnxValue;
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly GraphInitializer[];
  /** Whether axis 0 of the input and output is left open (any batch size). */
  readonly dynamicBatch: boolean;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** `Conv2d at 'features.0'`, or `Sequential (the model itself)` for the root. */
function describeModule(path: string, module: Module): string {
  return path === '' ? `${module.constructor.name} (the model itself)` : `${module.constructor.name} at '${path}'`;
}

/**
 * The ONNX graph being built. The exporter (`exportOnnx`) makes one per export and walks the
 * model with it; a module that describes itself (`OnnxExportable.toOnnx`) receives it and adds its
 * nodes through these methods. Every method returns the `OnnxValue` of the node's output, with
 * its shape for the export's example input.
 */
export class OnnxGraph {
  readonly #nodes: GraphNode[] = [];
  readonly #initializers: GraphInitializer[] = [];
  /** Names of values, nodes and initializers: one namespace, so every name is unique. */
  readonly #names = new Set<string>();
  /** The modules being exported, outermost first, each with its path in the model. */
  readonly #scope: { readonly path: string; readonly module: Module }[] = [];
  /** Initializer names of the tensors already added, and of the model's state, by identity. */
  readonly #tensorNames = new Map<Tensor, string>();
  #stateNames: Map<Tensor, string> | null = null;

  /**
   * A graph for exporting `model`, made by `exportOnnx`. With `dynamicBatch`, axis 0 of the input
   * and output is open; ops that would mix the batch into other axes are then refused.
   */
  constructor(readonly model: Module, readonly dynamicBatch: boolean) {}

  /** The path in the model of the module being exported (`''` for the model itself). */
  get path(): string {
    return this.#scope.at(-1)?.path ?? '';
  }

  /**
   * Exports `child`, a module registered under the module being exported (a child, or a child's
   * child such as `net.0`), applied to `input`, and returns its output: a layer the exporter
   * knows, a `Sequential`, or a module with its own `toOnnx`. Its path in the model is the
   * exporting module's path joined with the name it is registered under.
   * @throws OnnxExportError naming the module and its path when it cannot be exported
   */
  module(child: Module, input: OnnxValue): OnnxValue {
    const parent = this.#scope.at(-1);
    if (parent === undefined) throw new OnnxExportError('OnnxGraph.module: no module is being exported');
    const name = parent.module.namedModules().find(([n, m]) => m === child && n !== '')?.[0];
    if (name === undefined) {
      throw new OnnxExportError(`toOnnx exported a ${child?.constructor?.name ?? String(child)} that is not registered under it (register it with registerModule)`);
    }
    return this.#visit(join(parent.path, name), child, input);
  }

  /**
   * Adds a node `opType` (an ONNX operator of the default domain, opset 17) reading `inputs`,
   * with one output of `shape` (for the example input; axis 0 the batch), and returns that output.
   */
  op(opType: string, inputs: readonly OnnxValue[], shape: readonly number[], attributes: OnnxAttributes = {}): OnnxValue {
    const name = this.#fresh(`${this.path === '' ? 'model' : this.path}/${opType}`);
    this.#nodes.push({ opType, name, inputs: inputs.map((v) => v.name), outputs: [name], attributes });
    return { name, shape: [...shape] };
  }

  /**
   * `tensor` (a parameter or buffer, its values read when the file is written) as an initializer,
   * named by its state-dict key when the model holds it (`features.0.weight`). The same tensor is
   * added once, however often it is used.
   */
  tensor(tensor: Tensor): OnnxValue {
    tensor.assertLive('OnnxGraph.tensor');
    const known = this.#tensorNames.get(tensor);
    if (known !== undefined) return { name: known, shape: [...tensor.shape] };
    this.#stateNames ??= new Map([...this.model.stateDict()].reverse().map(([key, t]) => [t, key]));
    const name = this.#fresh(this.#stateNames.get(tensor) ?? `${this.path === '' ? 'model' : this.path}/tensor`);
    this.#tensorNames.set(tensor, name);
    this.#initializers.push({ name, dims: [...tensor.shape], data: { kind: 'tensor', tensor } });
    return { name, shape: [...tensor.shape] };
  }

  /** A constant initializer of `shape` holding `values` (row-major), float32 or int64. */
  constant(values: readonly number[] | Float32Array, shape: readonly number[], dtype: 'float32' | 'int64' = 'float32'): OnnxValue {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new OnnxExportError(`OnnxGraph.constant: ${values.length} values do not fill shape ${formatShape(shape)}`);
    const stray = dtype === 'int64' ? [...values].find((v) => !Number.isSafeInteger(v)) : undefined;
    if (stray !== undefined) throw new OnnxExportError(`OnnxGraph.constant: int64 value ${stray} is not an integer`);
    const name = this.#fresh(`${this.path === '' ? 'model' : this.path}/constant`);
    const data: InitializerData = dtype === 'int64' ? { kind: 'int64', values: [...values] } : { kind: 'float32', values: Float32Array.from(values) };
    this.#initializers.push({ name, dims: [...shape], data });
    return { name, shape: [...shape] };
  }

  /** `a + b` elementwise, broadcasting as NumPy (ONNX `Add`): a residual connection. */
  add(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.op('Add', [a, b], broadcastShapes('Add', a.shape, b.shape));
  }

  /** `a * b` elementwise, broadcasting as NumPy (ONNX `Mul`). */
  mul(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.op('Mul', [a, b], broadcastShapes('Mul', a.shape, b.shape));
  }

  /** `max(x, 0)` elementwise (ONNX `Relu`). */
  relu(x: OnnxValue): OnnxValue {
    return this.op('Relu', [x], x.shape);
  }

  /**
   * `values` joined along `axis` (negative counts from the end), as `concat`/`torch.cat` (ONNX
   * `Concat`); they must match on every other axis. With a dynamic batch, axis 0 is refused.
   */
  concat(values: readonly OnnxValue[], axis: number): OnnxValue {
    if (values.length === 0) throw new OnnxExportError('concat: no values to join');
    const first = values[0];
    const [a] = normalizeAxes('concat', axis, first.shape.length, first.shape);
    if (a === 0 && this.dynamicBatch) throw new OnnxExportError('concat: joining along axis 0, the batch, needs a fixed batch (dynamicBatch: false)');
    values.forEach((v, i) => {
      if (v.shape.length !== first.shape.length || v.shape.some((e, k) => k !== a && e !== first.shape[k])) {
        throw new OnnxExportError(`concat: values[${i}] ${formatShape(v.shape)} does not match values[0] ${formatShape(first.shape)} on every axis but ${a}`);
      }
    });
    const shape = first.shape.map((e, k) => (k === a ? values.reduce((sum, v) => sum + v.shape[a], 0) : e));
    return this.op('Concat', values, shape, { axis: attr.int(a) });
  }

  /**
   * Exports the model applied to an input named `inputName` of `inputShape`, its output named
   * `outputName`. Called once, by `exportOnnx`.
   * @internal
   */
  build(inputName: string, inputShape: readonly number[], outputName: string): BuiltGraph {
    if (this.#nodes.length > 0 || this.#scope.length > 0) throw new Error('OnnxGraph.build: the graph is already built');
    this.#names.add(inputName);
    this.#names.add(outputName);
    const input: OnnxValue = { name: inputName, shape: [...inputShape] };
    const result = this.#visit('', this.model, input);
    const output: OnnxValue = { name: outputName, shape: result.shape };
    const produced = this.#nodes.findIndex((node) => node.outputs.includes(result.name));
    if (produced < 0) {
      // The model computes nothing (e.g. a lone Dropout), or returns a constant.
      this.#nodes.push({ opType: 'Identity', name: this.#fresh('model/Identity'), inputs: [result.name], outputs: [outputName], attributes: {} });
    } else {
      const rename = (names: readonly string[]): string[] => names.map((n) => (n === result.name ? outputName : n));
      this.#nodes.forEach((node, i) => {
        this.#nodes[i] = { ...node, inputs: rename(node.inputs), outputs: rename(node.outputs) };
      });
    }
    return { name: this.model.constructor.name, input, output, nodes: this.#nodes, initializers: this.#initializers, dynamicBatch: this.dynamicBatch };
  }

  #visit(path: string, module: Module, input: OnnxValue): OnnxValue {
    this.#scope.push({ path, module });
    try {
      if (isOnnxExportable(module)) return module.toOnnx(this, input);
      const exportLayer = layerExporter(module);
      if (exportLayer === undefined) {
        throw new OnnxExportError(`cannot export ${describeModule(path, module)}: it is not a layer the ONNX exporter knows ` +
          `(${KNOWN_LAYER_NAMES.join(', ')}) and has no toOnnx(graph, input) method (see docs/onnx.md)`);
      }
      return exportLayer(module, this, input);
    } catch (error) {
      if (error instanceof OnnxExportError && error.message.startsWith('cannot export ')) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new OnnxExportError(`cannot export ${describeModule(path, module)}: ${message}`, { cause: error });
    } finally {
      this.#scope.pop();
    }
  }

  #fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.#names.has(name); i++) name = `${hint}_${i}`;
    this.#names.add(name);
    return name;
  }
}
