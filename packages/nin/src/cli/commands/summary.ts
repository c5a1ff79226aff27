/** `nin summary`: each top-level layer's output shape for one input image. */
import { formatLayerShapes, layerShapes, nin, ninArchitecture, NIN_VARIANTS } from '../../model/index.js';
import { choiceOption, integerOption, parseCommandLine } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';

/** `nin summary [--variant] [--input N]`: `0 output shape: [1, 96, 54, 54]` ... */
export const summaryCommand: Command = {
  name: 'summary',
  summary: 'print each layer\'s output shape, as the chapter does',
  help: `Usage: nin summary [--variant d2l|small] [--input N] [--backend cpu|gpujs]

Runs one zero image of N x N (default: the variant's input, 224 for d2l, 28 for small) through
the network and prints each top-level layer's output shape:
  0 output shape: [1, 96, 54, 54]`,
  async run(argv, io) {
    const { values } = parseCommandLine('summary', argv, { ...BACKEND_OPTION, variant: { type: 'string' }, input: { type: 'string' } });
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, 'd2l');
    const input = integerOption(values, 'input', ninArchitecture(variant).inputSize);
    await useBackendOption(values, io.out);
    for (const line of formatLayerShapes(layerShapes(nin({ variant }), [1, 1, input, input]))) io.out(line);
  },
};
