/**
 * The output shape of a network's convolutional part, from its layers' geometry alone (no
 * computation): what sizes the first `Linear` of LeNet, AlexNet and VGG, as PyTorch's
 * `LazyLinear` does in the chapter.
 */
import { computeConv2dInfo, computePool2dInfo, type Shape } from '@tapegrad/core';
import { AvgPool2d, BatchNorm2d, Conv2d, Dropout, MaxPool2d, ReLU, Sequential, type Module } from '@tapegrad/nn';
import { Sigmoid } from '../layers/sigmoid.js';

/**
 * The shape `layers` (in order, `Sequential`s looked into) turn an input of `inShape`
 * `[N, C, H, W]` into. Convolutions and pooling change it as core's geometry says; activations,
 * dropout and batch norm keep it.
 * @throws core's error when the input is too small for a window, or for a layer of another kind
 */
export function featureShape(layers: readonly Module[], inShape: Shape): Shape {
  return layers.reduce<Shape>((shape, layer) => {
    if (layer instanceof Sequential) return featureShape(layer.children(), shape);
    if (layer instanceof Conv2d) return computeConv2dInfo(shape, layer.weight.shape, layer.stride, layer.padding, layer.dilation, layer.groups, 'Conv2d').outShape;
    if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
      return computePool2dInfo(layer.constructor.name, shape, layer.kernelSize, layer.stride, layer.padding, layer.ceilMode).outShape;
    }
    if (layer instanceof ReLU || layer instanceof Sigmoid || layer instanceof Dropout || layer instanceof BatchNorm2d) return shape;
    throw new Error(`featureShape: cannot size a ${layer.constructor.name} without running it`);
  }, inShape);
}

/** `channels * height * width` of `featureShape(layers, [1, inChannels, inputSize, inputSize])`. @throws naming `op` when the input is too small */
export function flatFeatures(op: string, layers: readonly Module[], inChannels: number, inputSize: number): number {
  let shape: Shape;
  try {
    shape = featureShape(layers, [1, inChannels, inputSize, inputSize]);
  } catch (error) {
    throw new Error(`${op}: inputSize ${inputSize} is too small for its layers (${(error as Error).message})`, { cause: error });
  }
  return shape.slice(1).reduce((a, b) => a * b, 1);
}
