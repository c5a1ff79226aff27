/**
 * Where tapegrad's time goes: the per-kernel breakdown of a training step (every backend call
 * timed, convolutions attributed to their layer), and the single-kernel mode (each conv pass of
 * every NiN layer shape alone, by im2col and by Winograd where it applies, the equivalent matmul,
 * tfjs-wasm's forward and input gradient beside them; and the machine's 128-bit FMA peak beside
 * the GEMM on square and NiN shapes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { convAlgorithm, type ConvPass } from '@tapegrad/backend-cpu';
import { computeConv2dInfo, type Backend, type Conv2dInfo, type DataId } from '@tapegrad/core';
import { convolutions, type ConvGeometry, type NetworkSpec } from './networks.js';
import { TapegradNnNin } from './tapegrad_nn_nin.js';
import { makeData } from './data.js';
import { median } from './stats.js';

type KernelFn = (...args: unknown[]) => unknown;

/** Backend methods that are storage bookkeeping, not kernels (`write` and `readSync` are timed: they copy). */
const bookkeeping = new Set(['constructor', 'read', 'incRef', 'disposeData', 'numDataIds', 'numBytes', 'dispose', 'memory', 'refCount']);

/**
 * Every kernel method of `backend`: its class's methods less the bookkeeping. Private helpers are
 * among them; they run only inside kernels, and only the outermost call is timed.
 */
function kernelNamesOf(backend: Backend): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(backend); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value === 'function' && !bookkeeping.has(name) && !name.startsWith('_')) names.add(name);
    }
  }
  return [...names];
}

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

/**
 * Times every backend call of `steps` training steps (after `warmup` untimed ones) of the user's path
 * (`TapegradNnNin`: nn modules, `nn.Adam`, `nin train`'s step).
 */
export async function profileTraining(backend: Backend, spec: NetworkSpec, steps: number, warmup: number): Promise<Profile> {
  const convs = convolutions(spec);
  const totals = new Map<string, { calls: number; ms: number; macs: number }>();
  const methods = backend as unknown as Record<string, KernelFn>;
  const kernelNames = kernelNamesOf(backend);
  let depth = 0;
  const net = new TapegradNnNin(makeData(spec));
  for (let i = 0; i < warmup; i++) await net.train();
  for (const name of kernelNames) {
    const original = methods[name].bind(backend);
    methods[name] = (...args: unknown[]) => {
      if (depth > 0) return original(...args);
      depth++;
      const start = performance.now();
      let result: unknown;
      try {
        result = original(...args);
      } finally {
        depth--;
      }
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

/** The backend's convolution algorithm override (see backend-cpu's `kernels/conv.ts`). */
const CONV_ENV = 'TAPEGRAD_CPU_CONV';

/** Runs `body` with `TAPEGRAD_CPU_CONV` set to `mode`, restoring it after. */
async function withConv<T>(mode: 'im2col' | 'winograd', body: () => Promise<T> | T): Promise<T> {
  const before = process.env[CONV_ENV];
  process.env[CONV_ENV] = mode;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env[CONV_ENV];
    else process.env[CONV_ENV] = before;
  }
}

/** The Winograd algorithm that would run `pass` of `info` when forced, or null where none applies. */
async function winogradFor(info: Conv2dInfo, pass: ConvPass): Promise<string | null> {
  const alg = await withConv('winograd', () => convAlgorithm(info, pass));
  return alg === 'im2col' ? null : alg.name;
}

/** The algorithm the backend's rule picks for `pass` of `info`. */
function picked(info: Conv2dInfo, pass: ConvPass): string {
  const alg = convAlgorithm(info, pass);
  return alg === 'im2col' ? alg : alg.name;
}

/**
 * Each conv pass of each layer of `spec` alone on tapegrad's backend, by im2col and by Winograd
 * where it applies (and tfjs-wasm where it has the kernel); the shape names what the rule picks.
 */
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
    const passes: [ConvPass, string, boolean, () => DataId][] = [
      ['forward', 'fwd', true, () => backend.conv2d(x, w, b, info, 'linear')],
      ['inputGrad', 'dx', g.needsInputGrad, () => backend.conv2dBackpropInput(dy, w, info)],
      ['filterGrad', 'dw', true, () => backend.conv2dBackpropFilter(x, dy, info)],
    ];
    const ms: Record<string, number | null> = {};
    for (const [pass, short, needed, kernel] of passes) {
      ms[`${short} im2col`] = needed ? await withConv('im2col', () => medianMs(reps, run(kernel))) : null;
      const winograd = needed ? await winogradFor(info, pass) : null;
      ms[`${short} winograd`] = winograd === null ? null : await withConv('winograd', () => medianMs(reps, run(kernel)));
    }
    // The forward GEMM alone, per image: [O, K] @ [K, P], the filter broadcast over the batch.
    ms.matmul = await medianMs(reps, run(() => backend.matmul(w, patches, { batch: g.batch, m: g.outChannels, n: positions, k: taps, transA: false, transB: false, aBatch: 1, bBatch: 1 })));
    const rule = passes.filter(([, , needed]) => needed).map(([pass, short]) => `${short} ${picked(info, pass)}`).join(', ');
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
      shape: `${g.inChannels}x${g.inSize}² -> ${g.outChannels}x${g.outSize}² k${g.kernel} s${g.stride} p${g.padding} (rule: ${rule})`,
      gmac: g.macs / 1e9,
      ms,
    });
  }
  return rows;
}

