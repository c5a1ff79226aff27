import '@tapegrad/backend-cpu';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad, rand } from '@tapegrad/core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@tapegrad/nn';
import { exportOnnx } from '@tapegrad/onnx';
import { InferenceSession, Tensor } from 'onnxruntime-node';

manualSeed(0);
const net = new Sequential(
  new Conv2d(1, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
  new Conv2d(8, 16, 3), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(16, 10),
);
const file = join(tmpdir(), 'tapegrad-example.onnx');
await exportOnnx(net, [1, 1, 28, 28], file);          // input [N, 1, 28, 28], any N

// Serve it: ONNX Runtime reads the file; 'input' and 'output' are the graph's names.
const session = await InferenceSession.create(file);
const images = rand([4, 1, 28, 28]);
const { output } = await session.run({ input: new Tensor('float32', await images.data(), [4, 1, 28, 28]) });

// The same images through tapegrad, in evaluation mode as exported.
const expected = await noGrad(() => net.eval().forward(images)).data();
const logits = output.data as Float32Array;
const diff = Math.max(...logits.map((v, i) => Math.abs(v - expected[i])));
console.log(`output [${output.dims.join(', ')}], max |onnx - tapegrad| = ${diff.toExponential(1)}`);
