/**
 * Runs in Chromium (bundled by tools/gpu/chromium-webgpu.mjs): every kernel of the gpujs backend
 * in the browser's gpu.js mode under test (webgpu by default) against gpu.js's cpu mode on the
 * same kernel sources and inputs, then a few training steps with a leak check. Reports through
 * console lines `RESULT {...}` and `DONE {...}`.
 */
import {
  computeConv2dInfo, computePool2dInfo, conv2d, createGenerator, crossEntropy, flatten, full, manualSeed, maxPool2d, memory, mul, noGrad,
  ones, randn, registerBackend, relu, setBackend, sub, tensor, tidy, zeros,
  type Backend, type BinaryKernel, type DataId, type Tensor, type UnaryKernel,
} from '@tapegrad/core';
import { createGpuJsBackend, type GpuJsBackend, type GpuJsMode } from '@tapegrad/backend-gpujs';

interface Input { values: Float32Array; shape: number[] }
interface Case { name: string; inputs: Input[]; run: (b: Backend, ids: DataId[]) => DataId; atol?: number; rtol?: number }

const inputs = createGenerator(99);
const input = (shape: number[], lo = -1, hi = 1): Input => ({ shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * inputs.uniform()) });

function cases(): Case[] {
  const out: Case[] = [];
  const unary: UnaryKernel[] = ['neg', 'exp', 'relu', 'sigmoid', 'tanh', 'step'];
  for (const op of unary) out.push({ name: op, inputs: [input([7, 11], -4, 4)], run: (b, [x]) => b[op](x, 77) });
  for (const op of ['log', 'sqrt'] as const) out.push({ name: op, inputs: [input([7, 11], 0.01, 5)], run: (b, [x]) => b[op](x, 77) });
  const binary: BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'maximum', 'greater', 'pow'];
  const shapes: [number[], number[], number[]][] = [[[5, 13], [5, 13], [5, 13]], [[5, 13], [], [5, 13]], [[2, 1, 9], [5, 1], [2, 5, 9]]];
  for (const op of binary) {
    for (const [aShape, bShape, outShape] of shapes) {
      const a = op === 'pow' ? input(aShape, 0.1, 3) : input(aShape);
      const b = op === 'div' ? input(bShape, 0.5, 2) : input(bShape);
      out.push({ name: `${op} ${aShape}x${bShape}`, inputs: [a, b], run: (be, [x, y]) => be[op](x, y, { aShape, bShape, outShape }) });
    }
  }
  out.push({ name: 'pow negative base', inputs: [input([4, 5], -3, 3), { shape: [5], values: Float32Array.from([0, 1, 2, 3, -1]) }], run: (b, [x, y]) => b.pow(x, y, { aShape: [4, 5], bShape: [5], outShape: [4, 5] }) });
  for (const [outSize, reduceSize] of [[6, 7], [2, 2500]]) {
    out.push({ name: `sum ${outSize}x${reduceSize}`, inputs: [input([outSize, reduceSize])], run: (b, [x]) => b.sum(x, { outSize, reduceSize }), atol: 1e-4 });
    out.push({ name: `max ${outSize}x${reduceSize}`, inputs: [input([outSize, reduceSize])], run: (b, [x]) => b.max(x, { outSize, reduceSize }) });
    out.push({ name: `argmax ${outSize}x${reduceSize}`, inputs: [input([outSize, reduceSize])], run: (b, [x]) => b.argmax(x, { outSize, reduceSize }) });
  }
  out.push({ name: 'transpose 4d', inputs: [input([3, 4, 5, 6])], run: (b, [x]) => b.transpose(x, [3, 4, 5, 6], [1, 0, 3, 2]) });
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const [m, n, k] = [5, 7, 6];
    out.push({
      name: `matmul ${transA} ${transB}`,
      inputs: [input(transA ? [3, k, m] : [3, m, k]), input(transB ? [1, n, k] : [1, k, n])],
      run: (b, [x, y]) => b.matmul(x, y, { batch: 3, m, n, k, transA, transB, aBatch: 3, bBatch: 1 }),
    });
  }
  out.push({ name: 'oneHot', inputs: [{ shape: [6], values: Float32Array.from([0, 3, 2, 9, 1, 5]) }], run: (b, [x]) => b.oneHot(x, 6, 10) });
  out.push({ name: 'fill', inputs: [], run: (b) => b.fill(300, -0.75) });
  const y = input([7, 11]);
  y.values.set([0, -0, Number.NaN, 1e-30, -1e-30]);
  out.push({ name: 'reluBackprop (NaN y passes dy)', inputs: [input([7, 11]), y], run: (b, [dy, v]) => b.reluBackprop(dy, v, 77) });
  const convs: [number[], number[], number | [number, number], number | [number, number]][] = [
    [[2, 3, 7, 7], [4, 3, 3, 3], 1, 1], [[2, 2, 9, 8], [3, 2, 3, 2], [2, 3], [1, 0]], [[3, 4, 5, 5], [6, 4, 1, 1], 1, 0], [[1, 1, 12, 12], [2, 1, 5, 5], 4, 2],
  ];
  for (const [xs, ws, stride, padding] of convs) {
    const info = computeConv2dInfo(xs, ws, stride, padding);
    out.push({ name: `conv2d ${xs}/${ws}`, inputs: [input(xs), input(ws), input([ws[0]])], run: (b, [x, w, bias]) => b.conv2d(x, w, bias, info, 'linear') });
    out.push({ name: `conv2d+relu ${xs}/${ws}`, inputs: [input(xs), input(ws), input([ws[0]])], run: (b, [x, w, bias]) => b.conv2d(x, w, bias, info, 'relu') });
    out.push({ name: `conv2dBackpropInput ${xs}/${ws}`, inputs: [input([...info.outShape]), input(ws)], run: (b, [dy, w]) => b.conv2dBackpropInput(dy, w, info) });
    out.push({ name: `conv2dBackpropFilter ${xs}/${ws}`, inputs: [input(xs), input([...info.outShape])], run: (b, [x, dy]) => b.conv2dBackpropFilter(x, dy, info) });
  }
  const pools: [number[], number | [number, number], number | [number, number], number | [number, number]][] = [[[2, 3, 7, 7], 3, 2, 0], [[2, 2, 8, 9], 3, 2, 1], [[1, 3, 6, 6], [2, 3], [1, 2], [1, 1]]];
  for (const [xs, k, s, p] of pools) {
    const info = computePool2dInfo('maxPool2d', xs, k, s, p);
    out.push({ name: `maxPool2d ${xs}`, inputs: [input(xs)], run: (b, [x]) => b.maxPool2d(x, info) });
    out.push({ name: `avgPool2d ${xs}`, inputs: [input(xs)], run: (b, [x]) => b.avgPool2d(x, info) });
    // gpu.js keeps x itself as maxPool2dWithArgmax's argmax.
    out.push({ name: `maxPool2dBackprop ${xs}`, inputs: [input([...info.outShape]), input(xs)], run: (b, [dy, x]) => b.maxPool2dBackpropArgmax(dy, x, info) });
    out.push({ name: `avgPool2dBackprop ${xs}`, inputs: [input([...info.outShape])], run: (b, [dy]) => b.avgPool2dBackprop(dy, info) });
  }
  // One kernel fed a device result, then a host array, in the same argument (webgpu keeps the
  // argument kinds of a kernel's first call, so the cache key must hold them).
  out.push({
    name: 'mixed argument kinds',
    inputs: [input([9]), input([9])],
    run: (b, [x, y]) => {
      const info = { aShape: [9], bShape: [9], outShape: [9] };
      const ex = b.exp(x, 9);
      const first = b.mul(ex, y, info);
      const second = b.mul(y, first, info);
      b.disposeData(ex);
      b.disposeData(first);
      return second;
    },
  });
  // IEEE special values (the conformance suite checks these exactly).
  const edges = { shape: [5], values: Float32Array.from([0, -1, 1, Infinity, -Infinity]) };
  for (const op of ['log', 'sqrt', 'relu', 'neg'] as const) out.push({ name: `${op} specials`, inputs: [edges], run: (b, [x]) => b[op](x, 5), atol: 0, rtol: 0 });
  const infinities = { shape: [4], values: Float32Array.from([Infinity, -Infinity, 0, 200]) };
  for (const op of ['exp', 'sigmoid', 'tanh'] as const) out.push({ name: `${op} specials`, inputs: [infinities], run: (b, [x]) => b[op](x, 4), atol: 0, rtol: 0 });
  out.push({ name: 'exp overflow', inputs: [{ shape: [3], values: Float32Array.from([100, -200, 0]) }], run: (b, [x]) => b.exp(x, 3), atol: 0, rtol: 0 });
  out.push({
    name: 'div by zero',
    inputs: [{ shape: [3], values: Float32Array.from([1, -1, 0]) }, { shape: [3], values: new Float32Array(3) }],
    run: (b, [x, y]) => b.div(x, y, { aShape: [3], bShape: [3], outShape: [3] }),
    atol: 0,
    rtol: 0,
  });
  return out;
}

