/** `nin eval`: test accuracy of a checkpoint on the Fashion-MNIST test images. */
import { loadModel } from '../../checkpoint/index.js';
import { NIN_VARIANTS } from '../../model/index.js';
import { evaluateAccuracy, TRAINING_DEFAULTS } from '../../train/index.js';
import { choiceOption, integerOption, parseCommandLine, stringOption } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError, withBatchSizeHint } from '../errors.js';
import { OPTION_BOUNDS } from '../option_bounds.js';
import { describeModel, loadSplit, locateData } from '../training_run.js';

/** `nin eval --weights FILE [--variant] [--data DIR] [--json]`: `test acc 0.xxx`. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'test accuracy of a checkpoint on the 10,000 test images',
  help: `Usage: nin eval --weights FILE.safetensors [--variant d2l|small] [--data DIR] [--json]
                [--limit-test N] [--batch-size N] [--backend cpu|gpujs]

Prints the data directory used and 'test acc 0.xxx' over the Fashion-MNIST test images (all
10,000 unless --limit-test), resized to the model's input, --batch-size at a time (default:
the variant's training batch, ${TRAINING_DEFAULTS.d2l.batchSize} for d2l and ${TRAINING_DEFAULTS.small.batchSize} for small, which fits wherever training
does). Out of memory, it says which --batch-size to try.
With --json, standard output holds one JSON object instead:
  {"weights", "variant", "widths", "inputSize", "data", "images", "batchSize", "accuracy"}
The variant comes from the checkpoint's metadata, else from --variant (a file written by
PyTorch has none).`,
  async run(argv, io) {
    const { values } = parseCommandLine('eval', argv, {
      ...BACKEND_OPTION, weights: { type: 'string' }, variant: { type: 'string' }, data: { type: 'string' },
      'limit-test': { type: 'string' }, 'batch-size': { type: 'string' }, json: { type: 'boolean' },
    });
    const weights = stringOption(values, 'weights');
    if (weights === undefined) throw new UsageError('eval: --weights FILE is required');
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, undefined);
    const limit = integerOption(values, 'limit-test', undefined) ?? null;
    const givenBatch = integerOption(values, 'batch-size', undefined, { max: OPTION_BOUNDS.batchSize });
    const json = values.json === true;
    // With --json, standard output holds the JSON alone.
    const say = json ? io.err : io.out;
    await useBackendOption(values, say);
    const { model, info } = await loadModel(weights, variant);
    const batchSize = givenBatch ?? TRAINING_DEFAULTS[info.variant].batchSize;
    const dir = await locateData(stringOption(values, 'data'), io, say);
    const testData = await loadSplit('test', dir, limit);
    const resize = info.inputSize === testData.size ? undefined : info.inputSize;
    const accuracy = await evaluateAccuracy(model, testData, { batchSize, resize }).catch((error: unknown) => {
      throw withBatchSizeHint(error, batchSize);
    });
    if (json) {
      io.out(JSON.stringify({ weights, variant: info.variant, widths: info.widths, inputSize: info.inputSize, data: dir, images: testData.count, batchSize, accuracy }));
      return;
    }
    io.out(`${describeModel(info)}: ${testData.count} test images, batch ${batchSize}`);
    io.out(`test acc ${accuracy.toFixed(3)}`);
  },
};
