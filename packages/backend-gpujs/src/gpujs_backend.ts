/**
 * The gpu.js backend: storage per DataId (host arrays or gpu.js results, split into parts when
 * large), reference counted, and every kernel of the Backend interface as cached gpu.js kernels.
 *
 * Results stay where gpu.js leaves them (`pipeline: true, immutable: true`: textures on GL,
 * buffers on WebGPU, typed arrays on webasm/cpu) and are downloaded only by `read`. In webgpu mode
 * every kernel returns a Promise: storage then holds pending parts, later kernels chain on them,
 * and `read` resolves them.
 */
import {
  checkKnownOptions, LedgerBackedStorage, sizeOf, StorageLedger,
  type Activation, type Backend, type BinaryInfo, type BinaryKernel, type ChannelInfo, type Conv2dInfo, type DataId, type GatherInfo, type MatmulInfo, type PadInfo,
  type Pool2dInfo, type ReduceInfo, type Shape, type UnaryKernel,
} from '@tapegrad/core';
import {
  createGpu, downloadResult, glLimits, hasNavigatorGpu, hostMemoryBytes, isDeviceResult, isHostArray, kernelMode, messageOf, webGpuDeviceLimits, webGpuLikely,
  type CompiledKernel, type GpuInstance, type GpuJsMode, type KernelOutput, type KernelSettings,
} from './gpujs_adapter.js';
import { layoutCandidates, partCount, singlePart, type Layout } from './parts.js';
import { KernelCache, type CachedKernel } from './kernel_cache.js';
import { checkInteger, outOfMemory, resolveLimits, type DeviceReport, type ModeLimits } from './limits.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv.js';
import type { KernelArg, KernelContext, PartData, Tensorish } from './kernels/context.js';
import { binary, reluBackprop, unary } from './kernels/elementwise.js';
import { gather, scatterAdd } from './kernels/indexing.js';
import { fill } from './kernels/fill.js';
import { oneHot, transpose } from './kernels/shape_ops.js';
import { matmul } from './kernels/matmul.js';
import { avgPool2d, avgPool2dBackprop, maxPool2d, maxPool2dBackprop } from './kernels/pool.js';
import { argmax, max, sum } from './kernels/reduce.js';
import { pad } from './kernels/region.js';
import { isGpuMode, prepareWebGpu, requestedMode, unavailableReason, bestSyncMode, type GpuJsModeRequest } from './modes.js';
import type { AdamMoments, AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '@tapegrad/core';
import { adamUpdate, sgdUpdate, type AdamOutput, type SgdOutput } from './kernels/optim.js';

/** Options of the gpu.js backend. */
export interface GpuJsBackendOptions {
  /** The gpu.js mode; default: `TAPEGRAD_GPUJS_MODE`, else the best available (`'auto'`). */
  mode?: GpuJsModeRequest;
  /**
   * Most elements in one part (one kernel output); larger tensors are split. Default and maximum:
   * the mode's (see limits.ts: 2^24 on GPUs and webasm, less where WebGPU buffers or GL textures
   * are smaller). Tests lower it to exercise splitting on small shapes.
   */
  maxPartElements?: number;
  /**
   * Run kernels under gpu.js's async contract (every call returns a Promise) in any mode; webgpu
   * always is. Storage is then pending as in webgpu mode, so this exercises that path anywhere
   * (and on webasm lets gpu.js split large kernels over worker threads).
   */
  async?: boolean;
  /** Most input parts one kernel may bind; default and maximum: the mode's (WebGPU storage buffers - 1, GL texture units, 16 on webasm). */
  maxArrays?: number;
  /**
   * Indices kernels may compute, exclusive; default and maximum: the mode's (2^24, where float32
   * stops being exact; 2^31 in cpu mode). Tests lower it with maxPartElements so the paths large
   * tensors take run on small shapes.
   */
  maxIndex?: number;
  /**
   * Most MiB of live storage; an allocation past it is refused at once with "out of memory".
   * Default: `TAPEGRAD_GPUJS_MAX_MEMORY_MIB`, else half the host's memory (webasm, cpu, GL modes;
   * 2 GiB where the host's is unknown), unbounded on webgpu (WebGPU reports no device memory).
   */
  maxMemoryMiB?: number;
  /** Plan kernels as for a GPU (more threads, e.g. split filter-gradient sums); default: a GPU mode. Tests set it on the CPU. */
  parallel?: boolean;
  /** Most compiled kernels kept (least recently used evicted and destroyed); default 256. */
  maxKernels?: number;
  /**
   * Most MiB the kept kernels may hold between calls (a webasm kernel keeps a wasm memory of its
   * arguments and output; GPU kernels the host arrays they uploaded); default 512.
   */
  maxKernelMiB?: number;
}

const OPTION_NAMES: readonly (keyof GpuJsBackendOptions)[] = ['mode', 'maxPartElements', 'async', 'maxArrays', 'maxIndex', 'maxMemoryMiB', 'parallel', 'maxKernels', 'maxKernelMiB'];

/** Default bounds of the compiled-kernel cache. */
const DEFAULT_MAX_KERNELS = 256;
const DEFAULT_MAX_KERNEL_MIB = 512;

/** What the ledger keeps per storage; reference counts and bytes are the ledger's. */
interface Storage {
  readonly data: Tensorish;
  /** Kernel launches and reads still using the parts (async modes). */
  pins: number;
  /** No references remain; parts are freed once pins drop to 0. */
  released: boolean;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

const noop = (): void => undefined;

/** A tapegrad Backend on gpu.js kernels. Create with `createGpuJsBackend` (async-safe for every mode). */
export class GpuJsBackend extends LedgerBackedStorage<Storage> implements Backend {
  readonly name = 'gpujs';
  /** The gpu.js mode that really runs (checked on each kernel's first call). */
  readonly mode: GpuJsMode;
  readonly isAsync: boolean;
  /** What this backend's storage and kernels are planned against (see limits.ts). */
  readonly limits: ModeLimits;
  private readonly gpu: GpuInstance;
  private readonly kernels: KernelCache;
  private readonly verified = new WeakSet<CompiledKernel>();
  /** Storages, their reference counts and bytes; a released storage frees its parts once unpinned. */
  protected readonly ledger = new StorageLedger<Storage>('gpujs', (storage) => {
    storage.released = true;
    if (storage.pins === 0 || this.disposed) this.freeParts(storage.data.parts);
  });
  /** Kernel results held (textures, buffers, or typed arrays on webasm/cpu). */
  private readonly results = new Set<KernelOutput>();
  private compiles = 0;
  /** Pending kernel results and deferred frees (async modes), for `flush`. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private disposed = false;
  private readonly ctx: KernelContext;

  /**
   * Creates the backend for a mode already known to be available (see `createGpuJsBackend`).
   * Sync modes are checked here; webgpu must have been prepared (`prepareWebGpu`) and its device
   * limits passed in `report` (createGpuJsBackend does both).
   */
  constructor(mode: GpuJsMode, options: GpuJsBackendOptions = {}, report: DeviceReport = {}) {
    super();
    checkKnownOptions('gpujs backend', options, OPTION_NAMES);
    const reason = unavailableReason(mode);
    if (reason) throw new Error(`gpujs backend: ${reason}`);
    if (mode === 'webgpu' && !hasNavigatorGpu()) {
      throw new Error('gpujs backend: webgpu mode needs navigator.gpu; create the backend with await createGpuJsBackend({ mode: \'webgpu\' }), which loads it');
    }
    this.mode = mode;
    this.isAsync = mode === 'webgpu' || options.async === true;
    const gl = mode === 'headlessgl' || mode === 'webgl2' || mode === 'webgl' ? glLimits(mode) : null;
    this.limits = resolveLimits(mode, options, { hostBytes: hostMemoryBytes(), gl, ...report });
    this.kernels = new KernelCache(
      checkInteger('maxKernels', options.maxKernels ?? DEFAULT_MAX_KERNELS, 1, Number.MAX_SAFE_INTEGER),
      checkInteger('maxKernelMiB', options.maxKernelMiB ?? DEFAULT_MAX_KERNEL_MIB, 1, Number.MAX_SAFE_INTEGER) * 2 ** 20,
    );
    this.gpu = createGpu(mode);
    this.ctx = {
      limit: this.limits.partElements,
      exact: this.limits.exactIndex,
      mode,
      parallel: options.parallel ?? isGpuMode(mode),
      maxArrays: this.limits.maxArrays,
      run: (op, key, source, length, args) => this.runKernel(op, key, source, length, args),
      release: (parts, after) => this.release(parts, after),
    };
  }

  /** Runs a tiny kernel and checks its values and the mode that ran it (async modes: await it). */
  probe(): Promise<void> | void {
    const id = this.write(Float32Array.of(1, 2, 3, 4), [4]);
    const doubled = this.add(id, id, { aShape: [4], bShape: [4], outShape: [4] });
    const check = (values: Float32Array): void => {
      if (values[0] !== 2 || values[3] !== 8) {
        throw new Error(`gpujs backend (${this.mode}): the probe kernel computed [${Array.from(values).join(', ')}] instead of [2, 4, 6, 8]`);
      }
    };
    const cleanup = (): void => {
      this.disposeData(id);
      this.disposeData(doubled);
    };
    if (this.isAsync) {
      return this.read(doubled).then(check).finally(cleanup);
    }
    try {
      check(this.readSync(doubled));
    } finally {
      cleanup();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection (tests and tools).

  /** Resolves once every pending kernel and deferred free has settled (async modes). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.then(noop, noop);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  /** Live kernel results: textures (GL), buffers (webgpu) or typed arrays (webasm, cpu). */
  numLiveResults(): number {
    return this.results.size;
  }

  /** Live device objects (textures or buffers) only; 0 on webasm and cpu. */
  numDeviceResults(): number {
    let count = 0;
    for (const result of this.results) if (isDeviceResult(result)) count++;
    return count;
  }

  /** Compiled kernels kept (one per kernel, shapes and attributes; at most maxKernels). */
  numKernels(): number {
    return this.kernels.size;
  }

  /** Bytes the kept kernels hold between calls (at most maxKernelMiB). */
  kernelBytes(): number {
    return this.kernels.bytes;
  }

  /** Kernel compilations so far (more than numKernels once kernels were evicted). */
  numCompiles(): number {
    return this.compiles;
  }

  /** The largest part a tensor is held in. */
  get maxPartElements(): number {
    return this.limits.partElements;
  }

  /** Number of parts of a storage (1 unless it passed maxPartElements). */
  partsOf(id: DataId): number {
    return partCount(this.get(id).data.layout);
  }

  // ---------------------------------------------------------------------------------------------
  // Storage.

  write(values: Float32Array, shape: Shape): DataId {
    this.reserve('write', values.length);
    const layout = this.layoutFor(shape.length === 0 ? [1] : shape);
    const parts: PartData[] = [];
    for (let i = 0; i < partCount(layout); i++) {
      const start = i * layout.partLength;
      parts.push(values.slice(start, Math.min(values.length, start + layout.partLength)));
    }
    return this.store({ layout, parts });
  }

  /** Parts of whole units of `dims` where they exist, else plain parts of the part limit. */
  private layoutFor(dims: readonly number[]): Layout {
    for (const { layout } of layoutCandidates(dims, this.ctx.limit, this.ctx.exact)) return layout;
    const size = dims.reduce((a, b) => a * b, 1);
    return size <= this.ctx.limit ? singlePart(size) : { size, partLength: this.ctx.limit };
  }

  async read(id: DataId): Promise<Float32Array> {
    const storage = this.get(id);
    storage.pins++;
    try {
      const arrays = await Promise.all(storage.data.parts.map(async (part) => {
        const data = await part;
        return isHostArray(data) ? data : await downloadResult(data);
      }));
      return concat(arrays, storage.data.layout.size);
    } catch (error) {
      throw this.wrapError('read', error);
    } finally {
      this.unpin(storage);
    }
  }

  readSync(id: DataId): Float32Array {
    if (this.isAsync) {
      throw new Error(`gpujs backend: readSync is unavailable in '${this.mode}' mode, where kernels compute asynchronously; use await t.data() (dataSync throws on backend '${this.name}' in mode '${this.mode}')`);
    }
    const storage = this.get(id);
    const arrays = storage.data.parts.map((part) => {
      if (isPromise(part)) throw new Error(`gpujs backend (${this.mode}): storage is still pending; use await read()`);
      if (isHostArray(part)) return part;
      const values = downloadResult(part);
      if (isPromise(values)) throw new Error(`gpujs backend (${this.mode}): this result downloads asynchronously; use await read()`);
      return values;
    });
    return concat(arrays, storage.data.layout.size);
  }


  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ledger.clear();
    this.kernels.clear();
    this.gpu.destroy().catch(noop);
  }

  private store(data: Tensorish): DataId {
    for (const part of data.parts) if (isPromise(part)) part.catch(noop);
    return this.ledger.add({ data, pins: 0, released: false }, data.layout.size * 4);
  }

  private get(id: DataId): Storage {
    return this.ledger.get(id);
  }

  private unpin(storage: Storage): void {
    if (--storage.pins === 0 && storage.released) this.freeParts(storage.data.parts);
  }

  private freeParts(parts: readonly PartData[]): void {
    for (const part of parts) {
      if (isPromise(part)) this.track(part.then((result) => this.freeResult(result), noop));
      else this.freeResult(part);
    }
  }

  private freeResult(result: KernelOutput): void {
    if (!this.results.delete(result)) return; // host values, or already freed
    if (isDeviceResult(result)) result.delete();
  }

  /** Refuses at once an allocation of `elements` float32 values past the memory limit. */
  private reserve(op: string, elements: number): void {
    if (this.ledger.bytes + elements * 4 > this.limits.memoryBytes) throw outOfMemory(this.mode, op, elements, this.ledger.bytes, this.limits);
  }

  /**
   * Runs `compute` over the inputs' data and stores its result of `elements` values (refused first
   * when past the memory limit); inputs stay pinned while pending.
   */
  private op(name: string, inputs: readonly DataId[], elements: number, compute: (data: Tensorish[]) => Tensorish): DataId {
    this.reserve(name, elements);
    const storages = inputs.map((id) => this.get(id));
    const out = compute(storages.map((s) => s.data));
    const pending = out.parts.filter(isPromise);
    if (pending.length > 0) {
      for (const s of storages) s.pins++;
      this.track(Promise.allSettled(pending).then(() => {
        for (const s of storages) this.unpin(s);
      }));
    }
    return this.store(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Kernel running: the cache, the mode check, intermediates.

  private settings(length: number): KernelSettings {
    return {
      output: [length],
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: 1000,
      dynamicOutput: false,
      dynamicArguments: false,
      strictIntegers: false,
      asyncMode: this.isAsync,
    };
  }

  private runKernel(op: string, key: string, source: () => string, length: number, args: readonly KernelArg[]): PartData {
    if (this.disposed) throw new Error(`gpujs backend: ${op} on a disposed backend`);
    if (this.mode === 'webgpu') {
      // A webgpu kernel keeps the argument kinds of its first call: one built for a buffer cannot
      // take a host array there later. Pending parts are kernel results, hence buffers.
      key += `|kinds=${args.map((arg) => (typeof arg === 'number' ? 's' : isHostArray(arg) ? 'h' : 'd')).join('')}`;
    }
    let entry = this.kernels.get(key);
    if (!entry) {
      let kernel: CompiledKernel;
      try {
        kernel = this.gpu.createKernel(source(), this.settings(length));
      } catch (error) {
        throw this.wrapError(op, error);
      }
      entry = this.kernels.add(key, kernel);
      this.compiles++;
    }
    const cached = entry;
    this.kernels.begin(cached);
    const done = (): void => this.kernels.end(cached);
    let out: PartData;
    try {
      out = args.some((arg) => isPromise(arg))
        ? Promise.all(args).then((resolved) => this.invoke(op, cached, length, resolved))
        : this.invoke(op, cached, length, args as readonly (KernelOutput | number)[]);
    } catch (error) {
      done();
      throw error;
    }
    if (isPromise(out)) {
      this.track(out);
      out.then(done, done);
    } else {
      done();
    }
    return out;
  }

  private invoke(op: string, entry: CachedKernel, length: number, args: readonly (KernelOutput | number)[]): PartData {
    const kernel = entry.kernel;
    let out: KernelOutput | Promise<KernelOutput>;
    try {
      out = kernel(...args);
    } catch (error) {
      throw this.wrapError(op, error);
    }
    this.kernels.setBytes(entry, this.keptBytes(args, length));
    if (isPromise(out)) {
      return out.then((result) => this.accept(op, kernel, result), (error: unknown) => {
        throw this.wrapError(op, error);
      });
    }
    return this.accept(op, kernel, out);
  }

  /**
   * Bytes a kernel keeps between calls with these arguments: webasm its wasm memory (arguments and
   * output), GPU modes the host arrays they uploaded, cpu mode nothing.
   */
  private keptBytes(args: readonly (KernelOutput | number)[], length: number): number {
    if (this.mode === 'cpu') return 0;
    let elements = this.mode === 'webasm' ? length : 0;
    for (const arg of args) if (isHostArray(arg)) elements += arg.length;
    return elements * 4;
  }

  /** Tracks a kernel result; on a kernel's first run checks that gpu.js ran it in our mode. */
  private accept(op: string, kernel: CompiledKernel, result: KernelOutput): KernelOutput {
    if (!this.verified.has(kernel)) {
      const actual = kernelMode(kernel);
      if (actual !== this.mode) {
        if (isDeviceResult(result)) result.delete();
        const reason = kernel.kernel.fallbackReason ? ` (${kernel.kernel.fallbackReason})` : '';
        throw new Error(`gpujs backend: asked for mode '${this.mode}' but gpu.js ran kernel '${op}' in mode '${actual}'${reason}; refusing gpu.js's silent fallback`);
      }
      this.verified.add(kernel);
    }
    if (!isHostArray(result) && !isDeviceResult(result)) {
      throw new Error(`gpujs backend (${this.mode}): kernel '${op}' returned an unexpected ${Object.prototype.toString.call(result)}`);
    }
    this.results.add(result);
    return result;
  }

  private release(parts: readonly PartData[], after: readonly PartData[]): void {
    if (after.some(isPromise) || parts.some(isPromise)) {
      this.track(Promise.allSettled(after).then(() => this.freeParts(parts)));
    } else {
      this.freeParts(parts);
    }
  }

  private wrapError(op: string, error: unknown): Error {
    const message = messageOf(error);
    if (message.startsWith('gpujs backend')) return error instanceof Error ? error : new Error(message);
    return new Error(`gpujs backend (${this.mode}): ${op} failed: ${message}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Kernels.

  private unaryOp(op: UnaryKernel, x: DataId, size: number): DataId {
    return this.op(op, [x], size, ([xd]) => unary(this.ctx, op, xd));
  }

  neg(x: DataId, size: number): DataId { return this.unaryOp('neg', x, size); }
  exp(x: DataId, size: number): DataId { return this.unaryOp('exp', x, size); }
  log(x: DataId, size: number): DataId { return this.unaryOp('log', x, size); }
  sqrt(x: DataId, size: number): DataId { return this.unaryOp('sqrt', x, size); }
  relu(x: DataId, size: number): DataId { return this.unaryOp('relu', x, size); }
  sigmoid(x: DataId, size: number): DataId { return this.unaryOp('sigmoid', x, size); }
  tanh(x: DataId, size: number): DataId { return this.unaryOp('tanh', x, size); }
  step(x: DataId, size: number): DataId { return this.unaryOp('step', x, size); }

  reluBackprop(dy: DataId, y: DataId, size: number): DataId {
    return this.op('reluBackprop', [dy, y], size, ([dyd, yd]) => reluBackprop(this.ctx, dyd, yd));
  }
  /** reluBackprop, then dz's sums over positions, transposed to `[C, N]` and summed over the batch. */
  reluBackpropBias(dy: DataId, y: DataId, info: ChannelInfo): { dz: DataId; db: DataId } {
    const { batch, channels, positions } = info;
    const dz = this.reluBackprop(dy, y, batch * channels * positions);
    const rows = this.sum(dz, { outSize: batch * channels, reduceSize: positions });
    const byChannel = this.transpose(rows, [batch, channels], [1, 0]);
    this.disposeData(rows);
    const db = this.sum(byChannel, { outSize: channels, reduceSize: batch });
    this.disposeData(byChannel);
    return { dz, db };
  }

  private binaryOp(op: BinaryKernel, a: DataId, b: DataId, info: BinaryInfo): DataId {
    return this.op(op, [a, b], sizeOf(info.outShape), ([ad, bd]) => binary(this.ctx, op, ad, bd, info));
  }

  add(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('add', a, b, info); }
  sub(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('sub', a, b, info); }
  mul(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('mul', a, b, info); }
  div(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('div', a, b, info); }
  pow(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('pow', a, b, info); }
  maximum(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('maximum', a, b, info); }
  greater(a: DataId, b: DataId, info: BinaryInfo): DataId { return this.binaryOp('greater', a, b, info); }

  sum(x: DataId, info: ReduceInfo): DataId { return this.op('sum', [x], info.outSize, ([xd]) => sum(this.ctx, xd, info)); }
  max(x: DataId, info: ReduceInfo): DataId { return this.op('max', [x], info.outSize, ([xd]) => max(this.ctx, xd, info)); }
  argmax(x: DataId, info: ReduceInfo): DataId { return this.op('argmax', [x], info.outSize, ([xd]) => argmax(this.ctx, xd, info)); }

  transpose(x: DataId, shape: Shape, perm: readonly number[]): DataId {
    return this.op('transpose', [x], sizeOf(shape), ([xd]) => transpose(this.ctx, xd, shape, perm));
  }

  matmul(a: DataId, b: DataId, info: MatmulInfo): DataId {
    return this.op('matmul', [a, b], info.batch * info.m * info.n, ([ad, bd]) => matmul(this.ctx, ad, bd, info));
  }

  oneHot(indices: DataId, n: number, depth: number): DataId {
    return this.op('oneHot', [indices], n * depth, ([id]) => oneHot(this.ctx, id, n, depth));
  }

  pad(x: DataId, base: DataId | null, info: PadInfo): DataId {
    const inputs = base ? [x, base] : [x];
    return this.op('pad', inputs, sizeOf(info.outShape), ([xd, bd]) => pad(this.ctx, xd, bd ?? null, info));
  }

  gather(x: DataId, indices: DataId, info: GatherInfo): DataId {
    return this.op('gather', [x, indices], info.outer * info.count * info.inner, ([xd, id]) => gather(this.ctx, xd, id, info));
  }

  scatterAdd(dy: DataId, indices: DataId, info: GatherInfo): DataId {
    return this.op('scatterAdd', [dy, indices], info.outer * info.axisSize * info.inner, ([dyd, id]) => scatterAdd(this.ctx, dyd, id, info));
  }

  conv2d(x: DataId, filter: DataId, bias: DataId | null, info: Conv2dInfo, activation: Activation): DataId {
    const inputs = bias ? [x, filter, bias] : [x, filter];
    return this.op('conv2d', inputs, sizeOf(info.outShape), ([xd, fd, bd]) => conv2d(this.ctx, xd, fd, bd ?? null, info, activation));
  }

  conv2dBackpropInput(dy: DataId, filter: DataId, info: Conv2dInfo): DataId {
    return this.op('conv2dBackpropInput', [dy, filter], sizeOf(info.inShape), ([dyd, fd]) => conv2dBackpropInput(this.ctx, dyd, fd, info));
  }

  conv2dBackpropFilter(x: DataId, dy: DataId, info: Conv2dInfo): DataId {
    return this.op('conv2dBackpropFilter', [x, dy], sizeOf(info.filterShape), ([xd, dyd]) => conv2dBackpropFilter(this.ctx, xd, dyd, info));
  }

  maxPool2d(x: DataId, info: Pool2dInfo): DataId {
    return this.op('maxPool2d', [x], sizeOf(info.outShape), ([xd]) => maxPool2d(this.ctx, xd, info));
  }
  /** Keeps `x` itself (one more reference) as `argmax`: the gradient kernel finds each window's maximum again. */
  maxPool2dWithArgmax(x: DataId, info: Pool2dInfo): { y: DataId; argmax: DataId } {
    const y = this.maxPool2d(x, info);
    this.incRef(x);
    return { y, argmax: x };
  }
  maxPool2dBackpropArgmax(dy: DataId, x: DataId, info: Pool2dInfo): DataId {
    return this.op('maxPool2dBackprop', [dy, x], sizeOf(info.inShape), ([dyd, xd]) => maxPool2dBackprop(this.ctx, dyd, xd, info));
  }
  avgPool2d(x: DataId, info: Pool2dInfo): DataId {
    return this.op('avgPool2d', [x], sizeOf(info.outShape), ([xd]) => avgPool2d(this.ctx, xd, info));
  }
  avgPool2dBackprop(dy: DataId, info: Pool2dInfo): DataId {
    return this.op('avgPool2dBackprop', [dy], sizeOf(info.inShape), ([dyd]) => avgPool2dBackprop(this.ctx, dyd, info));
  }

  fill(size: number, value: number): DataId { return this.op('fill', [], size, () => fill(this.ctx, size, value)); }

  /** `op` once per output of a kernel with several (freeing those made when one fails). */
  private opOutputs<K extends string>(name: string, inputs: readonly DataId[], outputs: readonly K[], elements: number, compute: (output: K, data: Tensorish[]) => Tensorish): DataId[] {
    const made: DataId[] = [];
    try {
      for (const output of outputs) made.push(this.op(name, inputs, elements, (data) => compute(output, data)));
    } catch (error) {
      for (const id of made) this.disposeData(id);
      throw error;
    }
    return made;
  }

  adamUpdate(param: DataId, grad: DataId, state: AdamMoments<DataId>, info: AdamUpdateInfo): AdamUpdated<DataId> {
    const { expAvg, expAvgSq, maxExpAvgSq } = state;
    const outputs: AdamOutput[] = ['param', 'expAvg', 'expAvgSq', ...(maxExpAvgSq ? ['maxExpAvgSq' as const] : [])];
    const inputs = [param, grad, expAvg, expAvgSq, ...(maxExpAvgSq ? [maxExpAvgSq] : [])];
    const [p, m, v, vmax = null] = this.opOutputs('adamUpdate', inputs, outputs, info.size, (output, data) => adamUpdate(this.ctx, output, data, info));
    return { param: p, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax };
  }

  sgdUpdate(param: DataId, grad: DataId, momentumBuffer: DataId | null, info: SgdUpdateInfo): SgdUpdated<DataId> {
    const outputs: SgdOutput[] = ['param', ...(info.momentum !== 0 ? ['momentumBuffer' as const] : [])];
    const inputs = [param, grad, ...(momentumBuffer ? [momentumBuffer] : [])];
    const [p, buffer = null] = this.opOutputs('sgdUpdate', inputs, outputs, info.size, (output, data) => sgdUpdate(this.ctx, output, data, info));
    return { param: p, momentumBuffer: buffer };
  }
}

function concat(arrays: readonly Float32Array[], size: number): Float32Array {
  if (arrays.length === 1 && arrays[0].length === size) return arrays[0];
  const out = new Float32Array(size);
  let offset = 0;
  for (const array of arrays) {
    out.set(array.length > size - offset ? array.subarray(0, size - offset) : array, offset);
    offset += array.length;
  }
  return out;
}

/**
 * Creates a gpu.js backend, resolving the mode (`options.mode` > `TAPEGRAD_GPUJS_MODE` > best
 * available), loading WebGPU when needed, and running a probe kernel to check the mode really
 * runs. Rejects with the reason when the requested mode is unavailable.
 */
export async function createGpuJsBackend(options: GpuJsBackendOptions = {}): Promise<GpuJsBackend> {
  const request = requestedMode(options.mode);
  let mode: GpuJsMode;
  if (request === 'auto') {
    mode = bestSyncMode();
    if (webGpuLikely()) {
      try {
        await prepareWebGpu();
        mode = 'webgpu';
      } catch {
        // No WebGPU adapter here: the best synchronous mode it is.
      }
    }
  } else {
    mode = request;
    if (mode === 'webgpu') await prepareWebGpu();
  }
  // gpu.js's shared device was created with the adapter's largest buffers and bindings: plan against them.
  const report: DeviceReport = mode === 'webgpu' ? { webgpu: await webGpuDeviceLimits() } : {};
  const backend = new GpuJsBackend(mode, options, report);
  try {
    await backend.probe();
  } catch (error) {
    backend.dispose();
    throw error;
  }
  return backend;
}

/** The synchronous constructor path for modes that need no async start-up (not webgpu). */
export function createGpuJsBackendSync(options: GpuJsBackendOptions = {}): GpuJsBackend {
  const request = requestedMode(options.mode);
  const mode = request === 'auto' ? bestSyncMode() : request;
  if (mode === 'webgpu' || options.async) throw new Error(`gpujs backend: ${mode === 'webgpu' ? 'webgpu mode' : 'the async contract'} starts asynchronously; use await createGpuJsBackend() (or await setBackend('gpujs'))`);
  const backend = new GpuJsBackend(mode, options);
  try {
    void backend.probe();
  } catch (error) {
    backend.dispose();
    throw error;
  }
  return backend;
}
