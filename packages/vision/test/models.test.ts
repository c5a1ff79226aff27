/** The chapter's models: shapes at the chapter's sizes, width scaling, PyTorch's structure, and errors for bad options. */
import '@tapegrad/backend-cpu';
import { manualSeed, memory, noGrad, rand, sigmoid, tidy } from '@tapegrad/core';
import { Linear, type Module, type Sequential } from '@tapegrad/nn';
import { describe, expect, it } from 'vitest';
import {
  alexnet, buildVisionModel, DenseBlock, densenet, formatLayerShapes, googlenet, Inception, layerShapes, lenet, Residual, resnet18, Sigmoid,
  vgg, vggBlock, VISION_MODEL_NAMES, type VisionModelName, type VisionModelOptions,
} from '../src/index.js';

const parameterCount = (net: Module): number => net.parameters().reduce((n, p) => n + p.size, 0);
const shapes = (net: Sequential, size: number): string[] => formatLayerShapes(layerShapes(net, [1, 1, size, size]));
const firstLinear = (net: Sequential): Linear => net.children().find((m): m is Linear => m instanceof Linear) as Linear;

describe('lenet', () => {
  it("prints the chapter's shapes and has its 61,706 parameters", () => {
    const net = lenet();
    expect(shapes(net, 28)).toEqual([
      '0 output shape: [1, 6, 28, 28]', '1 output shape: [1, 6, 28, 28]', '2 output shape: [1, 6, 14, 14]',
      '3 output shape: [1, 16, 10, 10]', '4 output shape: [1, 16, 10, 10]', '5 output shape: [1, 16, 5, 5]',
      '6 output shape: [1, 400]', '7 output shape: [1, 120]', '8 output shape: [1, 120]', '9 output shape: [1, 84]',
      '10 output shape: [1, 84]', '11 output shape: [1, 10]',
    ]);
    expect(parameterCount(net)).toBe(61_706);
    expect(net.at(1)).toBeInstanceOf(Sigmoid);
    expect(lenet({ activation: 'relu' }).at(1).constructor.name).toBe('ReLU');
  });

  it('sizes its first Linear for the input size', () => {
    expect(firstLinear(lenet({ inputSize: 32 })).inFeatures).toBe(16 * 6 * 6);
  });
});

describe('widthDivisor', () => {
  it('divides each width, rounding down, to at least 1', () => {
    expect(shapes(lenet({ widthDivisor: 4 }), 28).slice(3, 4)).toEqual(['3 output shape: [1, 4, 10, 10]']);
    const thin = lenet({ widthDivisor: 100 });
    expect(thin.parameters().filter((p) => p.rank === 4).map((p) => p.shape)).toEqual([[1, 1, 5, 5], [1, 1, 5, 5]]);
  });

  it("keeps the chapter's geometry: AlexNet's 6400 and VGG's 7 x 7 at 224, divided", () => {
    expect(firstLinear(alexnet({ widthDivisor: 16 })).inFeatures).toBe(6400 / 16);
    expect(firstLinear(alexnet({ widthDivisor: 16 })).outFeatures).toBe(4096 / 16);
    expect(firstLinear(vgg({ widthDivisor: 16 })).inFeatures).toBe((512 / 16) * 7 * 7);
  });

  it("gives ResNet-18, GoogLeNet and DenseNet the chapter's shapes at 96, channels divided", () => {
    expect(shapes(resnet18({ widthDivisor: 16 }), 96)).toEqual([
      '0 output shape: [1, 4, 24, 24]', '1 output shape: [1, 4, 24, 24]', '2 output shape: [1, 8, 12, 12]', '3 output shape: [1, 16, 6, 6]',
      '4 output shape: [1, 32, 3, 3]', '5 output shape: [1, 32, 1, 1]', '6 output shape: [1, 32]', '7 output shape: [1, 10]',
    ]);
    expect(shapes(googlenet({ widthDivisor: 16 }), 96)).toEqual([
      '0 output shape: [1, 4, 24, 24]', '1 output shape: [1, 12, 12, 12]', '2 output shape: [1, 30, 6, 6]', '3 output shape: [1, 52, 3, 3]',
      '4 output shape: [1, 64]', '5 output shape: [1, 10]',
    ]);
    // 64 / 8 = 8 channels, growth 4: 8 + 16 = 24, halved to 12, 28 -> 14, 30 -> 15, 31.
    expect(shapes(densenet({ widthDivisor: 8 }), 96).map((line) => line.replace(/^\d+ output shape: /, ''))).toEqual([
      '[1, 8, 24, 24]', '[1, 24, 24, 24]', '[1, 12, 12, 12]', '[1, 28, 12, 12]', '[1, 14, 6, 6]', '[1, 30, 6, 6]', '[1, 15, 3, 3]',
      '[1, 31, 3, 3]', '[1, 31, 3, 3]', '[1, 31, 3, 3]', '[1, 31, 1, 1]', '[1, 31]', '[1, 10]',
    ]);
  });
});

