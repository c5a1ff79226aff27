/** `nin export`: a checkpoint's model as an ONNX file, for ONNX Runtime and other runtimes. */
import { writeFileAtomic } from '@tapegrad/nn';
import { exportOnnxToBytes, ONNX_OPSET } from '@tapegrad/onnx';
import { loadModel } from '../../checkpoint/index.js';
import { NIN_VARIANTS } from '../../model/index.js';
import { choiceOption, parseCommandLine, stringOption } from '../args.js';
import { BACKEND_OPTION, useBackendOption } from '../backend.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { prepareOutput } from '../outputs.js';
import { describeModel } from '../training_run.js';

/** `nin export --weights FILE --onnx FILE [--variant]`: `wrote FILE.onnx: ...`. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write a checkpoint\'s model as an ONNX file for ONNX Runtime',
  help: `Usage: nin export --weights FILE.safetensors --onnx FILE.onnx [--variant d2l|small]
                  [--backend cpu|gpujs]

Writes the checkpoint's model as an ONNX file (opset ${ONNX_OPSET}), in evaluation mode (dropout off):
  input  'input'  float32 [N, 1, S, S]: grayscale images scaled to [0, 1] as the training
                  data (light items on black), S the checkpoint's input size
  output 'output' float32 [N, classes]: logits (softmax gives the probabilities)
N, the batch, is left open. The file is written atomically (a temporary file beside it is
renamed over it), so a failure leaves what was there. The variant comes from the checkpoint's
metadata, else from --variant (a file written by PyTorch has none).`,
  async run(argv, io) {
    const { values } = parseCommandLine('export', argv, { ...BACKEND_OPTION, weights: { type: 'string' }, onnx: { type: 'string' }, variant: { type: 'string' } });
    const weights = stringOption(values, 'weights');
    if (weights === undefined) throw new UsageError('export: --weights FILE is required');
    const onnx = stringOption(values, 'onnx');
    if (onnx === undefined) throw new UsageError('export: --onnx FILE.onnx is required');
    const variant = choiceOption(values, 'variant', NIN_VARIANTS, undefined);
    await prepareOutput('onnx', onnx, '.onnx');
    await useBackendOption(values, io.out);
    const { model, info } = await loadModel(weights, variant);
    const bytes = await exportOnnxToBytes(model, [1, 1, info.inputSize, info.inputSize]);
    await writeFileAtomic(onnx, bytes, 'ONNX model');
    io.out(`wrote ${onnx}: ${describeModel(info)}, ${info.numClasses} classes; input [N, 1, ${info.inputSize}, ${info.inputSize}] -> output [N, ${info.numClasses}]; ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes`);
  },
};
