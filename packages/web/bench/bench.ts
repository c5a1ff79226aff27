/**
 * Numbers for packages/web: ms per image to classify and ms per training step of nin-small, in
 * headless Chromium on each backend (the built page, driven as the tests drive it) and in Node
 * with the same nin code. Run after `npx tsc -b`, with Fashion-MNIST where nin finds it:
 *
 *   npx vite-node packages/web/bench/bench.ts [--images 64] [--steps 8] [--batch 64] [--gpu-steps 3]
 *
 * BENCH_ONLY=cpu,gpujs-webgl2,gpujs-webgpu,gpujs-webasm limits the backends.
 * Classification: `--images` test images in one batch, the best of 3 runs after a warm-up run
 * (which compiles the GPU kernels). Training: the median step after the first two.
 */
import { parseArgs } from 'node:util';
import { CpuBackend } from '@tapegrad/backend-cpu';
import '@tapegrad/backend-gpujs';
import { createGpuJsBackend } from '@tapegrad/backend-gpujs';
import { registerBackend, setBackend } from '@tapegrad/core';
import {
  batches, buildModel, createOptimizer, epochSeeds, FASHION_MNIST_FILES, initFromDataset, loadFashionMnistBytes, loadModelFromBytes, locateFashionMnist,
  modelInfo, predictImages, readIdxImagesFile, trainStep,
} from '@tapegrad/nin';
import type { Page } from 'playwright-core';
import { buildPage, findChromium, launchChromium, noChromiumMessage, openPage, servePage } from '../test/harness.js';
import { makeReference } from '../test/reference.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '64' }, steps: { type: 'string', default: '8' }, batch: { type: 'string', default: '64' }, 'gpu-steps': { type: 'string', default: '3' } } });
const IMAGES = Number(values.images);
const STEPS = Number(values.steps);
const BATCH = Number(values.batch);
const GPU_STEPS = Number(values['gpu-steps']);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: string[] = [];
const report = (where: string, backend: string, msPerImage: number, msPerStep: number, steps: number): void => {
  const line = `${where.padEnd(9)} ${backend.padEnd(44)} ${msPerImage.toFixed(3).padStart(9)} ms/image ${msPerStep.toFixed(1).padStart(9)} ms/step (median of ${steps})`;
  rows.push(line);
  console.log(line);
};

const reference = await makeReference(1);
const located = await locateFashionMnist({ download: false });

// Node: the same nin code on the CPU backend and on gpu.js's Node modes.
registerBackend('gpujs-webasm', () => createGpuJsBackend({ mode: 'webasm' }), 0);
const idx = await readIdxImagesFile(located.files[FASHION_MNIST_FILES.testImages], { limit: IMAGES });
const images = Array.from({ length: IMAGES }, (_, i) => ({ source: 't10k', index: i, width: 28, height: 28, pixels: idx.data.slice(i * 784, (i + 1) * 784) }));
const trainData = await loadFashionMnistBytes({ split: 'train', dir: located.dir, limit: 2000 });
for (const backend of ['cpu', 'gpujs-webasm'].filter((b) => process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY.split(',').includes(b))) {
  await setBackend(backend);
  const { model, info } = loadModelFromBytes(reference.checkpoint, 'reference');
  const times: number[] = [];
  for (let run = 0; run < 4; run++) {
    const t = performance.now();
    await predictImages(model, images, info.inputSize, IMAGES);
    times.push(performance.now() - t);
  }
  const net = buildModel(modelInfo('small'));
  initFromDataset(net, trainData, { seed: 1 });
  net.train();
  const optimizer = createOptimizer('adam', net.parameters(), 0.003);
  const stream = batches(trainData, { batchSize: BATCH, shuffle: true, seed: epochSeeds(1, 1).shuffle });
  const stepMs: number[] = [];
  const steps = (backend === 'cpu' ? STEPS : GPU_STEPS) + 2;
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    const r = trainStep(net, optimizer, stream.next().value as Parameters<typeof trainStep>[2]);
    await r.loss?.data();
    r.loss?.dispose();
    r.correct.dispose();
    stepMs.push(performance.now() - t);
  }
  const active = await setBackend(backend);
  report('node', active instanceof CpuBackend ? `cpu (${active.threading})` : backend, Math.min(...times.slice(1)) / IMAGES, median(stepMs.slice(2)), stepMs.length - 2);
}

// Chromium: the built page.
const chromiumPath = findChromium();
if (chromiumPath === null) throw new Error(noChromiumMessage());
const dir = await buildPage();
const isolated = await servePage(dir, true);
const plain = await servePage(dir, false);
const gl = await launchChromium(chromiumPath);
const gpu = await launchChromium(chromiumPath, true);

async function pageNumbers(page: Page, steps: number): Promise<[number, number, number, string]> {
  const status = (await page.textContent('[data-testid="backend-status"]')) ?? '';
  await page.setInputFiles('[data-testid="checkpoint-input"]', { name: 'reference.safetensors', mimeType: 'application/octet-stream', buffer: reference.checkpoint });
  await page.waitForFunction(() => document.querySelector('[data-testid="model-status"]')?.textContent?.startsWith('reference.safetensors'));
  await page.fill('[data-testid="test-images-count"]', String(IMAGES));
  const times: number[] = [];
  for (let run = 0; run < 4; run++) {
    // The click shows the busy mark at once; it hides when the results (or an error) are in.
    await page.click('[data-testid="test-images-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="classify-busy"]')?.hasAttribute('hidden'), undefined, { timeout: 600_000 });
    const error = await page.textContent('[data-testid="classify-error"]');
    if (error) throw new Error(`classify: ${error}`);
    times.push(Number(await page.getAttribute('[data-testid="classify-timing"]', 'data-ms-per-image')));
  }
  await page.fill('[data-testid="train-steps"]', String(steps + 2));
  await page.fill('[data-testid="train-batch-size"]', String(BATCH));
  await page.fill('[data-testid="train-limit"]', '2000');
  await page.fill('[data-testid="train-test-limit"]', '0');
  await page.click('[data-testid="train-start"]');
  await page.waitForSelector('[data-testid="train-status"][data-finished="true"]', { timeout: 1_800_000 });
  const stepMs = JSON.parse((await page.getAttribute('[data-testid="train-status"]', 'data-step-ms')) ?? '[]') as number[];
  return [Math.min(...times.slice(1)), median(stepMs.slice(2)), stepMs.length - 2, status.replace(/^running: /, '')];
}

const only = process.env.BENCH_ONLY?.split(',');
const runs = ([
  ['cpu', gl, isolated, STEPS], ['cpu', gl, plain, STEPS], ['gpujs-webgl2', gl, isolated, GPU_STEPS], ['gpujs-webgpu', gpu, isolated, GPU_STEPS],
] as [string, typeof gl, typeof isolated, number][]).filter(([backend]) => only === undefined || only.includes(backend));
for (const [backend, browser, served, steps] of runs) {
  const { page, errors } = await openPage(browser, `${served.url}?backend=${backend}`);
  try {
    const [msPerImage, msPerStep, counted, status] = await pageNumbers(page, steps);
    report('chromium', status.length > 44 ? status.replace(/ \(WebAssembly SIMD.*?; /, ' (').replace(/ on shared memory.*/, ')').replace(/: the page is not.*/, ')') : status, msPerImage, msPerStep, counted);
  } catch (error) {
    console.log(`chromium ${backend}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (errors.length) console.log(`chromium ${backend} console errors: ${errors.join('; ')}`);
  await page.close();
}
await gl.close();
await gpu.close();
await isolated.close();
await plain.close();
console.log(`\n${rows.join('\n')}`);
