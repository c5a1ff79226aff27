/**
 * A training run as the CLI and the quick start do it: a fresh or resumed model, Fashion-MNIST
 * from the usual places, per-epoch lines, a checkpoint and a plot after every epoch.
 */
import { manualSeed } from '@tapegrad/core';
import { writeFileAtomic, type Optimizer, type OptimizerOptionsJson, type Sequential } from '@tapegrad/nn';
import { buildModel, loadRun, saveRunCheckpoint, type ModelInfo, type RunSettings } from '../checkpoint/index.js';
import { loadFashionMnistBytes, locateFashionMnist, type ByteImageDataset, type DataSource, type DownloadProgress, type Split } from '../data/index.js';
import { renderTrainingPlot } from '../plot/index.js';
import { createOptimizer, createSchedule, formatEpochStats, initFromDataset, train, type EpochStats } from '../train/index.js';
import { withBatchSizeHint } from './errors.js';
import type { CliIo } from './io.js';
import { createProgress } from './progress.js';

/** A model and optimizer ready to train, with the run they belong to. */
export interface PreparedRun {
  readonly net: Sequential;
  readonly optimizer: Optimizer<OptimizerOptionsJson>;
  readonly model: ModelInfo;
  readonly settings: RunSettings;
  /** Epochs already trained. */
  readonly epoch: number;
  readonly history: readonly EpochStats[];
}

/** Where the data comes from and where results go. */
export interface RunOutputs {
  /** The `--data DIR` of the data look-up. */
  readonly dataDir?: string;
  /** Checkpoint written after every epoch. */
  readonly save?: string;
  /** SVG of the curves written after every epoch. */
  readonly plot?: string;
}

/** A new run: the model seeded with `settings.seed`, a fresh optimizer. */
export function startRun(model: ModelInfo, settings: RunSettings): PreparedRun {
  manualSeed(settings.seed);
  const net = buildModel(model);
  return { net, optimizer: createOptimizer(settings.optimizer, net.parameters(), settings.lr), model, settings, epoch: 0, history: [] };
}

/** The run saved in checkpoint `path`, to continue until `epochs` (default: as planned). */
export async function resumeRun(path: string, epochs?: number): Promise<PreparedRun> {
  const { model: net, optimizer, run } = await loadRun(path);
  const planned = epochs ?? run.settings.epochs;
  if (planned <= run.epoch) throw new Error(`${path}: already trained ${run.epoch} epochs; pass --epochs N with N > ${run.epoch} to train on`);
  return { net, optimizer, model: run.model, settings: { ...run.settings, epochs: planned }, epoch: run.epoch, history: run.history };
}

function downloadReporter(say: CliIo['out']): (progress: DownloadProgress) => void {
  let current = '';
  return ({ file, totalBytes }) => {
    if (file !== current) {
      current = file;
      say(`downloading ${file}${totalBytes ? ` (${(totalBytes / 1e6).toFixed(1)} MB)` : ''}`);
    }
  };
}

/** How the `data:` line names each place the look-up finds the data in. */
const SOURCE_NAMES: Readonly<Record<DataSource, string>> = {
  dir: 'from --data',
  env: 'from $TAPEGRAD_DATA',
  cache: 'the cache',
  system: "Debian's dataset-fashion-mnist",
  download: 'downloaded into the cache',
};

/**
 * The directory holding Fashion-MNIST, found as the data layer looks (`--data DIR` alone when
 * given; else `$TAPEGRAD_DATA`, the cache, Debian's folder, a download), reported through `say`:
 * `data: /path/fashion-mnist (from $TAPEGRAD_DATA)`.
 */
export async function locateData(dataDir: string | undefined, io: CliIo, say: CliIo['out'] = io.out): Promise<string> {
  const found = await locateFashionMnist({ dir: dataDir, env: io.env, home: io.env.HOME, onProgress: downloadReporter(say) });
  say(`data: ${found.dir} (${SOURCE_NAMES[found.source]})`);
  return found.dir;
}

/** Loads one split of Fashion-MNIST as bytes from `dir` (found by `locateData`), the first `limit` images or all. */
export function loadSplit(split: Split, dir: string, limit: number | null): Promise<ByteImageDataset> {
  return loadFashionMnistBytes({ split, dir, download: false, limit: limit ?? undefined });
}

/** `small NiN (widths 16, 32, 64), input 28x28` */
export function describeModel(model: ModelInfo): string {
  return `${model.variant} NiN (widths ${model.widths.join(', ')}), input ${model.inputSize}x${model.inputSize}`;
}

/**
 * Trains `run` to `run.settings.epochs`, printing one line per epoch (and progress). The
 * checkpoint is written as soon as an epoch's training steps are done, before its test pass (so
 * a failing test pass loses no training), and again with the test accuracy after it, with the
 * plot. The test pass runs in batches of the training batch size. An out-of-memory error says
 * which `--batch-size` to try. Returns the whole history (earlier epochs included).
 */
export async function runTraining(run: PreparedRun, outputs: RunOutputs, io: CliIo): Promise<EpochStats[]> {
  const { net, optimizer, model, settings } = run;
  const dataDir = await locateData(outputs.dataDir, io);
  const [trainData, testData] = [await loadSplit('train', dataDir, settings.limitTrain), await loadSplit('test', dataDir, settings.limitTest)];
  io.out(`training ${describeModel(model)} on ${trainData.count} images, testing on ${testData.count}; ` +
    `${settings.optimizer} lr ${settings.lr} (${settings.schedule}), batch ${settings.batchSize}, init ${settings.init}, seed ${settings.seed}` +
    (run.epoch > 0 ? `; resuming after epoch ${run.epoch}` : ''));
  const resize = model.inputSize === trainData.size ? undefined : model.inputSize;
  if (run.epoch === 0 && settings.init === 'data') initFromDataset(net, trainData, { seed: settings.seed, resize });
  const progress = createProgress(io);
  const history = [...run.history];
  try {
    await train({
      model: net,
      optimizer,
      trainData,
      testData,
      epochs: settings.epochs,
      startEpoch: run.epoch,
      batchSize: settings.batchSize,
      seed: settings.seed,
      resize,
      lrSchedule: createSchedule(settings.schedule, settings.lr, settings.epochs),
      onProgress: (p) => progress.update(p),
      onTrained: async ({ epoch }) => {
        // The history gains the epoch's line after its test pass.
        if (outputs.save) await saveRunCheckpoint(outputs.save, net, optimizer, { model, settings, epoch, history });
      },
      onEpoch: async (stats) => {
        progress.end();
        io.out(formatEpochStats(stats));
        history.push(stats);
        if (outputs.save) await saveRunCheckpoint(outputs.save, net, optimizer, { model, settings, epoch: stats.epoch, history });
        if (outputs.plot) await writeFileAtomic(outputs.plot, renderTrainingPlot(history), 'SVG plot');
      },
    });
  } catch (error) {
    throw withBatchSizeHint(error, settings.batchSize, run.epoch > 0 ? 'the resumed checkpoint' : undefined);
  } finally {
    progress.end();
  }
  return history;
}
