/** `nin eval`: test accuracy of a checkpoint on the Fashion-MNIST test images. */
import { loadModel } from '../../checkpoint/index.js';
import { NIN_VARIANTS } from '../../model/index.js';
import { evaluateAccuracy } from '../../train/index.js';
import { choiceOption, integerOption, parseCommandLine, stringOption } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { describeModel, loadSplit } from '../training_run.js';

/** `nin eval --weights FILE [--variant] [--data DIR]`: `test acc 0.xxx`. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'test accuracy of a checkpoint on the 10,000 test images',
  help: `Usage: nin eval --weights FILE.safetensors [--variant d2l|small] [--data DIR]
                [--limit-test N] [--batch-size N] [--backend cpu|gpujs]

Prints 'test acc 0.xxx' over the Fashion-MNIST test images (all 10,000 unless --limit-test),
resized to the model's input. The variant comes from the checkpoint's metadata, else from
--variant (a file written by PyTorch has none).`,
  async run(argv, io) {
    const { values } = parseCommandLine('eval', argv, {
      ...BACKEND_OPTION, weights: { type: 'string' }, variant: { type: 'string' }, data: { type: 'string' },
      'limit-test': { type: 'string' }, 'batch-size': { type: 'string' },
    });
    const weights = stringOption(values, 'weights');
    if (weights === undefined) throw new UsageError('eval: --weights FILE is required');
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, undefined);
    const limit = integerOption(values, 'limit-test', undefined) ?? null;
    const batchSize = integerOption(values, 'batch-size', 256);
    await useBackendOption(values, io.out);
    const { model, info } = await loadModel(weights, variant);
    const testData = await loadSplit('test', stringOption(values, 'data'), limit, io);
    const accuracy = await evaluateAccuracy(model, testData, { batchSize, resize: info.inputSize === testData.size ? undefined : info.inputSize });
    io.out(`${describeModel(info)}: ${testData.count} test images`);
    io.out(`test acc ${accuracy.toFixed(3)}`);
  },
};