async function runCase(backend: Backend, c: Case): Promise<Float32Array> {
  const ids = c.inputs.map((i) => backend.write(i.values, i.shape));
  const outId = c.run(backend, ids);
  const values = (await backend.read(outId)).slice();
  for (const id of [...ids, outId]) backend.disposeData(id);
  return values;
}

async function trainCheck(backend: GpuJsBackend): Promise<{ losses: number[]; tensorsStable: boolean; resultsStable: boolean }> {
  registerBackend('gpujs-under-test', () => backend, 0);
  await setBackend('gpujs-under-test');
  manualSeed(1);
  const x = tensor(Float32Array.from({ length: 8 * 64 }, (_, i) => ((i * 37) % 11) / 11 + (i % 64 < 16 && Math.floor(i / 64) % 2 ? 0.8 : 0)), [8, 1, 8, 8]);
  const labels = Int32Array.from({ length: 8 }, (_, i) => i % 2);
  const w = tidy(() => mul(randn([4, 1, 3, 3]), 0.3));
  const b = tensor(new Float32Array(4), [4]);
  const fc = tidy(() => mul(randn([64, 2]), 0.1));
  const params = [w, b, fc];
  for (const p of params) p.requiresGrad = true;
  const step = (): Tensor => tidy(() => {
    const h = maxPool2d(relu(conv2d(x, w, b, { padding: 1 })), { kernelSize: 2 });
    const loss = crossEntropy(flatten(h, 1).matmul(fc), labels);
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.assign(sub(p, mul(p.grad as Tensor, 0.5)));
        p.grad?.dispose();
        p.grad = null;
      }
    });
    return loss;
  });
  const losses: number[] = [];
  const first = step();
  losses.push((await first.data())[0]);
  first.dispose();
  await backend.flush();
  const tensors = memory().numTensors;
  const results = backend.numLiveResults();
  for (let s = 0; s < 30; s++) {
    const loss = step();
    if (s === 29) losses.push((await loss.data())[0]);
    loss.dispose();
  }
  await backend.flush();
  const out = { losses, tensorsStable: memory().numTensors === tensors, resultsStable: backend.numLiveResults() === results };
  for (const p of params) p.dispose();
  x.dispose();
  return out;
}

