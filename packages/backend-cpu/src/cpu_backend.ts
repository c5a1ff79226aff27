/**
 * The CPU backend: storage in the kernels' shared WebAssembly memory (so every kernel, on any
 * thread, works in place), kernels in WebAssembly SIMD and TypeScript.
 */
import type { Activation, AdamMoments, AdamUpdated, AdamUpdateInfo, Backend, BinaryInfo, ChannelInfo, Conv2dInfo, DataId, GatherInfo, MatmulInfo, PadInfo, Pool2dInfo, ReduceInfo, SgdUpdated, SgdUpdateInfo, Shape } from '@tapegrad/core';
import { LedgerBackedStorage, sizeOf, StorageLedger } from '@tapegrad/core';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from './kernels/conv.js';
import { binaryKernel, reluBackpropKernel, unaryKernel } from './kernels/elementwise.js';
import { matmulKernel } from './kernels/gemm.js';
import { gatherKernel, scatterAddKernel } from './kernels/indexing.js';
import { oneHotKernel, transposeKernel } from './kernels/shape_ops.js';
import { avgPool2dBackpropKernel, avgPool2dKernel, maxPool2dBackpropArgmaxKernel, maxPool2dKernel, maxPool2dWithArgmaxKernel } from './kernels/pool.js';
import { argmaxInner, maxInner, reluBackpropBiasKernel, sumInner } from './kernels/reduce.js';
import { padKernel } from './kernels/region.js';
import type { ArenaStats } from './wasm/arena.js';
import { arenaStats, free, fusedMultiplyAdd, malloc, memoryLimitMiB, resetArenaHighWater, view } from './wasm/runtime.js';
import { threadCount, threadingNote } from './wasm/threads.js';
import { adamUpdateKernel, sgdUpdateKernel } from './kernels/optim.js';

/** A block of the shared memory holding `length` float32 values. */
interface Storage {
  /** Byte address of the values in the shared memory. */
  readonly at: number;
  readonly length: number;
}

/** Every kernel of the Backend interface, synchronously. */
export class CpuBackend extends LedgerBackedStorage<Storage> implements Backend {
  readonly name = 'cpu';
  readonly isAsync = false;
  /** Threads that share large kernels (`TAPEGRAD_CPU_THREADS`, else the available parallelism). */
  readonly threads = threadCount;
  /** Which threads run and why, e.g. `'one thread: the page is not cross-origin isolated, ...'` in a browser. */
  readonly threading = threadingNote;
  /** Whether the GEMM uses relaxed SIMD's fused multiply-add (switched on by default; `TAPEGRAD_CPU_FMA=0` turns it off). */
  readonly fusedMultiplyAdd = fusedMultiplyAdd;
  protected readonly ledger = new StorageLedger<Storage>('cpu', ({ at, length }) => free(at, length));

  /** Allocates `length` floats, lets `kernel` fill them (given their address), and stores them. */
  private run(length: number, kernel: (out: number) => void): DataId {
    const at = malloc(length);
    try {
      kernel(at);
    } catch (error) {
      free(at, length);
      throw error;
    }
    return this.ledger.add({ at, length }, length * 4);
  }

  /** `run` for a kernel with outputs of `lengths[i]` floats each (given their addresses). */
  private runOutputs(lengths: readonly number[], kernel: (outs: readonly number[]) => void): DataId[] {
    const outs: number[] = [];
    try {
      while (outs.length < lengths.length) outs.push(malloc(lengths[outs.length]));
      kernel(outs);
    } catch (error) {
      outs.forEach((at, i) => free(at, lengths[i]));
      throw error;
    }
    return outs.map((at, i) => this.ledger.add({ at, length: lengths[i] }, lengths[i] * 4));
  }

  private storage(id: DataId): Storage {
    return this.ledger.get(id);
  }

  /** Byte address of a storage's values. */
  private at(id: DataId): number {
    return this.storage(id).at;
  }

  write(values: Float32Array): DataId {
    return this.run(values.length, (out) => view(out, values.length).set(values));
  }

