/**
 * Blocks with a graph of their own describe themselves with `toOnnx` (`OnnxExportable`): a
 * residual block (Add, with and without a 1x1 shortcut) and an Inception-like block (branches
 * joined by Concat on the channel axis), nested in `Sequential`s, against tapegrad in ONNX Runtime.
 */
import '@tapegrad/backend-cpu';
import { add, concat, manualSeed, mul, relu, softmax, tensor, type Tensor } from '@tapegrad/core';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, Module, ReLU, Sequential, uniform_ } from '@tapegrad/nn';
import { attr, exportOnnxToBytes, OnnxExportError, type OnnxExportable, type OnnxGraph, type OnnxValue } from '@tapegrad/onnx';
import { describe, expect, it } from 'vitest';
import { agreement, runOnnx, runTapegrad, uniformValues } from './onnx_runtime.js';

/** `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, the shortcut `x` or a strided 1x1 convolution. */
class Residual extends Module implements OnnxExportable {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Conv2d | null;

  constructor(inChannels: number, channels: number, stride = 1) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, channels, 3, { stride, padding: 1 }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(channels));
    this.conv2 = this.registerModule('conv2', new Conv2d(channels, channels, 3, { padding: 1 }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(channels));
    this.shortcut = inChannels === channels && stride === 1 ? null : this.registerModule('shortcut', new Conv2d(inChannels, channels, 1, { stride }));
    for (const norm of [this.bn1, this.bn2]) {
      uniform_(norm.runningMean as Tensor, -0.2, 0.2);
      uniform_(norm.runningVar as Tensor, 0.5, 2);
    }
  }

  forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(add(y, this.shortcut ? this.shortcut.forward(x) : x));
  }

  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    const y = graph.module(this.bn2, graph.module(this.conv2, graph.relu(graph.module(this.bn1, graph.module(this.conv1, x)))));
    return graph.relu(graph.add(y, this.shortcut ? graph.module(this.shortcut, x) : x));
  }
}

/** Branches of 1x1, 3x3 and pooled-then-1x1 convolutions, joined along the channels. */
class Inception extends Module implements OnnxExportable {
  readonly branches: Sequential[];

  constructor(inChannels: number) {
    super();
    this.branches = [
      new Sequential(new Conv2d(inChannels, 4, 1), new ReLU()),
      new Sequential(new Conv2d(inChannels, 2, 1), new ReLU(), new Conv2d(2, 6, 3, { padding: 1 }), new ReLU()),
      new Sequential(new MaxPool2d(3, { stride: 1, padding: 1 }), new Conv2d(inChannels, 3, 1), new ReLU()),
    ].map((branch, i) => this.registerModule(`b${i + 1}`, branch));
  }

  forward(x: Tensor): Tensor {
    return concat(this.branches.map((branch) => branch.forward(x)), 1);
  }

  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    return graph.concat(this.branches.map((branch) => graph.module(branch, x)), -3);
  }
}

/** DenseNet's block: each stage of `net` sees everything before it, `x = concat([x, stage(x)], 1)`. */
class Dense extends Module implements OnnxExportable {
  readonly net: Sequential;

  constructor(inChannels: number, growth: number, stages: number) {
    super();
    this.net = this.registerModule('net', new Sequential(...Array.from({ length: stages }, (_, i) =>
      new Sequential(new ReLU(), new Conv2d(inChannels + i * growth, growth, 3, { padding: 1 })))));
  }

  forward(x: Tensor): Tensor {
    return this.net.children().reduce((out, stage) => concat([out, stage.forward(out)], 1), x);
  }

  /** The stages are the children of `net`, exported one by one (not `net` as a chain). */
  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    return this.net.children().reduce((out, stage) => graph.concat([out, graph.module(stage, out)], 1), x);
  }
}

/** Probabilities per class, each scaled by a fixed weight: any ONNX op through `graph.op`, a constant through `graph.constant`. */
class WeightedSoftmax extends Module implements OnnxExportable {
  constructor(readonly weights: readonly number[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return mul(softmax(x, 1), tensor(Float32Array.from(this.weights), [this.weights.length]));
  }

  toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
    const probabilities = graph.op('Softmax', [x], x.shape, { axis: attr.int(1) });
    return graph.mul(probabilities, graph.constant(this.weights, [this.weights.length]));
  }
}

