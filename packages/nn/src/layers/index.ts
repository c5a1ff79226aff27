/** Every layer. */
export { Sequential } from './sequential.js';
export { Conv2d, type Conv2dArgs } from './conv2d.js';
export { Linear } from './linear.js';
export { ReLU } from './relu.js';
export { MaxPool2d, AvgPool2d, type Pool2dArgs } from './pooling.js';
export { AdaptiveAvgPool2d, GlobalAvgPool2d } from './global_pooling.js';
export { Flatten } from './flatten.js';
export { Dropout } from './dropout.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