/**
 * The calls at full size, tensors over 2^24 elements in parts, through core ops (with
 * `big=1`): zeros([2e7]).add(1), its sum, the mean of [64, 96, 54, 54], and a conv2d whose output
 * [64, 96, 54, 54] is all ones. Each returns an error message, or '' when the values are right.
 */
async function bigChecks(backend: GpuJsBackend): Promise<[string, () => Promise<string>][]> {
  registerBackend('gpujs-big', () => backend, 0);
  await setBackend('gpujs-big');
  const all = (values: Float32Array, expected: number, tol: number): string => {
    const bad = values.findIndex((v) => !(Math.abs(v - expected) <= tol));
    return bad < 0 ? '' : `[${bad}] ${values[bad]} vs ${expected}`;
  };
  const checked = async (make: () => Tensor, expected: number, tol: number): Promise<string> => {
    const t = make();
    const message = all(await t.data(), expected, tol);
    t.dispose();
    return message;
  };
  return [
    ['zeros([2e7]).add(1)', () => checked(() => tidy(() => zeros([2e7]).add(1)), 1, 0)],
    ['zeros([2e7]).add(1).sum()', () => checked(() => tidy(() => zeros([2e7]).add(1).sum()), 2e7, 0)],
    ['full([64, 96, 54, 54], 2).mean()', () => checked(() => tidy(() => full([64, 96, 54, 54], 2).mean()), 2, 1e-6)],
    ['conv2d to [64, 96, 54, 54] (+relu)', () => checked(() => tidy(() => relu(conv2d(ones([64, 1, 224, 224]), full([96, 1, 11, 11], 1 / 121), null, { stride: 4 }))), 1, 1e-5)],
  ];
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const mode = (params.get('mode') ?? 'webgpu') as GpuJsMode;
  const numberParam = (name: string): number | undefined => (params.get(name) ? Number(params.get(name)) : undefined);
  // Lowered part, index and binding limits run the paths of huge tensors on these small cases.
  const bounds = { maxPartElements: numberParam('limit'), maxIndex: numberParam('index'), maxArrays: numberParam('arrays') };
  const summary = { mode, ...bounds, cases: 0, failed: 0, worstAbs: 0, worstCase: '', train: null as unknown };
  try {
    const gpu = await createGpuJsBackend({ mode, ...bounds });
    const reference = await createGpuJsBackend({ mode: 'cpu', ...bounds });
    console.log(`INFO backend mode ${gpu.mode}, async ${gpu.isAsync}`);
    const adapter = await (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ limits: Record<string, number> } | null> } }).gpu?.requestAdapter();
    if (adapter) console.log(`INFO adapter maxStorageBuffersPerShaderStage ${adapter.limits.maxStorageBuffersPerShaderStage}, maxStorageBufferBindingSize ${adapter.limits.maxStorageBufferBindingSize}`);
    for (const c of cases()) {
      summary.cases++;
      let message = '';
      try {
        const [actual, expected] = [await runCase(gpu, c), await runCase(reference, c)];
        let worst = 0;
        let bad = -1;
        for (let i = 0; i < expected.length; i++) {
          if (Object.is(actual[i], expected[i]) || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) continue;
          const d = Math.abs(actual[i] - expected[i]);
          if (!(d <= (c.atol ?? 1e-5) + (c.rtol ?? 1e-4) * Math.abs(expected[i])) && bad < 0) bad = i;
          if (Number.isFinite(d)) worst = Math.max(worst, d);
        }
        if (actual.length !== expected.length) message = `length ${actual.length} vs ${expected.length}`;
        else if (bad >= 0) message = `[${bad}] ${actual[bad]} vs ${expected[bad]} (max |d| ${worst})`;
        if (worst > summary.worstAbs) { summary.worstAbs = worst; summary.worstCase = c.name; }
      } catch (error) {
        message = `threw: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (message) summary.failed++;
      console.log(`RESULT ${encodeURIComponent(JSON.stringify({ case: c.name, ok: !message, message }))}`);
    }
    if (params.get('big')) {
      for (const [name, check] of await bigChecks(gpu)) {
        summary.cases++;
        const start = performance.now();
        let message = '';
        try {
          message = await check();
        } catch (error) {
          message = `threw: ${error instanceof Error ? error.message : String(error)}`;
        }
        if (message) summary.failed++;
        console.log(`INFO ${name}: ${message || 'right'} after ${Math.round(performance.now() - start)} ms`);
        console.log(`RESULT ${encodeURIComponent(JSON.stringify({ case: name, ok: !message, message }))}`);
      }
    }
    await gpu.flush();
    console.log(`INFO after cases: dataIds ${gpu.numDataIds()}, live results ${gpu.numLiveResults()}, kernels ${gpu.numKernels()}`);
    if (gpu.numDataIds() !== 0 || gpu.numLiveResults() !== 0) summary.failed++;
    summary.train = await trainCheck(gpu);
    const t = summary.train as { losses: number[]; tensorsStable: boolean; resultsStable: boolean };
    if (!t.tensorsStable || !t.resultsStable || !(t.losses[1] < t.losses[0])) summary.failed++;
  } catch (error) {
    summary.failed++;
    console.log(`ERROR ${encodeURIComponent(JSON.stringify(error instanceof Error ? { message: error.message, stack: error.stack } : String(error)))}`);
  }
  console.log(`DONE ${encodeURIComponent(JSON.stringify(summary))}`);
}

void main();