describe('blocks that describe themselves (toOnnx)', () => {
  it('residual blocks, with and without a 1x1 shortcut, in a small ResNet', async () => {
    manualSeed(3);
    const net = new Sequential(
      new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU()),
      new Sequential(new Residual(4, 4), new Residual(4, 8, 2)),
      new GlobalAvgPool2d(), new Flatten(), new Linear(8, 10),
    );
    const bytes = await exportOnnxToBytes(net, [1, 1, 12, 12]);
    const x = uniformValues([3, 1, 12, 12], 9, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([3, 10]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
  });

  it('an Inception-like block joining its branches with Concat', async () => {
    manualSeed(4);
    const net = new Sequential(new Conv2d(1, 5, 3, { padding: 1 }), new ReLU(), new Inception(5), new Inception(13), new GlobalAvgPool2d(), new Flatten());
    const bytes = await exportOnnxToBytes(net, [2, 1, 8, 8]);
    const x = uniformValues([2, 1, 8, 8], 10, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([2, 13]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
  });

  it('a dense block exporting the stages of its Sequential (modules registered below its children)', async () => {
    manualSeed(5);
    const net = new Sequential(new Conv2d(1, 3, 3, { padding: 1 }), new Dense(3, 2, 3), new GlobalAvgPool2d(), new Flatten());
    const bytes = await exportOnnxToBytes(net, [1, 1, 6, 6]);
    const x = uniformValues([2, 1, 6, 6], 12, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([2, 9]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
  });

  it('any ONNX operator through graph.op, with attributes, and constants', async () => {
    manualSeed(6);
    const net = new Sequential(new Linear(5, 4), new WeightedSoftmax([1, 0.5, 2, -1]));
    const bytes = await exportOnnxToBytes(net, [1, 5]);
    const x = uniformValues([3, 5], 13);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([3, 4]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
  });

  it('a constant that does not fill its shape, or an int64 one that is not whole, is refused naming the block', async () => {
    class BadConstant extends Module implements OnnxExportable {
      constructor(readonly values: number[], readonly dtype: 'float32' | 'int64') {
        super();
      }
      forward(x: Tensor): Tensor {
        return x;
      }
      toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
        return graph.op('Reshape', [x, graph.constant(this.values, [2], this.dtype)], x.shape);
      }
    }
    await expect(exportOnnxToBytes(new Sequential(new BadConstant([1, 2, 3], 'float32')), [1, 4])).rejects.toThrow(
      new OnnxExportError("cannot export BadConstant at '0': OnnxGraph.constant: 3 values do not fill shape [2]"),
    );
    await expect(exportOnnxToBytes(new Sequential(new BadConstant([1, 2.5], 'int64')), [1, 4])).rejects.toThrow(
      new OnnxExportError("cannot export BadConstant at '0': OnnxGraph.constant: int64 value 2.5 is not an integer"),
    );
  });

  it('a block exporting a module that is not its child is refused, naming the block and its path', async () => {
    const stray = new ReLU();
    class Leaky extends Module implements OnnxExportable {
      readonly conv = this.registerModule('conv', new Conv2d(1, 2, 1));
      forward(x: Tensor): Tensor {
        return stray.forward(this.conv.forward(x));
      }
      toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
        return graph.module(stray, graph.module(this.conv, x));
      }
    }
    const net = new Sequential(new Conv2d(1, 1, 1), new Sequential(new Leaky()));
    await expect(exportOnnxToBytes(net, [1, 1, 4, 4])).rejects.toThrow(
      new OnnxExportError("cannot export Leaky at '1.0': toOnnx exported a ReLU that is not registered under it (register it with registerModule)"),
    );
  });

  it('an error inside toOnnx names the block and its path; one inside a child names the child', async () => {
    class Mismatched extends Module implements OnnxExportable {
      readonly a = this.registerModule('a', new Conv2d(2, 3, 1));
      readonly b = this.registerModule('b', new Conv2d(2, 4, 3));
      forward(x: Tensor): Tensor {
        return concat([this.a.forward(x), this.b.forward(x)], 1);
      }
      toOnnx(graph: OnnxGraph, x: OnnxValue): OnnxValue {
        return graph.concat([graph.module(this.a, x), graph.module(this.b, x)], 1);
      }
    }
    await expect(exportOnnxToBytes(new Sequential(new Mismatched()), [1, 2, 5, 5])).rejects.toThrow(
      /^cannot export Mismatched at '0': concat: values\[1\] \[1, 4, 3, 3\] does not match values\[0\] \[1, 3, 5, 5\] on every axis but 1$/,
    );
    await expect(exportOnnxToBytes(new Sequential(new Mismatched()), [1, 3, 5, 5])).rejects.toThrow(
      /^cannot export Conv2d at '0\.a': Conv2d: input has 3 channels but weight expects 2/,
    );
  });
});
