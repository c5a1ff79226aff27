/**
 * Times training steps of the d2l NiN at 224x224 (the chapter's setting): by default 10 steps of
 * batch 8 with SGD, on Fashion-MNIST training images resized as in training.
 *
 * Usage: node packages/nin/dist/bench_d2l.js [--steps 10] [--batch-size 8] [--backend cpu|gpujs] [--data DIR]
 */
import { manualSeed } from '@tapegrad/core';
import { integerOption, parseCommandLine, stringOption } from './cli/args.js';
import { BACKEND_OPTION, useBackendOption } from './cli/backend.js';
import { oneLine } from './cli/errors.js';
import { processIo } from './cli/io.js';
import { loadSplit, locateData } from './cli/training_run.js';
import { batches } from './data/index.js';
import { convMacs, nin } from './model/index.js';
import { createOptimizer, timeTrainingSteps } from './train/index.js';

const io = processIo();
try {
  const { values } = parseCommandLine('bench_d2l', process.argv.slice(2), {
    ...BACKEND_OPTION, steps: { type: 'string' }, 'batch-size': { type: 'string' }, data: { type: 'string' },
  });
  const steps = integerOption(values, 'steps', 10);
  const batchSize = integerOption(values, 'batch-size', 8);
  const backend = await useBackendOption(values, io.out);
  const data = await loadSplit('train', await locateData(stringOption(values, 'data'), io), steps * batchSize);
  manualSeed(0);
  const model = nin({ variant: 'd2l' });
  const optimizer = createOptimizer('sgd', model.parameters(), 0.1);
  const gmac = convMacs(model, [1, 1, 224, 224]) / 1e9;
  io.out(`d2l NiN, 224x224, batch ${batchSize}, ${steps} steps, backend ${backend}: forward ${gmac.toFixed(3)} GMAC per image`);
  const timed = await timeTrainingSteps(model, optimizer, batches(data, { batchSize, resize: 224 }), ({ step, seconds, loss }) => {
    io.out(`step ${step}: ${seconds.toFixed(2)} s, loss ${loss.toFixed(4)}`);
  });
  const times = timed.map((s) => s.seconds);
  const total = times.reduce((a, b) => a + b, 0);
  const rest = times.slice(1);
  const steady = rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : total;
  // Training is about 3x the forward pass's work (forward, input gradient, weight gradient).
  const gflops = (3 * 2 * gmac * batchSize) / steady;
  io.out(`${steps} steps: ${total.toFixed(1)} s (first ${times[0].toFixed(2)} s, then ${steady.toFixed(2)} s per step, about ${gflops.toFixed(1)} GFLOP/s)`);
} catch (error) {
  io.err(`bench_d2l: ${oneLine(error)}`);
  process.exitCode = 1;
}
