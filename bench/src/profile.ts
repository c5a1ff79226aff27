/**
 * Where tapegrad's time goes: the per-kernel breakdown of a training step (every backend call
 * timed, convolutions attributed to their layer), and the single-kernel mode (each conv kernel and
 * the equivalent matmul of every NiN layer shape, alone, with tfjs-wasm's forward and input
 * gradient beside them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { computeConv2dInfo, type Backend, type Conv2dInfo, type DataId } from '@tapegrad/core';
import { convolutions, type ConvGeometry, type NetworkSpec } from './networks.js';
import { TapegradNin } from './tapegrad_nin.js';
import { makeData } from './data.js';
import { median } from './stats.js';

type KernelFn = (...args: unknown[]) => unknown;

/** Backend methods that are kernels (storage bookkeeping is left out). */
const kernelNames = [
  'neg', 'exp', 'log', 'sqrt', 'relu', 'sigmoid', 'tanh', 'step', 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'greater',
  'sum', 'max', 'argmax', 'transpose', 'matmul', 'oneHot', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'maxPool2d', 'maxPool2dBackprop', 'avgPool2d', 'avgPool2dBackprop', 'fill', 'write', 'readSync',
] as const;

export interface ProfileRow {
  readonly kernel: string;
  readonly calls: number;
  /** Milliseconds per training step. */
  readonly ms: number;
  /** Multiply-adds per second, for convolution rows. */
  readonly gmacs?: number;
}

export interface Profile {
  readonly stepMs: number;
  readonly rows: readonly ProfileRow[];
}

function isConv2dInfo(value: unknown): value is Conv2dInfo {
  return typeof value === 'object' && value !== null && 'filterShape' in value;
}

/** The layer a conv kernel call belongs to, from its geometry. */
function layerOf(convs: readonly ConvGeometry[], info: Conv2dInfo): ConvGeometry | undefined {
  return convs.find((c) => c.inChannels === info.inChannels && c.outChannels === info.outChannels && c.kernel === info.kernelHeight
    && c.stride === info.strideHeight && c.inSize === info.inHeight && c.batch === info.batch);
}

/** Times every backend call of `steps` training steps (after one warm-up step). */
export async function profileTraining(backend: Backend, spec: NetworkSpec, steps: number): Promise<Profile> {
  const convs = convolutions(spec);
  const totals = new Map<string, { calls: number; ms: number; macs: number }>();
  const methods = backend as unknown as Record<string, KernelFn>;
  const net = new TapegradNin(makeData(spec));
  await net.train();
  for (const name of kernelNames) {
    const original = methods[name].bind(backend);
    methods[name] = (...args: unknown[]) => {
      const start = performance.now();
      const result = original(...args);
      const ms = performance.now() - start;
      const info = args.find(isConv2dInfo);
      const layer = info ? layerOf(convs, info) : undefined;
      const key = layer ? `${name} ${layer.name}` : name;
      const entry = totals.get(key) ?? { calls: 0, ms: 0, macs: 0 };
      entry.calls++;
      entry.ms += ms;
      entry.macs += layer?.macs ?? 0;
      totals.set(key, entry);
      return result;
    };
  }
  const stepTimes: number[] = [];
  try {
    for (let i = 0; i < steps; i++) stepTimes.push((await net.train()).ms);
  } finally {
    for (const name of kernelNames) delete methods[name];
    await net.dispose();
  }
  const rows = [...totals.entries()]
    .map(([kernel, t]) => ({ kernel, calls: t.calls / steps, ms: t.ms / steps, ...(t.macs > 0 ? { gmacs: t.macs / t.ms / 1e6 } : {}) }))
    .sort((a, b) => b.ms - a.ms);
  return { stepMs: median(stepTimes), rows };
}

export interface KernelRow {
  readonly layer: string;
  readonly shape: string;
  readonly gmac: number;
  /** Median milliseconds per kernel; null where the kernel does not apply. */
  readonly ms: Record<string, number | null>;
}

function randomValues(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898) * 0.5);
}

async function medianMs(reps: number, run: () => void | Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Each conv kernel of each layer of `spec` alone on tapegrad's backend (and tfjs-wasm where it has the kernel). */
export async function kernelTable(backend: Backend, spec: NetworkSpec, reps: number): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  for (const g of convolutions(spec)) {
    const info = computeConv2dInfo([g.batch, g.inChannels, g.inSize, g.inSize], [g.outChannels, g.inChannels, g.kernel, g.kernel], g.stride, g.padding);
    const positions = g.outSize * g.outSize;
    const taps = g.inChannels * g.kernel * g.kernel;
    const x = backend.write(randomValues(g.batch * g.inChannels * g.inSize * g.inSize), info.inShape);
    const w = backend.write(randomValues(g.outChannels * taps), info.filterShape);
    const b = backend.write(randomValues(g.outChannels), [g.outChannels]);
    const dy = backend.write(randomValues(g.batch * g.outChannels * positions), info.outShape);
    const patches = backend.write(randomValues(taps * positions), [taps, positions]);
    const run = (kernel: () => DataId) => () => backend.disposeData(kernel());
    const ms: Record<string, number | null> = {
      'conv fwd': await medianMs(reps, run(() => backend.conv2d(x, w, b, info, 'linear'))),
      'input grad': g.needsInputGrad ? await medianMs(reps, run(() => backend.conv2dBackpropInput(dy, w, info))) : null,
      'filter grad': await medianMs(reps, run(() => backend.conv2dBackpropFilter(x, dy, info))),
      // The forward GEMM alone, per image: [O, K] @ [K, P], the filter broadcast over the batch.
      matmul: await medianMs(reps, run(() => backend.matmul(w, patches, { batch: g.batch, m: g.outChannels, n: positions, k: taps, transA: false, transB: false, aBatch: 1, bBatch: 1 }))),
    };
    for (const id of [x, w, b, dy, patches]) backend.disposeData(id);
    await tf.setBackend('wasm');
    const tx = tf.randomUniform([g.batch, g.inSize, g.inSize, g.inChannels]) as tf.Tensor4D;
    const tw = tf.randomUniform([g.kernel, g.kernel, g.inChannels, g.outChannels]) as tf.Tensor4D;
    const tdy = tf.randomUniform([g.batch, g.outSize, g.outSize, g.outChannels]) as tf.Tensor4D;
    ms['tfjs-wasm fwd'] = await medianMs(reps, async () => { const y = tf.conv2d(tx, tw, g.stride, g.padding); await y.data(); y.dispose(); });
    ms['tfjs-wasm input grad'] = g.needsInputGrad
      ? await medianMs(reps, async () => { const y = tf.conv2dTranspose(tdy, tw, tx.shape, g.stride, g.padding); await y.data(); y.dispose(); })
      : null;
    tf.dispose([tx, tw, tdy]);
    rows.push({
      layer: g.name,
      shape: `${g.inChannels}x${g.inSize}² -> ${g.outChannels}x${g.outSize}² k${g.kernel} s${g.stride} p${g.padding}`,
      gmac: g.macs / 1e9,
      ms,
    });
  }
  return rows;
}
