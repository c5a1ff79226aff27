/**
 * Train nin-small on Fashion-MNIST in the page, with nin's building blocks (its model, data-driven
 * initialisation, Adam with warm-up and cosine decay, training step and evaluation): a progress
 * bar, a live loss/accuracy plot, a stop button and a save button writing a safetensors checkpoint
 * that `nin predict` and `nin eval` read.
 */
import { getBackend, manualSeed, memory } from '@tapegrad/core';
import {
  batches, buildModel, createOptimizer, createSchedule, epochSeeds, evaluateAccuracy, initFromDataset, modelInfo, saveModelToBytes,
  TRAINING_DEFAULTS, trainStep, type Batch, type ByteImageDataset,
} from '@tapegrad/nin';
import { describeBackend } from './backends.js';
import { dataSource, dataUnavailableReason } from './data_state.js';
import { byTestId, download, messageOf, say } from './dom.js';
import { loadSplit } from './fashion_data.js';
import { currentModel, describeInfo, setCurrentModel } from './model_state.js';
import { drawTrainingPlot, type StepPoint } from './training_plot.js';

/** Settings read from the form. */
interface TrainSettings {
  readonly steps: number;
  readonly batchSize: number;
  readonly limit: number;
  readonly testLimit: number;
  readonly seed: number;
}

