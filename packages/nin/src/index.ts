/**
 * @tapegrad/nin: the Network in Network model of the chapter, Fashion-MNIST data, a training loop
 * like the chapter's `train_ch5`, checkpoints, plots, prediction, and the `nin` command-line tool.
 *
 * @packageDocumentation
 */
export * from './model/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './checkpoint/index.js';
export * from './plot/index.js';
export * from './predict/index.js';
export * from './cli/index.js';
