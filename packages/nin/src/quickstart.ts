/**
 * `npm start`: the quick start. Trains the small NiN on all 60,000 Fashion-MNIST training images
 * on the CPU backend, tests it on all 10,000 test images after each epoch, writes the checkpoint
 * and the curves under ./runs/, and classifies a few test images with the trained model.
 */
import { modelInfo } from './checkpoint/index.js';
import { useBackend } from './cli/backend.js';
import { oneLine } from './cli/errors.js';
import { processIo, type CliIo } from './cli/io.js';
import { prepareOutput } from './cli/outputs.js';
import { loadSplit, locateData, runTraining, startRun } from './cli/training_run.js';
import { FASHION_MNIST_CLASSES } from './data/index.js';
import { formatPrediction, predictImages, type GrayImage } from './predict/index.js';
import { TRAINING_DEFAULTS } from './train/index.js';

const CHECKPOINT = 'runs/nin-small.safetensors';
const PLOT = 'runs/nin-small.svg';
const SHOWN = 8;

function minutes(seconds: number): string {
  return `${Math.floor(seconds / 60)} min ${(seconds % 60).toFixed(0)} s`;
}

async function quickStart(io: CliIo): Promise<void> {
  const started = performance.now();
  await prepareOutput('save', CHECKPOINT, '.safetensors');
  await prepareOutput('plot', PLOT, '.svg');
  await useBackend('cpu', io.out);
  const run = startRun(modelInfo('small'), { ...TRAINING_DEFAULTS.small, seed: 0, limitTrain: null, limitTest: null });
  const history = await runTraining(run, { save: CHECKPOINT, plot: PLOT }, io);
  const trained = performance.now();
  const last = history[history.length - 1];
  io.out(`test acc ${last.testAcc.toFixed(3)} on the 10,000 test images after ${last.epoch} epochs; checkpoint ${CHECKPOINT}, curves ${PLOT}`);

  // runTraining reported the data directory already
  const test = await loadSplit('test', await locateData(undefined, io, () => undefined), SHOWN);
  const images: GrayImage[] = Array.from({ length: test.count }, (_, i) => ({
    source: `test image ${i}`, index: i, width: test.size, height: test.size,
    // image i occupies [i * size^2, (i + 1) * size^2) of the pixels
    pixels: test.pixels.subarray(i * test.size * test.size, (i + 1) * test.size * test.size),
  }));
  const predictions = await predictImages(run.net, images, run.model.inputSize);
  io.out(`predictions on the first ${SHOWN} test images (true class in brackets):`);
  predictions.forEach((p, i) => io.out(`  ${formatPrediction(p)}  [${FASHION_MNIST_CLASSES[test.labels[i]]}]${p.label === test.labels[i] ? '' : '  (wrong)'}`));
  io.out(`quick start done in ${minutes((performance.now() - started) / 1000)} (training and testing ${minutes((trained - started) / 1000)}); ` +
    `try: npx nin predict --weights ${CHECKPOINT} IMAGE.png`);
}

const io = processIo();
try {
  await quickStart(io);
} catch (error) {
  io.err(`nin: ${oneLine(error)}`);
  process.exitCode = 1;
}