  /** A view of the storage (valid until it is disposed; core copies it). */
  async read(id: DataId): Promise<Float32Array> {
    return this.readSync(id);
  }

  readSync(id: DataId): Float32Array {
    const { at, length } = this.storage(id);
    return view(at, length);
  }


  /** The most memory the backend may use, in MiB (`TAPEGRAD_CPU_MEMORY_LIMIT`, at most 4096). */
  readonly memoryLimitMiB = memoryLimitMiB;

  /**
   * The shared memory's arena: bytes in use (storage and scratch), the top of the range in use and
   * its high-water mark since the last `resetArenaHighWater()`, all in bytes.
   */
  arenaStats(): ArenaStats {
    return arenaStats();
  }

  /** Starts a new arena high-water mark (to measure one step's peak). */
  resetArenaHighWater(): void {
    resetArenaHighWater();
  }

  dispose(): void {
    this.ledger.clear();
  }

  neg(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('neg', this.at(x), out, size)); }
  exp(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('exp', this.at(x), out, size)); }
  log(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('log', this.at(x), out, size)); }
  sqrt(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('sqrt', this.at(x), out, size)); }
  relu(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('relu', this.at(x), out, size)); }
  sigmoid(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('sigmoid', this.at(x), out, size)); }
  tanh(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('tanh', this.at(x), out, size)); }
  step(x: DataId, size: number): DataId { return this.run(size, (out) => unaryKernel('step', this.at(x), out, size)); }
  reluBackprop(dy: DataId, y: DataId, size: number): DataId { return this.run(size, (out) => reluBackpropKernel(this.at(dy), this.at(y), out, size)); }
  reluBackpropBias(dy: DataId, y: DataId, info: ChannelInfo): { dz: DataId; db: DataId } {
    const [dz, db] = this.runOutputs([info.batch * info.channels * info.positions, info.channels], ([dzOut, dbOut]) => reluBackpropBiasKernel(this.at(dy), this.at(y), dzOut, dbOut, info));
    return { dz, db };
  }

  private binary(op: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'greater', a: DataId, b: DataId, info: BinaryInfo): DataId {
    const sa = this.storage(a);
    const sb = this.storage(b);
    return this.run(sizeOf(info.outShape), (out) => binaryKernel(op, sa.at, sa.length, sb.at, sb.length, out, info));
  }

  add(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('add', a, b, info); }
  sub(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('sub', a, b, info); }
  mul(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('mul', a, b, info); }
  div(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('div', a, b, info); }
  pow(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('pow', a, b, info); }
  maximum(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('maximum', a, b, info); }
  greater(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binary('greater', a, b, info); }

  sum(x: DataId, info: ReduceInfo): DataId { return this.run(info.outSize, (out) => sumInner(this.at(x), out, info)); }
  max(x: DataId, info: ReduceInfo): DataId { return this.run(info.outSize, (out) => maxInner(this.at(x), out, info)); }
  argmax(x: DataId, info: ReduceInfo): DataId { return this.run(info.outSize, (out) => argmaxInner(this.at(x), out, info)); }

  transpose(x: DataId, shape: Shape, perm: readonly number[]): DataId { return this.run(sizeOf(shape), (out) => transposeKernel(this.at(x), out, shape, perm)); }
  matmul(a: DataId, b: DataId, info: MatmulInfo): DataId { return this.run(info.batch * info.m * info.n, (out) => matmulKernel(this.at(a), this.at(b), out, info)); }
  oneHot(indices: DataId, n: number, depth: number): DataId { return this.run(n * depth, (out) => oneHotKernel(this.at(indices), out, n, depth)); }

  pad(x: DataId, base: DataId | null, info: PadInfo): DataId {
    return this.run(sizeOf(info.outShape), (out) => padKernel(this.at(x), base ? this.at(base) : 0, out, info));
  }
  gather(x: DataId, indices: DataId, info: GatherInfo): DataId {
    return this.run(info.outer * info.count * info.inner, (out) => gatherKernel(this.at(x), this.at(indices), out, info));
  }
  scatterAdd(dy: DataId, indices: DataId, info: GatherInfo): DataId {
    return this.run(info.outer * info.axisSize * info.inner, (out) => scatterAddKernel(this.at(dy), this.at(indices), out, info));
  }

  conv2d(x: DataId, filter: DataId, bias: DataId | null, info: Conv2dInfo, activation: Activation): DataId {
    return this.run(sizeOf(info.outShape), (out) => conv2dKernel(this.at(x), this.at(filter), bias ? this.at(bias) : 0, out, info, activation));
  }
  conv2dBackpropInput(dy: DataId, filter: DataId, info: Conv2dInfo): DataId {
    return this.run(sizeOf(info.inShape), (out) => conv2dBackpropInputKernel(this.at(dy), this.at(filter), out, info));
  }
  conv2dBackpropFilter(x: DataId, dy: DataId, info: Conv2dInfo): DataId {
    return this.run(sizeOf(info.filterShape), (out) => conv2dBackpropFilterKernel(this.at(x), this.at(dy), out, info));
  }
  maxPool2d(x: DataId, info: Pool2dInfo): DataId { return this.run(sizeOf(info.outShape), (out) => maxPool2dKernel(this.at(x), out, info)); }
  /** `argmax`: int32 indices in their planes (iy*W + ix), `[N, C, oH, oW]`. */
  maxPool2dWithArgmax(x: DataId, info: Pool2dInfo): { y: DataId; argmax: DataId } {
    const size = sizeOf(info.outShape);
    const [y, argmax] = this.runOutputs([size, size], ([yOut, argmaxOut]) => maxPool2dWithArgmaxKernel(this.at(x), yOut, argmaxOut, info));
    return { y, argmax };
  }
  maxPool2dBackpropArgmax(dy: DataId, argmax: DataId, info: Pool2dInfo): DataId {
    return this.run(sizeOf(info.inShape), (out) => maxPool2dBackpropArgmaxKernel(this.at(dy), this.at(argmax), out, info));
  }
  avgPool2d(x: DataId, info: Pool2dInfo): DataId { return this.run(sizeOf(info.outShape), (out) => avgPool2dKernel(this.at(x), out, info)); }
  avgPool2dBackprop(dy: DataId, info: Pool2dInfo): DataId { return this.run(sizeOf(info.inShape), (out) => avgPool2dBackpropKernel(this.at(dy), out, info)); }

  fill(size: number, value: number): DataId { return this.run(size, (out) => view(out, size).fill(value)); }

  adamUpdate(param: DataId, grad: DataId, state: AdamMoments<DataId>, info: AdamUpdateInfo): AdamUpdated<DataId> {
    const { expAvg, expAvgSq, maxExpAvgSq } = state;
    const [p, m, v, vmax = null] = this.runOutputs(new Array<number>(maxExpAvgSq ? 4 : 3).fill(info.size), ([pOut, mOut, vOut, vmaxOut = null]) => adamUpdateKernel(
      this.at(param), this.at(grad), { expAvg: this.at(expAvg), expAvgSq: this.at(expAvgSq), maxExpAvgSq: maxExpAvgSq ? this.at(maxExpAvgSq) : null },
      { param: pOut, expAvg: mOut, expAvgSq: vOut, maxExpAvgSq: vmaxOut }, info));
    return { param: p, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax };
  }
  sgdUpdate(param: DataId, grad: DataId, momentumBuffer: DataId | null, info: SgdUpdateInfo): SgdUpdated<DataId> {
    const [p, buffer = null] = this.runOutputs(new Array<number>(info.momentum !== 0 ? 2 : 1).fill(info.size), ([pOut, bufferOut = null]) => sgdUpdateKernel(
      this.at(param), this.at(grad), momentumBuffer ? this.at(momentumBuffer) : null, { param: pOut, momentumBuffer: bufferOut }, info));
    return { param: p, momentumBuffer: buffer };
  }
}
