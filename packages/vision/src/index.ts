/**
 * @tapegrad/vision: the convolutional networks of d2l's chapters "Convolutional Neural Networks"
 * (LeNet) and "Modern Convolutional Neural Networks" (AlexNet, VGG, NiN, GoogLeNet, ResNet-18,
 * DenseNet), built as the
 * chapters build them in PyTorch, with PyTorch's state-dict keys; the layer-shape summary the
 * chapters print; and `Sigmoid`, the layer LeNet needs beyond @tapegrad/nn's.
 *
 * @packageDocumentation
 */
export { Sigmoid } from './layers/sigmoid.js';
export type { ModelScale } from './models/options.js';
export { lenet, type LeNetActivation, type LeNetOptions } from './models/lenet.js';
export { alexnet, type AlexNetOptions } from './models/alexnet.js';
export { vgg, vggBlock, VGG11_ARCH, type VggBlockSpec, type VggOptions } from './models/vgg.js';
export * from './models/nin/index.js';
export { GOOGLENET_INCEPTIONS, googlenet, Inception, type GoogLeNetOptions, type InceptionSpec } from './models/googlenet.js';
export { Residual, resnet18, resnetBlock, type ResidualOptions, type ResNetOptions } from './models/resnet.js';
export { convBlock, DenseBlock, densenet, transitionBlock, type DenseNetOptions } from './models/densenet.js';
export * from './summary/index.js';
export { buildVisionModel, isVisionModelName, VISION_MODEL_NAMES, type VisionModelName, type VisionModelOptions } from './models/registry.js';
export { decodeVisionModelInfo, encodeVisionModelInfo, VISION_METADATA_KEYS, type VisionModelInfo } from './models/metadata.js';
