/** `nin predict`: classify PNG or IDX images with a checkpoint. */
import { loadModel } from '../../checkpoint/index.js';
import { NIN_VARIANTS } from '../../model/index.js';
import { className, formatPrediction, predictImages, readImages, type GrayImage, type Prediction } from '../../predict/index.js';
import { choiceOption, integerOption, parseCommandLine, stringOption } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

/** One of the most probable classes of an image, in `--json` output. */
interface RankedClass {
  readonly label: number;
  readonly className: string;
  readonly probability: number;
}

/** The `k` most probable classes of `prediction`, most probable first (ties: lower label first). */
function topClasses(prediction: Prediction, k: number): RankedClass[] {
  const classes = prediction.probabilities.length;
  return prediction.probabilities
    .map((probability, label) => ({ label, className: className(label, classes), probability }))
    .sort((a, b) => b.probability - a.probability || a.label - b.label)
    .slice(0, k);
}

/** `nin predict --weights FILE [--variant] [--json] [--top K] IMAGE...` */
export const predictCommand: Command = {
  name: 'predict',
  summary: 'classify PNG or IDX images with a checkpoint',
  help: `Usage: nin predict --weights FILE.safetensors [--variant d2l|small] [--json] [--top K]
                   [--backend cpu|gpujs] IMAGE...

Each IMAGE is a PNG (any size and colour type: converted to grayscale, transparency over black)
or an IDX image file, gzipped or not (every image in it). Images are resized to the model's
input (bilinear, as PIL) and scaled to [0, 1], as the training data; Fashion-MNIST items are
light on a black background. Prints the K (default 3) most probable classes per image, or with
--json one JSON array with an object per image, in input order, whose "top" lists the K most
probable classes, most probable first:
  {"source", "index", "logits", "probabilities", "label", "className",
   "top": [{"label", "className", "probability"}, ...]}
The variant comes from the checkpoint's metadata, else from --variant.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine('predict', argv, {
      ...BACKEND_OPTION, weights: { type: 'string' }, variant: { type: 'string' }, json: { type: 'boolean' }, top: { type: 'string' },
    }, true);
    const weights = stringOption(values, 'weights');
    if (weights === undefined) throw new UsageError('predict: --weights FILE is required');
    if (positionals.length === 0) throw new UsageError('predict: no images given (pass PNG or IDX files after the options)');
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, undefined);
    const top = integerOption(values, 'top', 3);
    const json = values.json === true;
    // With --json, standard output holds the JSON alone.
    await useBackendOption(values, json ? io.err : io.out);
    const images: GrayImage[] = [];
    for (const path of positionals) images.push(...(await readImages(path)));
    const { model, info } = await loadModel(weights, variant);
    const predictions = await predictImages(model, images, info.inputSize);
    if (json) {
      io.out(JSON.stringify(predictions.map((prediction) => ({ ...prediction, top: topClasses(prediction, top) }))));
      return;
    }
    const many = new Set(images.map((image) => image.source)).size !== images.length;
    for (const prediction of predictions) io.out(formatPrediction(prediction, top, many));
  },
};