function integerField(id: string, min: number, max: number): number {
  const text = byTestId<HTMLInputElement>(id).value;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${byTestId(id).dataset.label ?? id} must be a whole number from ${min} to ${max}, got '${text}'`);
  return value;
}

function readSettings(): TrainSettings {
  return {
    steps: integerField('train-steps', 1, 100_000),
    batchSize: integerField('train-batch-size', 1, 1024),
    limit: integerField('train-limit', 1, 60_000),
    testLimit: integerField('train-test-limit', 0, 10_000),
    seed: integerField('train-seed', 0, 2 ** 31 - 1),
  };
}

/** Yields to the browser between steps (so clicks and repaints get through) without the throttling of timers. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

let stopRequested = false;
let running = false;

/** Whether a run is in progress (the backend choice waits for it). */
export function trainingRunning(): boolean {
  return running;
}

/** Endless batches: epoch after epoch, each shuffled and with dropout seeded as `nin train` does. */
function* batchStream(data: ByteImageDataset, batchSize: number, seed: number): Generator<Batch, never> {
  for (let epoch = 1; ; epoch++) {
    const seeds = epochSeeds(seed, epoch);
    manualSeed(seeds.dropout);
    yield* batches(data, { batchSize, shuffle: true, seed: seeds.shuffle });
  }
}

async function run(settings: TrainSettings, onStarted: () => void): Promise<void> {
  const source = dataSource();
  if (!source) throw new Error(`no Fashion-MNIST to train on: ${dataUnavailableReason()}`);
  const status = byTestId('train-status');
  const progress = byTestId<HTMLProgressElement>('train-progress');
  const plot = byTestId<HTMLCanvasElement>('train-plot');
  status.textContent = `reading ${settings.limit} training images…`;
  const data = await loadSplit(source, 'train', settings.limit);
  const defaults = TRAINING_DEFAULTS.small;
  const info = modelInfo('small');
  manualSeed(settings.seed);
  const model = buildModel(info);
  if (defaults.init === 'data') initFromDataset(model, data, { seed: settings.seed });
  model.train();
  const optimizer = createOptimizer(defaults.optimizer, model.parameters(), defaults.lr);
  // The run is one schedule period: warm-up, then cosine decay to the last step.
  const schedule = createSchedule(defaults.schedule, defaults.lr, 1);
  const points: StepPoint[] = [];
  const tensors: number[] = [];
  const stepMs: number[] = [];
  const stream = batchStream(data, settings.batchSize, settings.seed);
  progress.max = settings.steps;
  onStarted();
  const started = performance.now();
  let msPerStep = 0;
  try {
    for (let step = 0; step < settings.steps && !stopRequested; step++) {
      const stepStarted = performance.now();
      optimizer.lr = schedule(1, step, settings.steps);
      const batch = stream.next().value;
      const result = trainStep(model, optimizer, batch);
      const [loss, correct] = await Promise.all([(result.loss as NonNullable<typeof result.loss>).data(), result.correct.data()]);
      result.loss?.dispose();
      result.correct.dispose();
      stepMs.push(performance.now() - stepStarted);
      points.push({ loss: loss[0], accuracy: correct[0] / result.count });
      tensors.push(memory().numTensors);
      msPerStep = (performance.now() - started) / points.length;
      progress.value = points.length;
      status.dataset.losses = JSON.stringify(points.map((p) => p.loss));
      status.dataset.tensors = JSON.stringify(tensors);
      status.dataset.msPerStep = String(msPerStep);
      status.dataset.stepMs = JSON.stringify(stepMs);
      status.textContent = `step ${points.length} of ${settings.steps}: loss ${loss[0].toFixed(4)}, batch accuracy ${(correct[0] / result.count).toFixed(3)}, ${msPerStep.toFixed(1)} ms per step, ${tensors[tensors.length - 1]} tensors, on ${describeBackend(getBackend())}`;
      drawTrainingPlot(plot, points, settings.steps);
      await yieldToPage();
    }
  } finally {
    model.eval();
    const description = `trained in the page: ${describeInfo(info)}, ${points.length} steps of ${settings.batchSize} on ${data.count} images`;
    setCurrentModel({ model, info, description });
  }
  const done = `${points.length === settings.steps ? 'done' : 'stopped'} after ${points.length} steps`;
  status.dataset.finished = 'true';
  if (settings.testLimit > 0) {
    status.textContent = `${done}; testing on ${settings.testLimit} test images…`;
    const test = await loadSplit(source, 'test', settings.testLimit);
    const accuracy = await evaluateAccuracy(model, test, { batchSize: 256 });
    byTestId('train-test-accuracy').textContent = `test accuracy ${accuracy.toFixed(3)} on ${test.count} test images`;
  }
  status.textContent = `${done}: last loss ${points.length ? points[points.length - 1].loss.toFixed(4) : 'none'}, ${msPerStep.toFixed(1)} ms per step, ${tensors[tensors.length - 1] ?? memory().numTensors} tensors`;
}

export function setUpTrainPanel(setBusy: (busy: boolean) => void): void {
  const start = byTestId<HTMLButtonElement>('train-start');
  const stop = byTestId<HTMLButtonElement>('train-stop');
  const save = byTestId<HTMLButtonElement>('train-save');
  start.addEventListener('click', () => {
    say('train-error', '');
    let settings: TrainSettings;
    try {
      settings = readSettings();
    } catch (error) {
      say('train-error', messageOf(error));
      return;
    }
    stopRequested = false;
    running = true;
    start.disabled = true;
    save.disabled = true;
    setBusy(true);
    const status = byTestId('train-status');
    delete status.dataset.finished;
    byTestId('train-test-accuracy').textContent = '';
    run(settings, () => { stop.disabled = false; })
      .catch((error: unknown) => say('train-error', messageOf(error)))
      .finally(() => {
        running = false;
        start.disabled = false;
        stop.disabled = true;
        save.disabled = currentModel() === null;
        status.dataset.finished = 'true';
        setBusy(false);
      });
  });
  stop.addEventListener('click', () => {
    stopRequested = true;
    stop.disabled = true;
  });
  save.addEventListener('click', () => {
    const current = currentModel();
    if (!current) return;
    saveModelToBytes(current.model, current.info)
      .then((bytes) => download(bytes, `nin-${current.info.variant}-web.safetensors`))
      .catch((error: unknown) => say('train-error', messageOf(error)));
  });
}
