/** What the exporter refuses, and how it says so: the module's class and path, the bad shape or option. */
import '@tapegrad/backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sigmoid, type Tensor } from '@tapegrad/core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, Module, ReLU, Sequential } from '@tapegrad/nn';
import { exportOnnx, exportOnnxToBytes, OnnxExportError, type OnnxExportOptions } from '@tapegrad/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreement, runOnnx, runTapegrad, uniformValues } from './onnx_runtime.js';

class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** A subclass may compute something else than its parent, so it is not taken for it. */
class ScaledReLU extends ReLU {
  override forward(x: Tensor): Tensor {
    return super.forward(x).mul(2);
  }
}

const KNOWN = 'Sequential, Conv2d, Linear, ReLU, MaxPool2d, AvgPool2d, GlobalAvgPool2d, AdaptiveAvgPool2d, Flatten, BatchNorm1d, BatchNorm2d, Dropout';

describe('exportOnnx refuses', () => {
  it('a module it does not know, naming its class and its path in the model', async () => {
    const net = new Sequential(new Conv2d(1, 2, 3), new Sequential(new ReLU(), new Sigmoid()), new Flatten());
    await expect(exportOnnxToBytes(net, [1, 1, 5, 5])).rejects.toThrow(new OnnxExportError(
      `cannot export Sigmoid at '1.1': it is not a layer the ONNX exporter knows (${KNOWN}) and has no toOnnx(graph, input) method (see docs/onnx.md)`,
    ));
  });

  it('a subclass of a known layer, and an unknown model itself', async () => {
    await expect(exportOnnxToBytes(new Sequential(new ScaledReLU()), [1, 3])).rejects.toThrow(/^cannot export ScaledReLU at '0': it is not a layer the ONNX exporter knows/);
    await expect(exportOnnxToBytes(new Sigmoid(), [1, 3])).rejects.toThrow(/^cannot export Sigmoid \(the model itself\): it is not a layer/);
  });

  it('an adaptive pooling whose windows differ in size', async () => {
    await expect(exportOnnxToBytes(new Sequential(new Conv2d(1, 1, 1), new AdaptiveAvgPool2d(3)), [1, 1, 8, 8])).rejects.toThrow(
      /^cannot export AdaptiveAvgPool2d at '1': AdaptiveAvgPool2d: output \[3, 3\] from input \[1, 1, 8, 8\] pools windows of different sizes/,
    );
  });

  it('batch norm without running statistics (it would use each batch\'s)', async () => {
    await expect(exportOnnxToBytes(new Sequential(new BatchNorm2d(2, { trackRunningStats: false })), [1, 2, 3, 3])).rejects.toThrow(
      /^cannot export BatchNorm2d at '0': BatchNorm2d: without running statistics \(trackRunningStats: false\)/,
    );
  });

  it('an input shape the model does not take, naming the layer', async () => {
    const net = new Sequential(new Sequential(new Conv2d(3, 4, 3), new ReLU()), new Flatten(), new Linear(4 * 4 * 4, 2));
    await expect(exportOnnxToBytes(net, [1, 1, 6, 6])).rejects.toThrow(/^cannot export Conv2d at '0\.0': Conv2d: input has 1 channels but weight expects 3/);
    await expect(exportOnnxToBytes(net, [1, 3, 7, 7])).rejects.toThrow(/^cannot export Linear at '2': Linear: input \[1, 100\] must end in 64 features/);
    await expect(exportOnnxToBytes(net, [1, 3, 2, 2])).rejects.toThrow(/^cannot export Conv2d at '0\.0': Conv2d: kernel height 3 is larger than the padded input height 2/);
    await expect(exportOnnxToBytes(new BatchNorm2d(3), [1, 3, 4])).rejects.toThrow(/BatchNorm2d: input \[1, 3, 4\] must be \[N, C, H, W\] with C = 3/);
  });

  it('a malformed input shape, model or option', async () => {
    const net = new Sequential(new ReLU());
    for (const shape of [[], [1, 0, 2], [1, 2.5], 'abc'] as unknown as number[][]) {
      await expect(exportOnnxToBytes(net, shape)).rejects.toThrow(/^exportOnnx: inputShape must be a non-empty array of positive integers/);
    }
    await expect(exportOnnxToBytes({} as Module, [1])).rejects.toThrow('exportOnnx: model must be a Module, got');
    await expect(exportOnnxToBytes(net, [1], { dynamicbatch: false } as OnnxExportOptions)).rejects.toThrow(/exportOnnx: unknown option 'dynamicbatch'/);
    await expect(exportOnnxToBytes(net, [1], { dynamicBatch: 'no' } as unknown as OnnxExportOptions)).rejects.toThrow(/dynamicBatch/);
    await expect(exportOnnxToBytes(net, [1], { inputName: 'x', outputName: 'x' })).rejects.toThrow("exportOnnx: inputName and outputName must differ, both are 'x'");
    await expect(exportOnnxToBytes(net, [1], { outputName: '' })).rejects.toThrow('exportOnnx: outputName must be a non-empty string');
  });

  it('merging the batch axis with an open batch; with a fixed batch it exports and agrees', async () => {
    const net = new Sequential(new Conv2d(2, 3, 1), new Flatten(0, 1));
    await expect(exportOnnxToBytes(net, [2, 2, 3, 3])).rejects.toThrow(/^cannot export Flatten at '1': Flatten: startDim 0 merges the batch axis, which needs a fixed batch \(dynamicBatch: false\)/);
    const bytes = await exportOnnxToBytes(net, [2, 2, 3, 3], { dynamicBatch: false });
    const x = uniformValues([2, 2, 3, 3], 2);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([6, 3, 3]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
  });
});

describe('exportOnnx writing a file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapegrad-onnx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes what exportOnnxToBytes returns, and custom input and output names', async () => {
    const net = new Sequential(new Linear(3, 2));
    const path = join(dir, 'linear.onnx');
    await exportOnnx(net, [1, 3], path, { inputName: 'features', outputName: 'scores' });
    const written = await readFile(path);
    expect(new Uint8Array(written)).toEqual(await exportOnnxToBytes(net, [1, 3], { inputName: 'features', outputName: 'scores' }));
    const x = uniformValues([2, 3], 1);
    const [onnx, ours] = [await runOnnx(written, x, { input: 'features', output: 'scores' }), await runTapegrad(net, x)];
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
    expect(await readdir(dir)).toEqual(['linear.onnx']);
  });

  it('a path it cannot write is an error naming it, and leaves no temporary file', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const path = join(blocker, 'model.onnx');
    await expect(exportOnnx(new ReLU(), [1, 2], path)).rejects.toThrow(`${path}: cannot write ONNX model: `);
    expect((await readdir(dir)).sort()).toEqual(['a-file', 'linear.onnx']);
  });

  it('a model it refuses leaves the file already at the path as it was', async () => {
    const path = join(dir, 'linear.onnx');
    const before = await readFile(path);
    await expect(exportOnnx(new Sequential(new Sigmoid()), [1, 3], path)).rejects.toThrow(OnnxExportError);
    expect(await readFile(path)).toEqual(before);
  });
});