describe('the blocks', () => {
  it("vggBlock halves the size with numConvs convolutions, PyTorch's keys", () => {
    const block = vggBlock(2, 3, 5);
    expect([...block.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(shapes(vgg({ arch: [[1, 8], [3, 16]], inputSize: 16, widthDivisor: 2 }), 16).slice(0, 2)).toEqual([
      '0 output shape: [1, 4, 8, 8]', '1 output shape: [1, 8, 4, 4]',
    ]);
  });

  it("Residual registers conv1, conv2, conv3, bn1, bn2 in PyTorch's order and halves with strides 2", () => {
    const block = new Residual(3, 6, { use1x1conv: true, strides: 2 });
    expect(block.namedChildren().map(([name]) => name)).toEqual(['conv1', 'conv2', 'conv3', 'bn1', 'bn2']);
    const y = noGrad(() => block.forward(rand([2, 3, 7, 7])));
    expect(y.shape).toEqual([2, 6, 4, 4]);
    expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0);
    expect(new Residual(4, 4).conv3).toBeNull();
  });

  it('Inception and DenseBlock join their paths along the channels', () => {
    const inception = new Inception(5, 2, [3, 4], [1, 2], 3);
    expect(inception.outChannels).toBe(11);
    expect(inception.namedChildren().map(([name]) => name)).toEqual(['p1_1', 'p2_1', 'p2_2', 'p3_1', 'p3_2', 'p4_1', 'p4_2']);
    expect(noGrad(() => inception.forward(rand([2, 5, 6, 6]))).shape).toEqual([2, 11, 6, 6]);
    const dense = new DenseBlock(2, 3, 10);
    const x = rand([4, 3, 8, 8]);
    const y = noGrad(() => dense.forward(x));
    expect(y.shape).toEqual([4, 23, 8, 8]);
    // The block's input comes through unchanged as its first channels.
    expect(Array.from(y.dataSync().slice(0, 3 * 64))).toEqual(Array.from(x.dataSync().slice(0, 3 * 64)));
  });

  it('Sigmoid is the logistic function', () => {
    const x = rand([3, 4]);
    expect(new Sigmoid().forward(x).dataSync()).toEqual(sigmoid(x).dataSync());
  });
});

/** Each model small: its options and input size. */
const SMALL: { readonly [K in VisionModelName]: readonly [VisionModelOptions[K], number] } = {
  lenet: [{ widthDivisor: 4 }, 28],
  alexnet: [{ widthDivisor: 32, inputSize: 67 }, 67],
  vgg: [{ widthDivisor: 32, inputSize: 32 }, 32],
  nin: [{ widths: [4, 8, 8] }, 67],
  googlenet: [{ widthDivisor: 16 }, 32],
  resnet18: [{ widthDivisor: 32 }, 32],
  densenet: [{ widthDivisor: 16 }, 32],
};

const buildSmall = <K extends VisionModelName>(name: K): Sequential => buildVisionModel(name, SMALL[name][0]);

describe('every model', () => {
  it.each(VISION_MODEL_NAMES)('%s trains a step without leaking tensors', (name) => {
    manualSeed(1);
    const net = buildSmall(name);
    const size = SMALL[name][1];
    const before = memory().numTensors;
    tidy(() => {
      const logits = net.forward(rand([2, 1, size, size]));
      expect(logits.shape).toEqual([2, 10]);
      logits.sum().backward();
    });
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(memory().numTensors).toBe(before);
  });
});

describe('bad options', () => {
  it('are errors naming the model and the option', () => {
    expect(() => lenet({ widthDivsor: 2 } as never)).toThrow("lenet: unknown option 'widthDivsor'");
    expect(() => alexnet({ widthDivisor: 0 })).toThrow('alexnet: widthDivisor must be a positive integer, got the number 0');
    expect(() => resnet18({ numClasses: 2.5 })).toThrow('resnet18: numClasses must be a positive integer, got the number 2.5');
    expect(() => lenet({ activation: 'tanh' as never })).toThrow(`lenet: activation must be 'sigmoid' or 'relu', got "tanh"`);
    expect(() => vgg({ dropout: 1.5 })).toThrow('vgg: dropout must be a probability in [0, 1], got the number 1.5');
    expect(() => vgg({ arch: [[1, 0]] })).toThrow('vgg: arch must be a non-empty list of [numConvs, outChannels] pairs of positive integers, got [[1,0]]');
    expect(() => googlenet({ inputSize: 96 } as never)).toThrow("googlenet: unknown option 'inputSize' (known: widthDivisor, numClasses)");
  });

  it('an input too small for the layers is an error naming inputSize', () => {
    expect(() => alexnet({ inputSize: 64 })).toThrow(/^alexnet: inputSize 64 is too small for its layers \(MaxPool2d: /);
    expect(() => vgg({ inputSize: 16 })).toThrow(/^vgg: inputSize 16 is too small for its layers/);
  });

  it('a Residual without a 1x1 shortcut needs matching channels and stride 1', () => {
    expect(() => new Residual(3, 6)).toThrow('Residual: without use1x1conv the shortcut is the input itself, so inChannels must equal numChannels and strides be 1, got 3, 6, strides 1');
    expect(() => new Residual(3, 3, { stride: 2 } as never)).toThrow("Residual: unknown option 'stride' (known: use1x1conv, strides)");
  });

  it('an unknown model name is an error listing the models', () => {
    expect(() => buildVisionModel('resnet50' as never)).toThrow('buildVisionModel: unknown model a string "resnet50" (known: lenet, alexnet, vgg, nin, googlenet, resnet18, densenet)');
  });
});
