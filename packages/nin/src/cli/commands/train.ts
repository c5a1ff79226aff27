/** `nin train`: train a NiN on Fashion-MNIST, like the chapter's `train_ch5`. */
import { modelInfo, type ModelInfo, type RunSettings } from '../../checkpoint/index.js';
import { NIN_VARIANTS, type NinWidths } from '../../model/index.js';
import { INIT_NAMES, OPTIMIZER_NAMES, SCHEDULE_NAMES, TRAINING_DEFAULTS } from '../../train/index.js';
import { choiceOption, givenOptions, integerOption, parseCommandLine, positiveNumberOption, stringOption, type OptionValues } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { prepareOutput } from '../outputs.js';
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
} as const;

/** What a checkpoint fixes: these cannot be given with --resume. */
const FIXED_BY_CHECKPOINT = ['variant', 'widths', 'batch-size', 'lr', 'optimizer', 'schedule', 'init', 'resize', 'limit-train', 'limit-test', 'seed'];

function parseWidths(text: string | undefined): NinWidths | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || !parts.every((p) => /^\d+$/.test(p) && Number(p) > 0)) {
    throw new UsageError(`--widths must be three positive integers like 16,32,64, got '${text}'`);
  }
  const [a, b, c] = parts.map(Number);
  return [a, b, c];
}

/** The model and settings of a new run, from the options and the variant's defaults. */
function freshSpec(values: OptionValues): { model: ModelInfo; settings: RunSettings } {
  const variant = choiceOption(values, 'variant', NIN_VARIANTS, 'small');
  const defaults = TRAINING_DEFAULTS[variant];
  const model = modelInfo(variant, { widths: parseWidths(stringOption(values, 'widths')), inputSize: integerOption(values, 'resize', undefined) });
  const settings: RunSettings = {
    optimizer: choiceOption(values, 'optimizer', OPTIMIZER_NAMES, defaults.optimizer),
    lr: positiveNumberOption(values, 'lr', defaults.lr),
    schedule: choiceOption(values, 'schedule', SCHEDULE_NAMES, defaults.schedule),
    init: choiceOption(values, 'init', INIT_NAMES, defaults.init),
    batchSize: integerOption(values, 'batch-size', defaults.batchSize),
    seed: integerOption(values, 'seed', 0, 0),
    epochs: integerOption(values, 'epochs', defaults.epochs),
    limitTrain: integerOption(values, 'limit-train', undefined) ?? null,
    limitTest: integerOption(values, 'limit-test', undefined) ?? null,
  };
  return { model, settings };
}

/** `nin train [options]`: a fresh or resumed run, one line per epoch. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a NiN on Fashion-MNIST (one line per epoch)',
  help: `Usage: nin train [--variant small|d2l] [--epochs N] [--batch-size N] [--lr X]
                 [--optimizer adam|sgd] [--schedule constant|cosine] [--init model|data]
                 [--widths A,B,C] [--resize N] [--limit-train N] [--limit-test N] [--seed N]
                 [--data DIR] [--save FILE.safetensors] [--resume FILE.safetensors]
                 [--plot FILE.svg] [--backend cpu|gpujs]

Trains on the Fashion-MNIST training images and tests on the test images after every epoch:
  epoch 1, loss 0.5123, train acc 0.812, test acc 0.845, time 41.2 sec
(loss: mean per example; train acc: over the epoch, in training mode; test acc: eval mode).
Defaults: small: ${describeDefaults('small')}.
          d2l:   ${describeDefaults('d2l')} (the chapter's).
--schedule cosine warms up over the first fifth of epoch 1, then decays to 0 at the last epoch.
--init data rescales every convolution on 256 training images before the first step, so each
channel starts with zero mean and unit variance (keeps the classifier block's channels alive).
--epochs is the last epoch to train. --save writes a checkpoint after every epoch (weights,
optimizer state, settings, history); --resume continues one to --epochs (default: as planned,
a new value stretches the cosine schedule) with the settings it holds, to the same result as an
uninterrupted run on the same backend.
--plot writes the loss and accuracy curves as SVG. The data is looked for in --data DIR,
$TAPEGRAD_DATA/fashion-mnist, ~/.cache/tapegrad/fashion-mnist, /usr/share/datasets/fashion-mnist,
then downloaded into the cache.`,
  async run(argv, io) {
    const { values } = parseCommandLine('train', argv, OPTIONS);
    const resume = stringOption(values, 'resume');
    if (resume !== undefined) {
      const clash = givenOptions(values, FIXED_BY_CHECKPOINT);
      if (clash.length > 0) throw new UsageError(`--${clash[0]} cannot be changed when resuming: the checkpoint fixes it`);
    }
    const save = stringOption(values, 'save');
    const plot = stringOption(values, 'plot');
    if (save !== undefined) await prepareOutput('save', save, '.safetensors');
    if (plot !== undefined) await prepareOutput('plot', plot, '.svg');
    // Every option is checked before the backend starts or anything loads.
    const epochs = integerOption(values, 'epochs', undefined);
    const spec = resume === undefined ? freshSpec(values) : undefined;
    await useBackendOption(values, io.out);
    const run: PreparedRun = spec ? startRun(spec.model, spec.settings) : await resumeRun(resume as string, epochs);
    const history = await runTraining(run, { dataDir: stringOption(values, 'data'), save, plot }, io);
    const last = history.at(-1);
    if (last) io.out(`final test acc ${last.testAcc.toFixed(3)}${save ? `; checkpoint ${save}` : ''}${plot ? `; plot ${plot}` : ''}`);
  },
};

function describeDefaults(variant: 'small' | 'd2l'): string {
  const d = TRAINING_DEFAULTS[variant];
  return `${d.epochs} epochs, batch ${d.batchSize}, ${d.optimizer} lr ${d.lr}, ${d.schedule}, init ${d.init}`;
}
