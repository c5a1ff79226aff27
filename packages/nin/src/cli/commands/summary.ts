/** `nin summary`: the network's layers, output shapes and parameter counts, as torchinfo prints them. */
import { formatShape } from '@tapegrad/core';
import { convMacs, layerTable, nin, ninArchitecture, NIN_VARIANTS, type LayerRow } from '../../model/index.js';
import { choiceOption, integerOption, parseCommandLine } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { OPTION_BOUNDS } from '../option_bounds.js';

/** `1,992,166`. */
const grouped = (n: number): string => n.toLocaleString('en-US');

/** The table: a header, one row per layer (nested layers indented), then the totals. */
export function formatLayerTable(rows: readonly LayerRow[], inputShape: readonly number[], macs: number): string[] {
  const cells = rows.map((r) => [`${'  '.repeat(r.depth)}${r.name}`, r.type, formatShape(r.shape), r.container || r.params === 0 ? '--' : grouped(r.params)]);
  const header = ['Layer', 'Type', 'Output shape', 'Params'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: readonly string[]): string => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = '='.repeat(line(header).length);
  const top = rows.filter((r) => r.depth === 0);
  const total = top.reduce((sum, r) => sum + r.params, 0);
  const trainable = top.reduce((sum, r) => sum + r.trainable, 0);
  return [
    rule, line(header), rule, ...cells.map(line), rule,
    `Total params: ${grouped(total)}`,
    `Trainable params: ${grouped(trainable)}`,
    `Params size: ${((total * 4) / 2 ** 20).toFixed(2)} MiB (float32)`,
    `Input: ${formatShape(inputShape)}; forward: ${(macs / 1e9).toFixed(3)} G multiply-adds (convolutions)`,
    rule,
  ];
}

/** `nin summary [--variant] [--input N]`: a torchinfo-style table of the layers. */
export const summaryCommand: Command = {
  name: 'summary',
  summary: 'print the layers, their output shapes and parameter counts',
  help: `Usage: nin summary [--variant d2l|small] [--input N] [--backend cpu|gpujs]

Runs one zero image of N x N (default: the variant's input, 224 for d2l, 28 for small; at most
${OPTION_BOUNDS.inputSize}) through the network and prints, as torchinfo does, a row per layer
(nested layers indented under their block: name, type, output shape, parameters) and the totals:
  Layer     Type               Output shape     Params
  0         Sequential         [1, 96, 54, 54]      --
    0.0     Conv2d             [1, 96, 54, 54]  11,712
  ...
  Total params: 1,992,166`,
  async run(argv, io) {
    const { values } = parseCommandLine('summary', argv, { ...BACKEND_OPTION, variant: { type: 'string' }, input: { type: 'string' } });
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, 'd2l');
    const input = integerOption(values, 'input', ninArchitecture(variant).inputSize, { max: OPTION_BOUNDS.inputSize });
    await useBackendOption(values, io.out);
    const net = nin({ variant });
    const shape = [1, 1, input, input];
    for (const line of formatLayerTable(layerTable(net, shape), shape, convMacs(net, shape))) io.out(line);
  },
};
