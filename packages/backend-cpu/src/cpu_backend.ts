/** The CPU backend: Float32Array storage and TypeScript kernels. */
import type { Backend, BinaryInfo, Conv2dInfo, DataId, MatmulInfo, Pool2dInfo, ReduceInfo, Shape } from '@tapegrad/core';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from './kernels/conv.js';
import { mapBinary, mapUnary } from './kernels/elementwise.js';
import { oneHotKernel, transposeKernel } from './kernels/layout.js';
import { matmulKernel } from './kernels/matmul.js';
import { avgPool2dBackpropKernel, avgPool2dKernel, maxPool2dBackpropKernel, maxPool2dKernel } from './kernels/pool.js';
import { argmaxInner, maxInner, sumInner } from './kernels/reduce.js';

interface Storage {
  values: Float32Array;
  refs: number;
}

/** Every kernel of the Backend interface on Float32Array, synchronously. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly isAsync = false;
  private readonly storages = new Map<DataId, Storage>();
  private bytes = 0;

  private store(values: Float32Array): DataId {
    const id: DataId = {};
    this.storages.set(id, { values, refs: 1 });
    this.bytes += values.byteLength;
    return id;
  }

  private get(id: DataId): Float32Array {
    const storage = this.storages.get(id);
    if (!storage) throw new Error('cpu backend: storage was freed or belongs to another backend');
    return storage.values;
  }

  write(values: Float32Array): DataId {
    return this.store(values.slice());
  }

  async read(id: DataId): Promise<Float32Array> {
    return this.get(id);
  }

  readSync(id: DataId): Float32Array {
    return this.get(id);
  }

  incRef(id: DataId): void {
    const storage = this.storages.get(id);
    if (!storage) throw new Error('cpu backend: incRef on freed storage');
    storage.refs++;
  }

  disposeData(id: DataId): void {
    const storage = this.storages.get(id);
    if (!storage) return;
    if (--storage.refs > 0) return;
    this.storages.delete(id);
    this.bytes -= storage.values.byteLength;
  }

  numDataIds(): number {
    return this.storages.size;
  }

  numBytes(): number {
    return this.bytes;
  }

  dispose(): void {
    this.storages.clear();
    this.bytes = 0;
  }

  neg(x: DataId): DataId { return this.store(mapUnary(this.get(x), (v) => -v)); }
  exp(x: DataId): DataId { return this.store(mapUnary(this.get(x), Math.exp)); }
  log(x: DataId): DataId { return this.store(mapUnary(this.get(x), Math.log)); }
  sqrt(x: DataId): DataId { return this.store(mapUnary(this.get(x), Math.sqrt)); }
  relu(x: DataId): DataId { return this.store(mapUnary(this.get(x), (v) => (v > 0 ? v : v === 0 || v < 0 ? 0 : v))); }
  sigmoid(x: DataId): DataId { return this.store(mapUnary(this.get(x), (v) => 1 / (1 + Math.exp(-v)))); }
  tanh(x: DataId): DataId { return this.store(mapUnary(this.get(x), Math.tanh)); }
  step(x: DataId): DataId { return this.store(mapUnary(this.get(x), (v) => (v > 0 ? 1 : 0))); }

  add(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => x + y)); }
  sub(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => x - y)); }
  mul(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => x * y)); }
  div(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => x / y)); }
  pow(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, Math.pow)); }
  maximum(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : x > y ? x : y))); }
  greater(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.store(mapBinary(this.get(a), this.get(b), info, (x, y) => (x > y ? 1 : 0))); }

  sum(x: DataId, info: ReduceInfo): DataId { return this.store(sumInner(this.get(x), info)); }
  max(x: DataId, info: ReduceInfo): DataId { return this.store(maxInner(this.get(x), info)); }
  argmax(x: DataId, info: ReduceInfo): DataId { return this.store(argmaxInner(this.get(x), info)); }

  transpose(x: DataId, shape: Shape, perm: readonly number[]): DataId { return this.store(transposeKernel(this.get(x), shape, perm)); }
  matmul(a: DataId, b: DataId, info: MatmulInfo): DataId { return this.store(matmulKernel(this.get(a), this.get(b), info)); }
  oneHot(indices: DataId, n: number, depth: number): DataId { return this.store(oneHotKernel(this.get(indices), n, depth)); }

  conv2d(x: DataId, filter: DataId, bias: DataId | null, info: Conv2dInfo): DataId {
    return this.store(conv2dKernel(this.get(x), this.get(filter), bias ? this.get(bias) : null, info));
  }
  conv2dBackpropInput(dy: DataId, filter: DataId, info: Conv2dInfo): DataId { return this.store(conv2dBackpropInputKernel(this.get(dy), this.get(filter), info)); }
  conv2dBackpropFilter(x: DataId, dy: DataId, info: Conv2dInfo): DataId { return this.store(conv2dBackpropFilterKernel(this.get(x), this.get(dy), info)); }
  maxPool2d(x: DataId, info: Pool2dInfo): DataId { return this.store(maxPool2dKernel(this.get(x), info)); }
  maxPool2dBackprop(dy: DataId, x: DataId, info: Pool2dInfo): DataId { return this.store(maxPool2dBackpropKernel(this.get(dy), this.get(x), info)); }
  avgPool2d(x: DataId, info: Pool2dInfo): DataId { return this.store(avgPool2dKernel(this.get(x), info)); }
  avgPool2dBackprop(dy: DataId, info: Pool2dInfo): DataId { return this.store(avgPool2dBackpropKernel(this.get(dy), info)); }

  fill(size: number, value: number): DataId { return this.store(new Float32Array(size).fill(value)); }
}
