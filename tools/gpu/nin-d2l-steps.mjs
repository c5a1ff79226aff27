#!/usr/bin/env node
/**
 * Training steps of the d2l NiN (1x224x224 input, 10 classes) on the gpujs backend with random
 * data: `@tapegrad/nin`'s model (PyTorch's default init), SGD and `trainStep`, timed by nin's
 * `timeTrainingSteps` (a step ends when its loss and the first layer's updated weights are
 * readable). Prints the mode, ms per step (median after the warm-up steps), effective
 * GFLOP/s (a step is 2.253 GMAC per image at 224, computed from the layers at other sizes) and
 * the projected epoch (60000 images) against the
 * seed notebook's 151 s per epoch.
 *
 *   node tools/gpu/nin-d2l-steps.mjs [--steps 20] [--warmup 2] [--batch 64] [--size 224] [--mode webgpu] [--lr 0.05]
 *                                    [--json FILE] [--max-part N] [--budget SECONDS]
 *
 * Needs the built packages (npm run build): it imports @tapegrad/core, @tapegrad/backend-gpujs and
 * @tapegrad/nin from their dist folders.
 */
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const steps = Number(option('steps', '20'));
const warmup = Number(option('warmup', '2'));
const batch = Number(option('batch', '64'));
const size = Number(option('size', '224'));
const lr = Number(option('lr', '0.05'));
const mode = option('mode', process.env.TAPEGRAD_GPUJS_MODE ?? 'webgpu');
const jsonFile = option('json', '');
// Splits tensors into parts of at most N elements (and keeps indices below N), as tensors over
// 2^24 elements are split: the batch-64 path at small sizes.
const maxPart = option('max-part', '');
// Stop early (reporting the steps done) rather than be killed by an outer time limit.
const budgetSeconds = Number(option('budget', '0'));
const SEED_EPOCH_SECONDS = 151;
const EPOCH_IMAGES = 60000;

/**
 * Multiply-adds of one training step per image: 3x the forward convolutions (forward, input
 * gradient, filter gradient) less the first layer's input gradient, which nothing needs. At 224
 * this is the issue's 2.253 GMAC.
 */
function stepMacsPerImage(inputSize) {
  const out = (h, k, s, p) => Math.floor((h + 2 * p - k) / s) + 1;
  const blocks = [[1, 96, 11, 4, 0], [96, 256, 5, 1, 2], [256, 384, 3, 1, 1], [384, 10, 3, 1, 1]];
  let h = inputSize;
  let forward = 0;
  let first = 0;
  blocks.forEach(([inC, outC, k, s, p], i) => {
    h = out(h, k, s, p);
    const main = outC * h * h * inC * k * k;
    if (i === 0) first = main;
    forward += main + 2 * outC * h * h * outC;
    if (i < 3) h = out(h, 3, 2, 0);
  });
  return 3 * forward - first;
}
const GMAC_PER_IMAGE = stepMacsPerImage(size) / 1e9;

process.env.TAPEGRAD_GPUJS_MODE = mode;
const core = await import('@tapegrad/core');
const gpujs = await import('@tapegrad/backend-gpujs');
const { createOptimizer, nin, randomBatch, timeTrainingSteps } = await import('@tapegrad/nin');
const { manualSeed, memory, registerBackend, setBackend } = core;

const log = (...parts) => console.log(`[nin-d2l ${new Date().toISOString().slice(11, 19)}]`, ...parts);

const t0 = performance.now();
let backend;
if (maxPart) {
  const custom = await gpujs.createGpuJsBackend({ mode, maxPartElements: Number(maxPart), maxIndex: Number(maxPart) });
  registerBackend('gpujs-bench', () => custom, 0);
  backend = await setBackend('gpujs-bench');
} else {
  backend = await setBackend('gpujs');
}
log(`backend gpujs, mode ${backend.mode} (requested ${mode}), batch ${batch}, input 1x${size}x${size}, ${steps} steps after ${warmup} warm-up${maxPart ? `, parts of ${maxPart}` : ''}`);
if (backend.mode !== mode) throw new Error(`requested mode ${mode} but the backend runs ${backend.mode}`);
log(`backend start ${(performance.now() - t0).toFixed(0)} ms`);

manualSeed(0);
const model = nin({ variant: 'd2l' });
const optimizer = createOptimizer('sgd', model.parameters(), lr);
const images = randomBatch(batch, size);

const runStart = performance.now();
const timed = await timeTrainingSteps(model, optimizer, Array.from({ length: warmup + steps }, () => images), ({ step, seconds, loss }) => {
  const warm = step <= warmup;
  log(`step ${step}${warm ? ' (warm-up)' : ''}: ${(seconds * 1000).toFixed(1)} ms, loss ${loss.toFixed(4)}, tensors ${memory().numTensors}`);
  const elapsed = (performance.now() - runStart) / 1000;
  if (budgetSeconds > 0 && !warm && step < warmup + steps && elapsed + 1.5 * seconds > budgetSeconds) {
    log(`stopping after ${step - warmup} timed steps: the ${budgetSeconds} s budget would run out`);
    return false;
  }
  return true;
});
const times = timed.slice(warmup).map((step) => step.seconds * 1000);
const losses = timed.map((step) => step.loss);

if (times.length === 0) {
  log('no timed step finished within the budget');
  process.exit(1);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const seconds = median / 1000;
const gflops = (2 * GMAC_PER_IMAGE * batch) / seconds;
const epochSeconds = (EPOCH_IMAGES / batch) * seconds;
const summary = {
  mode: backend.mode,
  device: process.env.TAPEGRAD_DEVICE_NAME ?? null,
  batch,
  size,
  steps: times.length,
  warmup,
  msPerStepMedian: Number(median.toFixed(1)),
  msPerStepMin: Number(sorted[0].toFixed(1)),
  msPerStepMax: Number(sorted[sorted.length - 1].toFixed(1)),
  gmacPerImage: Number(GMAC_PER_IMAGE.toFixed(4)),
  effectiveGflops: Number(gflops.toFixed(1)),
  projectedEpochSeconds: Number(epochSeconds.toFixed(1)),
  seedNotebookEpochSeconds: SEED_EPOCH_SECONDS,
  speedupVsSeed: Number((SEED_EPOCH_SECONDS / epochSeconds).toFixed(3)),
  firstLoss: losses[0],
  lastLoss: losses[losses.length - 1],
  kernels: backend.numKernels(),
  liveResults: backend.numLiveResults(),
};
log(`median ${median.toFixed(1)} ms/step (min ${sorted[0].toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}) over ${times.length} steps`);
log(`effective ${gflops.toFixed(1)} GFLOP/s (2 x ${GMAC_PER_IMAGE.toFixed(3)} GMAC x ${batch} images per step)`);
log(`projected epoch (60000 images, ${EPOCH_IMAGES / batch} steps): ${epochSeconds.toFixed(1)} s vs the seed notebook's ${SEED_EPOCH_SECONDS} s (${(SEED_EPOCH_SECONDS / epochSeconds).toFixed(2)}x)`);
console.log(`RESULT ${JSON.stringify(summary)}`);
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);

for (const p of model.parameters()) p.dispose();
backend.dispose();
if (backend.mode === 'webgpu') await gpujs.releaseWebGpuDevice();
if (!process.env.NO_EXIT) process.exit(0);