/** The part of the `WebAssembly` global used here (TypeScript declares it only in the DOM library). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * A WebAssembly module with one export, `fma(n)`: n rounds of `chains` independent
 * `f32x4.relaxed_madd` (or, without `fused`, f32x4.mul then f32x4.add) on registers only, the
 * chains' sum's lane 0 returned so that nothing is dead. Hand-encoded (the loop is all it holds).
 */
function fmaLoopModule(chains: number, fused: boolean): Uint8Array {
  const x = 1;
  const y = 2;
  const acc = (i: number): number => 3 + i;
  const splat = (v: number): number[] => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
  // acc_i = x * y + acc_i: relaxed_madd is 0xfd 0x105 (LEB128 0x85 0x02); mul 0xe6, add 0xe4 (0x01 continuation).
  const update = (i: number): number[] => (fused
    ? [0x20, x, 0x20, y, 0x20, acc(i), 0xfd, 0x85, 0x02, 0x21, acc(i)]
    : [0x20, acc(i), 0x20, x, 0x20, y, 0xfd, 0xe6, 0x01, 0xfd, 0xe4, 0x01, 0x21, acc(i)]);
  const code = [
    ...splat(1.0000001), 0x21, x, ...splat(0.9999999), 0x21, y,
    0x03, 0x40, // loop
    ...Array.from({ length: chains }, (_, i) => update(i)).flat(),
    0x20, 0, 0x41, 0x01, 0x6b, 0x22, 0, 0x0d, 0x00, // n = n - 1; br_if n
    0x0b, // end loop
    0x20, acc(0), ...Array.from({ length: chains - 1 }, (_, i) => [0x20, acc(i + 1), 0xfd, 0xe4, 0x01]).flat(),
    0xfd, 0x1f, 0x00, // f32x4.extract_lane 0
    0x0b,
  ];
  const body = [0x01, chains + 2, 0x7b, ...code]; // one run of chains + 2 v128 locals
  // Sizes in unsigned LEB128.
  const leb = (value: number): number[] => (value < 0x80 ? [value] : [(value & 0x7f) | 0x80, ...leb(value >>> 7)]);
  const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]), // type (i32) -> f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x03, 0x66, 0x6d, 0x61, 0x00, 0x00]), // export "fma"
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

/**
 * The machine's 128-bit FMA peak on one core (this thread): the best of `reps` runs of a
 * register-only loop of 10 independent f32x4 chains (enough to cover the FMA latency; more spill
 * on x64's 16 vector registers), as a row of `rounds * 10 * 4` multiply-adds. The shape names the
 * vector FMAs per ns and the clock they imply at two FMA pipes.
 */
function fmaPeak(reps: number, fused: boolean): KernelRow {
  const chains = 10;
  const rounds = 5e6;
  const fma = new wasm.Instance(new wasm.Module(fmaLoopModule(chains, fused))).exports.fma as (n: number) => number;
  fma(1e4);
  let best = Infinity;
  for (let i = 0; i < Math.max(3, reps); i++) {
    const start = performance.now();
    fma(rounds);
    best = Math.min(best, performance.now() - start);
  }
  const perNs = (rounds * chains) / best / 1e6;
  const what = fused ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add';
  return {
    layer: fused ? 'FMA peak' : 'mul+add peak',
    shape: `1 thread, ${chains} chains of ${what}, registers only, best of ${Math.max(3, reps)}: ${perNs.toFixed(2)} per ns (${(perNs / 2).toFixed(2)} GHz at 2 per cycle)`,
    gmac: (rounds * chains * 4) / 1e9,
    ms: { ms: best },
  };
}

/** GEMM shapes: square ones, and NiN's im2col products (forward, filter gradient with B transposed, pointwise). */
const gemmShapes: readonly { m: number; n: number; k: number; transB: boolean; what: string }[] = [
  { m: 512, n: 512, k: 512, transB: false, what: 'square' },
  { m: 1024, n: 1024, k: 1024, transB: false, what: 'square' },
  { m: 256, n: 676, k: 2400, transB: false, what: 'd2l block2 forward (one image)' },
  { m: 2400, n: 256, k: 676, transB: true, what: 'd2l block2 filter grad (one image)' },
  { m: 384, n: 144, k: 2304, transB: false, what: 'd2l block3 forward (one image)' },
  { m: 96, n: 2916, k: 96, transB: false, what: 'd2l block1 1x1 (one image)' },
];

/**
 * The FMA peak of one core (fused, and multiply then add) beside single GEMMs on the backend's
 * threads (GFLOP/s per core: divide by the threads, or run with TAPEGRAD_CPU_THREADS=1).
 */
export async function machineTable(backend: Backend & { readonly threads: number; readonly fusedMultiplyAdd: boolean }, reps: number): Promise<KernelRow[]> {
  const rows = [...(backend.fusedMultiplyAdd ? [fmaPeak(reps, true)] : []), fmaPeak(reps, false)];
  for (const { m, n, k, transB, what } of gemmShapes) {
    const a = backend.write(randomValues(m * k), [m, k]);
    const b = backend.write(randomValues(k * n), transB ? [n, k] : [k, n]);
    const ms = await medianMs(reps, () => backend.disposeData(backend.matmul(a, b, { batch: 1, m, n, k, transA: false, transB, aBatch: 1, bBatch: 1 })));
    backend.disposeData(a);
    backend.disposeData(b);
    rows.push({ layer: `gemm ${m}x${n}x${k}${transB ? ' B^T' : ''}`, shape: `${what}, ${backend.threads} threads`, gmac: (m * n * k) / 1e9, ms: { ms } });
  }
  return rows;
}
