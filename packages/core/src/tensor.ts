/** The Tensor: a shape, a handle to backend storage, and (when recorded) its autograd node. */
import type { Backend, DataId } from './backend.js';
import { retrackTensor, setTensorCheck, trackTensor, untrackTensor } from './engine.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from './shape.js';
import * as ops from './ops/index.js';
import { backward } from './autograd.js';
import { formatTensor } from './format.js';
import { copyToBackend } from './transfer.js';

/** How a recorded op propagates its output gradient to its inputs. */
export interface GradNode {
  /** Op name, for error messages. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradient per input (null where that input needs none), given the output's gradient. */
  readonly backward: (dy: Tensor) => (Tensor | null)[];
}

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

let nextTensorId = 0;

/** An n-dimensional float32 array on a backend, optionally tracked by autograd. */
export class Tensor {
  /** Unique, increasing id (creation order). */
  readonly id = nextTensorId++;
  /** Extents, outermost first, e.g. `[N, C, H, W]`. */
  readonly shape: readonly number[];
  readonly dtype = 'float32' as const;
  /** Whether gradients flow to this tensor (set on leaves by the user, on op outputs by autograd). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()`; null until then. */
  grad: Tensor | null = null;
  /** @internal autograd node of the op that produced this tensor. */
  node: GradNode | null = null;
  /** @internal set once `backward()` has consumed the graph through this tensor. */
  graphFreed = false;
  /** @internal recorded nodes that consume this tensor and have not been consumed by backward or dropped. */
  graphRefs = 0;
  private released = false;
  private storage: DataId;
  private disposed = false;

