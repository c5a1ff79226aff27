/** `nin predict`: classify PNG or IDX images with a checkpoint. */
import { loadModel } from '../../checkpoint/index.js';
import { NIN_VARIANTS } from '../../model/index.js';
import { formatPrediction, predictImageFiles, readImageFiles, topClasses } from '../../predict/index.js';
import { choiceOption, integerOption, parseCommandLine, stringOption } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { oneLine, UsageError } from '../errors.js';

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
The variant comes from the checkpoint's metadata, else from --variant. A file that cannot be
read is reported on standard error (nin: FILE: why) and the other files are still classified;
the exit code is then 1.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine('predict', argv, {
      ...BACKEND_OPTION, weights: { type: 'string' }, variant: { type: 'string' }, json: { type: 'boolean' }, top: { type: 'string' },
    }, true);
    const weights = stringOption(values, 'weights');
    if (weights === undefined) throw new UsageError('predict: --weights FILE is required');
    if (positionals.length === 0) throw new UsageError('predict: no images given (pass PNG or IDX files after the options)');
    const empty = positionals.indexOf('');
    if (empty >= 0) throw new UsageError(`predict: image ${empty + 1} of ${positionals.length} is an empty path`);
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, undefined);
    const top = integerOption(values, 'top', 3);
    const json = values.json === true;
    // With --json, standard output holds the JSON alone.
    await useBackendOption(values, json ? io.err : io.out);
    const files = await readImageFiles(positionals, { env: io.env });
    // Each unreadable file is reported at once, in input order; the readable ones are still classified.
    const failed = files.filter((file) => !file.ok);
    for (const file of failed) if (!file.ok) io.err(`nin: ${oneLine(file.error)}`);
    if (failed.length === files.length) return 1;
    const { model, info } = await loadModel(weights, variant);
    const predictions = (await predictImageFiles(model, files, info.inputSize)).flatMap((file) => (file.ok ? file.predictions : []));
    if (json) {
      io.out(JSON.stringify(predictions.map((prediction) => ({ ...prediction, top: topClasses(prediction, top) }))));
    } else {
      const many = new Set(predictions.map((prediction) => prediction.source)).size !== predictions.length;
      for (const prediction of predictions) io.out(formatPrediction(prediction, top, many));
    }
    return failed.length > 0 ? 1 : 0;
  },
};
