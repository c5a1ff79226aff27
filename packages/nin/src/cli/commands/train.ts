/** `nin train`: train a NiN on Fashion-MNIST, like the chapter's `train_ch5`. */
import { resolve } from 'node:path';
import { modelInfo, smallestInputSize, type ModelInfo, type RunSettings } from '../../checkpoint/index.js';
import { NIN_VARIANTS, type NinWidths } from '../../model/index.js';
import { INIT_NAMES, OPTIMIZER_NAMES, SCHEDULE_NAMES, TRAINING_DEFAULTS } from '../../train/index.js';
import { choiceOption, givenOptions, integerOption, parseCommandLine, positiveNumberOption, stringOption, type OptionValues } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { OPTION_BOUNDS } from '../option_bounds.js';
import { pathExists, prepareOutput } from '../outputs.js';
import { resumeRun, runTraining, startRun, type PreparedRun } from '../training_run.js';

const OPTIONS = {
  ...BACKEND_OPTION,
  variant: { type: 'string' },
  widths: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  schedule: { type: 'string' },
  init: { type: 'string' },
  resize: { type: 'string' },
  'limit-train': { type: 'string' },
  'limit-test': { type: 'string' },
  seed: { type: 'string' },
  data: { type: 'string' },
  save: { type: 'string' },
  resume: { type: 'string' },
  plot: { type: 'string' },
  overwrite: { type: 'boolean' },
} as const;

/** What a checkpoint fixes: these cannot be given with --resume. */
const FIXED_BY_CHECKPOINT = ['variant', 'widths', 'batch-size', 'lr', 'optimizer', 'schedule', 'init', 'resize', 'limit-train', 'limit-test', 'seed'];

function parseWidths(text: string | undefined): NinWidths | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || !parts.every((p) => /^\d+$/.test(p) && Number(p) > 0 && Number(p) <= OPTION_BOUNDS.width)) {
    throw new UsageError(`--widths must be three positive integers up to ${OPTION_BOUNDS.width} like 16,32,64, got '${text}'`);
  }
  const [a, b, c] = parts.map(Number);
  return [a, b, c];
}

/** The model and settings of a new run, from the options and the variant's defaults. */
function freshSpec(values: OptionValues): { model: ModelInfo; settings: RunSettings } {
  const variant = choiceOption(values, 'variant', NIN_VARIANTS, 'small');
  const defaults = TRAINING_DEFAULTS[variant];
  const inputSize = integerOption(values, 'resize', undefined, { max: OPTION_BOUNDS.inputSize });
  const model = modelInfo(variant, { widths: parseWidths(stringOption(values, 'widths')), inputSize });
  const settings: RunSettings = {
    optimizer: choiceOption(values, 'optimizer', OPTIMIZER_NAMES, defaults.optimizer),
    lr: positiveNumberOption(values, 'lr', defaults.lr, OPTION_BOUNDS.lr),
    schedule: choiceOption(values, 'schedule', SCHEDULE_NAMES, defaults.schedule),
    init: choiceOption(values, 'init', INIT_NAMES, defaults.init),
    batchSize: integerOption(values, 'batch-size', defaults.batchSize, { max: OPTION_BOUNDS.batchSize }),
    seed: integerOption(values, 'seed', 0, { min: 0, max: OPTION_BOUNDS.seed }),
    epochs: integerOption(values, 'epochs', defaults.epochs, { max: OPTION_BOUNDS.epochs }),
    limitTrain: integerOption(values, 'limit-train', undefined) ?? null,
    limitTest: integerOption(values, 'limit-test', undefined) ?? null,
  };
  return { model, settings };
}

/**
 * Refuses a `--save` file that exists, unless the run resumes that very file or `--overwrite`
 * says to replace it: a finished run is not lost to a repeated command line.
 */
async function checkOverwrite(save: string, resume: string | undefined, overwrite: boolean): Promise<void> {
  if (overwrite || (resume !== undefined && resolve(resume) === resolve(save))) return;
  if (await pathExists(save)) {
    throw new UsageError(`--save ${save}: the file exists (a checkpoint of another run?); pass --overwrite to replace it, or --resume ${save} to continue it`);
  }
}

/** Checks that the network takes `--resize N` images (`smallestInputSize`: every conv and pool keeps a side). */
function checkInputSize(model: ModelInfo): void {
  const smallest = smallestInputSize(model);
  if (model.inputSize < smallest) {
    throw new UsageError(`--resize ${model.inputSize}: too small for the ${model.variant} NiN (its kernels and pools need an input of at least ${smallest})`);
  }
}