  /** @internal Use the creation ops (`tensor`, `zeros`, ...) instead. */
  constructor(dataId: DataId, shape: Shape, readonly backend: Backend) {
    this.storage = dataId;
    this.shape = Object.freeze([...shape]);
    trackTensor(this);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** @internal the backend storage handle. */
  get dataId(): DataId {
    this.assertLive('dataId');
    return this.storage;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal throws a clear error when used after `dispose()`. */
  assertLive(op: string): void {
    if (this.disposed) throw new Error(`${op}: tensor ${formatShape(this.shape)} (id ${this.id}) is disposed`);
  }

  /** A copy of the values. Throws on asynchronous backends: use `await data()` there. */
  dataSync(): Float32Array {
    this.assertLive('dataSync');
    if (this.backend.isAsync) {
      throw new Error(`dataSync: backend '${this.backend.name}' computes asynchronously; use await t.data() instead`);
    }
    return this.backend.readSync(this.storage).slice();
  }

  /** A copy of the values, once computed (works on every backend). */
  async data(): Promise<Float32Array> {
    this.assertLive('data');
    return (await this.backend.read(this.storage)).slice();
  }

  /** The values as nested arrays (synchronous backends). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** The values as nested arrays (every backend). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** The single value of a one-element tensor (synchronous backends). */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor ${formatShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.dataSync()[0];
  }

  /** Backpropagates from this tensor into the `.grad` of every leaf that requires grad. */
  backward(seed?: Tensor): void {
    backward(this, seed);
  }

  /**
   * A copy on the backend registered as `name` (e.g. `await t.to('gpujs')`), detached and not
   * recorded: the values are read (awaiting an asynchronous backend) and written there. The
   * active backend does not change.
   */
  to(name: string): Promise<Tensor> {
    return copyToBackend(this, name);
  }

  /**
   * @internal Rehomes this tensor onto `dataId`, storage of `backend` holding the same values, and
   * frees the old storage; identity, shape, `requiresGrad` and `grad` stay (`Module.to`). Only for
   * a tensor no recorded op produced.
   */
  moveTo(backend: Backend, dataId: DataId): void {
    this.assertLive('moveTo');
    if (this.node) throw new Error(`moveTo: tensor ${formatShape(this.shape)} (id ${this.id}) is the output of a recorded op; move a leaf`);
    const from = this.backend;
    from.disposeData(this.storage);
    // The one place a tensor changes backend; `backend` is readonly to everyone else.
    (this as { backend: Backend }).backend = backend;
    this.storage = dataId;
    retrackTensor(this, from);
  }

  /** A tensor sharing this one's storage, cut off from autograd. */
  detach(): Tensor {
    this.assertLive('detach');
    this.backend.incRef(this.storage);
    return new Tensor(this.storage, this.shape, this.backend);
  }

  /**
   * Replaces this tensor's values with `source`'s, in place and unrecorded (optimizers use it).
   * Shapes must match. The tensor keeps its identity, `requiresGrad` and `grad`.
   */
  assign(source: Tensor): this {
    this.assertLive('assign');
    source.assertLive('assign');
    if (source.backend !== this.backend) throw new Error(`assign: source lives on '${source.backend.name}', target on '${this.backend.name}'`);
    if (!shapesEqual(source.shape, this.shape)) {
      throw new Error(`assign: source shape ${formatShape(source.shape)} differs from target shape ${formatShape(this.shape)}`);
    }
    source.backend.incRef(source.storage);
    this.backend.disposeData(this.storage);
    this.storage = source.storage;
    return this;
  }

  /**
   * @internal Gives up the caller's handle on an intermediate result (only tensors no caller can
   * reach are released: the outputs between `Sequential`'s layers, the inner results of composite
   * ops). The storage is freed as soon as nothing can still need it: when no recorded node consumes
   * it, and backward has run its own node if a consumer's gradient is on its way. At once if none
   * consumes it.
   */
  release(): void {
    if (this.disposed) return;
    this.released = true;
    if (this.graphRefs === 0) this.dispose();
  }

  /**
   * @internal A node that consumed this tensor is gone: `consumedByBackward` when backward ran it (a
   * gradient then comes to this tensor's own node, which may read this tensor), else dropped with
   * its disposed output (nothing can reach this tensor's node any more).
   */
  dropGraphRef(consumedByBackward: boolean): void {
    this.graphRefs--;
    if (this.released && this.graphRefs === 0 && (!consumedByBackward || this.node === null)) this.dispose();
  }

  /** @internal Backward has run this tensor's own node: frees it if it was released and nothing else holds it. */
  freeIfReleased(): void {
    if (this.released && this.graphRefs === 0) this.dispose();
  }

  /** Frees this tensor's storage reference. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.disposeData(this.storage);
    const node = this.node;
    this.node = null;
    untrackTensor(this);
    if (node) for (const input of node.inputs) input.dropGraphRef(false);
  }

  /** PyTorch's printout with shape and backend, summarised above 1000 elements (see `formatTensor`). */
  toString(): string {
    return formatTensor(this);
  }

  /** What `console.log(t)` prints in Node: `toString()`, not the backend's internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  pow(exponent: Tensor | number): Tensor { return ops.pow(this, exponent); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  relu(): Tensor { return ops.relu(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  sum(axis?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axis, keepDims); }
  argmax(axis?: number): Tensor { return ops.argmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  gather(axis: number, index: Tensor): Tensor { return ops.gather(this, axis, index); }
  indexSelect(axis: number, indices: ops.Indices): Tensor { return ops.indexSelect(this, axis, indices); }
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor { return ops.slice(this, begin, size); }
  narrow(axis: number, start: number, length: number): Tensor { return ops.narrow(this, axis, start, length); }
  pad(paddings: readonly ops.PadPair[], value = 0): Tensor { return ops.pad(this, paddings, value); }
}

setTensorCheck((value: unknown): value is Tensor => value instanceof Tensor);

function nest(values: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (offset: number, axis: number): NestedArray[] => {
    const extent = shape[axis];
    const inner = sizeOf(shape.slice(axis + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < extent; i++) {
      // Element i of this axis starts at offset + i * (size of the remaining axes).
      out.push(axis === shape.length - 1 ? values[offset + i] : build(offset + i * inner, axis + 1));
    }
    return out;
  };
  return build(0, 0);
}