/** `nin train [options]`: a fresh or resumed run, one line per epoch. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a NiN on Fashion-MNIST (one line per epoch)',
  help: `Usage: nin train [--variant small|d2l] [--epochs N] [--batch-size N] [--lr X]
                 [--optimizer adam|sgd] [--schedule constant|cosine] [--init model|data]
                 [--widths A,B,C] [--resize N] [--limit-train N] [--limit-test N] [--seed N]
                 [--data DIR] [--save FILE.safetensors] [--resume FILE.safetensors]
                 [--plot FILE.svg] [--overwrite] [--backend cpu|gpujs]

Trains on the Fashion-MNIST training images and tests on the test images after every epoch:
  epoch 1, loss 0.5123, train acc 0.812, test acc 0.845, time 41.2 sec
(loss: mean per example; train acc: over the epoch, in training mode; test acc: eval mode).
Defaults: small: ${describeDefaults('small')}.
          d2l:   ${describeDefaults('d2l')} (the chapter's).
--schedule cosine warms up over the first fifth of epoch 1, then decays to 0 at the last epoch.
--init data rescales every convolution on 256 training images before the first step, so each
channel starts with zero mean and unit variance (keeps the classifier block's channels alive).
--epochs is the last epoch to train. --save writes a checkpoint after every epoch (weights,
optimizer state, settings, history); it refuses a file that exists unless --overwrite is given
or the run resumes that file. --resume continues a checkpoint to --epochs (default: as planned,
a new value stretches the cosine schedule) with the settings it holds, to the same result as an
uninterrupted run on the same backend; it writes back to the resumed file unless --save says
otherwise. --plot writes the loss and accuracy curves as SVG. Both files are written atomically
(a temporary file renamed over the old one), and their folders are checked before training.
Bounds: --epochs up to ${OPTION_BOUNDS.epochs}, --batch-size up to ${OPTION_BOUNDS.batchSize}, --lr up to ${OPTION_BOUNDS.lr}, --resize up to ${OPTION_BOUNDS.inputSize},
--seed up to ${OPTION_BOUNDS.seed}, widths up to ${OPTION_BOUNDS.width}.
The data is looked for in --data DIR (DIR or DIR/fashion-mnist, nowhere else when given), else
$TAPEGRAD_DATA/fashion-mnist, ~/.cache/tapegrad/fashion-mnist, /usr/share/datasets/fashion-mnist,
then downloaded into the cache; the directory used is printed.`,
  async run(argv, io) {
    const { values } = parseCommandLine('train', argv, OPTIONS);
    const resume = stringOption(values, 'resume');
    if (resume !== undefined) {
      const clash = givenOptions(values, FIXED_BY_CHECKPOINT);
      if (clash.length > 0) throw new UsageError(`--${clash[0]} cannot be changed when resuming: the checkpoint fixes it`);
    }
    // Every option is checked before anything is written, the backend starts or data loads.
    const epochs = integerOption(values, 'epochs', undefined, { max: OPTION_BOUNDS.epochs });
    const spec = resume === undefined ? freshSpec(values) : undefined;
    const overwrite = values.overwrite === true;
    const givenSave = stringOption(values, 'save');
    if (overwrite && givenSave === undefined) throw new UsageError('--overwrite needs --save FILE (the file to replace)');
    // A resumed run goes on in its own file unless --save names another.
    const save = givenSave ?? resume;
    const plot = stringOption(values, 'plot');
    if (save !== undefined) {
      await prepareOutput(givenSave === undefined ? 'resume' : 'save', save, '.safetensors');
      await checkOverwrite(save, resume, overwrite);
    }
    if (plot !== undefined) await prepareOutput('plot', plot, '.svg');
    await useBackendOption(values, io.out);
    if (spec) checkInputSize(spec.model);
    const run: PreparedRun = spec ? startRun(spec.model, spec.settings) : await resumeRun(resume as string, epochs);
    if (givenSave === undefined && save !== undefined) io.out(`checkpoint: ${save} (the resumed file, rewritten after every epoch; --save FILE writes elsewhere)`);
    const history = await runTraining(run, { dataDir: stringOption(values, 'data'), save, plot }, io);
    const last = history.at(-1);
    if (last) io.out(`final test acc ${last.testAcc.toFixed(3)}${save ? `; checkpoint ${save}` : ''}${plot ? `; plot ${plot}` : ''}`);
  },
};

function describeDefaults(variant: 'small' | 'd2l'): string {
  const d = TRAINING_DEFAULTS[variant];
  return `${d.epochs} epochs, batch ${d.batchSize}, ${d.optimizer} lr ${d.lr}, ${d.schedule}, init ${d.init}`;
}
